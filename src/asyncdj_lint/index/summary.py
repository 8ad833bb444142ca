"""Per-file summaries: what the project index needs to know about one module.

A summary is a pure function of a file's content (never of its path or of
other files), so it can be computed in parallel and cached by content hash.
It records names as written (`models.Model`, `.querysets.ProductQuerySet`);
the project index resolves them across files.

Names, classes and functions are read with Python's own `ast`, a fraction of
LibCST's parse time, so a module the index only reads names from is never
parsed with LibCST. What runs on the request path and the TEMPLATES setting
are read from LibCST's tree (`SyntaxFacts`), when first asked for: most
modules are never asked, and a module a rule walks has its tree already.
Identifiers are as Python reads them (`ast` applies NFKC normalisation).
"""

from __future__ import annotations

import ast
import hashlib
import io
import tokenize
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from asyncdj_lint.facts import orm_api
from asyncdj_lint.index.fields import FieldDecl, attribute_calls, field_decls, string_constants
from asyncdj_lint.index.functions import FunctionDecl, function_decl
from asyncdj_lint.index.request_path.summary import RequestPathSummary
from asyncdj_lint.syntax.ast_names import call_arguments, dotted_name, import_bindings

if TYPE_CHECKING:
    import libcst as cst

    from asyncdj_lint.index.templates import TemplateSettings


@dataclass(frozen=True)
class ManagerDecl:
    """A class attribute that builds a manager.

    `kind` is "instance" (`AvailableManager()`), "as_manager"
    (`ProductQuerySet.as_manager()`) or "from_queryset"
    (`Manager.from_queryset(ProductQuerySet)()`); `factory` names the manager
    class or, for as_manager, the QuerySet class; `queryset` names the QuerySet
    class given to from_queryset.
    """

    attr: str
    kind: str
    factory: str
    queryset: str | None = None


@dataclass(frozen=True)
class MethodSummary:
    """What a method of a custom Manager or QuerySet does when called.

    `returns` is "queryset" (a lazy QuerySet), "sql" (runs a query before it
    returns) or "unknown"; `returns_via` names another method of the same
    class whose result is returned as is, to be resolved by the index.
    """

    name: str
    is_async: bool
    returns: str = "unknown"
    returns_via: str | None = None


@dataclass(frozen=True)
class ClassSummary:
    name: str
    bases: tuple[str, ...]
    # `Manager.from_queryset(X)` used as a base: the QuerySet class named.
    base_querysets: tuple[str, ...] = ()
    managers: tuple[ManagerDecl, ...] = ()
    methods: tuple[MethodSummary, ...] = ()
    abstract: bool = False
    fields: tuple[FieldDecl, ...] = ()
    # `name = "literal"` class attributes, e.g. an AppConfig's name and label.
    constants: tuple[tuple[str, str], ...] = ()
    # Every name the class body may bind (more than its scope holds, never fewer): a class
    # attribute missing here is not worth parsing the class's module for.
    bound: frozenset[str] = frozenset()

    def method(self, name: str) -> MethodSummary | None:
        return next((m for m in self.methods if m.name == name), None)


class SyntaxFacts(NamedTuple):
    """The part of a summary read from LibCST's tree."""

    request_path: RequestPathSummary = RequestPathSummary()
    # what a top-level `TEMPLATES = [...]` says (a settings module), else None
    templates: TemplateSettings | None = None


def syntax_facts(module: cst.Module) -> SyntaxFacts:
    from asyncdj_lint.index.request_path.summary import summarize_request_path
    from asyncdj_lint.index.templates import templates_setting

    return SyntaxFacts(summarize_request_path(module), templates_setting(module))


