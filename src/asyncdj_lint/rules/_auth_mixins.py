"""Django's access mixins (django/contrib/auth/mixins.py), as their sync `dispatch()` runs them.

None of them has an async path in any release through 6.1: `dispatch()` is a plain
`def` that reads `request.user` (or calls the check) before it hands over to the view.
"""

from __future__ import annotations

from asyncdj_lint.analysis.context import FileContext
from asyncdj_lint.rules._request_path import request_path

_MIXINS = "django.contrib.auth.mixins."
# Mixin -> the hooks its dispatch() calls and tests for truth, without awaiting them.
ACCESS_MIXINS: dict[str, tuple[str, ...]] = {
    f"{_MIXINS}LoginRequiredMixin": (),
    f"{_MIXINS}PermissionRequiredMixin": ("has_permission",),
    f"{_MIXINS}UserPassesTestMixin": ("test_func",),
}


def access_mixins(ctx: FileContext, qualname: str) -> list[str]:
    """The access mixins of Django a project class inherits, by short name, in MRO order."""
    return [
        name.rpartition(".")[2] for name, _ in request_path(ctx).ancestors(qualname) if name in ACCESS_MIXINS
    ]


def checked_hooks(ctx: FileContext, qualname: str) -> frozenset[str]:
    """The hooks the inherited access mixins call and test for truth."""
    return frozenset(
        hook for name, _ in request_path(ctx).ancestors(qualname) for hook in ACCESS_MIXINS.get(name, ())
    )
