"""Module summaries are read with `ast`: imports, aliases, classes and functions, entry for
entry and in source order; literals Python cannot build and syntax newer than the running
Python's leave the rest readable; the facts only LibCST keeps are parsed only when asked; and
what the index asks of a module without summarising it (class statements, declarations) is
answered from the source."""

from __future__ import annotations

import pickle
from pathlib import Path

import libcst as cst
import pytest

from asyncdj_lint.index.store import DECLARATIONS, SourceStore, digest, holds
from asyncdj_lint.index.summary import code_digest, read_summary, same_for_readers, syntax_facts

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


def test_every_part_of_a_summary_is_read() -> None:
    summary = read_summary(DECLARED.encode(), is_package=False)
    assert summary is not None
    # The first branch of an `if TYPE_CHECKING`/`try` is read; a star import binds nothing known.
    assert summary.imports == {
        "functools": "functools",
        "osp": "os.path",
        "sibling": ".sibling",
        "other": "..pkg.thing",
        "cached_property": "django.utils.functional.cached_property",
        "Any": "typing.Any",
        "json": "fast.json",
    }
    assert summary.aliases == {"User": "get_user_model()", "Alias": "models.Model"}
    assert [name for name in summary.functions if "." not in name] == ["typed", "tried", "label"]
    assert [name for name in summary.functions if name.startswith("Product.")] == [
        "Product.label",
        "Product.price",
        "Product.stock",
        "Product.odd",
    ]
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


@pytest.mark.parametrize(
    ("source", "defines"),
    [
        (b"def home(request):\n", True),
        (b"async def home(request):\n", True),
        (b"    def \\\n home(self):\n", True),
        (b"def homepage(request):\n", False),
        (b"home = login_required(view)\n", False),
        (b"undef home\n", False),
    ],
)
def test_a_def_statement_that_may_define_a_name(source: bytes, defines: bool) -> None:
    """A view's request-path facts are parsed for only where its name may be defined."""
    assert holds(source, "def home") is defines


@pytest.mark.parametrize(
    ("source", "found"),
    [
        (b"async for row in rows:\n", True),
        (b"[r async  for r in rows]\n", True),
        (b"async def f(): for x in y: ...\n", False),
    ],
)
def test_an_async_for_statement_is_looked_for_across_whitespace(source: bytes, found: bool) -> None:
    assert holds(source, "async for") is found


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


def test_literals_python_cannot_build_leave_the_rest_of_the_module_read() -> None:
    summary = read_summary(UNBUILDABLE.encode(), is_package=False)
    assert summary is not None
    assert [field.attr for field in summary.classes["Product"].fields] == ["tag", "size", "objects"]
    assert [manager.attr for manager in summary.classes["Product"].managers] == ["tag", "size", "objects"]


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


def test_syntax_newer_than_this_pythons_is_read() -> None:
    """PEP 695 and 696 type parameters, PEP 701 f-strings and PEP 758 `except A, B:`."""
    summary = read_summary(NEWER_SYNTAX.encode(), is_package=False)
    assert summary is not None
    assert list(summary.classes) == ["Box"] and summary.aliases == {"Other": "Box"}
    assert [field.attr for field in summary.classes["Box"].fields] == ["label"]
    assert list(summary.functions) == ["Box.first"]


BINDING_CLASS_BODIES = """\
class View(Base):
    model = Product
    first, (second, *rest) = 1, (2, 3)
    typed: int = 2
    counter += 1
    docs = "text"

    def get(self, request):
        local = 1

    class Meta:
        ordering = ["name"]

    for loop_name in range(3):
        pass
    if DEBUG:
        from tools import helper as aliased, other
    try:
        pass
    except ValueError as error:
        pass
    with opened() as (left, right):
        pass
    match subject:
        case [captured, *tail]:
            pass


class Inline(View): template_name = "inline.html"
"""


def test_a_class_summary_names_what_its_body_binds() -> None:
    """Class attributes are looked up in LibCST trees only when a class body binds the name."""
    summary = read_summary(BINDING_CLASS_BODIES.encode(), is_package=False)
    assert summary is not None
    assert summary.classes["View"].bound == {
        *("model", "first", "second", "rest", "typed", "counter", "docs", "get", "Meta", "loop_name"),
        *("aliased", "other", "error", "left", "right", "captured", "tail"),
    }  # not `local`, bound in a method, nor `ordering`, bound in a nested class
    assert summary.classes["Inline"].bound == {"template_name"}  # a body on the `class` line too


def test_a_walrus_in_a_class_body_binds_there() -> None:
    source = (
        "class View(Base):\n"
        "    queryset = (everything := Product.objects.all())\n\n"
        "    @decorate(chosen := 1)\n"
        "    def get(self, request, limit=(default := 10)):\n"
        "        local = 1\n"
    )
    summary = read_summary(source.encode(), is_package=False)
    assert summary is not None
    assert summary.classes["View"].bound == {"queryset", "everything", "chosen", "default", "get"}


DIGESTED = """\
import functools


@functools.cache
def helper():
    return 1


class View:
    def get(self):
        return helper()

    def post(self):
        return 2


def View():  # a function of the class's name: both count
    pass
"""


def _digests(source: str) -> dict[str, str | None]:
    summary = read_summary(source.encode(), is_package=False)
    assert summary is not None
    return {
        name: code_digest(source.encode(), summary, name)
        for name in ("helper", "View", "View.get", "View.post", "gone")
    }


def test_a_code_digest_changes_with_the_definition_it_names_only() -> None:
    before = _digests(DIGESTED)
    assert before["gone"] is None and None not in [before[name] for name in ("helper", "View", "View.get")]
    decorated = _digests(DIGESTED.replace("@functools.cache", "@functools.lru_cache"))
    assert decorated["helper"] != before["helper"]
    assert {name: decorated[name] for name in ("View", "View.get", "View.post")} == {
        name: before[name] for name in ("View", "View.get", "View.post")
    }
    edited = _digests(DIGESTED.replace("return 2", "return 3"))
    assert edited["View.post"] != before["View.post"] and edited["View"] != before["View"]
    assert edited["View.get"] == before["View.get"] and edited["helper"] == before["helper"]
    assert _digests(DIGESTED.replace("    pass\n", "    return 0\n"))["View"] != before["View"]
    # Lines added above move every definition, which keeps its digest.
    assert _digests("import os\n\n" + DIGESTED) == before


def test_a_module_read_in_older_syntax_is_digested_whole() -> None:
    summary = read_summary(NEWER_SYNTAX.encode(), is_package=False)
    assert summary is not None and summary.spans is None
    digest = code_digest(NEWER_SYNTAX.encode(), summary, "Box.first")
    assert digest is not None
    assert code_digest((NEWER_SYNTAX + "x = 1\n").encode(), summary, "Box.first") != digest
