"""ADJ501-ADJ503: request.user, request.session and the auth API in async code."""

from __future__ import annotations

from tests.helpers import lint_snippet

# An unannotated `request` is Django's only in a module that imports Django.
DJANGO = "from django.http import HttpResponse\n\n"


def findings(code: str, select: str) -> list[tuple[int, str]]:
    return [(d.line, d.message) for d in lint_snippet(code, select=(select,))]


def test_request_user_attribute_in_async_view_is_reported_with_auser_advice():
    code = DJANGO + "async def profile(request):\n    return request.user.is_authenticated\n"
    assert findings(code, "ADJ501") == [
        (
            4,
            (
                "`request.user.is_authenticated` loads the user from the session on the event loop and "
                "raises SynchronousOnlyOperation for a logged-in user; use `user = await request.auser()`, "
                "then `user.is_authenticated`"
            ),
        )
    ]


def test_request_user_through_a_local_name_in_a_view_method_is_reported():
    code = (
        "from django.views import View\n\n"
        "class Profile(View):\n"
        "    async def get(self, request):\n"
        "        user = request.user\n"
        "        return user.email\n"
    )
    assert [line for line, _ in findings(code, "ADJ501")] == [6]


def test_request_annotated_httprequest_with_another_name_is_reported():
    code = (
        "from django.http import HttpRequest\n\n"
        "async def profile(req: HttpRequest):\n    return req.user.pk\n"
    )
    assert [line for line, _ in findings(code, "ADJ501")] == [4]


def test_request_user_in_sync_code_or_handed_to_a_thread_is_silent():
    code = DJANGO + (
        "from asgiref.sync import sync_to_async\n\n"
        "def profile(request):\n    return request.user.email\n\n"
        "async def aprofile(request):\n"
        "    return await sync_to_async(lambda: request.user.email)()\n"
    )
    assert findings(code, "ADJ501") == []


def test_request_that_is_not_the_first_parameter_or_is_rebound_is_silent():
    code = DJANGO + (
        "async def handler(event, request):\n    return request.user.email\n\n"
        "async def view(request):\n    request = await build()\n    return request.user.email\n\n"
        "async def typed(request: dict):\n    return request.user.email\n"
    )
    assert findings(code, "ADJ501") == []


def test_request_user_assignment_and_auser_are_silent():
    code = DJANGO + (
        "async def view(request):\n"
        "    request.user = await request.auser()\n"
        "    user = await request.auser()\n"
        "    return user.email\n"
    )
    assert findings(code, "ADJ501") == []


LEGACY = {"requirements.txt": "Django>=4.2,<5.0\n"}


def test_session_get_is_reported_with_the_async_method_on_5_1_and_later():
    code = DJANGO + "async def view(request):\n    return request.session.get('cart')\n"
    assert findings(code, "ADJ502") == [
        (
            4,
            (
                "`request.session.get()` loads the session from its store on the event loop; with database "
                "sessions it raises SynchronousOnlyOperation; use `await request.session.aget(...)`"
            ),
        )
    ]


def test_session_advice_falls_back_to_sync_to_async_before_5_1():
    code = DJANGO + "async def view(request):\n    return request.session.get('cart')\n"
    found = lint_snippet(code, select=("ADJ502",), extra_files=LEGACY)
    assert [d.message.rsplit("; ", 1)[1] for d in found] == [
        "use `await sync_to_async(request.session.get)(...)` (the target, Django 4.2, predates the async variant of 5.1)"
    ]


def test_session_subscript_membership_and_delete_are_reported():
    code = DJANGO + (
        "async def view(request):\n"
        "    session = request.session\n"
        "    if 'cart' in session:\n"
        "        del session['cart']\n"
        "    request.session['seen'] = True\n"
    )
    assert [(line, message.rsplit("; ", 1)[1]) for line, message in findings(code, "ADJ502")] == [
        (5, "use `await session.ahas_key(key)`"),
        (6, "use `await session.apop(key)`"),
        (7, "use `await request.session.aset(key, value)`"),
    ]


