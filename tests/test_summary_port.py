"""Module summaries are read with `ast`: they must say what the LibCST reading they replaced
said (tests/reference_summary.py), entry for entry and in the same order, on every file of
the fixture projects and on a sample of the library corpus; and what the index asks of a
module without summarising it (class statements, declarations) is answered from the source."""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

import libcst as cst
import pytest

from asyncdj_lint.index.store import DECLARATIONS, SourceStore, digest, holds
from asyncdj_lint.index.summary import ModuleSummary, read_summary, same_for_readers, syntax_facts
from tests import reference_summary

sys.path.insert(0, str(Path(__file__).parents[1] / "scripts"))
from corpus import corpus_root  # scripts/ is not a package

REPO = Path(__file__).resolve().parent.parent

DECLARED = """\
import functools, os.path as osp
from . import sibling
from ..pkg import thing as other
from django.db.models import *
from django.utils.functional import cached_property

if TYPE_CHECKING:
    from typing import Any
    def typed(): ...
else:
    def untyped(): ...

try:
    from fast import json
    def tried(): ...
except ImportError:
    def fallback(): ...

User = get_user_model()
Alias = models.Model
Called = factory(1)
a = b = other


class ProductQuerySet(models.QuerySet):
    def available(self):
        return self.filter(stock__gt=0)

    def cheapest(self):
        return self.order_by("price").first()

    def both(self):
        return self.available()

    def nested(self):
        def inner():
            return self.get()
        return inner

    async def counted(self):
        self.count()
        return None


class Product(Base, *mixins, metaclass=Meta, **options):
    objects = ProductQuerySet.as_manager()
    shelf = Manager.from_queryset(ProductQuerySet)()
    other = Manager.from_queryset(queryset_class=ProductQuerySet)()
    plain: Manager = AvailableManager()
    customer = models.ForeignKey("shop.Customer", related_name="orders", null=True, on_delete=CASCADE)
    owner = models.ForeignKey(to=User, related_query_name="owned", primary_key=True)
    label = "shop"; code = 3
    joined = "a" "b"

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
        abstract = True


class Inline(models.Model):
    class Meta: abstract = True


class OneLine(models.Model): objects = Manager()


class Base(Manager.from_queryset(ProductQuerySet), Generic[T]):
    pass


def label(): ...
async def label(): ...
"""


def _names(summary: ModuleSummary) -> tuple[object, ...]:
    return (summary.imports, summary.classes, summary.aliases, summary.functions)


def _same_as_libcst(source: bytes) -> bool:
    """Whether `ast` reads `source` as LibCST did; True when LibCST cannot read it."""
    found = read_summary(source, is_package=False)
    try:
        module = cst.parse_module(source)
    except Exception:  # noqa: BLE001 - what LibCST cannot parse has no reference
        return True
    assert found is not None, "LibCST reads it: so must the summary"
    expected = reference_summary.summarize(module, is_package=False)
    for got, want in zip(_names(found), _names(expected), strict=True):
        assert list(got.items()) == list(want.items())  # type: ignore[attr-defined]
    return True


def test_every_part_of_a_summary_is_read_as_libcst_read_it() -> None:
    assert _same_as_libcst(DECLARED.encode())
    summary = read_summary(DECLARED.encode(), is_package=False)
    assert summary is not None
    product = summary.classes["Product"]
    assert product.bases == ("Base", "mixins")
    assert [m.kind for m in product.managers][:4] == [
        "as_manager",
        "from_queryset",
        "from_queryset",
        "instance",
    ]
    assert product.abstract
    assert not summary.classes["Inline"].abstract  # a body on the `class` line was never read
    assert [(m.name, m.returns, m.returns_via) for m in summary.classes["ProductQuerySet"].methods] == [
        ("available", "queryset", None),
        ("cheapest", "sql", None),
        ("both", "unknown", "available"),
        ("nested", "unknown", None),
        ("counted", "sql", None),
    ]


@pytest.mark.parametrize("source", ["class A: pass\n", "x = 1\n", "def f(): pass\ndef f(): pass\n", ""])
def test_small_modules_are_read_as_libcst_read_them(source: str) -> None:
    assert _same_as_libcst(source.encode())


