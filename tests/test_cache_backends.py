"""A cache call is judged by the backend its alias has in the settings the code runs under."""

from __future__ import annotations

from pathlib import Path

from asyncdj_lint.api import LintSession, lint_paths, resolve_options
from asyncdj_lint.options import LintOptions, RuleSelection
from tests.helpers import write_files

MANAGE = 'import os\n\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_config.settings")\n'
VIEWS = """\
from django.core.cache import cache, caches
from django.http import HttpResponse


async def banner(request):
    return HttpResponse(cache.get("banner", "Welcome"))


async def visits(request):
    return HttpResponse(caches["sessions"].incr("visits"))
"""


def caches_setting(default: str, sessions: str = "django.core.cache.backends.locmem.LocMemCache") -> str:
    return (
        "CACHES = {\n"
        f'    "default": {{"BACKEND": "{default}", "LOCATION": "x"}},\n'
        f'    "sessions": {{"BACKEND": "{sessions}"}},\n'
        "}\n"
    )


def findings(root: Path, files: dict[str, str]) -> list[str]:
    """`path:line: CODE message` of the cache findings (and helper chains) in the project."""
    write_files(root, {"manage.py": MANAGE, "site_config/__init__.py": "", **files})
    options = LintOptions(selection=RuleSelection(select=("ADJ509", "ADJ513", "ADJ301", "ADJ302")))
    return [
        f"{Path(d.path).relative_to(root).as_posix()}:{d.line}: {d.code} {d.message}"
        for d in lint_paths([root], options).diagnostics
    ]


def project(settings: str, views: str = VIEWS) -> dict[str, str]:
    return {"site_config/settings.py": settings, "shop/__init__.py": "", "shop/views.py": views}


def test_local_memory_and_dummy_caches_do_no_io_and_are_not_reported(tmp_path):
    for number, backend in enumerate(("locmem.LocMemCache", "dummy.DummyCache")):
        settings = caches_setting(f"django.core.cache.backends.{backend}")
        assert findings(tmp_path / str(number), project(settings)) == [], backend


def test_settings_without_caches_get_djangos_local_memory_default(tmp_path):
    [finding] = findings(tmp_path, project("DEBUG = True\n"))
    # `default` is Django's LocMemCache; an alias the settings do not define is unknown.
    assert finding.startswith('shop/views.py:10: ADJ509 `caches["sessions"].incr()` talks to the cache')


def test_a_database_cache_call_is_an_error_of_its_own(tmp_path):
    settings = caches_setting("django.core.cache.backends.db.DatabaseCache")
    assert findings(tmp_path, project(settings)) == [
        (
            "shop/views.py:6: ADJ513 `cache.get()` runs a database query on the event loop (cache 'default' is a "
            "DatabaseCache) and raises SynchronousOnlyOperation; use `await cache.aget(...)`"
        )
    ]


def test_a_redis_cache_call_is_a_warning_that_names_what_it_waits_on(tmp_path):
    settings = caches_setting(
        "django.core.cache.backends.locmem.LocMemCache", "django_redis.cache.RedisCache"
    )
    assert findings(tmp_path, project(settings)) == [
        (
            'shop/views.py:10: ADJ509 `caches["sessions"].incr()` blocks the event loop while it waits on a Redis '
            "server (cache 'sessions'); use `await caches[\"sessions\"].aincr(...)`"
        )
    ]


def test_a_backend_set_later_or_not_a_literal_is_judged_as_written_or_said_unknown(tmp_path):
    later = caches_setting("django.core.cache.backends.locmem.LocMemCache") + (
        'CACHES["default"]["BACKEND"] = "django.core.cache.backends.filebased.FileBasedCache"\n'
    )
    [finding] = findings(tmp_path / "later", project(later))
    assert "ADJ509 `cache.get()` blocks the event loop while it waits on the file system" in finding
    from_env = "CACHES = {'default': env.cache(), 'sessions': {'BACKEND': 'x.LocMemCache'}}\n"
    default, sessions = findings(tmp_path / "env", project(from_env))
    assert "the backend is unknown (the settings do not give cache 'default' one literal BACKEND)" in default
    assert "waits on the `x.LocMemCache` backend (cache 'sessions')" in sessions  # not Django's: not assumed


