"""Django's contrib models, as Django 4.2 to 6.1 declare them.

Read from the source of Django 4.2.30, 5.2.19 and 6.1.3
(`django/contrib/{auth,contenttypes,sessions,sites,admin,flatpages,redirects}/models.py`,
`auth/base_user.py`, `sessions/base_session.py`). Fields and relations are the
same in every one of these releases; manager methods differ, and carry the
release that added (`since`) or removed (`until`) them.

A relation's target is an "app_label.ModelName" reference, resolved the way
Django resolves it, or `USER_MODEL` for `settings.AUTH_USER_MODEL` (the
swappable user model). A project model that derives from one of the abstract
bases (AbstractUser, PermissionsMixin, AbstractBaseUser, AbstractBaseSession)
inherits its fields, relations and default manager.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from asyncdj_lint.facts.django_version import Version

# A relation to `settings.AUTH_USER_MODEL`.
USER_MODEL = "AUTH_USER_MODEL"
# Where the swappable user model is configured, and its default.
USER_MODEL_DEFAULT = "auth.User"

RelationKind = Literal["foreign_key", "one_to_one", "many_to_many"]
# What calling a manager method does: "queryset" builds a lazy QuerySet, "sql" runs a
# query before it returns (on a cold cache, for the cached lookups), "none" never queries.
Returns = Literal["queryset", "sql", "none"]


@dataclass(frozen=True)
class ContribRelation:
    """A relation field a contrib model declares."""

    attr: str
    kind: RelationKind
    target: str  # "app_label.Model", or USER_MODEL
    related_name: str | None = None
    related_query_name: str | None = None
    null: bool = False


@dataclass(frozen=True)
class ManagerMethod:
    """A method a contrib manager adds to Django's Manager."""

    name: str
    returns: Returns
    is_async: bool = False
    since: Version | None = None  # the release that added it
    until: Version | None = None  # the first release without it

    def exists_in(self, version: Version | None) -> bool:
        """Whether the method exists in `version` (None: unknown, where only methods of
        every release 4.2 to 6.1 count)."""
        if version is None:
            return self.since is None and self.until is None
        return (self.since is None or version >= self.since) and (self.until is None or version < self.until)


@dataclass(frozen=True)
class ContribManager:
    qualname: str
    methods: tuple[ManagerMethod, ...] = ()
    base: str | None = None  # a contrib manager it derives from


@dataclass(frozen=True)
class ContribModel:
    """A model class of a contrib app: concrete, or an abstract base projects derive from."""

    qualname: str
    app: str  # the app's module, as INSTALLED_APPS names it
    fields: tuple[str, ...]  # concrete fields other than relations, primary key included
    relations: tuple[ContribRelation, ...] = ()
    bases: tuple[str, ...] = ()  # abstract contrib models it inherits fields from
    manager: str | None = None  # its `objects` manager's class; None: inherited or Django's Manager
    abstract: bool = False
    primary_key: str = "id"
    swappable: str | None = None  # the setting that can replace it

    @property
    def name(self) -> str:
        return self.qualname.rsplit(".", 1)[-1]

    @property
    def label(self) -> str:
        """The app label: the last component of the app's module."""
        return self.app.rsplit(".", 1)[-1]


_AUTH = "django.contrib.auth"
_BASE_USER_MANAGER = "django.contrib.auth.base_user.BaseUserManager"
_SINCE_5_2 = (5, 2)

