"""ADJ001: a file that cannot be read, decoded or parsed."""

from __future__ import annotations

from asyncdj_lint.diagnostics import Diagnostic
from asyncdj_lint.rules.base import Example, Expected, Rule, Severity


class UnparsableFile(Rule):
    code = "ADJ001"
    name = "unparsable-file"
    stable_since = "0.1.0"
    severity = Severity.ERROR
    summary = "A file could not be read, decoded or parsed, so it was not checked."
    why = (
        "asyncdj-lint checks code it can parse. A file with a syntax error, an unknown or "
        "wrong encoding, or one that cannot be read is reported once, with the parser's "
        "message, and the rest of the project is still checked."
    )
    django_versions = "all"
    requires_text = ()  # reported while reading files, never by walking them
    invalid = (
        Example(
            "async def view(request:\n    return None\n",
            outcome=None,
            expected=(
                Expected(
                    "2:1-2:1",
                    "cannot check this file: parser error: error at 2:11: expected one of +, -, ..., AWAIT, False, NUMBER, None, True, lambda, not, ~",
                ),
            ),
        ),
    )
    valid = (Example("async def view(request):\n    return None\n", outcome=None),)

    @classmethod
    def diagnostic(cls, path: str, message: str, line: int = 1, column: int = 1) -> Diagnostic:
        return Diagnostic(
            path=path,
            line=line,
            column=column,
            code=cls.code,
            message=f"cannot check this file: {' '.join(message.split())}",
            severity=cls.severity.value,
            # An empty range at the point the parser stopped: the start is all it knows.
            end_line=line,
            end_column=column,
        )
