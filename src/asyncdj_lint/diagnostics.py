"""A finding as the user sees it."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # fixes imports LibCST, which a run answered from the cache never needs
    from asyncdj_lint.fixes import ResolvedFix


class Severity(str, enum.Enum):
    """How bad a finding is; see README.md ("Severities")."""

    ERROR = "error"  # Django raises, or work is silently lost
    WARNING = "warning"  # no exception, but the event loop blocks
    ADVISORY = "advisory"  # style or future-proofing; off unless selected


@dataclass(frozen=True, order=True)
class Diagnostic:
    path: str
    line: int  # 1-based
    column: int  # 1-based, as ruff and flake8 print it
    code: str
    message: str
    severity: str
    end_line: int = 0
    end_column: int = 0
    # The rule's proposed fix, if any; not part of equality, ordering or any output yet.
    fix: ResolvedFix | None = field(default=None, compare=False)

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
        }
