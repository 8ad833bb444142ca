"""ADJ707: `method_decorator` that hides an async class-based view's async-ness."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeGuard

import libcst as cst

from asyncdj_lint.facts.django_version import format_version as version_text
from asyncdj_lint.facts.request_path import HTTP_METHOD_NAMES
from asyncdj_lint.facts.view_decorators import (
    METHOD_DECORATOR,
    METHOD_DECORATOR_ASYNC_SINCE,
    VIEW_DECORATORS,
)
from asyncdj_lint.fixes import Fix, FixAvailability, RemoveImport, RemoveLines, Replace, Safety
from asyncdj_lint.rules._fixes import insert_at_top, statement_indent
from asyncdj_lint.rules._request_path import resolved, target_django, view_handlers
from asyncdj_lint.rules.base import RAISES_SYNC_ONLY, Example, Expected, Outcome, Rule, Severity
from asyncdj_lint.syntax.literals import string_value

_EXAMPLE = """\
{import_line}
from django.http import HttpResponse
from django.utils.decorators import method_decorator
from django.views import View


@method_decorator({decorator}, name="{name}")
class HomeView(View):
    async def get(self, request):
        return HttpResponse("home")
"""
_NEVER_CACHE = "from django.views.decorators.cache import never_cache"
_LOGIN_REQUIRED = "from django.contrib.auth.decorators import login_required"


# never_cache on dispatch of the async HomeView: what Django raises, and what the rule says.
_NEVER_CACHE_FAILS = Outcome(
    exception="builtins.AttributeError",
    message="'coroutine' object has no attribute 'has_header'",
    warning="RuntimeWarning",
    warning_message="was never awaited",
)
_NEVER_CACHE_REPORTED = Expected(
    "7:1-7:48",
    "`never_cache` on `dispatch` of `HomeView`, an async view: `dispatch` is sync, so `never_cache` gets a sync wrapper that reads the coroutine the async handler returns: every request fails with `AttributeError: 'coroutine' object has no attribute 'has_header'`; decorate the handlers (`name=\"get\"`, Django 5.2+) or the function `as_view()` returns (`never_cache(HomeView.as_view())`)",
)


class MethodDecoratorOnAsyncView(Rule):
    code = "ADJ707"
    name = "method-decorator-on-async-view"
    stable_since = "0.1.0"
    severity = Severity.ERROR
    summary = "`method_decorator` wraps an async class-based view in a sync function."
    why = (
        "`View.dispatch` is sync, also in an async view: it returns the handler's coroutine "
        "for the async view function `as_view()` made to await. A decorator put on "
        '`dispatch` with `method_decorator(..., name="dispatch")` therefore gets a sync '
        "wrapper in every Django version: one that reads the response (`never_cache`, "
        "`cache_page`, `vary_on_headers`, `xframe_options_*`, ...) reads a coroutine and "
        "fails every request (`AttributeError: 'coroutine' object has no attribute ...`), "
        "and the auth decorators (`login_required`, ...) read `request.user` on the event loop "
        "(`SynchronousOnlyOperation` for a logged-in user). Before Django 5.2, "
        "`method_decorator` on an `async def` handler is itself a sync wrapper: Django "
        "treats the view as sync and fails with `ValueError: ... unawaited coroutine` (or "
        "`ImproperlyConfigured` next to other async handlers). Decorate the handlers "
        '(`name="get"`, Django 5.2+), or the function `as_view()` returns in the URLconf '
        "(`never_cache(HomeView.as_view())`)."
    )
    django_versions = "4.1 to 6.1"
    requires_text = (b"method_decorator",)
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (
        'Where the target Django version is 5.2 or later, `@method_decorator(never_cache, name="dispatch")` '
        "on an async view moves to its handlers: one `method_decorator` per async handler "
        '(`name="get"`), whose wrapper is async from 5.2. The fix is unsafe: what the decorator adds '
        "no longer applies to the responses `dispatch` makes without a handler (OPTIONS, 405). Only "
        "decorators that only process the response are moved (`never_cache`, `cache_control`, "
        "`cache_page`, `vary_on_*`, `xframe_options_*`, `etag`, `gzip_page`, ...): the auth "
        "decorators, which would stop guarding those responses, and decorators Django reads from "
        "`dispatch` (`csrf_exempt`) have no fix, nor has any method_decorator on a target before 5.2 "
        "(its wrapper of an async handler is sync there). On a target from 5.0 to 5.1, where those "
        "decorators support async views, the class decorator goes instead and an `as_view()` override "
        "wraps the view function it returns (`return never_cache(super().as_view(**initkwargs))`), as "
        "decorating it in the URLconf would; a class that defines `as_view` itself has no fix."
    )
    invalid = (
        Example(
            _EXAMPLE.format(import_line=_NEVER_CACHE, decorator="never_cache", name="dispatch"),
            _NEVER_CACHE_FAILS,
            fixed=_EXAMPLE.format(import_line=_NEVER_CACHE, decorator="never_cache", name="get"),
            expected=(_NEVER_CACHE_REPORTED,),
        ),
        Example(
            _EXAMPLE.format(import_line=_NEVER_CACHE, decorator="never_cache", name="dispatch"),
            _NEVER_CACHE_FAILS,
            files=(("requirements.txt", "Django>=5.0\n"),),
            fixed="""\
