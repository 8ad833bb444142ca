"""Django's own classes, by qualified name, for projects that only import them."""

from __future__ import annotations

from asyncdj_lint.facts import contrib_models

_MODEL_BASES = (
    "django.db.models.Model",
    "django.db.models.base.Model",
    *(name for name, defined in contrib_models.REEXPORTS.items() if defined in contrib_models.MODELS),
    *(qualname for qualname, model in contrib_models.MODELS.items() if model.abstract),
)
_MANAGER_BASES = (
    "django.db.models.Manager",
    "django.db.models.manager.Manager",
    "django.db.models.manager.BaseManager",
    *(name for name, defined in contrib_models.REEXPORTS.items() if defined in contrib_models.MANAGERS),
    *contrib_models.MANAGERS,
)
_QUERYSET_BASES = (
    "django.db.models.QuerySet",
    "django.db.models.query.QuerySet",
)

# Concrete models that ship with Django, with their default manager's class.
MODELS = {
    qualname: contrib_models.default_manager(qualname) or "django.db.models.Manager"
    for qualname, model in contrib_models.MODELS.items()
    if not model.abstract
}

# Callables whose result is a model class.
MODEL_FACTORIES = frozenset({"django.contrib.auth.get_user_model"})
USER_MODEL = "django.contrib.auth.models.User"
# What `get_user_model()` is when the project's settings do not say: some user model,
# with none of the fields or relations of a particular one.
ANY_USER_MODEL = "django.contrib.auth.base_user.AbstractBaseUser"


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
