"""Django's view decorators and what each does to an async view, by version (facts sheet §4)."""

from __future__ import annotations

from dataclasses import dataclass

UNAWAITED_VIEW = "didn't return an HttpResponse object. It returned an unawaited coroutine instead."
UNAWAITED = f"`ValueError: The view ... {UNAWAITED_VIEW}`"


@dataclass(frozen=True)
class ViewDecorator:
    since: tuple[int, int]  # first Django version whose decorator supports async views
    failure: str  # what a sync wrapper does with an async view's coroutine
    # Reads the response (AttributeError on a coroutine) rather than returning it as is.
    reads_response: bool = False
    # Reads request.user (a query for a logged-in user) before calling the view.
    checks_user: bool = False


def _attribute_error(name: str) -> str:
    return f"`AttributeError: 'coroutine' object has no attribute '{name}'`"


_AUTH = ViewDecorator((5, 1), UNAWAITED + " (for users who pass the check)", checks_user=True)
_RETURNS = ViewDecorator((5, 0), UNAWAITED)
_MODULES = {
    "django.contrib.auth.decorators": {
        name: _AUTH for name in ("login_required", "user_passes_test", "permission_required")
    },
    "django.views.decorators.csrf": {
        "csrf_exempt": _RETURNS,
        "csrf_protect": _RETURNS,
        "requires_csrf_token": _RETURNS,
        "ensure_csrf_cookie": ViewDecorator((5, 0), _attribute_error("set_cookie"), reads_response=True),
    },
    "django.views.decorators.http": {
        **{
            name: _RETURNS for name in ("require_http_methods", "require_GET", "require_POST", "require_safe")
        },
        "condition": ViewDecorator((5, 0), _attribute_error("headers"), reads_response=True),
        "etag": ViewDecorator((5, 0), _attribute_error("headers"), reads_response=True),
        "last_modified": _RETURNS,
        "conditional_page": ViewDecorator((5, 0), _attribute_error("get"), reads_response=True),
    },
    "django.views.decorators.cache": {
        "cache_control": ViewDecorator((5, 0), _attribute_error("get"), reads_response=True),
        "never_cache": ViewDecorator((5, 0), _attribute_error("has_header"), reads_response=True),
        "cache_page": ViewDecorator((5, 0), _attribute_error("streaming"), reads_response=True),
    },
    "django.views.decorators.vary": {
        name: ViewDecorator((5, 0), _attribute_error("has_header"), reads_response=True)
        for name in ("vary_on_headers", "vary_on_cookie")
    },
    "django.views.decorators.gzip": {
        "gzip_page": ViewDecorator((5, 0), _attribute_error("streaming"), reads_response=True),
    },
    "django.views.decorators.clickjacking": {
        "xframe_options_deny": ViewDecorator((5, 0), _attribute_error("get"), reads_response=True),
        "xframe_options_sameorigin": ViewDecorator((5, 0), _attribute_error("get"), reads_response=True),
        "xframe_options_exempt": ViewDecorator(
            (5, 0), _attribute_error("xframe_options_exempt"), reads_response=True
        ),
    },
    "django.views.decorators.debug": {"sensitive_variables": _RETURNS, "sensitive_post_parameters": _RETURNS},
    "django.views.decorators.common": {"no_append_slash": _RETURNS},
}
VIEW_DECORATORS = {
    f"{module}.{name}": info for module, names in _MODULES.items() for name, info in names.items()
}
METHOD_DECORATOR = "django.utils.decorators.method_decorator"
# method_decorator marks its wrapper as a coroutine function for async methods since 5.2.
METHOD_DECORATOR_ASYNC_SINCE = (5, 2)