class Deferred:
    """A summary's `SyntaxFacts`, computed by `load` when first read.

    Only the facts travel (to a worker's parent, to the cache): whoever takes in
    a summary whose facts are not read yet binds a `load` of its own.
    """

    __slots__ = ("facts", "load")

    def __init__(self, facts: SyntaxFacts | None = None) -> None:
        self.facts = facts
        self.load: Callable[[], SyntaxFacts] | None = None

    def get(self) -> SyntaxFacts:
        if self.facts is None:
            load, self.load = self.load, None
            self.facts = load() if load is not None else SyntaxFacts()
        return self.facts

    def bind(self, load: Callable[[], SyntaxFacts]) -> None:
        if self.facts is None:
            self.load = load

    def __getstate__(self) -> tuple[SyntaxFacts | None]:
        return (self.facts,)

    def __setstate__(self, state: tuple[SyntaxFacts | None]) -> None:
        self.facts, self.load = state[0], None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Deferred) and self.get() == other.get()

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True)
class ModuleSummary:
    is_package: bool
    # local name -> target as written in the import (leading dots kept)
    imports: dict[str, str] = field(default_factory=dict)
    classes: dict[str, ClassSummary] = field(default_factory=dict)
    # module-level `Name = other.Name` aliases and `User = get_user_model()`
    aliases: dict[str, str] = field(default_factory=dict)
    # module-level functions ("name") and methods of module-level classes ("Class.name")
    functions: dict[str, FunctionDecl] = field(default_factory=dict)
    # The lines (first, last) of each top-level and class-level `def` and `class`, by kind and
    # name ("def", "Class.name"); None when the summary read the source rewritten.
    spans: dict[tuple[str, str], tuple[int, int]] | None = None
    syntax: Deferred = field(default_factory=Deferred, repr=False)

    @property
    def request_path(self) -> RequestPathSummary:
        """Settings, middleware, views and URL routes."""
        return self.syntax.get().request_path

    @property
    def templates(self) -> TemplateSettings | None:
        """What a top-level `TEMPLATES = [...]` says (a settings module), else None."""
        return self.syntax.get().templates


def same_for_readers(before: ModuleSummary, now: ModuleSummary) -> bool:
    """Whether what was read of `before` reads the same in `now`: its syntax facts count only
    when something read them (a summary cached with them unread)."""
    if (before.is_package, before.imports, before.classes, before.aliases, before.functions) != (
        now.is_package,
        now.imports,
        now.classes,
        now.aliases,
        now.functions,
    ):
        return False
    return before.syntax.facts is None or before.syntax.facts == now.syntax.get()


def read_summary(
    source: bytes, *, is_package: bool, tree: Callable[[], cst.Module | None] | None = None
) -> ModuleSummary | None:
    """The summary of a module's names, classes and functions; None when `ast` cannot parse it.

    `tree`: the module's LibCST tree, when `ast` needs LibCST's help and the caller has it.
    """
    read: bytes | None = source
    lines_kept = True  # neutralised literals keep their lines; the older-syntax rewrite does not
    module: ast.Module | None
    try:
        module = ast.parse(source)
    except (SyntaxError, ValueError) as error:
        # A literal Python cannot build (`"\\N{nope}"`, 5,000 digits) fails the whole parse, where
        # LibCST reads the rest of the module: read it with such literals made neutral. Syntax
        # newer than this Python's (PEP 695, 701, 758) is read from LibCST's rewrite of the tree.
        # The error's message says which to try first; the other is tried when it fails.
        rewrites: list[tuple[Callable[[bytes], bytes | None], bool]] = [
            (_without_unbuildable_literals, True),
            (lambda text: _in_older_syntax(text, tree), False),
        ]
        module = None
        for rewrite, keeps_lines in rewrites if _names_a_literal(error) else reversed(rewrites):
            read, lines_kept = rewrite(source), keeps_lines
            try:
                module = ast.parse(read) if read is not None else None
            except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
                module = None
            if module is not None:
                break
    except (RecursionError, MemoryError, OverflowError):
        module = None
    if module is None or read is None:
        return None
    source = read
    summary = ModuleSummary(is_package=is_package, spans={} if lines_kept else None)
    lines = _Lines(source)
    try:
        for statement in _top_level(module.body):
            _summarize_statement(statement, summary, lines)
    except RecursionError:
        return None
    return summary


def _without_unbuildable_literals(source: bytes) -> bytes | None:
    """`source` with each string or number literal that Python cannot build replaced by `0`,
    in parentheses, in as many characters and lines (what such a literal is to the summary:
    neither a name nor a string). None when the source does not tokenize."""
    try:
        tokens = list(tokenize.tokenize(io.BytesIO(source).readline))
        encoding = tokens[0].string if tokens and tokens[0].type == tokenize.ENCODING else "utf-8"
        lines = source.decode(encoding).splitlines(keepends=True)
    except (tokenize.TokenError, SyntaxError, UnicodeDecodeError, LookupError):
        return None
    changed = False
    for token in reversed(tokens):
        if token.type not in (tokenize.STRING, tokenize.NUMBER) or _buildable(token.string):
            continue
        (first, start), (last, end) = token.start, token.end
        text = "".join(lines[first - 1 : last])
        begin = start
        finish = len(text) - (len(lines[last - 1]) - end)
        inner = "".join(char if char in "\r\n" else " " for char in text[begin + 2 : finish - 1])
        replaced = text[:begin] + "(0" + inner + ")" + text[finish:] if finish - begin >= 3 else None
        if replaced is None:
            return None
        lines[first - 1 : last] = replaced.splitlines(keepends=True)
        changed = True
    return "".join(lines).encode(encoding) if changed else None