from django.views.decorators.cache import never_cache
from django.http import HttpResponse
from django.views import View


class HomeView(View):
    @classmethod
    def as_view(cls, **initkwargs):
        return never_cache(super().as_view(**initkwargs))

    async def get(self, request):
        return HttpResponse("home")
""",
            expected=(_NEVER_CACHE_REPORTED,),
        ),
        Example(
            _EXAMPLE.format(import_line=_LOGIN_REQUIRED, decorator="login_required", name="dispatch"),
            RAISES_SYNC_ONLY,
            expected=(
                Expected(
                    "7:1-7:51",
                    '`login_required` on `dispatch` of `HomeView`, an async view: `dispatch` is sync, so `login_required` gets a sync wrapper that reads `request.user` on the event loop, which raises SynchronousOnlyOperation for a logged-in user; decorate the handlers (`name="get"`, Django 5.2+) or the function `as_view()` returns (`login_required(HomeView.as_view())`)',
                ),
            ),
        ),
    )
    valid = (Example(_EXAMPLE.format(import_line=_NEVER_CACHE, decorator="never_cache", name="get")),)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        handlers = view_handlers(self.ctx, node)
        if not handlers:
            return
        async_view = all(is_async for is_async, _ in handlers.values())
        for decorator, wrapped, method in self._method_decorators(node):
            if method == "dispatch" and async_view:
                self._check_dispatch(decorator, wrapped, node, handlers)
            elif (
                handlers.get(method, (False, ""))[0]
                and target_django(self.ctx) < METHOD_DECORATOR_ASYNC_SINCE
            ):
                self.report(
                    decorator,
                    f"before Django {version_text(METHOD_DECORATOR_ASYNC_SINCE)}, `method_decorator` wraps "
                    f"`async def {method}` in a sync function: Django treats `{node.name.value}` as a sync view "
                    "and requests fail with ValueError: ... unawaited coroutine (ImproperlyConfigured next to "
                    "other async handlers); decorate the function `as_view()` returns in the URLconf instead",
                )

    def _method_decorators(self, node: cst.ClassDef) -> Iterator[tuple[cst.Decorator, tuple[str, ...], str]]:
        """(decorator node, decorated qualname, method name) for each `method_decorator(...)`."""
        for decorator in node.decorators:
            call = decorator.decorator
            if self._is_method_decorator(call):
                method = next(
                    (string_value(a.value) for a in call.args if a.keyword and a.keyword.value == "name"),
                    None,
                )
                if method is not None:
                    yield decorator, self._wrapped(call), method
        for statement in node.body.body:
            if not isinstance(statement, cst.FunctionDef):
                continue
            for decorator in statement.decorators:
                if self._is_method_decorator(decorator.decorator):
                    if statement.name.value == "dispatch" and statement.asynchronous is not None:
                        continue  # an async dispatch gets an async wrapper
                    yield decorator, self._wrapped(decorator.decorator), statement.name.value

    def _is_method_decorator(self, expr: cst.BaseExpression) -> TypeGuard[cst.Call]:
        return (
            isinstance(expr, cst.Call)
            and bool(expr.args)
            and resolved(self.ctx, expr.func) == METHOD_DECORATOR
        )

    def _wrapped(self, call: cst.Call) -> tuple[str, ...]:
        """The decorators `method_decorator` applies: one, or a list of them, each maybe called."""
        first = call.args[0].value
        items = [e.value for e in first.elements] if isinstance(first, (cst.List, cst.Tuple)) else [first]
        names = (resolved(self.ctx, item.func if isinstance(item, cst.Call) else item) for item in items)
        return tuple(name for name in names if name is not None)

    def _check_dispatch(
        self,
        decorator: cst.Decorator,
        wrapped: tuple[str, ...],
        node: cst.ClassDef,
        handlers: dict[str, tuple[bool, str]],
    ) -> None:
        view = node.name.value
        harmful = [
            (name, VIEW_DECORATORS[name])
            for name in wrapped
            if name in VIEW_DECORATORS
            and (VIEW_DECORATORS[name].reads_response or VIEW_DECORATORS[name].checks_user)
        ]
        if not harmful:
            return
        name, known = harmful[0]
        short = name.rpartition(".")[2]
        if known.checks_user:
            effect = (
                "reads `request.user` on the event loop, which raises SynchronousOnlyOperation for a "
                "logged-in user"
            )
        else:
            effect = (
                f"reads the coroutine the async handler returns: every request fails with {known.failure}"
            )
        self.report(
            decorator,
            f"`{short}` on `dispatch` of `{view}`, an async view: `dispatch` is sync, so `{short}` gets a sync "
            f'wrapper that {effect}; decorate the handlers (`name="get"`, Django 5.2+) or the function '
            f"`as_view()` returns (`{short}({view}.as_view())`)",
            fix=self._fix(decorator, wrapped, node, sorted(handlers, key=_handler_order)),
        )

    def _fix(
        self, decorator: cst.Decorator, wrapped: tuple[str, ...], node: cst.ClassDef, handlers: list[str]
    ) -> Fix | None:
        """`@method_decorator(d, name="dispatch")` -> one `@method_decorator(d, name="h")` per handler,
        where the target's method_decorator keeps an async handler async, else `d` around what
        `as_view()` returns, where `d` supports async views; every `d` only processes the response."""
        call = decorator.decorator
        if not isinstance(call, cst.Call):
            return None
        first = call.args[0].value
        items: list[cst.BaseElement | cst.BaseExpression] = (
            list(first.elements) if isinstance(first, (cst.List, cst.Tuple)) else [first]
        )
        known = [VIEW_DECORATORS.get(name) for name in wrapped]
        if len(wrapped) != len(items) or not all(
            info is not None and info.reads_response and not info.checks_user for info in known
        ):
            return None
        target = target_django(self.ctx)
        if target < METHOD_DECORATOR_ASYNC_SINCE:
            supported = all(info is not None and target >= info.since for info in known)
            return self._wrap_as_view(decorator, items, node) if supported else None
        names = [a.value for a in call.args if a.keyword is not None and a.keyword.value == "name"]
        if len(names) != 1 or not isinstance(names[0], cst.SimpleString) or not handlers:
            return None
        literal = names[0]
        quote = literal.quote
        if literal.prefix or len(quote) != 1:
            return None
        texts = [
            self.ctx.module.code_for_node(call.deep_replace(literal, cst.SimpleString(f"{quote}{h}{quote}")))
            for h in handlers
        ]
        text = f"\n{statement_indent(self.ctx)}@".join(texts)
        return Fix("Decorate the async handlers instead of `dispatch`", Safety.UNSAFE, (Replace(call, text),))

    def _wrap_as_view(
        self, decorator: cst.Decorator, items: list[cst.BaseElement | cst.BaseExpression], node: cst.ClassDef
    ) -> Fix | None:
        """The class decorator goes; an `as_view()` override wraps the view function it returns, as
        decorating it in the URLconf would (`method_decorator` applies a list's first item outermost)."""
        if decorator not in node.decorators or not isinstance(node.body, cst.IndentedBlock):
            return None
        if any(isinstance(s, cst.FunctionDef) and s.name.value == "as_view" for s in node.body.body):
            return None
        code = self.ctx.module.code_for_node
        expressions = [item.value if isinstance(item, cst.BaseElement) else item for item in items]
        wrapped = "super().as_view(**initkwargs)"
        for expression in reversed(expressions):
            wrapped = f"{code(expression)}({wrapped})"
        override = insert_at_top(
            self.ctx,
            node,
            [
                "@classmethod",
                "def as_view(cls, **initkwargs):",
                f"{self.ctx.module.default_indent}return {wrapped}",
                "",
            ],
        )
        if override is None:
            return None
        return Fix(
            "Wrap the view function `as_view()` returns instead of `dispatch`",
            Safety.UNSAFE,
            (
                # A comment on the decorator's line stays, on a line of its own.
                Replace(decorator, "") if decorator.trailing_whitespace.comment else RemoveLines(decorator),
                override,
                RemoveImport("django.utils.decorators", "method_decorator"),
            ),
        )


def _handler_order(name: str) -> tuple[int, str]:
    """Django's handlers in View.http_method_names order, then the project's own, by name."""
    return (HTTP_METHOD_NAMES.index(name) if name in HTTP_METHOD_NAMES else len(HTTP_METHOD_NAMES), name)