def test_caches_set_in_an_if_block_may_or_may_not_be_the_backend(tmp_path):
    settings = (
        caches_setting("django.core.cache.backends.redis.RedisCache")
        + 'if DEBUG:\n    CACHES["default"] = {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}\n'
    )
    [finding] = findings(tmp_path / "if", project(settings))
    assert "the backend is unknown (the settings do not give cache 'default' one literal BACKEND)" in finding
    same = caches_setting("django.core.cache.backends.locmem.LocMemCache") + (
        'if DEBUG:\n    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}\n'
    )
    assert findings(tmp_path / "same", project(same)) == []  # `sessions` is kept where it exists


def test_caches_imported_by_name_from_another_module_is_unknown(tmp_path):
    settings = "from .cache_settings import CACHES  # noqa: F401\n"
    files = {**project(settings), "site_config/cache_settings.py": caches_setting("x.Redis")}
    default, _ = findings(tmp_path, files)
    assert "the backend is unknown (CACHES is not a literal)" in default


def test_a_cache_call_behind_a_sync_helper_is_judged_by_the_same_backend(tmp_path):
    helper = (
        "from django.core.cache import cache\n\n\n"
        "def cached_banner():\n"
        '    return cache.get("banner")\n\n\n'
        "async def banner(request):\n"
        "    return cached_banner()\n"
    )
    database = caches_setting("django.core.cache.backends.db.DatabaseCache")
    [finding] = findings(tmp_path / "db", project(database, helper))
    assert finding.startswith("shop/views.py:9: ADJ301 ") and "cache.get()" in finding
    locmem = caches_setting("django.core.cache.backends.locmem.LocMemCache")
    assert findings(tmp_path / "locmem", project(locmem, helper)) == []


TEST_CODE = """\
from django.core.cache import cache


async def test_banner_is_cached():
    cache.set("banner", "Hi")
    assert cache.get("banner") == "Hi"
"""
REDIS = caches_setting("django.core.cache.backends.redis.RedisCache")
LOCMEM_TEST_SETTINGS = "from .settings import *\n\n" + caches_setting(
    "django.core.cache.backends.locmem.LocMemCache"
)


def test_test_code_runs_under_the_settings_pytest_django_reads(tmp_path):
    configs = [
        (
            "pyproject.toml",
            '[tool.pytest.ini_options]\nDJANGO_SETTINGS_MODULE = "site_config.test_settings"\n',
        ),
        (
            "pyproject.toml",
            '[tool.pytest.ini_options]\nenv = ["DJANGO_SETTINGS_MODULE=site_config.test_settings"]\n',
        ),
        ("pytest.ini", "[pytest]\naddopts = --reuse-db --ds=site_config.test_settings\n"),
        ("pytest.ini", "[pytest]\nenv =\n    D:DJANGO_SETTINGS_MODULE=site_config.test_settings\n"),
        ("setup.cfg", "[tool:pytest]\nDJANGO_SETTINGS_MODULE = site_config.test_settings\n"),
        ("tox.ini", "[pytest]\nDJANGO_SETTINGS_MODULE = site_config.test_settings\n"),
        ("Makefile", "test:\n\tpython manage.py test --settings=site_config.test_settings\n"),
    ]
    for number, (name, config) in enumerate(configs):
        files = {
            **project(REDIS),
            "site_config/test_settings.py": LOCMEM_TEST_SETTINGS,
            "shop/tests/__init__.py": "",
            "shop/tests/test_banner.py": TEST_CODE,
            name: config,
        }
        found = findings(tmp_path / str(number), files)
        # The app code still runs under the project's Redis cache; the tests do not.
        assert [f.split(" ", 2)[:2] for f in found] == [["shop/views.py:6:", "ADJ509"]], (name, found)


