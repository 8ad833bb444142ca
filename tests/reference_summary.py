"""The LibCST reading of a module summary's names that `ast` replaced, kept as the oracle
its port is compared with (tests/test_summary_port.py). Test code only: the product has
one implementation, in asyncdj_lint.index.summary."""

# ruff: noqa
# mypy: ignore-errors
from __future__ import annotations

import libcst as cst

from asyncdj_lint.facts.orm_api import BLOCKING_METHODS, LAZY_METHODS
from asyncdj_lint.index.fields import FieldDecl
from asyncdj_lint.index.functions import FunctionDecl
from asyncdj_lint.index.summary import ClassSummary, ManagerDecl, MethodSummary, ModuleSummary
from asyncdj_lint.syntax.literals import string_value
from asyncdj_lint.syntax.names import dotted_name, import_bindings
from asyncdj_lint.syntax.statements import top_level_statements
from asyncdj_lint.syntax.walk import FunctionBodyVisitor, walk


def summarize(module: cst.Module, *, is_package: bool) -> ModuleSummary:
    summary = ModuleSummary(is_package=is_package)
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
    kinds = {self_chain_kind(value) for value in finder.returns}
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
        if self_chain_kind(node)[0] == "sql":
            self.runs_sql = True

    def visit_Return(self, node: cst.Return) -> None:
        if node.value is not None:
            self.returns.append(node.value)


def attribute_calls(statement: cst.SimpleStatementLine) -> list[tuple[str, cst.Call]]:
    """The `name = callee(...)` (or `name: T = callee(...)`) assignments of one class-body line."""
    found = []
    for small in statement.body:
        if isinstance(small, cst.Assign) and len(small.targets) == 1:
            target, value = small.targets[0].target, small.value
        elif isinstance(small, cst.AnnAssign) and small.value is not None:
            target, value = small.target, small.value
        else:
            continue
        if isinstance(target, cst.Name) and isinstance(value, cst.Call):
            found.append((target.value, value))
    return found


def field_decls(statement: cst.SimpleStatementLine) -> list[FieldDecl]:
    """The `name = SomeField(...)` assignments of one class-body line."""
    return [
        _field_decl(attr, factory, call)
        for attr, call in attribute_calls(statement)
        if (factory := dotted_name(call.func)) is not None
    ]


def _field_decl(attr: str, factory: str, call: cst.Call) -> FieldDecl:
    keywords = {arg.keyword.value: arg.value for arg in call.args if arg.keyword is not None}
    positional = [arg.value for arg in call.args if arg.keyword is None and not arg.star]
    target_expr = keywords.get("to", positional[0] if positional else None)
    text = string_value(target_expr) if target_expr is not None else None
    target = text if text is not None else (dotted_name(target_expr) if target_expr is not None else None)
    return FieldDecl(
        attr=attr,
        factory=factory,
        target=target,
        target_is_string=text is not None,
        related_name=_string_keyword(keywords, "related_name"),
        related_query_name=_string_keyword(keywords, "related_query_name"),
        null=_is_true(keywords.get("null")),
        primary_key=_is_true(keywords.get("primary_key")),
    )


def _string_keyword(keywords: dict[str, cst.BaseExpression], name: str) -> str | None:
    return string_value(keywords.get(name))


def _is_true(expr: cst.BaseExpression | None) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "True"


def string_constants(statement: cst.SimpleStatementLine) -> list[tuple[str, str]]:
    """`name = "shop"` class attributes (an AppConfig's `name` and `label`)."""
    found = []
    for small in statement.body:
        if (
            isinstance(small, cst.Assign)
            and len(small.targets) == 1
            and isinstance(small.targets[0].target, cst.Name)
        ):
            value = string_value(small.value)
            if value is not None:
                found.append((small.targets[0].target.value, value))
    return found


def function_decl(node: cst.FunctionDef, owner: str | None) -> FunctionDecl:
    decorators = []
    for decorator in node.decorators:
        expr = decorator.decorator
        suffix = ""
        if isinstance(expr, cst.Call):
            expr, suffix = expr.func, "()"
        name = dotted_name(expr)
        decorators.append(f"{name}{suffix}" if name else "?")
    return FunctionDecl(node.name.value, owner, node.asynchronous is not None, tuple(decorators))


def self_chain_kind(expr: cst.BaseExpression) -> tuple[str, str | None]:
    """Classifies a method-call chain rooted at `self` or `super()` in a Manager/QuerySet.

    Returns ("queryset", None) for a lazy chain (`self.filter(...)`), ("sql",
    None) when its last call runs SQL (`self.order_by("x").first()`), ("via",
    name) when it returns another method's result as is (`self.available()`),
    else ("unknown", None).
    """
    if not (isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute)):
        return "unknown", None
    method = expr.func.attr.value
    receiver = expr.func.value
    if not _rooted_at_self(receiver):
        return "unknown", None
    if method in BLOCKING_METHODS:
        return "sql", None
    if method in LAZY_METHODS:
        return "queryset", None
    if _is_self(receiver):
        return "via", method
    return "unknown", None


def _rooted_at_self(expr: cst.BaseExpression) -> bool:
    while True:
        if _is_self(expr):
            return True
        if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute):
            expr = expr.func.value
        else:
            return False


def _is_self(expr: cst.BaseExpression) -> bool:
    if isinstance(expr, cst.Name):
        return expr.value == "self"
    return isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name) and expr.func.value == "super"
