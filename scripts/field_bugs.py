"""Prints what asyncdj-lint catches of the field bug corpus (fixtures/field_bugs), as a Markdown table.

    python scripts/field_bugs.py            # the table, then the recall
    python scripts/field_bugs.py --missed   # only the bugs it misses, with their pattern

The same judgement as tests/test_field_bugs.py: a bug is caught when a finding
lies inside its buggy location; twins must stay silent.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.field_bug_corpus import judge, lint_project, load_catalogue, missed, table


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--missed", action="store_true", help="list only the bugs not caught")
    args = parser.parse_args()
    verdicts = judge(load_catalogue(), lint_project())
    print(missed(verdicts) if args.missed else table(verdicts))
    flagged = [v.id for v in verdicts if v.twin_flagged_by]
    if flagged:
        print(f"twins flagged: {', '.join(flagged)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
