"""ADJ505/ADJ506: rendering on the loop is reported only when a template lookup queries."""

from __future__ import annotations

from tests.helpers import lint_snippet

VIEW = "from django.shortcuts import render\nfrom django.template.loader import render_to_string\n"
VIEW += "from shop.models import Order, Product\n\n"
SETTINGS = (
    "TEMPLATES = [{\n"
    "    'BACKEND': 'django.template.backends.django.DjangoTemplates',\n"
    "    'DIRS': [BASE_DIR / 'site_templates'],\n"
    "    'OPTIONS': {'context_processors': [\n"
    "        'django.template.context_processors.request',\n"
    "        'django.contrib.auth.context_processors.auth',\n"
    "    ]},\n"
    "}]\n"
)


def found(code: str, files: dict[str, str] | None = None) -> list[tuple[int, str, str]]:
    return [
        (d.line, d.code, d.message)
        for d in lint_snippet(VIEW + code, select=("ADJ505", "ADJ506"), extra_files=files)
    ]


def test_context_of_literals_is_cpu_work_and_silent():
    code = (
        "async def about(request):\n"
        "    return render(request, 'shop/product_list.html', {'products': ['Lamp', 'Desk'], 'n': 2})\n"
    )
    assert found(code) == []


def test_a_queryset_the_template_iterates_is_reported_with_where_it_is_used():
    code = (
        "async def catalogue(request):\n"
        "    return render(request, 'shop/product_list.html', {'products': Product.objects.all()})\n"
    )
    [(line, code_, message)] = found(code)
    assert (line, code_) == (6, "ADJ505")
    assert '"products", used at `products` (shop/product_list.html:1)' in message


def test_a_queryset_the_template_never_uses_or_a_template_the_project_lacks_is_silent():
    code = (
        "async def catalogue(request):\n"
        "    unused = render(request, 'shop/product_list.html', {'items': Product.objects.all()})\n"
        "    return render(request, 'shop/missing.html', {'products': Product.objects.all()})\n"
    )
    assert found(code) == []


def test_instance_lookups_query_only_through_relations_the_query_did_not_load():
    template = "{% with c=order.customer %}{{ order.note }} {{ c.name }}{% endwith %}"
    code = (
        "async def plain(request, pk):\n"
        "    order = await Order.objects.aget(pk=pk)\n"
        "    return render(request, 'orders/detail.html', {'order': order})\n\n"
        "async def joined(request, pk):\n"
        "    order = await Order.objects.select_related('customer').aget(pk=pk)\n"
        "    return render(request, 'orders/detail.html', {'order': order})\n\n"
        "async def fields_only(request, pk):\n"
        "    order = await Order.objects.aget(pk=pk)\n"
        "    return render_to_string('orders/note.html', {'order': order})\n"
    )
    files = {
        "orders/__init__.py": "",
        "orders/templates/orders/detail.html": template,
        "orders/templates/orders/note.html": "{{ order.note }} {{ order.customer_id }}",
    }
    [(line, code_, message)] = found(code, files)
    assert (line, code_) == (7, "ADJ506")
    assert "`order.customer` (orders/detail.html:1) loads the relation `customer`" in message


def test_rows_of_an_async_comprehension_looked_up_in_a_for_loop_through_include_and_extends():
    code = (
        "async def history(request):\n"
        "    orders = [o async for o in Order.objects.all()]\n"
        "    return render(request, 'history.html', {'orders': orders})\n"
    )
    files = {
        "templates/base.html": "<h1>{% block title %}{% endblock %}</h1>{% block body %}{% endblock %}",
        "templates/history.html": (
            "{% extends 'base.html' %}{% block body %}\n"
            "{% for order in orders %}{% include 'row.html' with row=order %}{% endfor %}{% endblock %}"
        ),
        "templates/row.html": "{{ row.note }}\n{{ row.customer.name|upper }}",
    }
    [(line, code_, message)] = found(code, files)
    assert (line, code_) == (7, "ADJ506")
    assert "`row.customer.name` (row.html:2)" in message


def test_user_from_the_auth_context_processor_is_reported_only_when_the_settings_list_it():
    code = "async def home(request):\n    return render(request, 'home.html', {'title': 'Home'})\n"
    files = {"site_templates/home.html": "{{ title }}{% if user.is_authenticated %}hi{% endif %}"}
    assert found(code, files) == []  # no settings: the context processors are unknown
    files["project/settings.py"] = (
        "from pathlib import Path\nBASE_DIR = Path(__file__).parent.parent\n" + SETTINGS
    )
    [(line, code_, message)] = found(code, files)
    assert (line, code_) == (6, "ADJ506")
    assert 'loads the user of "user"' in message
