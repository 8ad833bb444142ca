"""Per-file summaries: what the project index needs to know about one module.

A summary is a pure function of a file's parsed content (never of its path or
of other files), so it can be computed in parallel and cached by content hash.
It records names as written (`models.Model`, `.querysets.ProductQuerySet`);
the project index resolves them across files.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from asyncdj_lint.facts import orm_api
from asyncdj_lint.index.fields import FieldDecl, attribute_calls, field_decls, string_constants
from asyncdj_lint.index.functions import FunctionDecl, function_decl
from asyncdj_lint.index.request_path.summary import RequestPathSummary, summarize_request_path
from asyncdj_lint.index.templates import TemplateSettings, templates_setting
from asyncdj_lint.syntax.names import dotted_name, import_bindings
from asyncdj_lint.syntax.statements import top_level_statements
from asyncdj_lint.syntax.walk import FunctionBodyVisitor, walk


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

    def method(self, name: str) -> MethodSummary | None:
        return next((m for m in self.methods if m.name == name), None)


@dataclass(frozen=True)
class ModuleSummary:
    is_package: bool
    # local name -> target as written in the import (leading dots kept)
    imports: dict[str, str] = field(default_factory=dict)
    classes: dict[str, ClassSummary] = field(default_factory=dict)
    # module-level `Name = other.Name` aliases and `User = get_user_model()`
    aliases: dict[str, str] = field(default_factory=dict)
    # settings, middleware, views and URL routes
    request_path: RequestPathSummary = field(default_factory=RequestPathSummary)
    # module-level functions ("name") and methods of module-level classes ("Class.name")
    functions: dict[str, FunctionDecl] = field(default_factory=dict)
    # what a top-level `TEMPLATES = [...]` says (a settings module), else None
    templates: TemplateSettings | None = None


def summarize(module: cst.Module, *, is_package: bool) -> ModuleSummary:
    summary = ModuleSummary(
        is_package=is_package,
        request_path=summarize_request_path(module),
        templates=templates_setting(module),
    )
    for statement in top_level_statements(module.body, all_branches=False):
        _summarize_statement(statement, summary)
    return summary


def _summarize_statement(statement: cst.CSTNode, summary: ModuleSummary) -> None:
    if isinstance(statement, cst.ClassDef):
        summary.classes[statement.name.value] = _summarize_class(statement)
        for inner in statement.body.body:
            if isinstance(inner, cst.FunctionDef):
                decl = function_decl(inner, statement.name.value)
                summary.functions[decl.key] = decl
    elif isinstance(statement, cst.FunctionDef):
        summary.functions[statement.name.value] = function_decl(statement, None)
    elif isinstance(statement, cst.SimpleStatementLine):
        for small in statement.body:
            if isinstance(small, (cst.Import, cst.ImportFrom)):
                summary.imports.update(import_bindings(small))
            elif isinstance(small, cst.Assign):
                _record_alias(small, summary)


def _record_alias(assign: cst.Assign, summary: ModuleSummary) -> None:
    if len(assign.targets) != 1 or not isinstance(assign.targets[0].target, cst.Name):
        return
    name = assign.targets[0].target.value
    value = assign.value
    if isinstance(value, cst.Call) and not value.args:
        value = value.func
        target = dotted_name(value)
        if target is not None:
            summary.aliases[name] = target + "()"
        return
    target = dotted_name(value)
    if target is not None:
        summary.aliases[name] = target


def _summarize_class(node: cst.ClassDef) -> ClassSummary:
    bases: list[str] = []
    base_querysets: list[str] = []
    for arg in node.bases:
        if arg.keyword is not None:
            continue
        from_queryset = _from_queryset(arg.value)
        if from_queryset is not None:
            bases.append(from_queryset[0])
            base_querysets.append(from_queryset[1])
        elif (name := dotted_name(arg.value)) is not None:
            bases.append(name)
    managers: list[ManagerDecl] = []
    methods: list[MethodSummary] = []
    fields: list[FieldDecl] = []
    constants: list[tuple[str, str]] = []
    abstract = False
    for statement in node.body.body:
        if isinstance(statement, cst.FunctionDef):
            methods.append(_summarize_method(statement))
        elif isinstance(statement, cst.ClassDef) and statement.name.value == "Meta":
            abstract = _meta_is_abstract(statement)
        elif isinstance(statement, cst.SimpleStatementLine):
            managers.extend(_manager_decls(statement))
            fields.extend(field_decls(statement))
            constants.extend(string_constants(statement))
    return ClassSummary(
        name=node.name.value,
        bases=tuple(bases),
        base_querysets=tuple(base_querysets),
        managers=tuple(managers),
        methods=tuple(methods),
        abstract=abstract,
        fields=tuple(fields),
        constants=tuple(constants),
    )


def _from_queryset(expr: cst.BaseExpression) -> tuple[str, str] | None:
    """`Manager.from_queryset(QS)` -> ("Manager", "QS")."""
    if not (isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute)):
        return None
    if expr.func.attr.value != "from_queryset" or not expr.args:
        return None
    manager = dotted_name(expr.func.value)
    queryset = dotted_name(expr.args[0].value)
    if manager is None or queryset is None:
        return None
    return manager, queryset


def _meta_is_abstract(meta: cst.ClassDef) -> bool:
    for statement in meta.body.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if (
                isinstance(small, cst.Assign)
                and any(
                    isinstance(t.target, cst.Name) and t.target.value == "abstract" for t in small.targets
                )
                and isinstance(small.value, cst.Name)
                and small.value.value == "True"
            ):
                return True
    return False


def _manager_decls(statement: cst.SimpleStatementLine) -> list[ManagerDecl]:
    decls = (_manager_decl(attr, call) for attr, call in attribute_calls(statement))
    return [decl for decl in decls if decl is not None]


def _manager_decl(attr: str, call: cst.Call) -> ManagerDecl | None:
    func = call.func
    if isinstance(func, cst.Call):  # Manager.from_queryset(QS)()
        from_queryset = _from_queryset(func)
        if from_queryset is not None:
            return ManagerDecl(attr, "from_queryset", from_queryset[0], from_queryset[1])
        return None
    if isinstance(func, cst.Attribute) and func.attr.value == "as_manager":
        queryset = dotted_name(func.value)
        return ManagerDecl(attr, "as_manager", queryset) if queryset else None
    factory = dotted_name(func)
    return ManagerDecl(attr, "instance", factory) if factory else None


def _summarize_method(node: cst.FunctionDef) -> MethodSummary:
    is_async = node.asynchronous is not None
    finder = _ReturnFinder()
    walk(node.body, finder)
    kinds = {orm_api.self_chain_kind(value) for value in finder.returns}
    via = {name for kind, name in kinds if kind == "via"}
    plain = {kind for kind, _ in kinds if kind != "via"}
    if finder.runs_sql or (plain == {"sql"} and not via):
        return MethodSummary(node.name.value, is_async, "sql")
    if plain == {"queryset"} and not via:
        return MethodSummary(node.name.value, is_async, "queryset")
    if not plain and len(via) == 1:
        return MethodSummary(node.name.value, is_async, "unknown", via.pop())
    return MethodSummary(node.name.value, is_async)


class _ReturnFinder(FunctionBodyVisitor):
    """Collects one function's returned expressions and whether it runs SQL on `self`."""

    def __init__(self) -> None:
        self.returns: list[cst.BaseExpression] = []
        self.runs_sql = False

    def visit_Call(self, node: cst.Call) -> None:
        if orm_api.self_chain_kind(node)[0] == "sql":
            self.runs_sql = True

    def visit_Return(self, node: cst.Return) -> None:
        if node.value is not None:
            self.returns.append(node.value)
