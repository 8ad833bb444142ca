"""The syntax helpers every layer above shares: one of each."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.syntax.literals import string_value
from asyncdj_lint.syntax.statements import top_level_statements

MODULE = """\
import a
if TYPE_CHECKING:
    import b
else:
    import c
try:
    import d
    if x:
        import e
except ImportError:
    import f
else:
    import g
finally:
    import h
"""


def imported(statements) -> list[str]:
    code = cst.Module(body=[])
    return [code.code_for_node(s).split()[1] for s in statements]


def test_top_level_statements_read_every_branch_of_if_and_try():
    module = cst.parse_module(MODULE)
    assert imported(top_level_statements(module.body)) == ["a", "b", "c", "d", "e", "f", "g", "h"]


def test_top_level_statements_of_the_first_branches_only():
    module = cst.parse_module(MODULE)
    assert imported(top_level_statements(module.body, all_branches=False)) == ["a", "b", "d", "e"]


def test_string_value_reads_plain_and_concatenated_strings_only():
    def value(code: str) -> str | None:
        return string_value(cst.parse_expression(code))

    assert value('"shop.Product"') == "shop.Product"
    assert value('"shop." "Product"') == "shop.Product"
    assert value('f"{x}"') is None
    assert value('b"x"') is None
    assert value("name") is None
    assert string_value(None) is None
