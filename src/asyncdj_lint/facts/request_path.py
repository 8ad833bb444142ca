"""What Django's own middleware, views and decorators are, by qualified name (facts sheet §5, §6)."""

from __future__ import annotations

MIDDLEWARE_MIXIN = "django.utils.deprecation.MiddlewareMixin"
# The middleware methods Django's handler calls besides `__call__` (django/core/handlers/base.py),
# and MiddlewareMixin's own two; a response one of them returns is the request's response.
MIDDLEWARE_HOOKS = frozenset(
    {"process_request", "process_view", "process_response", "process_exception", "process_template_response"}
)
# (sync_capable, async_capable) of middleware the project only imports.
_BOTH = (True, True)
KNOWN_MIDDLEWARE_FLAGS: dict[str, tuple[bool, bool]] = {
    MIDDLEWARE_MIXIN: _BOTH,
    # Every built-in middleware is a MiddlewareMixin (facts sheet §5).
    **{
        name: _BOTH
        for name in (
            "django.middleware.security.SecurityMiddleware",
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.common.CommonMiddleware",
            "django.middleware.common.BrokenLinkEmailsMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django.contrib.auth.middleware.LoginRequiredMiddleware",
            "django.contrib.auth.middleware.RemoteUserMiddleware",
            "django.contrib.auth.middleware.PersistentRemoteUserMiddleware",
            "django.contrib.messages.middleware.MessageMiddleware",
            "django.middleware.clickjacking.XFrameOptionsMiddleware",
            "django.middleware.gzip.GZipMiddleware",
            "django.middleware.locale.LocaleMiddleware",
            "django.middleware.http.ConditionalGetMiddleware",
            "django.middleware.cache.UpdateCacheMiddleware",
            "django.middleware.cache.FetchFromCacheMiddleware",
            "django.middleware.cache.CacheMiddleware",
            "django.contrib.flatpages.middleware.FlatpageFallbackMiddleware",
            "django.contrib.redirects.middleware.RedirectFallbackMiddleware",
            "django.contrib.sites.middleware.CurrentSiteMiddleware",
            "django.contrib.admindocs.middleware.XViewMiddleware",
            "django.middleware.csp.ContentSecurityPolicyMiddleware",
        )
    },
    # Third-party middleware, read from their source: a plain class with a sync
    # `__call__` and no flags (django-allauth 65.x).
    "allauth.usersessions.middleware.UserSessionsMiddleware": (True, False),
}
MIDDLEWARE_DECORATORS: dict[str, tuple[bool, bool]] = {
    "django.utils.decorators.sync_only_middleware": (True, False),
    "django.utils.decorators.async_only_middleware": (False, True),
    "django.utils.decorators.sync_and_async_middleware": (True, True),
}
DEFAULT_FLAGS = (True, False)

# HTTP handlers each of Django's generic views defines (all sync; facts sheet §6).
_GET = ("get",)
_FORM = ("get", "post", "put")
GENERIC_VIEW_HANDLERS: dict[str, tuple[str, ...]] = {
    "View": (),
    "TemplateView": _GET,
    "RedirectView": ("get", "post", "put", "patch", "delete", "head"),
    **dict.fromkeys(
        (
            "ListView", "BaseListView", "DetailView", "BaseDetailView", "ArchiveIndexView",
            "BaseArchiveIndexView", "YearArchiveView", "BaseYearArchiveView", "MonthArchiveView",
            "BaseMonthArchiveView", "WeekArchiveView", "BaseWeekArchiveView", "DayArchiveView",
            "BaseDayArchiveView", "TodayArchiveView", "BaseTodayArchiveView", "DateDetailView",
            "BaseDateDetailView",
        ),
        _GET,
    ),
    **dict.fromkeys(
        ("FormView", "BaseFormView", "ProcessFormView", "CreateView", "BaseCreateView", "UpdateView", "BaseUpdateView"),
        _FORM,
    ),
    **dict.fromkeys(("DeleteView", "BaseDeleteView"), ("get", "post", "delete")),
}  # fmt: skip
HTTP_METHOD_NAMES = ("get", "post", "put", "patch", "delete", "head", "options", "trace")
ROUTE_FUNCTIONS = frozenset({"django.urls.path", "django.urls.re_path", "django.conf.urls.url"})
NON_ATOMIC_REQUESTS = "django.db.transaction.non_atomic_requests"


def generic_view(qualname: str) -> str | None:
    """The name of one of Django's generic views (`django.views.generic.ListView` -> "ListView")."""
    module, _, name = qualname.rpartition(".")
    if (
        module == "django.views" or module.startswith("django.views.generic")
    ) and name in GENERIC_VIEW_HANDLERS:
        return name
    return None


_DJANGO_MIXIN_MODULES = (
    "django.views.generic",
    "django.contrib.auth.mixins",
    "django.contrib.messages.views",
)


def django_view_handlers(qualname: str) -> tuple[str, ...] | None:
    """The (sync) HTTP handlers one of Django's views or view mixins defines; None for other classes."""
    generic = generic_view(qualname)
    if generic is not None:
        return GENERIC_VIEW_HANDLERS[generic]
    module, _, name = qualname.rpartition(".")
    if not module.startswith(_DJANGO_MIXIN_MODULES) or not name.endswith("Mixin"):
        return None
    return ("delete",) if name == "DeletionMixin" else ()
