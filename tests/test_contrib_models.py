"""Django's contrib models in the index: auth, contenttypes, sessions, sites, admin, flatpages,
redirects, and the swappable user model, judged by the rules as project models are."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from asyncdj_lint.facts import contrib_models
from asyncdj_lint.index.project import ProjectIndex
from asyncdj_lint.index.store import SourceStore
from tests.helpers import lint_snippet

sys.path.insert(0, str(Path(__file__).parents[1] / "scripts"))
from corpus import corpus_root  # scripts/ is not a package

# The release of the corpus's Django (scripts/corpus.py pins it).
DJANGO_VERSION = (5, 2)

ALL_APPS = """\
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.sites",
    "django.contrib.flatpages",
    "django.contrib.redirects",
    "accounts",
    "shop",
]
"""
AUTH_ONLY = """\
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.contenttypes", "accounts", "shop"]
"""
CUSTOM_USER = 'AUTH_USER_MODEL = "accounts.Member"\n'
ACCOUNTS = {
    "accounts/__init__.py": "",
    "accounts/models.py": """\
from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models


class Member(AbstractUser):
    nickname = models.CharField(max_length=30, blank=True)


class Bookmark(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    url = models.URLField()
""",
}


def found(code: str, settings: str | None = None, **kwargs) -> list[tuple[int, str]]:
    files = dict(ACCOUNTS)
    if settings is not None:
        files["settings.py"] = settings
    return [(d.line, d.code) for d in lint_snippet(code, extra_files=files, **kwargs)]


# -- forward relations of the contrib models ----------------------------------------------


def test_log_entry_user_read_after_aget_is_a_lazy_relation():
    code = """\
from django.contrib.admin.models import LogEntry


async def last_editor(request):
    entry = await LogEntry.objects.order_by("-action_time").afirst()
    return entry.user.username
"""
    assert found(code) == [(6, "ADJ201")]


def test_log_entry_user_loaded_by_select_related_is_silent():
    code = """\
from django.contrib.admin.models import LogEntry


async def last_editor(request):
    entry = await LogEntry.objects.select_related("user", "content_type").order_by("-action_time").afirst()
    return entry.user.username, entry.content_type.model, entry.object_repr, entry.user_id
"""
    assert found(code) == []


def test_permission_content_type_and_redirect_site_are_lazy_foreign_keys():
    code = """\
from django.contrib.auth.models import Permission
from django.contrib.redirects.models import Redirect


async def describe(request, pk):
    permission = await Permission.objects.aget(pk=pk)
    redirect = await Redirect.objects.aget(pk=pk)
    return permission.content_type.app_label, redirect.site.domain, redirect.site_id
"""
    assert found(code) == [(8, "ADJ201"), (8, "ADJ201")]


def test_user_groups_add_in_async_code_is_a_related_manager_write():
    code = """\
from django.contrib.auth.models import Group, User


async def promote(request, pk):
    user = await User.objects.aget(pk=pk)
    staff = await Group.objects.aget(name="staff")
    user.groups.add(staff)
    await user.user_permissions.aclear()
"""
    assert found(code) == [(7, "ADJ202")]


def test_many_to_many_managers_of_group_user_and_flatpage_evaluate_on_the_loop():
    code = """\
from django.contrib.auth.models import Group, User
from django.contrib.flatpages.models import FlatPage


async def listing(request, pk):
    group = await Group.objects.aget(pk=pk)
    user = await User.objects.aget(pk=pk)
    page = await FlatPage.objects.aget(pk=pk)
    codenames = [p.codename for p in group.permissions.all()]
    for permission in user.user_permissions.all():
        print(permission)
    return codenames, list(page.sites.all())
"""
    assert found(code) == [(9, "ADJ102"), (10, "ADJ102"), (12, "ADJ102")]


def test_prefetched_groups_and_async_iteration_are_silent():
    code = """\
from django.contrib.auth.models import User


async def listing(request, pk):
    user = await User.objects.prefetch_related("groups").aget(pk=pk)
    names = [group.name for group in user.groups.all()]
    async for permission in user.user_permissions.all():
        names.append(permission.codename)
    return names
"""
    assert found(code) == []


def test_session_has_no_relations_and_its_fields_are_plain_reads():
    code = """\
from django.contrib.sessions.models import Session


async def expiry(request, key):
    session = await Session.objects.aget(session_key=key)
    return session.expire_date, session.session_data, session.get_decoded()
"""
    assert found(code) == []


def test_contrib_manager_methods_that_query_are_reported_with_a_bridge():
    code = """\
from django.contrib.contenttypes.models import ContentType
from django.contrib.sites.models import Site
from shop.models import Product


async def where(request):
    product_type = ContentType.objects.get_for_model(Product)
    site = Site.objects.get_current()
    ContentType.objects.clear_cache()
    return product_type, site
"""
    diagnostics = lint_snippet(code)
    assert [(d.line, d.code) for d in diagnostics] == [(7, "ADJ101"), (8, "ADJ101")]
    assert "`await sync_to_async(ContentType.objects.get_for_model)(...)`" in diagnostics[0].message


def test_user_manager_methods_keep_the_auth_api_advice():
    code = """\
from django.contrib.auth.models import User


async def sign_up(request):
    return User.objects.create_user("ada", password="x")
"""
    diagnostics = lint_snippet(code, target_django=(5, 2))
    assert [d.code for d in diagnostics] == ["ADJ503"]
    assert "`await User.objects.acreate_user(...)`" in diagnostics[0].message


@pytest.mark.parametrize(
    ("version", "method", "codes"),
    [
        ((5, 0), "log_action", ["ADJ101"]),
        ((6, 0), "log_action", []),  # removed in 6.0: an AttributeError, not a query
        ((5, 2), "log_actions", ["ADJ101"]),
        ((4, 2), "log_actions", []),  # added in 5.1
    ],
)
def test_log_entry_manager_methods_exist_by_version(version, method, codes):
    code = f"""\
from django.contrib.admin.models import LogEntry


async def record(request, user_id):
    LogEntry.objects.{method}(user_id, None, "1", "thing", 1)
"""
    assert [d.code for d in lint_snippet(code, target_django=version)] == codes


# -- the swappable user model --------------------------------------------------------------

GET_USER_MODEL = """\
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

User = get_user_model()


async def promote(request, pk):
    user = await User.objects.aget(pk=pk)
    staff = await Group.objects.aget(name="staff")
    user.groups.add(staff)
    return user.nickname
"""


def test_get_user_model_is_the_model_auth_user_model_names():
    assert found(GET_USER_MODEL, ALL_APPS + CUSTOM_USER) == [(10, "ADJ202")]


def test_get_user_model_is_django_user_when_the_settings_do_not_swap_it():
    assert found(GET_USER_MODEL, AUTH_ONLY) == [(10, "ADJ202")]


def test_get_user_model_with_unknown_settings_says_nothing_about_relations():
    code = GET_USER_MODEL + "\n\nasync def count(request):\n    return User.objects.count()\n"
    assert found(code) == [(15, "ADJ101")]


def test_user_model_from_a_setting_that_is_not_a_literal_is_unknown():
    settings = AUTH_ONLY + 'import os\nAUTH_USER_MODEL = os.environ["USER_MODEL"]\n'
    assert found(GET_USER_MODEL, settings) == []


def test_relation_to_auth_user_model_leads_to_the_swapped_model_and_its_inherited_fields():
    code = """\
from accounts.models import Bookmark


async def owner_groups(request, pk):
    bookmark = await Bookmark.objects.select_related("owner").aget(pk=pk)
    names = [group.name for group in bookmark.owner.groups.all()]
    return names, bookmark.owner.nickname
"""
    assert found(code, ALL_APPS + CUSTOM_USER) == [(6, "ADJ102")]


def test_project_user_model_inherits_the_user_manager():
    code = """\
from accounts.models import Member


async def sign_up(request):
    return Member.objects.create_user("ada"), Member.objects.with_perm("shop.view_product").count()
"""
    assert found(code, ALL_APPS + CUSTOM_USER, target_django=(5, 2)) == [(5, "ADJ503"), (5, "ADJ101")]


def test_django_user_swapped_out_has_no_manager_to_report():
    code = """\
from django.contrib.auth.models import User


async def count(request):
    return User.objects.count()
"""
    assert found(code, ALL_APPS + CUSTOM_USER) == []
    assert found(code, ALL_APPS) == [(5, "ADJ101")]


# -- reverse accessors, present only with the app that declares them ------------------------

REVERSE = """\
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.contrib.sites.models import Site


async def history(request, pk):
    user = await get_user_model().objects.aget(pk=pk)
    group = await Group.objects.aget(pk=pk)
    content_type = await ContentType.objects.aget(pk=pk)
    site = await Site.objects.aget(pk=pk)
    a = [entry.object_repr for entry in user.logentry_set.all()]
    b = [member.username for member in group.user_set.all()]
    c = [permission.codename for permission in content_type.permission_set.all()]
    d = [page.url for page in site.flatpage_set.all()]
    return a, b, c, d
"""


def test_reverse_accessors_of_installed_contrib_apps_are_managers():
    assert found(REVERSE, ALL_APPS) == [(12, "ADJ102"), (13, "ADJ102"), (14, "ADJ102"), (15, "ADJ102")]


def test_reverse_accessors_of_apps_not_installed_are_unknown():
    # No admin, no flatpages: `user.logentry_set` and `site.flatpage_set` do not exist.
    assert found(REVERSE, AUTH_ONLY) == [(13, "ADJ102"), (14, "ADJ102")]


def test_reverse_accessors_with_unknown_settings_are_unknown():
    assert found(REVERSE) == []


def test_group_user_set_leads_to_the_custom_user_model():
    code = """\
from django.contrib.auth.models import Group


async def members(request, pk):
    group = await Group.objects.aget(pk=pk)
    return [member.nickname async for member in group.user_set.all()], list(group.user_set.all())
"""
    assert found(code, ALL_APPS + CUSTOM_USER) == [(6, "ADJ102")]


# -- the facts themselves ------------------------------------------------------------------


def test_every_relation_target_of_the_facts_is_a_contrib_model_or_the_user_model():
    for model in contrib_models.MODELS.values():
        for relation in model.relations:
            assert relation.target == contrib_models.USER_MODEL or contrib_models.by_label(relation.target)


def test_user_lineage_holds_the_fields_of_every_abstract_base():
    fields = {
        name for model in contrib_models.lineage("django.contrib.auth.models.User") for name in model.fields
    }
    assert {"password", "last_login", "is_superuser", "username", "date_joined", "id"} <= fields
    assert contrib_models.default_manager("django.contrib.auth.models.User") == (
        "django.contrib.auth.models.UserManager"
    )


# -- how the settings are read --------------------------------------------------------------


@pytest.mark.parametrize(
    "settings",
    [
        # Written in an `if` block: it may or may not run.
        AUTH_ONLY + 'import os\nif os.environ.get("MEMBERS"):\n    AUTH_USER_MODEL = "accounts.Member"\n',
        # Imported from another module: not a literal here.
        AUTH_ONLY + "from accounts.conf import AUTH_USER_MODEL\n",
    ],
)
def test_user_model_written_conditionally_or_imported_is_unknown(settings):
    assert found(GET_USER_MODEL, settings) == []


def test_user_model_set_after_a_default_is_the_last_value():
    settings = AUTH_ONLY + 'AUTH_USER_MODEL = "auth.User"\nAUTH_USER_MODEL = "accounts.Member"\n'
    assert found(GET_USER_MODEL, settings) == [(10, "ADJ202")]


def test_app_config_path_in_installed_apps_installs_the_app():
    settings = AUTH_ONLY + 'INSTALLED_APPS += ["django.contrib.admin.apps.SimpleAdminConfig"]\n'
    assert (12, "ADJ102") in found(REVERSE, settings)


def test_sync_helper_writing_user_groups_is_reported_at_the_async_call():
    code = """\
from django.contrib.auth.models import Group, User


def grant(user, group):
    user.groups.add(group)


async def promote(request, pk):
    user = await User.objects.aget(pk=pk)
    group = await Group.objects.aget(name="staff")
    grant(user, group)
"""
    assert found(code) == [(11, "ADJ301")]


# -- the facts agree with Django's source ----------------------------------------------------

DJANGO_SOURCE = corpus_root() / "django"
CONTRIB_FILES = (
    "auth/models.py",
    "auth/base_user.py",
    "contenttypes/models.py",
    "sessions/models.py",
    "sessions/base_session.py",
    "sites/models.py",
    "admin/models.py",
    "flatpages/models.py",
    "redirects/models.py",
)


@pytest.fixture(scope="module")
def from_source() -> ProjectIndex:
    contrib = DJANGO_SOURCE / "django" / "contrib"
    if not (DJANGO_SOURCE / ".done").exists():
        pytest.skip("the corpus's Django is not downloaded (python scripts/corpus.py django)")
    paths = [contrib / name for name in CONTRIB_FILES]
    packages = {folder / "__init__.py" for path in paths for folder in (path.parent, contrib, contrib.parent)}
    return ProjectIndex(SourceStore([*paths, *sorted(packages)]), None)


CONCRETE = [qualname for qualname, model in contrib_models.MODELS.items() if not model.abstract]


@pytest.mark.parametrize("qualname", CONCRETE)
def test_fields_and_relations_of_the_facts_are_those_django_declares(from_source, qualname):
    source = from_source.relations.fields(qualname)
    facts = ProjectIndex({}).relations.fields(qualname)
    assert source.concrete, f"{qualname} not read from the source"
    assert source.relations == facts.relations
    assert facts.concrete - {"id"} == source.concrete
    assert facts.primary_keys - {"id"} == source.primary_keys


@pytest.mark.parametrize("qualname", list(contrib_models.MANAGERS))
def test_manager_methods_of_the_facts_are_those_django_defines(from_source, qualname):
    version = DJANGO_VERSION
    source = {m.name for m in from_source.custom_methods(qualname).methods if not m.name.startswith("_")}
    facts = {m.name for m in contrib_models.manager_methods(qualname, version)}
    assert facts == source
