"""The syntax helpers every layer above shares: one of each."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from asyncdj_lint.syntax.arguments import bound_parameters
from asyncdj_lint.syntax.literals import string_value
from asyncdj_lint.syntax.names import called_name
from asyncdj_lint.syntax.positions import syntactic_positions
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


TRICKY_LAYOUTS = [
    "x = 1",  # no newline at the end
    "",
    "# only a comment\n",
    "a = 1\r\nif a:\r\n    b = (1,\r\n         2)  # noqa: ADJ101\r\n",
    "a = 1\rb = 2\r",
    "x = 1\x0c\ny = '\u2028'\n\n\n",
    "def f(\n    a,\n    *,\n    b=2,\n):\n\treturn [\n\t\ti async for i in a\n\t]\n",
    '@decorated\nclass C(Base, metaclass=M):\n    """doc\n    string"""\n    x: int = 1; y = 2\n',
    "with (\n    open(a) as f,\n    open(b) as g,\n):\n    pass\nmatch x:\n    case [1, *rest] if rest:\n        pass\n",
    "value = f'{a!r:>{width}}' \\\n    'joined'\nlambda: (yield)\n",
]
FIXTURE_FILES = sorted((Path(__file__).resolve().parent.parent / "fixtures").rglob("*.py"))


@pytest.mark.parametrize("source", [*TRICKY_LAYOUTS, *(path.read_text() for path in FIXTURE_FILES)])
def test_positions_are_libcsts_node_for_node(source: str) -> None:
    module = cst.parse_module(source)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    found = syntactic_positions(module)
    assert set(found) == set(expected)
    assert {node: found[node] for node in found} == dict(expected)


@pytest.mark.parametrize(
    ("call", "skips_first", "expected"),
    [
        ("f(1, 2)", False, [("self", "1"), ("a", "2")]),
        ("f(1, 2)", True, [("a", "1"), ("b", "2")]),
        ("f(1, c=3, b=2)", True, [("a", "1"), ("c", "3"), ("b", "2")]),
        ("f(1, 2, 3)", True, [("a", "1"), ("b", "2")]),  # one too many (`c` is keyword-only): left out
        ("f(1, nope=2, a=3)", True, [("a", "1")]),  # an unknown keyword, a positional-only one: left out
        ("f(1, *rest, b=2)", True, [("a", "1")]),  # past `*args`, unknown
        ("f(**options)", True, []),
        ("f(self=1, b=2)", True, [("b", "2")]),  # the receiver is not passed again
    ],
)
def test_each_argument_lands_on_the_parameter_python_binds_it_to(
    call: str, skips_first: bool, expected: list[tuple[str, str]]
) -> None:
    function = cst.parse_statement("def f(self, a, /, b=1, *, c): ...")
    assert isinstance(function, cst.FunctionDef)
    parsed = cst.parse_expression(call)
    assert isinstance(parsed, cst.Call)
    pairs = bound_parameters(function, parsed, skips_first=skips_first)
    assert [(param.name.value, cst.Module([]).code_for_node(arg.value)) for param, arg in pairs] == expected


@pytest.mark.parametrize(
    ("call", "name"),
    [("login(request, user)", "login"), ("auth.alogout(request)", "alogout"), ("handlers[0](event)", None)],
)
def test_the_name_a_call_is_made_by(call: str, name: str | None) -> None:
    parsed = cst.parse_expression(call)
    assert isinstance(parsed, cst.Call)
    assert called_name(parsed) == name