def _names_a_literal(error: SyntaxError | ValueError) -> bool:
    """Whether `ast`'s error is about a literal it cannot build, not about the syntax."""
    message = str(error)
    return isinstance(error, ValueError) or message.startswith(_LITERAL_ERRORS) or "digits" in message


_LITERAL_ERRORS = ("(unicode error)", "(value error)", "bytes can only contain ASCII")


def _in_older_syntax(source: bytes, tree: Callable[[], cst.Module | None] | None) -> bytes | None:
    """`source` parsed with LibCST (or its `tree`) and written back in the syntax every Python
    this runs on reads, for a module with newer syntax than the running Python's: type
    parameters and `type` statements dropped, f-strings made neutral (a parenthesised 0, as
    unbuildable literals), `except A, B:` parenthesised. None when LibCST cannot parse it either."""
    from asyncdj_lint import parse_guard
    from asyncdj_lint.index.older_syntax import downgraded

    try:
        module = tree() if tree is not None else parse_guard.parse_module(source)
        return downgraded(module).encode("utf-8") if module is not None else None
    except Exception:  # noqa: BLE001 - whatever LibCST refuses, the summary is not read
        return None


def _buildable(literal: str) -> bool:
    try:
        ast.parse(literal, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return False
    return True


class _Lines:
    """A source's lines as `ast` numbers them, split when first needed."""

    def __init__(self, source: bytes) -> None:
        self.source = source
        self._lines: list[bytes] | None = None

    def before(self, node: ast.stmt) -> bytes:
        """What precedes `node` on its first line."""
        if self._lines is None:
            self._lines = self.source.splitlines()
        line = self._lines[node.lineno - 1] if node.lineno <= len(self._lines) else b""
        return line[: node.col_offset]


def _top_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The module's statements, reading only the first branch of each `if` (a TYPE_CHECKING
    block) and the body of each `try` (`try: from x import y`): what runs where the imported
    names exist."""
    for statement in body:
        if isinstance(statement, (ast.If, ast.Try)):
            yield from _top_level(statement.body)
        else:
            yield statement


def _block(node: ast.ClassDef, lines: _Lines) -> list[ast.stmt]:
    """A class's body statements, none for a body written on the `class` line itself
    (`class Meta: abstract = True`), which the summary has never read."""
    if node.body and lines.before(node.body[0]).strip(b" \t\f"):
        return []
    return node.body


_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def _summarize_statement(statement: ast.stmt, summary: ModuleSummary, lines: _Lines) -> None:
    if summary.spans is not None and isinstance(statement, (*_FUNCTIONS, ast.ClassDef)):
        _record_span(summary.spans, statement, "")
        if isinstance(statement, ast.ClassDef):
            for inner in statement.body:
                if isinstance(inner, (*_FUNCTIONS, ast.ClassDef)):
                    _record_span(summary.spans, inner, f"{statement.name}.")
    if isinstance(statement, ast.ClassDef):
        body = _block(statement, lines)
        summary.classes[statement.name] = _summarize_class(statement, body, lines)
        for inner in body:
            if isinstance(inner, _FUNCTIONS):
                decl = function_decl(inner, statement.name)
                summary.functions[decl.key] = decl
    elif isinstance(statement, _FUNCTIONS):
        summary.functions[statement.name] = function_decl(statement, None)
    elif isinstance(statement, (ast.Import, ast.ImportFrom)):
        summary.imports.update(import_bindings(statement))
    elif isinstance(statement, ast.Assign):
        _record_alias(statement, summary)


def _record_span(
    spans: dict[tuple[str, str], tuple[int, int]],
    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef,
    owner: str,
) -> None:
    """A definition's lines, decorators included; a later one of the same name replaces it."""
    first = min([node.lineno, *(decorator.lineno for decorator in node.decorator_list)])
    kind = "class" if isinstance(node, ast.ClassDef) else "def"
    spans[kind, owner + node.name] = (first, node.end_lineno or node.lineno)