def test_a_helper_called_from_test_code_is_judged_under_the_test_settings(tmp_path):
    # One app helper, called from a view and from a test: the view's call runs under the
    # production Redis cache, the test's under the test run's local-memory cache.
    helper = (
        "from django.core.cache import cache\n\n\n"
        "def remember(key, value):\n"
        "    cache.set(key, value)\n"
        "    return cache.get(key)\n\n\n"
        "async def greet(request):\n"
        '    return remember("greeting", "Hello")\n'
    )
    test_code = (
        "from shop.views import remember\n\n\n"
        "async def test_remember_keeps_the_value():\n"
        '    assert remember("greeting", "Hi") == "Hi"\n'
    )
    files = {
        **project(REDIS, helper),
        "site_config/test_settings.py": LOCMEM_TEST_SETTINGS,
        "pytest.ini": "[pytest]\nDJANGO_SETTINGS_MODULE = site_config.test_settings\n",
        "shop/tests/__init__.py": "",
        "shop/tests/test_remember.py": test_code,
    }
    found = findings(tmp_path / "locmem-tests", files)
    assert [f.split(" ", 2)[:2] for f in found] == [["shop/views.py:10:", "ADJ302"]], found
    # Under a Redis test cache the same test call blocks its loop too.
    files["site_config/test_settings.py"] = "from .settings import *\n"
    found = findings(tmp_path / "redis-tests", files)
    assert [f.split(" ", 2)[:2] for f in found] == [
        ["shop/tests/test_remember.py:5:", "ADJ302"],
        ["shop/views.py:10:", "ADJ302"],
    ], found


def test_an_app_helper_called_from_test_code_runs_under_the_test_settings(tmp_path):
    helpers = (
        "from django.core.cache import cache\n\n\n"
        "class Banner:\n"
        "    @classmethod\n"
        "    def cached(cls):\n"
        '        return cache.get("banner")\n\n\n'
        "async def banner(request):\n"
        "    return Banner.cached()\n"
    )
    test_code = (
        "from shop.views import Banner\n\n\nasync def test_banner():\n    assert Banner.cached() is None\n"
    )
    files = {
        **project(REDIS, helpers),
        "site_config/test_settings.py": LOCMEM_TEST_SETTINGS,
        "pytest.ini": "[pytest]\nDJANGO_SETTINGS_MODULE = site_config.test_settings\n",
        "shop/tests/__init__.py": "",
        "shop/tests/test_banner.py": test_code,
    }
    found = findings(tmp_path, files)
    # The view calls it under Redis (a blocking call); the test under local memory (no I/O).
    assert [f.split(" ", 2)[:2] for f in found] == [["shop/views.py:11:", "ADJ302"]], found


def test_test_code_without_test_settings_runs_under_the_project_settings(tmp_path):
    files = {**project(REDIS), "shop/test_banner.py": TEST_CODE}
    found = [f.split(" ", 2)[:2] for f in findings(tmp_path, files)]
    assert found == [
        ["shop/test_banner.py:5:", "ADJ509"],
        ["shop/test_banner.py:6:", "ADJ509"],
        ["shop/views.py:6:", "ADJ509"],
    ]


# Settings assembled with django-split-settings, the test run's components swapping Redis for a
# project subclass of LocMemCache.
SPLIT_SETTINGS = {
    "site_config/settings/__init__.py": "",
    "site_config/settings/production.py": (
        "from split_settings.tools import include, optional\n\n"
        'include("components/base.py", "components/caches.py", optional("components/local_*.py"))\n'
    ),
    "site_config/settings/test.py": (
        "from split_settings.tools import include\n\n"
        'include("components/*.py")\n'
        'include("../testing/memory.py")\n'
        "TESTING = True\n"
    ),
    "site_config/settings/components/__init__.py": "",
    "site_config/settings/components/base.py": "DEBUG = False\n",
    "site_config/settings/components/caches.py": caches_setting("shop.backends.RedisCache"),
    "site_config/testing/__init__.py": "",
    "site_config/testing/memory.py": caches_setting("shop.backends.LocMemCache"),
    "shop/backends.py": (
        "from django.core.cache.backends.locmem import LocMemCache as DjangoLocMemCache\n"
        "from django.core.cache.backends.redis import RedisCache as DjangoRedisCache\n\n\n"
        "class RedisCache(DjangoRedisCache):\n    pass\n\n\n"
        "class LocMemCache(DjangoLocMemCache):\n    def lock(self, key):\n        return key\n"
    ),
    "shop/tests/__init__.py": "",
    "shop/tests/test_banner.py": TEST_CODE,
}