MANAGERS: dict[str, ContribManager] = {
    manager.qualname: manager
    for manager in (
        ContribManager(
            _BASE_USER_MANAGER,
            (
                ManagerMethod("get_by_natural_key", "sql"),
                ManagerMethod("aget_by_natural_key", "sql", is_async=True, since=_SINCE_5_2),
                ManagerMethod("normalize_email", "none"),
            ),
        ),
        ContribManager(
            "django.contrib.auth.models.UserManager",
            (
                ManagerMethod("create_user", "sql"),
                ManagerMethod("create_superuser", "sql"),
                ManagerMethod("acreate_user", "sql", is_async=True, since=_SINCE_5_2),
                ManagerMethod("acreate_superuser", "sql", is_async=True, since=_SINCE_5_2),
                ManagerMethod("with_perm", "queryset"),
            ),
            base=_BASE_USER_MANAGER,
        ),
        ContribManager(
            "django.contrib.auth.models.GroupManager",
            (
                ManagerMethod("get_by_natural_key", "sql"),
                ManagerMethod("aget_by_natural_key", "sql", is_async=True, since=_SINCE_5_2),
            ),
        ),
        ContribManager(
            "django.contrib.auth.models.PermissionManager",
            (ManagerMethod("get_by_natural_key", "sql"),),
        ),
        ContribManager(
            # get_for_model(s) and get_for_id cache per process; the first lookup queries.
            "django.contrib.contenttypes.models.ContentTypeManager",
            (
                ManagerMethod("get_by_natural_key", "sql"),
                ManagerMethod("get_for_model", "sql"),
                ManagerMethod("get_for_models", "sql"),
                ManagerMethod("get_for_id", "sql"),
                ManagerMethod("clear_cache", "none"),
            ),
        ),
        ContribManager(
            "django.contrib.sessions.base_session.BaseSessionManager",
            (ManagerMethod("encode", "none"), ManagerMethod("save", "sql")),
        ),
        ContribManager(
            "django.contrib.sessions.models.SessionManager",
            base="django.contrib.sessions.base_session.BaseSessionManager",
        ),
        ContribManager(
            # get_current() caches the site per SITE_ID (or host); the first lookup queries.
            "django.contrib.sites.models.SiteManager",
            (
                ManagerMethod("get_current", "sql"),
                ManagerMethod("get_by_natural_key", "sql"),
                ManagerMethod("clear_cache", "none"),
            ),
        ),
        ContribManager(
            "django.contrib.admin.models.LogEntryManager",
            (
                ManagerMethod("log_action", "sql", until=(6, 0)),
                ManagerMethod("log_actions", "sql", since=(5, 1)),
            ),
        ),
    )
}

_PERMISSIONS_MIXIN = "django.contrib.auth.models.PermissionsMixin"
_ABSTRACT_BASE_USER = "django.contrib.auth.base_user.AbstractBaseUser"
_ABSTRACT_USER = "django.contrib.auth.models.AbstractUser"
_ABSTRACT_BASE_SESSION = "django.contrib.sessions.base_session.AbstractBaseSession"