def code_digest(source: bytes, summary: ModuleSummary, name: str) -> str | None:
    """A digest of the code of the top-level function or class `name` ("f", "C" or "C.method"),
    which the analyses read (for the result cache); None if the module has no such definition.

    The `def` and the `class` of that name both count: an edit to either is seen. A module
    whose lines the summary does not know is digested whole.
    """
    if summary.spans is None:
        return hashlib.blake2b(source, digest_size=16).hexdigest()
    found = [summary.spans.get((kind, name)) for kind in ("def", "class")]
    spans = [span for span in found if span is not None]
    if not spans:
        return None
    lines = source.splitlines(keepends=True)
    digest = hashlib.blake2b(digest_size=16)
    for first, last in spans:
        digest.update(b"".join(lines[first - 1 : last]))
    return digest.hexdigest()


def _record_alias(assign: ast.Assign, summary: ModuleSummary) -> None:
    if len(assign.targets) != 1 or not isinstance(assign.targets[0], ast.Name):
        return
    name = assign.targets[0].id
    value = assign.value
    if isinstance(value, ast.Call) and not value.args and not value.keywords:
        target = dotted_name(value.func)
        if target is not None:
            summary.aliases[name] = target + "()"
        return
    target = dotted_name(value)
    if target is not None:
        summary.aliases[name] = target


def _summarize_class(node: ast.ClassDef, body: list[ast.stmt], lines: _Lines) -> ClassSummary:
    bases: list[str] = []
    base_querysets: list[str] = []
    # `*mixins` by its value, as LibCST lists it among the bases.
    for expr in (base.value if isinstance(base, ast.Starred) else base for base in node.bases):
        from_queryset = _from_queryset(expr)
        if from_queryset is not None:
            bases.append(from_queryset[0])
            base_querysets.append(from_queryset[1])
        elif (name := dotted_name(expr)) is not None:
            bases.append(name)
    managers: list[ManagerDecl] = []
    methods: list[MethodSummary] = []
    fields: list[FieldDecl] = []
    constants: list[tuple[str, str]] = []
    abstract = False
    for statement in body:
        if isinstance(statement, _FUNCTIONS):
            methods.append(_summarize_method(statement))
        elif isinstance(statement, ast.ClassDef):
            if statement.name == "Meta":
                abstract = _meta_is_abstract(_block(statement, lines))
        elif not isinstance(statement, _COMPOUND):
            managers.extend(_manager_decls(statement))
            fields.extend(field_decls(statement))
            constants.extend(string_constants(statement))
    return ClassSummary(
        name=node.name,
        bases=tuple(bases),
        base_querysets=tuple(base_querysets),
        managers=tuple(managers),
        methods=tuple(methods),
        abstract=abstract,
        fields=tuple(fields),
        constants=tuple(constants),
        bound=_bound_names(node.body, walrus=b":=" in lines.source),
    )


def _bound_names(body: list[ast.stmt], *, walrus: bool) -> frozenset[str]:
    """The names a class body binds (nested functions' and classes' bodies aside), also a body
    written on the `class` line. Only in a module that holds a walrus (`:=`, which binds inside
    any expression) is every statement read whole."""
    names: set[str] = set()
    for statement in body:
        if walrus:
            _all_bound_names(statement, names)
        elif isinstance(statement, (*_FUNCTIONS, ast.ClassDef)):
            names.add(statement.name)
        elif isinstance(statement, ast.Assign):
            for target in statement.targets:
                _target_names(target, names)
        elif isinstance(statement, (ast.AnnAssign, ast.AugAssign)):
            _target_names(statement.target, names)
        elif not isinstance(statement, ast.Expr):  # loops, imports, `if`, `try`, `with`, `match`...
            _all_bound_names(statement, names)
    return frozenset(names)


def _target_names(target: ast.expr, names: set[str]) -> None:
    if isinstance(target, ast.Name):
        names.add(target.id)
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            _target_names(element, names)
    elif isinstance(target, ast.Starred):
        _target_names(target.value, names)


