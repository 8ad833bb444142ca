"""Django's sync-only APIs beyond the ORM, and the release that added each async twin.

From the facts sheet (section 3). Messages name an async API only when the
target Django version has it, and `sync_to_async` otherwise.
"""

from __future__ import annotations

from asyncdj_lint.facts.django_version import NEWEST_LTS, Version, format_version
from asyncdj_lint.options import LintOptions


def _async_twins(*names: str) -> dict[str, str]:
    """Django names most async twins by prefixing `a`: {"get": "aget", ...}."""
    return {name: "a" + name for name in names}


# `request.user` -> `await request.auser()`.
AUSER_SINCE: Version = (5, 0)

# django.contrib.auth functions: sync name -> async name, all added in 5.0.
AUTH_FUNCTIONS = {
    "authenticate": "aauthenticate",
    "login": "alogin",
    "logout": "alogout",
    "get_user": "aget_user",
    "update_session_auth_hash": "aupdate_session_auth_hash",
}
AUTH_FUNCTIONS_SINCE: Version = (5, 0)
AUTH_MODULE = "django.contrib.auth"
# The auth functions that change which user a request has.
USER_CHANGING_FUNCTIONS = frozenset({"login", "logout", "alogin", "alogout"})

# User (and AnonymousUser) permission methods; ModelBackend queries for them.
PERMISSION_METHODS = _async_twins(
    "has_perm", "has_perms", "has_module_perms",
    "get_all_permissions", "get_user_permissions", "get_group_permissions",
)  # fmt: skip
PERMISSION_METHODS_SINCE: Version = (5, 2)

# UserManager / BaseUserManager methods that write or query, with async twins since 5.2.
USER_MANAGER_METHODS = _async_twins("create_user", "create_superuser", "get_by_natural_key")
USER_MANAGER_METHODS_SINCE: Version = (5, 2)

# SessionBase methods that load or write the session store.
SESSION_METHODS = _async_twins(
    "get", "pop", "setdefault", "update", "keys", "values", "items", "has_key",
    "flush", "cycle_key", "save", "load", "create", "delete", "exists", "clear_expired",
    "set_expiry", "get_expiry_age", "get_expiry_date", "get_expire_at_browser_close",
    "set_test_cookie", "test_cookie_worked", "delete_test_cookie",
)  # fmt: skip
SESSION_METHODS_SINCE: Version = (5, 1)

SHORTCUTS = {
    "django.shortcuts.get_object_or_404": "aget_object_or_404",
    "django.shortcuts.get_list_or_404": "aget_list_or_404",
}
SHORTCUTS_SINCE: Version = (5, 0)

# BaseCache methods, each with an `a`-prefixed twin since 4.0.
CACHE_METHODS = _async_twins(
    "get", "set", "add", "delete", "touch", "get_many", "set_many", "delete_many",
    "get_or_set", "has_key", "incr", "decr", "incr_version", "decr_version", "clear", "close",
)  # fmt: skip
CACHE_METHODS_SINCE: Version = (4, 0)

# AsyncPaginator's members are Paginator's with an `a` (counting ones become methods).
PAGINATORS = frozenset({"django.core.paginator.Paginator"})
ASYNC_PAGINATOR_SINCE: Version = (6, 0)
# Paginator members that count or slice the object list (SQL for a QuerySet).
PAGINATOR_QUERYING = _async_twins(
    "page", "get_page", "count", "num_pages", "page_range", "get_elided_page_range"
)

# StreamingHttpResponse serves async iterators since 4.2.
ASYNC_STREAMING_SINCE: Version = (4, 2)


def target_version(options: LintOptions) -> Version:
    return options.target_django or NEWEST_LTS


def has(options: LintOptions, since: Version) -> bool:
    """Whether the target Django version has an API added in `since`."""
    return target_version(options) >= since


def advise(options: LintOptions, since: Version, native: str, bridged: str) -> str:
    """`native` when the target version has the API, else `bridged` with the reason."""
    if has(options, since):
        return native
    target = format_version(target_version(options))
    return f"{bridged} (the target, Django {target}, predates the async variant of {format_version(since)})"
