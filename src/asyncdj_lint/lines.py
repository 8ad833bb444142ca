"""Source lines as Python counts them: one helper for every place that numbers lines.

`str.splitlines()` also breaks at a form feed, a vertical tab, U+2028 and
other characters, where Python's tokenizer (and LibCST) see no new line, so a
file holding one would have its `# noqa` comments, `--add-noqa` edits and
shown source lines shifted. Python ends a line at `\\n`, `\\r\\n` or `\\r` only.
"""

from __future__ import annotations

import re

_ENDING = re.compile(r"(\r\n|\r|\n)")


def split_lines(text: str, *, keepends: bool = False) -> list[str]:
    """`text.splitlines(keepends)`, breaking only where Python's tokenizer does."""
    parts = _ENDING.split(text)
    lines = [parts[i] + parts[i + 1] if keepends else parts[i] for i in range(0, len(parts) - 1, 2)]
    if parts[-1]:
        lines.append(parts[-1])
    return lines