def _all_bound_names(statement: ast.stmt, names: set[str]) -> None:
    """Every name bound anywhere in `statement`, nested functions' and classes' bodies aside."""
    stack: list[ast.AST] = [statement]
    while stack:
        node = stack.pop()
        if isinstance(node, (*_FUNCTIONS, ast.ClassDef)):
            names.add(node.name)
            # What runs where it is defined: decorators, defaults, bases (not the body).
            stack.extend(node.decorator_list)
            stack.extend([node.args] if isinstance(node, _FUNCTIONS) else [*node.bases, *node.keywords])
            continue
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            names.add(node.id)
        elif isinstance(node, ast.alias):
            names.add(node.asname or node.name.partition(".")[0])
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            names.update(node.names)
        elif not isinstance(node, ast.Lambda):
            name = getattr(node, "name", None) or getattr(node, "rest", None)  # except, match captures
            if isinstance(name, str):
                names.add(name)
        stack.extend(ast.iter_child_nodes(node))


# Statements with a body of their own (LibCST's compound statements).
_COMPOUND = (
    ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.If, ast.For, ast.AsyncFor,
    ast.While, ast.With, ast.AsyncWith, ast.Try, ast.Match,
    *((ast.TryStar,) if hasattr(ast, "TryStar") else ()),
)  # fmt: skip


def _from_queryset(expr: ast.expr) -> tuple[str, str] | None:
    """`Manager.from_queryset(QS)` -> ("Manager", "QS")."""
    if not (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute)):
        return None
    arguments = call_arguments(expr)
    if expr.func.attr != "from_queryset" or not arguments:
        return None
    manager = dotted_name(expr.func.value)
    queryset = dotted_name(arguments[0][1])
    if manager is None or queryset is None:
        return None
    return manager, queryset


def _meta_is_abstract(body: list[ast.stmt]) -> bool:
    return any(
        isinstance(statement, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "abstract" for t in statement.targets)
        and isinstance(statement.value, ast.Constant)
        and statement.value.value is True
        for statement in body
    )


def _manager_decls(statement: ast.stmt) -> list[ManagerDecl]:
    decls = (_manager_decl(attr, call) for attr, call in attribute_calls(statement))
    return [decl for decl in decls if decl is not None]


def _manager_decl(attr: str, call: ast.Call) -> ManagerDecl | None:
    func = call.func
    if isinstance(func, ast.Call):  # Manager.from_queryset(QS)()
        from_queryset = _from_queryset(func)
        if from_queryset is not None:
            return ManagerDecl(attr, "from_queryset", from_queryset[0], from_queryset[1])
        return None
    if isinstance(func, ast.Attribute) and func.attr == "as_manager":
        queryset = dotted_name(func.value)
        return ManagerDecl(attr, "as_manager", queryset) if queryset else None
    factory = dotted_name(func)
    return ManagerDecl(attr, "instance", factory) if factory else None


def _summarize_method(node: ast.FunctionDef | ast.AsyncFunctionDef) -> MethodSummary:
    is_async = isinstance(node, ast.AsyncFunctionDef)
    returns, runs_sql = _returns(node)
    kinds = {orm_api.self_chain_kind(value) for value in returns}
    via = {name for kind, name in kinds if kind == "via"}
    plain = {kind for kind, _ in kinds if kind != "via"}
    if runs_sql or (plain == {"sql"} and not via):
        return MethodSummary(node.name, is_async, "sql")
    if plain == {"queryset"} and not via:
        return MethodSummary(node.name, is_async, "queryset")
    if not plain and len(via) == 1:
        return MethodSummary(node.name, is_async, "unknown", via.pop())
    return MethodSummary(node.name, is_async)


_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def _returns(node: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[list[ast.expr], bool]:
    """One function's returned expressions, in order, and whether it runs SQL on `self`;
    the functions, lambdas and classes nested in it are not read."""
    returns: list[ast.expr] = []
    runs_sql = False
    stack: list[ast.AST] = list(reversed(node.body))
    while stack:
        item = stack.pop()
        if isinstance(item, _NESTED):
            continue
        if isinstance(item, ast.Return) and item.value is not None:
            returns.append(item.value)
        elif isinstance(item, ast.Call) and not runs_sql:
            runs_sql = orm_api.self_chain_kind(item)[0] == "sql"
        stack.extend(reversed(list(ast.iter_child_nodes(item))))
    return returns, runs_sql
