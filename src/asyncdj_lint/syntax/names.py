"""Dotted names and import bindings, read from LibCST nodes."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.syntax.walk import Visitor, walk


def dotted_name(expr: cst.BaseExpression) -> str | None:
    """`models.Model` -> "models.Model"; None for anything but names and attributes."""
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        base = dotted_name(expr.value)
        return None if base is None else f"{base}.{expr.attr.value}"
    return None


def called_name(call: cst.Call) -> str | None:
    """The name a call is made by as written: `login` for `login(...)` and `auth.login(...)`;
    None for anything but a name or an attribute."""
    func = call.func
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return func.value if isinstance(func, cst.Name) else None


def import_bindings(node: cst.Import | cst.ImportFrom) -> dict[str, str]:
    """The local names an import statement binds, with what each refers to.

    `from .models import Product as P` -> {"P": ".models.Product"};
    `import django.db.models` -> {"django": "django"}.
    """
    bindings: dict[str, str] = {}
    if isinstance(node, cst.Import):
        for alias in node.names:
            full = dotted_name(alias.name)
            if full is None:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                bindings[alias.asname.name.value] = full
            else:
                head = full.split(".", 1)[0]
                bindings[head] = head
        return bindings
    if isinstance(node.names, cst.ImportStar):
        return bindings
    prefix = "." * len(node.relative)
    module = dotted_name(node.module) if node.module is not None else None
    base = prefix + module if module else prefix
    for alias in node.names:
        if not isinstance(alias.name, cst.Name):
            continue
        local = alias.name.value
        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
            local = alias.asname.name.value
        joiner = "" if base.endswith(".") else "."
        bindings[local] = f"{base}{joiner}{alias.name.value}"
    return bindings


def absolute_target(target: str, module: str, is_package: bool) -> str:
    """Resolves a relative import target against the importing module's name."""
    if not target.startswith("."):
        return target
    level = len(target) - len(target.lstrip("."))
    package_parts = module.split(".") if is_package else module.split(".")[:-1]
    if level > 1:
        package_parts = package_parts[: len(package_parts) - (level - 1)]
    rest = target[level:]
    return ".".join(part for part in [*package_parts, rest] if part)


def names_in(node: cst.CSTNode) -> set[str]:
    """The names the code reads or binds: not attribute names or keyword names."""
    names = NameCollector()
    walk(node, names)
    return names.found


class NameCollector(Visitor):
    """Collects the names read or bound (`found`): not attribute names or keyword names."""

    def __init__(self) -> None:
        self.found: set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.found.add(node.value)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        walk(node.value, self)
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        walk(node.value, self)
        return False