def test_every_file_of_the_fixture_projects_is_read_as_libcst_read_it() -> None:
    paths = sorted((REPO / "fixtures").rglob("*.py"))
    assert len(paths) > 20
    for path in paths:
        assert _same_as_libcst(path.read_bytes()), path


def test_a_sample_of_the_library_corpus_is_read_as_libcst_read_it() -> None:
    corpus = corpus_root()
    paths = sorted(corpus.rglob("*.py"))[::7] if corpus.is_dir() else []
    if not paths:
        pytest.skip(f"no library corpus under {corpus} (python scripts/corpus.py)")
    for path in paths:
        assert _same_as_libcst(path.read_bytes()), path


def test_syntax_facts_are_read_from_libcst_only_when_asked(tmp_path: Path) -> None:
    path = tmp_path / "settings.py"
    path.write_text('MIDDLEWARE = ["a.B"]\nTEMPLATES = []\n')
    store = SourceStore([path])
    summary = store["settings"]
    assert store.sources.parses[path] == 0  # read with `ast` only
    assert summary.request_path == syntax_facts(cst.parse_module(path.read_bytes())).request_path
    assert store.sources.parses[path] == 1


def test_a_summary_travels_without_its_loader_and_compares_on_what_was_read(tmp_path: Path) -> None:
    path = tmp_path / "views.py"
    path.write_text("def view(request): ...\n")
    store = SourceStore([path])
    unread = pickle.loads(pickle.dumps(store["views"]))
    assert unread.syntax.facts is None
    now = store["views"]
    assert same_for_readers(unread, now)
    assert store.sources.parses[path] == 0  # facts nobody read are not compared
    read = pickle.loads(pickle.dumps(now)) if now.request_path is not None else now
    assert read.syntax.facts is not None
    assert same_for_readers(read, now)
    assert read == now


@pytest.mark.parametrize("source", ["def café(): ...\n".encode(), b"def f(:\n", b"x = 1\x00\n"])
def test_what_ast_cannot_read_has_no_summary(source: bytes) -> None:
    found = read_summary(source, is_package=False)
    assert found is None or list(found.functions) == ["café"]


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
    found = read_summary(source, is_package=False)
    assert found is not None
    question = f"{DECLARATIONS}{digest(found.functions)}"
    assert holds(source, question)
    assert holds(source + b"\n# a comment\n", question)
    assert not holds(source.replace(b"@property", b"@cached_property"), question)
    assert not holds(b"def f(:\n", question)


UNBUILDABLE = (
    "from django.db import models\n"
    "class Product(models.Model):\n"
    '    tag = models.ForeignKey("\\N{nope}", related_name="\\N{bad}", on_delete=models.CASCADE)\n'
    "    size = models.IntegerField(default=" + "7" * 5000 + ")\n"
    "    note = '''a\n\\N{q} é\n''' ; label = b'é'\n"
    "    objects = Manager()\n"
)


def test_literals_python_cannot_build_leave_the_rest_of_the_module_read_as_libcst_read_it() -> None:
    summary = read_summary(UNBUILDABLE.encode(), is_package=False)
    assert summary is not None
    assert [field.attr for field in summary.classes["Product"].fields] == ["tag", "size", "objects"]
    assert _same_as_libcst(UNBUILDABLE.encode())


NEWER_SYNTAX = """\
from django.db import models


class Box[T = int](models.Model):
    label = models.CharField(max_length=10, default=f"{'a'!r:>{3}}" "b")
    note = f"{"nested"}"

    def first[U](self, items: list[U]) -> U:
        try:
            return items[0]
        except IndexError, KeyError:
            return self.filter(pk=1)


type Alias = Box[int]
Other = Box
"""


def test_syntax_newer_than_this_pythons_is_read_as_libcst_read_it() -> None:
    """PEP 695 and 696 type parameters, PEP 701 f-strings and PEP 758 `except A, B:`."""
    summary = read_summary(NEWER_SYNTAX.encode(), is_package=False)
    assert summary is not None
    assert list(summary.classes) == ["Box"] and summary.aliases == {"Other": "Box"}
    assert _same_as_libcst(NEWER_SYNTAX.encode())