MODELS: dict[str, ContribModel] = {
    model.qualname: model
    for model in (
        # -- abstract bases ------------------------------------------------------
        ContribModel(_ABSTRACT_BASE_USER, _AUTH, ("password", "last_login"), abstract=True),
        ContribModel(
            _PERMISSIONS_MIXIN,
            _AUTH,
            ("is_superuser",),
            (
                ContribRelation("groups", "many_to_many", "auth.Group", "user_set", "user"),
                ContribRelation("user_permissions", "many_to_many", "auth.Permission", "user_set", "user"),
            ),
            abstract=True,
        ),
        ContribModel(
            _ABSTRACT_USER,
            _AUTH,
            ("username", "first_name", "last_name", "email", "is_staff", "is_active", "date_joined"),
            bases=(_ABSTRACT_BASE_USER, _PERMISSIONS_MIXIN),
            manager="django.contrib.auth.models.UserManager",
            abstract=True,
        ),
        ContribModel(
            _ABSTRACT_BASE_SESSION,
            "django.contrib.sessions",
            ("session_key", "session_data", "expire_date"),
            manager="django.contrib.sessions.base_session.BaseSessionManager",
            abstract=True,
            primary_key="session_key",
        ),
        # -- concrete models -----------------------------------------------------
        ContribModel(
            "django.contrib.auth.models.User",
            _AUTH,
            ("id",),
            bases=(_ABSTRACT_USER,),
            swappable=USER_MODEL,
        ),
        ContribModel(
            "django.contrib.auth.models.Group",
            _AUTH,
            ("id", "name"),
            (ContribRelation("permissions", "many_to_many", "auth.Permission"),),
            manager="django.contrib.auth.models.GroupManager",
        ),
        ContribModel(
            "django.contrib.auth.models.Permission",
            _AUTH,
            ("id", "name", "codename"),
            (ContribRelation("content_type", "foreign_key", "contenttypes.ContentType"),),
            manager="django.contrib.auth.models.PermissionManager",
        ),
        ContribModel(
            "django.contrib.contenttypes.models.ContentType",
            "django.contrib.contenttypes",
            ("id", "app_label", "model"),
            manager="django.contrib.contenttypes.models.ContentTypeManager",
        ),
        ContribModel(
            "django.contrib.sessions.models.Session",
            "django.contrib.sessions",
            (),
            bases=(_ABSTRACT_BASE_SESSION,),
            manager="django.contrib.sessions.models.SessionManager",
            primary_key="session_key",
        ),
        ContribModel(
            "django.contrib.sites.models.Site",
            "django.contrib.sites",
            ("id", "domain", "name"),
            manager="django.contrib.sites.models.SiteManager",
        ),
        ContribModel(
            "django.contrib.admin.models.LogEntry",
            "django.contrib.admin",
            ("id", "action_time", "object_id", "object_repr", "action_flag", "change_message"),
            (
                ContribRelation("user", "foreign_key", USER_MODEL),
                ContribRelation("content_type", "foreign_key", "contenttypes.ContentType", null=True),
            ),
            manager="django.contrib.admin.models.LogEntryManager",
        ),
        ContribModel(
            "django.contrib.flatpages.models.FlatPage",
            "django.contrib.flatpages",
            (
                "id",
                "url",
                "title",
                "content",
                "enable_comments",
                "template_name",
                "registration_required",
            ),
            (ContribRelation("sites", "many_to_many", "sites.Site"),),
        ),
        ContribModel(
            "django.contrib.redirects.models.Redirect",
            "django.contrib.redirects",
            ("id", "old_path", "new_path"),
            (ContribRelation("site", "foreign_key", "sites.Site"),),
        ),
    )
}


# Names the contrib modules re-export their bases under: auth.models imports base_user's,
# sessions.models base_session's.
REEXPORTS = {
    "django.contrib.auth.models.AbstractBaseUser": _ABSTRACT_BASE_USER,
    "django.contrib.auth.models.BaseUserManager": _BASE_USER_MANAGER,
    "django.contrib.sessions.models.AbstractBaseSession": _ABSTRACT_BASE_SESSION,
    "django.contrib.sessions.models.BaseSessionManager": "django.contrib.sessions.base_session.BaseSessionManager",
}


def defined_name(qualname: str) -> str:
    """The name a contrib class is defined under, for one it is re-exported under."""
    return REEXPORTS.get(qualname, qualname)


def by_label(label: str) -> ContribModel | None:
    """The concrete contrib model an "app_label.Model" reference names (the model name
    matched without regard to case, as Django does)."""
    app, _, name = label.rpartition(".")
    return next(
        (
            model
            for model in MODELS.values()
            if not model.abstract and model.label == app and model.name.lower() == name.lower()
        ),
        None,
    )


def lineage(qualname: str) -> tuple[ContribModel, ...]:
    """The model and the abstract contrib models it inherits from, bases first, each once."""
    model = MODELS.get(defined_name(qualname))
    if model is None:
        return ()
    found: list[ContribModel] = []
    for base in model.bases:
        found += [m for m in lineage(base) if m not in found]
    return (*found, model)


def default_manager(qualname: str) -> str | None:
    """The class of a contrib model's `objects`, declared or inherited."""
    for model in reversed(lineage(qualname)):
        if model.manager is not None:
            return model.manager
    return None


def manager_methods(qualname: str, version: Version | None) -> tuple[ManagerMethod, ...]:
    """A contrib manager's methods in `version`, its bases' included."""
    manager = MANAGERS.get(defined_name(qualname))
    if manager is None:
        return ()
    inherited = manager_methods(manager.base, version) if manager.base else ()
    own = {method.name: method for method in manager.methods if method.exists_in(version)}
    return (*(m for m in inherited if m.name not in own), *own.values())
