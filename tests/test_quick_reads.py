"""What the index learns of a module without parsing it with LibCST: class statements, and
function declarations read with `ast`, which must match the LibCST summary's."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

from asyncdj_lint.index import quick
from asyncdj_lint.index.store import DECLARATIONS, holds
from asyncdj_lint.index.summary import summarize

REPO = Path(__file__).resolve().parent.parent

DECLARED = """\
import functools
from django.utils.functional import cached_property

if TYPE_CHECKING:
    def typed(): ...
else:
    def untyped(): ...

try:
    def tried(): ...
except ImportError:
    def fallback(): ...


class Product(Base, metaclass=Meta):
    @property
    def label(self): ...

    @functools.cached_property
    def price(self): ...

    @lru_cache(maxsize=None)
    async def stock(self): ...

    @registry[0]
    def odd(self): ...

    if True:
        def hidden(self): ...

    class Meta:
        def inner(self): ...


def label(): ...
async def label(): ...
"""


@pytest.mark.parametrize(
    "source",
    [DECLARED, "class A: pass\n", "x = 1\n", "def f(): pass\ndef f(): pass\n"],
)
def test_ast_declarations_are_the_summarys(source: str) -> None:
    expected = summarize(cst.parse_module(source), is_package=False).functions
    found = quick.function_decls(source.encode())
    assert found is not None
    assert list(found.items()) == list(expected.items())


def test_ast_declarations_match_on_every_file_of_the_fixtures() -> None:
    checked = 0
    for path in sorted((REPO / "fixtures").rglob("*.py")):
        source = path.read_bytes()
        found = quick.function_decls(source)
        if found is None:
            continue
        assert list(found.items()) == list(
            summarize(cst.parse_module(source), is_package=False).functions.items()
        )
        checked += 1
    assert checked > 20


@pytest.mark.parametrize("source", ["def café(): ...\n".encode(), b"def f(:\n", b"x = 1\x00\n"])
def test_what_ast_cannot_read_as_libcst_does_is_left_to_the_summary(source: bytes) -> None:
    assert quick.function_decls(source) is None


@pytest.mark.parametrize(
    ("source", "declares"),
    [
        (b"class Product(models.Model):\n", True),
        (b"class\tProduct:\n", True),
        (b"class \\\n    Product:\n", True),
        (b"x = 'class Product'\n", True),  # a string may say it: the summary decides
        (b"class ProductForm(forms.Form):\n", False),
        (b"subclass Product\n", False),
        (b"Product = make_model()\n", False),
    ],
)
def test_a_class_statement_that_may_declare_a_name(source: bytes, declares: bool) -> None:
    assert holds(source, "class Product") is declares
    assert holds(source, "Product") is True


def test_the_declarations_question_is_answered_again_from_the_source() -> None:
    source = b"class A:\n    @property\n    def x(self): ...\n"
    found = quick.function_decls(source)
    assert found is not None
    question = f"{DECLARATIONS}{quick.digest(found)}"
    assert holds(source, question)
    assert holds(source + b"\n# a comment\n", question)
    assert not holds(source.replace(b"@property", b"@cached_property"), question)
    assert not holds(b"def f(:\n", question)