def test_session_attributes_that_do_not_load_it_are_silent():
    code = DJANGO + (
        "async def view(request):\n"
        "    request.session.modified = True\n"
        "    return request.session.session_key\n"
    )
    assert findings(code, "ADJ502") == []


def test_auth_login_through_module_attribute_is_reported():
    code = (
        "from django.contrib import auth\n\nasync def view(request, user):\n    auth.login(request, user)\n"
    )
    assert findings(code, "ADJ503") == [
        (
            4,
            (
                "`login()` reads and writes the user and the session store on the event loop and raises "
                "SynchronousOnlyOperation; use `await alogin(...)`"
            ),
        )
    ]


def test_local_function_named_login_is_silent():
    code = "def login(request):\n    pass\n\nasync def view(request):\n    login(request)\n"
    assert findings(code, "ADJ503") == []


def test_permission_check_on_request_user_is_reported_once_by_the_auth_rule():
    code = DJANGO + "async def view(request):\n    return request.user.has_perm('shop.add_order')\n"
    found = lint_snippet(code, select=("ADJ5",))
    assert [(d.code, d.message) for d in found] == [
        (
            "ADJ503",
            (
                "`request.user.has_perm()` queries the user's permissions on the event loop and raises "
                "SynchronousOnlyOperation; use `user = await request.auser()`, then `await user.ahas_perm(...)`"
            ),
        )
    ]


def test_permission_advice_before_5_2_is_sync_to_async():
    code = (
        DJANGO
        + "async def view(request):\n    user = await request.auser()\n    return user.has_perms(['a.b'])\n"
    )
    found = lint_snippet(code, select=("ADJ503",), extra_files={"requirements.txt": "django~=5.1.0\n"})
    assert [d.message.rsplit("; ", 1)[1] for d in found] == [
        "use `await sync_to_async(user.has_perms)(...)` (the target, Django 5.1, predates the async variant of 5.2)"
    ]


def test_has_perm_on_an_unknown_object_is_silent():
    code = "async def view(request, backend):\n    return backend.has_perm('a.b')\n"
    assert findings(code, "ADJ503") == []


def test_get_object_or_404_before_5_0_suggests_sync_to_async():
    code = (
        "from django.shortcuts import get_list_or_404\nfrom shop.models import Product\n\n"
        "async def view(request):\n    return get_list_or_404(Product, available=True)\n"
    )
    found = lint_snippet(code, select=("ADJ504",), extra_files=LEGACY)
    assert [(d.line, d.message) for d in found] == [
        (
            5,
            (
                "`get_list_or_404()` runs a database query on the event loop and raises SynchronousOnlyOperation; "
                "use `await sync_to_async(get_list_or_404)(...)` "
                "(the target, Django 4.2, predates the async variant of 5.0)"
            ),
        )
    ]


def test_local_get_object_or_404_is_silent():
    code = "def get_object_or_404(model, **kw):\n    pass\n\nasync def view(request):\n    get_object_or_404(1)\n"
    assert findings(code, "ADJ504") == []


def test_permission_check_on_a_custom_user_model_instance_is_reported():
    code = (
        "from django.contrib.auth.models import AbstractUser\n\n"
        "class Member(AbstractUser):\n    pass\n\n"
        "async def view(request, pk):\n"
        "    member = await Member.objects.aget(pk=pk)\n"
        "    return member.has_module_perms('shop')\n"
    )
    assert [line for line, _ in findings(code, "ADJ503")] == [8]


def test_permission_method_on_a_model_that_is_not_a_user_is_silent():
    code = (
        "from shop.models import Product\n\n"
        "async def view(request, pk):\n"
        "    product = await Product.objects.aget(pk=pk)\n"
        "    return product.has_perm('x')\n"
    )
    assert findings(code, "ADJ503") == []


