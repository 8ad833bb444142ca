"""Serve every simple URL of a golden fixture project (fixtures/<project>) under real Django.

A fixture project is a Django project of its own (its settings, apps and
URLconf), so it runs in a process of its own:

    python -m tests.runtime.fixture_project PROJECT_DIR DB_PATH

loads the settings module `PROJECT_DIR/manage.py` names, with a fresh SQLite
file at DB_PATH in place of its database (other database options, such as
ATOMIC_REQUESTS, are kept), local-memory caches in place of caches that
need a server (Redis, Memcached), and a SECRET_KEY and ALLOWED_HOSTS where
the settings leave them to the deployment's environment. It creates the tables (`migrate
--run-syncdb`), seeds one row per concrete model of the project's own apps
whose required fields take a simple value (a string, a number, a boolean, a
date, the seeded row of a related model; a model it cannot seed is left
empty) and a user to log in as, then GETs every pattern of the URLconf that
takes no argument or only an int `pk` (the seeded rows' pk), logged in with a
database session, as tests/runtime/field_bugs.py serves a view. It prints one
JSON object: `{"urlconf_error": null | {...}, "urls": {"/orders/1/": {...}}}`,
each URL a `SideResult` as a dict (status, or the exception that escaped, and
the warnings emitted) with the `view` it routes to: its file, relative to the
project, and its first and last line (a class-based view's class, a decorated
view's function).
"""

from __future__ import annotations

import datetime
import decimal
import importlib
import inspect
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from tests.runtime.field_bugs import READER, SideResult, _get, run_recorded
from tests.runtime.harness import ServedError

_SERVERLESS_CACHES = ("locmem", "dummy", "filebased", "db.")


def settings_module(project: Path) -> str:
    """The settings module `manage.py` sets as DJANGO_SETTINGS_MODULE."""
    manage = (project / "manage.py").read_text(encoding="utf-8")
    found = re.search(r"""DJANGO_SETTINGS_MODULE["'],\s*["']([\w.]+)["']""", manage)
    if found is None:
        raise ValueError(f"{project / 'manage.py'} sets no DJANGO_SETTINGS_MODULE")
    return found.group(1)


def setup_django(project: Path, db_path: str) -> None:
    """The project's settings, on a fresh SQLite file and server-less caches; tables created."""
    sys.path.insert(0, str(project))
    own = importlib.import_module(settings_module(project))
    values = {name: getattr(own, name) for name in dir(own) if name.isupper()}
    database = {
        key: value
        for key, value in values.get("DATABASES", {}).get("default", {}).items()
        if key not in ("HOST", "PORT", "USER", "PASSWORD", "OPTIONS")
    }
    values["DATABASES"] = {"default": {**database, "ENGINE": "django.db.backends.sqlite3", "NAME": db_path}}
    # What a deployment reads from its environment: a key, and the host the test client sends.
    values.setdefault("SECRET_KEY", "fixture-project")
    values.setdefault("ALLOWED_HOSTS", ["testserver"])
    values["CACHES"] = {
        alias: cache
        if any(kind in cache["BACKEND"] for kind in _SERVERLESS_CACHES)
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": alias}
        for alias, cache in values.get("CACHES", {}).items()
    }
    if not values["CACHES"]:
        del values["CACHES"]
    import django
    from django.conf import settings
    from django.core.management import call_command

    settings.configure(**values)
    django.setup()
    call_command("migrate", run_syncdb=True, verbosity=0)


def seed(project: Path) -> int:
    """A user to log in as and one row per seedable model of the project's apps; the rows' pk."""
    from django.apps import apps
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_user(READER, "reader@example.com")
    pending = [
        model
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(project.resolve())
        for model in config.get_models()
        if not model._meta.proxy
    ]
    while pending:  # a model waits for the models its required relations point to
        seeded = [model for model in pending if _seed_one(model)]
        pending = [model for model in pending if model not in seeded]
        if not seeded:
            break
    return 1  # every table starts empty in the fresh database: each first row has pk 1


def _seed_one(model: Any) -> bool:
    values: dict[str, Any] = {}
    for field in model._meta.concrete_fields:
        if field.primary_key or field.has_default() or field.null or getattr(field, "auto_now_add", False):
            continue
        value = _simple_value(field)
        if value is None:
            return False
        values[field.name] = value
    try:
        model.objects.create(**values)
    except Exception:  # noqa: BLE001 - a model the generic values do not fit stays empty
        return False
    return True


def _simple_value(field: Any) -> object:
    from django.db import models

    if field.is_relation:
        return field.related_model.objects.order_by("pk").first()
    simple: list[tuple[type[Any], object]] = [
        (models.BooleanField, False),
        (models.DecimalField, decimal.Decimal("1.00")),
        (models.FloatField, 1.0),
        (models.IntegerField, 1),
        (models.DateTimeField, datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)),
        (models.DateField, datetime.date(2024, 1, 1)),
        (models.EmailField, "seed@example.com"),
        (models.CharField, "seed"),
        (models.TextField, "seed"),
    ]
    return next((value for kind, value in simple if isinstance(field, kind)), None)


def simple_urls(patterns: list[Any], pk: int, prefix: str = "/") -> Iterator[str]:
    """The URL of every route that takes no argument or only an int `pk`, includes followed."""
    from django.urls import URLPattern, URLResolver
    from django.urls.converters import IntConverter
    from django.urls.resolvers import RoutePattern

    for entry in patterns:
        pattern = entry.pattern
        if not isinstance(pattern, RoutePattern):
            continue  # regex routes: their arguments cannot be told apart generically
        converters = pattern.converters
        if any(name != "pk" or not isinstance(c, IntConverter) for name, c in converters.items()):
            continue
        route = prefix + re.sub(r"<(?:int:)?pk>", str(pk), str(pattern))
        if isinstance(entry, URLResolver):
            yield from simple_urls(entry.url_patterns, pk, route)
        elif isinstance(entry, URLPattern):
            yield route


def serve_url(url: str, patterns: list[Any]) -> SideResult:
    from django.db import connections

    connections.close_all()
    result = SideResult()
    return run_recorded(lambda: _get(url, patterns, None, result), result)


def view_location(url: str, project: Path) -> dict[str, Any]:
    """Where the view `url` routes to is defined: {"path": relative to `project`, "lines": [first, last]}."""
    from django.urls import resolve

    func = resolve(url).func
    view = getattr(func, "view_class", None) or inspect.unwrap(func)
    source, first = inspect.getsourcelines(view)
    path = Path(inspect.getsourcefile(view) or "").resolve().relative_to(project)
    return {"path": path.as_posix(), "lines": [first, first + len(source) - 1]}


def main(argv: list[str]) -> int:
    project, db_path = Path(argv[0]).resolve(), argv[1]
    setup_django(project, db_path)
    pk = seed(project)
    from django.conf import settings

    try:
        patterns: list[Any] = list(importlib.import_module(settings.ROOT_URLCONF).urlpatterns)
    except Exception as exc:  # noqa: BLE001 - a URLconf that cannot be imported serves nothing
        served = ServedError.from_exception(exc)
        error = {"exception": served.exception, "message": served.message}
        print(json.dumps({"urlconf_error": error, "urls": {}}))
        return 0
    urls = {
        url: {**asdict(serve_url(url, patterns)), "view": view_location(url, project)}
        for url in simple_urls(patterns, pk)
    }
    print(json.dumps({"urlconf_error": None, "urls": urls}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
