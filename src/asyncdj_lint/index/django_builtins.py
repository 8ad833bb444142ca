"""Django's own classes, by qualified name, for projects that only import them."""

from __future__ import annotations

_MODEL_BASES = (
    "django.db.models.Model",
    "django.db.models.base.Model",
    "django.contrib.auth.base_user.AbstractBaseUser",
    "django.contrib.auth.models.AbstractBaseUser",
    "django.contrib.auth.models.AbstractUser",
    "django.contrib.auth.models.PermissionsMixin",
    "django.contrib.sessions.base_session.AbstractBaseSession",
)
_MANAGER_BASES = (
    "django.db.models.Manager",
    "django.db.models.manager.Manager",
    "django.db.models.manager.BaseManager",
    "django.contrib.auth.base_user.BaseUserManager",
    "django.contrib.auth.models.BaseUserManager",
    "django.contrib.auth.models.UserManager",
)
_QUERYSET_BASES = (
    "django.db.models.QuerySet",
    "django.db.models.query.QuerySet",
)

# Concrete models that ship with Django, with their default manager's class.
MODELS = {
    "django.contrib.auth.models.User": "django.contrib.auth.models.UserManager",
    "django.contrib.auth.models.Group": "django.contrib.auth.models.GroupManager",
    "django.contrib.auth.models.Permission": "django.contrib.auth.models.PermissionManager",
    "django.contrib.contenttypes.models.ContentType": "django.contrib.contenttypes.models.ContentTypeManager",
    "django.contrib.sessions.models.Session": "django.contrib.sessions.models.SessionManager",
    "django.contrib.sites.models.Site": "django.contrib.sites.models.SiteManager",
    "django.contrib.admin.models.LogEntry": "django.contrib.admin.models.LogEntryManager",
    "django.contrib.flatpages.models.FlatPage": "django.db.models.Manager",
    "django.contrib.redirects.models.Redirect": "django.db.models.Manager",
}

# Callables whose result is a model class.
MODEL_FACTORIES = frozenset({"django.contrib.auth.get_user_model"})
USER_MODEL = "django.contrib.auth.models.User"


# ModelForm validation and save query the database.
_MODELFORM_BASES = ("django.forms.ModelForm", "django.forms.models.ModelForm")


def class_kind(qualname: str) -> str | None:
    """ "model", "manager", "queryset" or "modelform" for Django's own classes of those kinds."""
    if qualname in _MODEL_BASES or qualname in MODELS:
        return "model"
    if qualname in _MANAGER_BASES:
        return "manager"
    if qualname in _QUERYSET_BASES:
        return "queryset"
    if qualname in _MODELFORM_BASES:
        return "modelform"
    return None


def is_model_base(qualname: str) -> bool:
    """Django's abstract model classes, which no relation can point at."""
    return qualname in _MODEL_BASES