CUSTOM_USER = (
    "from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager\n"
    "from django.db import models\n\n"
    "class MemberManager(BaseUserManager):\n"
    "    def create_user(self, email):\n"
    "        user = self.model(email=email)\n"
    "        user.save(using=self._db)\n"
    "        return user\n\n"
    "class Member(AbstractBaseUser):\n"
    "    email = models.EmailField(unique=True)\n"
    "    objects = MemberManager()\n\n"
    "async def view(request):\n"
    "    Member.objects.create_user('a@example.com')\n"
    "    Member.objects.get_by_natural_key('a@example.com')\n"
)


def test_user_manager_methods_suggest_django_twins_only_where_the_project_does_not_override_them():
    found = lint_snippet(CUSTOM_USER, select=("ADJ503",), target_django=(5, 2))
    assert [(d.line, d.message.rsplit("; ", 1)[1]) for d in found] == [
        (15, "use `await sync_to_async(Member.objects.create_user)(...)`"),
        (16, "use `await Member.objects.aget_by_natural_key(...)`"),
    ]


def test_manager_method_named_create_user_on_a_model_that_is_not_a_user_is_silent():
    code = (
        "from django.db import models\n\n"
        "class InviteManager(models.Manager):\n"
        "    def create_user(self, email):\n        pass\n\n"
        "class Invite(models.Model):\n    objects = InviteManager()\n\n"
        "async def view(request):\n    Invite.objects.create_user('a@example.com')\n"
    )
    assert findings(code, "ADJ503") == []


def test_self_request_in_an_async_class_based_view_method_is_the_request():
    code = (
        "from django.views.generic import TemplateView\n\n"
        "class Dashboard(TemplateView):\n"
        "    async def get(self, request, *args, **kwargs):\n"
        "        name = self.request.user.username\n"
        "        cart = self.request.session.get('cart')\n"
    )
    assert [(d.line, d.code) for d in lint_snippet(code, select=("ADJ501", "ADJ502"))] == [
        (5, "ADJ501"),
        (6, "ADJ502"),
    ]


def test_self_request_outside_a_view_class_is_silent():
    code = "class Client:\n    async def get(self):\n        return self.request.user.username\n"
    assert findings(code, "ADJ501") == []


def test_unannotated_request_in_a_module_without_django_is_silent():
    code = "from starlette.responses import Response\n\nasync def homepage(request):\n    return request.user.name\n"
    assert findings(code, "ADJ501") == []


def test_session_items_after_an_awaited_async_session_method_in_the_same_function_are_silent():
    # A playground view: the anonymous id is read with `aget`, which loads the session; the
    # item written after it goes into the loaded data. `save()` still goes to the store.
    code = DJANGO + (
        "import uuid\n\n\n"
        "async def playground(request):\n"
        "    if 'seen' in request.session:\n"
        "        pass\n"
        "    visitor = await request.session.aget('anonymous_id')\n"
        "    if not visitor:\n"
        "        request.session['anonymous_id'] = str(uuid.uuid4())\n"
        "        request.session.set_expiry(60)\n"
        "    request.session.save()\n"
        "    return HttpResponse(visitor)\n\n\n"
        "async def other(request):\n"
        "    request.session['anonymous_id'] = 'x'\n"
        "    return HttpResponse('')\n"
    )
    assert [line for line, _ in findings(code, "ADJ502")] == [7, 13, 18]


def test_the_fix_before_django_5_loads_the_user_with_djangos_get_user_unless_the_name_is_taken():
    view = DJANGO + "async def profile(request):\n    return request.user.username\n"
    (own,) = lint_snippet(view, select=("ADJ501",), target_django=(4, 2))
    assert (
        own.fix is not None and own.fix.title == "Load the user with `await sync_to_async(get_user)(request)`"
    )
    imported = "from django.contrib.auth import get_user\n\n\n" + view
    assert lint_snippet(imported, select=("ADJ501",), target_django=(4, 2))[0].fix is not None
    taken = "from shop.models import get_user\n\n\n" + view
    assert lint_snippet(taken, select=("ADJ501",), target_django=(4, 2))[0].fix is None
    (since_5,) = lint_snippet(view, select=("ADJ501",), target_django=(5, 0))
    assert since_5.fix is not None and since_5.fix.title == "Load the user with `await request.auser()`"
