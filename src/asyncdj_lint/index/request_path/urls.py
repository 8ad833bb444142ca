"""URLconfs: the views `urlpatterns` routes to, and which of them are async."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

import libcst as cst

from asyncdj_lint.facts.request_path import NON_ATOMIC_REQUESTS, ROUTE_FUNCTIONS
from asyncdj_lint.index.request_path.views import ViewIndex, ViewRef
from asyncdj_lint.syntax.names import dotted_name


@dataclass(frozen=True)
class Route:
    """`path("...", view)` in a URLconf: the callee and the view as written."""

    callee: str
    view: str
    as_view: bool = False
    wrappers: tuple[str, ...] = ()


# -- per file -------------------------------------------------------------------


def routes(small: cst.BaseSmallStatement) -> Iterator[Route]:
    """`path(...)` calls in `urlpatterns = [...]`, `+= [...]` and `[...] + static(...)`."""
    if isinstance(small, (cst.Assign, cst.AugAssign)):
        yield from _routes_in(small.value)


def _routes_in(value: cst.BaseExpression) -> Iterator[Route]:
    if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Add):
        yield from _routes_in(value.left)
        yield from _routes_in(value.right)
    if not isinstance(value, (cst.List, cst.Tuple)):
        return
    for element in value.elements:
        call = element.value
        if isinstance(call, cst.Call) and len(call.args) >= 2 and call.args[1].keyword is None:
            callee = dotted_name(call.func)
            route = _route_view(call.args[1].value, ())
            if callee is not None and route is not None:
                yield Route(callee, *route)


def _route_view(
    expr: cst.BaseExpression, wrappers: tuple[str, ...]
) -> tuple[str, bool, tuple[str, ...]] | None:
    name = dotted_name(expr)
    if name is not None:
        return name, False, wrappers
    if not isinstance(expr, cst.Call):
        return None
    func = expr.func
    if isinstance(func, cst.Attribute) and func.attr.value == "as_view":
        cls = dotted_name(func.value)
        return (cls, True, wrappers) if cls is not None else None
    wrapper = dotted_name(func)
    if wrapper is not None and len(expr.args) == 1:
        return _route_view(expr.args[0].value, (*wrappers, wrapper))
    return None


# -- across the project -----------------------------------------------------------


class UrlIndex(ViewIndex):
    """The async views the project's URLconfs route to."""

    def _routes(self) -> Iterator[tuple[str, Route]]:
        """Each route the project's URLconfs make with Django's route functions, with its module."""
        for module in self.index.modules:
            if not self.index.mentions(module, "urlpatterns"):
                continue
            for route in self.index.modules[module].request_path.routes:
                if self.resolve_name(module, route.callee) in ROUTE_FUNCTIONS:
                    yield module, route

    @cached_property
    def routed_async_views(self) -> tuple[ViewRef, ...]:
        """The async views the project's URLconfs route to."""
        views = []
        for module, route in self._routes():
            view = self.async_view(module, route.view, route.as_view)
            if view is None:
                continue
            wrappers = {self.resolve_name(module, w) for w in route.wrappers}
            if NON_ATOMIC_REQUESTS in wrappers:
                continue
            views.append(view)
        return tuple(views)

    @cached_property
    def routed_views(self) -> dict[str, bool]:
        """The views the URLconfs route to, each with whether every route names it bare
        (`views.home`, `View.as_view()`, or wrapped only in non_atomic_requests): only then is
        a mark on the view on what Django calls."""
        bare: dict[str, bool] = {}
        for module, route in self._routes():
            target = self.resolve_name(module, route.view)
            if target is None:
                continue
            wrappers = {self.resolve_name(module, w) for w in route.wrappers}
            bare[target] = bare.get(target, True) and wrappers <= {NON_ATOMIC_REQUESTS}
        return bare
