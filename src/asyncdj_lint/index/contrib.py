"""Django's contrib models in the project index: which apps are installed, which model is the user.

The models themselves are facts (`facts/contrib_models.py`). What the index
adds is the project's view of them, read from its settings:

- a contrib app is installed when every settings module found lists it (or its
  AppConfig) in INSTALLED_APPS; unknown settings install nothing. An import of a
  contrib model needs no such proof: Django refuses to import a model whose app
  is not installed, so code that imports one runs with its app installed. The
  settings decide only what no import shows: the accessors one contrib app adds
  to the models of another (`user.logentry_set` exists only with the admin).
- the user model is what AUTH_USER_MODEL names, Django's `auth.User` when the
  settings found do not set it, and unknown when no settings module was found
  or its value is not a literal. `get_user_model()` and relations to
  `settings.AUTH_USER_MODEL` resolve to it; when it is unknown, they resolve to
  no model in particular, so that nothing is said about its fields.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from asyncdj_lint.facts import contrib_models
from asyncdj_lint.facts.contrib_models import ContribModel

if TYPE_CHECKING:
    from asyncdj_lint.index.project import ProjectIndex


class ContribApps:
    def __init__(self, index: ProjectIndex) -> None:
        self.index = index

    @cached_property
    def _settings(self) -> tuple[frozenset[str] | None, str | None]:
        settings = self.index.request_path.settings(self.index.settings_module)
        return settings.installed_apps, settings.user_model

    def installed(self, app: str) -> bool:
        """Whether the settings install the contrib app `app` ("django.contrib.admin"), for sure."""
        apps = self._settings[0]
        if apps is None:
            return False
        return app in apps or any(entry.startswith(f"{app}.apps.") for entry in apps)

    @cached_property
    def user_model(self) -> str | None:
        """The qualified name of the model AUTH_USER_MODEL names; None when unknown."""
        label = self._settings[1]
        if label is None:
            return None
        app, _, name = label.rpartition(".")
        project = self.index.relations.model_labelled(app, name)
        if project is not None:
            return project
        contrib = contrib_models.by_label(label)
        return contrib.qualname if contrib is not None else None

    def swapped(self, qualname: str) -> bool:
        """Whether `qualname` is Django's User while the settings name another user model:
        its manager then raises AttributeError ("has been swapped")."""
        model = contrib_models.MODELS.get(qualname)
        return (
            model is not None
            and model.swappable is not None
            and self.user_model is not None
            and self.user_model != qualname
        )

    def declaring(self, target: str) -> list[str]:
        """The models whose relations may point at `target` that no project source names it in:
        the concrete contrib models whose app is present, and the user model."""
        target_model = contrib_models.MODELS.get(target)
        found = []
        for qualname, model in contrib_models.MODELS.items():
            if model.abstract or model.swappable is not None:
                continue  # the user model is added below, whichever it is
            same_app = target_model is not None and target_model.app == model.app
            if same_app or self.installed(model.app):
                found.append(qualname)
        user = self.user_model
        if user is not None and user != target:
            found.append(user)
        return found


def concrete(qualname: str) -> ContribModel | None:
    """The concrete contrib model `qualname` names, or None."""
    model = contrib_models.MODELS.get(qualname)
    return model if model is not None and not model.abstract else None