def test_split_settings_includes_are_followed_and_project_backends_judged_by_their_django_base(tmp_path):
    files = {
        **project(""),
        **SPLIT_SETTINGS,
        "pyproject.toml": '[tool.pytest]\nini_options.DJANGO_SETTINGS_MODULE = "site_config.settings.test"\n',
    }
    del files["site_config/settings.py"]
    files["manage.py"] = MANAGE.replace("site_config.settings", "site_config.settings.production")
    # Production includes the Redis subclass; the test run's glob and `../` include end on LocMemCache.
    assert findings(tmp_path, files) == [
        (
            "shop/views.py:6: ADJ509 `cache.get()` blocks the event loop while it waits on a Redis server "
            "(cache 'default'); use `await cache.aget(...)`"
        ),
    ]


def test_a_split_settings_include_reads_only_the_modules_it_may_run(tmp_path):
    """Matching an include's patterns takes module paths from the file list, not summaries."""
    files = {**project(""), **SPLIT_SETTINGS, "reports/__init__.py": "", "reports/totals.py": "TOTAL = 1\n"}
    del files["site_config/settings.py"]
    files["manage.py"] = MANAGE.replace("site_config.settings", "site_config.settings.production")
    write_files(tmp_path, files)
    options = resolve_options([tmp_path], LintOptions(cache=False))
    session = LintSession(options, [tmp_path / "shop" / "views.py"])
    assert session.lint([tmp_path / "shop" / "views.py"]).diagnostics
    assert tmp_path / "site_config" / "settings" / "components" / "caches.py" in session.store.summarised
    assert tmp_path / "reports" / "totals.py" not in session.store.summarised


# Settings that switch to a local-memory cache when `manage.py test` runs (TESTING from sys.argv).
EAGER_SETTINGS = (
    "import sys\n\nimport environ\n\nenv = environ.Env()\n"
    'TESTING = len(sys.argv) > 1 and sys.argv[1] == "test"\n'
    + caches_setting("django_redis.cache.RedisCache")
    + 'CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", False)\n'
    "if TESTING:\n    CELERY_TASK_ALWAYS_EAGER = True\n"
    "if CELERY_TASK_ALWAYS_EAGER:\n"
    '    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}\n'
)


def test_a_cache_switched_by_the_test_command_is_judged_for_the_test_run_that_is_known(tmp_path):
    def found(number: int, runner: dict[str, str]) -> list[list[str]]:
        files = {
            **project(EAGER_SETTINGS),
            "shop/tests/__init__.py": "",
            "shop/tests/test_banner.py": TEST_CODE,
        }
        return [f.split(" ", 2)[:2] for f in findings(tmp_path / str(number), {**files, **runner})]

    app = [["shop/views.py:6:", "ADJ509"]]
    tests = [["shop/tests/test_banner.py:5:", "ADJ509"], ["shop/tests/test_banner.py:6:", "ADJ509"]]
    # `manage.py test`: TESTING is true, so the tests run on LocMemCache; the app on Redis or not.
    assert found(0, {".gitlab-ci.yml": "test:\n  script:\n    - ./manage.py test\n"}) == app
    # pytest: sys.argv[1] is not "test"; the eager flag depends on the environment: unknown.
    pytest = {"pytest.ini": "[pytest]\nDJANGO_SETTINGS_MODULE = site_config.settings\n"}
    assert found(1, pytest) == sorted(tests + app)
    # No test command known: the backend stays unknown, and the message says so.
    assert found(2, {}) == sorted(tests + app)
    assert (
        "the backend is unknown (the settings do not give cache 'default' one literal BACKEND)"
        in (findings(tmp_path / "2", {})[0])
    )
