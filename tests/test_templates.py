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


def settings_module(processor: str = "django.contrib.auth.context_processors.auth") -> str:
    """A settings module whose TEMPLATES names `site_templates/` and one context processor."""
    return "from pathlib import Path\nBASE_DIR = Path(__file__).parent.parent\n" + SETTINGS.replace(
        "django.contrib.auth.context_processors.auth", processor
    )


def found(
    code: str, files: dict[str, str] | None = None, select: tuple[str, ...] = ("ADJ505", "ADJ506")
) -> list[tuple[int, str, str]]:
    return [
        (d.line, d.code, d.message)
        for d in lint_snippet(VIEW + code, select=select, extra_files=files)
        if d.code in ("ADJ505", "ADJ506")
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
    assert (
        '`order.customer` (orders/detail.html:1) loads the relation `customer` of "order": a query' in message
    )


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
    files["project/settings.py"] = settings_module()
    [(line, code_, message)] = found(code, files)
    assert (line, code_) == (6, "ADJ506")
    assert "`user.is_authenticated` (home.html:1) loads the user (auth context processor): a query" in message


def test_model_methods_and_properties_the_template_calls_are_judged_by_their_bodies():
    models = (
        "from django.db import models\n\n"
        "class Invoice(models.Model):\n"
        "    number = models.CharField(max_length=20)\n\n"
        "    @property\n"
        "    def label(self):\n"
        "        return f'#{self.number}'\n\n"
        "    def line_count(self):\n"
        "        return self.lines.count()\n\n"
        "class InvoiceLine(models.Model):\n"
        "    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name='lines')\n"
    )
    code = (
        "from billing.models import Invoice\n\n"
        "async def invoice(request, pk):\n"
        "    obj = await Invoice.objects.aget(pk=pk)\n"
        "    return render(request, 'billing/label.html', {'invoice': obj})\n\n"
        "async def invoice_lines(request, pk):\n"
        "    obj = await Invoice.objects.aget(pk=pk)\n"
        "    return render(request, 'billing/lines.html', {'invoice': obj})\n"
    )
    files = {
        "billing/__init__.py": "",
        "billing/models.py": models,
        "billing/templates/billing/label.html": "{{ invoice.label }} {{ invoice.number|default:'-' }}",
        "billing/templates/billing/lines.html": "{{ invoice.label }}: {{ invoice.line_count }} lines",
    }
    # A method's body is judged by the selected rules, as the sync helpers are (ADJ3xx).
    assert found(code, files) == []
    [(line, code_, message)] = found(code, files, select=("ADJ",))
    assert (line, code_) == (13, "ADJ506")
    assert 'calls `line_count` of "invoice", which runs `self.lines.count()` (' in message


def test_filter_names_quoted_words_and_names_bound_without_a_lookup_are_not_lookups():
    code = (
        "async def catalogue(request):\n"
        "    products = Product.objects.all()\n"
        "    return render(request, 'catalogue.html', {'products': products, 'first': products})\n"
    )
    files = {
        "templates/catalogue.html": (
            "{% with items=products %}{% include 'x.html' with list=products title=\"first products\" %}"
            "{% endwith %}{{ 'products'|first }}{{ today|date:'first' }}"
        ),
        "templates/x.html": "{{ title }}",
    }
    assert found(code, files) == []


def test_request_user_in_the_context_is_the_lazy_user_unless_a_framework_loaded_it():
    code = "async def home(request):\n    return render(request, 'home.html', {'viewer': request.user})\n"
    files = {"templates/home.html": "{{ viewer.username }}"}
    [(line, code_, message)] = found(code, files)
    assert (line, code_) == (6, "ADJ506")
    assert 'loads the user "viewer" (`request.user`)' in message


def test_querysets_from_the_projects_context_processors_are_judged_where_the_template_uses_them():
    processors = (
        "from shop.models import Product, Tag\n\n"
        "def menu(request):\n"
        "    return {'tags': Tag.objects.all(), 'shop_name': 'Lamps', 'unused': Product.objects.all()}\n"
    )
    files = {
        "project/__init__.py": "",
        "project/context_processors.py": processors,
        "project/settings.py": settings_module("project.context_processors.menu"),
        "templates/base.html": "{{ shop_name }}{% for tag in tags %}{{ tag.name }}{% endfor %}",
    }
    code = (
        "async def home(request):\n"
        "    return render(request, 'base.html', {'title': 'Home'})\n\n"
        "async def fragment(request):\n"
        "    return render_to_string('base.html', {'tags': ['a']})\n\n"
        "async def overridden(request):\n"
        "    return render(request, 'base.html', {'tags': ['a', 'b']})\n"
    )
    [(line, code_, message)] = found(code, files)
    assert (line, code_) == (6, "ADJ506")
    assert 'evaluates the QuerySet "tags" of context processor `project.context_processors.menu`' in message


def test_a_queryset_filled_by_async_for_before_rendering_renders_from_its_result_cache():
    code = (
        "async def catalogue(request):\n"
        "    products = Product.objects.all()\n"
        "    count = len([p async for p in products])\n"
        "    return render(request, 'shop/product_list.html', {'products': products, 'count': count})\n\n"
        "async def history(request):\n"
        "    orders = Order.objects.all()\n"
        "    async for order in orders:\n"
        "        pass\n"
        "    return render(request, 'history.html', {'orders': orders})\n\n"
        "async def too_early(request):\n"
        "    products = Product.objects.all()\n"
        "    page = render(request, 'shop/product_list.html', {'products': products})\n"
        "    names = [p.name async for p in products]\n"
        "    return page\n"
    )
    files = {"templates/history.html": "{% for order in orders %}{{ order.customer.name }}{% endfor %}"}
    assert [(line, code_) for line, code_, _ in found(code, files)] == [(14, "ADJ506"), (18, "ADJ505")]


def test_a_context_processor_whose_body_queries_runs_on_every_render_with_a_request():
    processors = (
        "from shop.models import Product\n\n"
        "def counts(request):\n"
        "    return {'product_count': Product.objects.count()}\n"
    )
    files = {
        "project/__init__.py": "",
        "project/context_processors.py": processors,
        "project/settings.py": settings_module("project.context_processors.counts"),
        "templates/page.html": "{{ title }}",
    }
    code = (
        "async def home(request):\n"
        "    return render(request, 'page.html', {'title': 'Home'})\n\n"
        "async def fragment(request):\n"
        "    return render_to_string('page.html', {'title': 'Home'})\n"
    )
    [(line, code_, message)] = found(code, files, select=("ADJ",))
    assert (line, code_) == (6, "ADJ506")
    assert (
        "where context processor `project.context_processors.counts` runs `Product.objects.count()` ("
        in message
    )


def test_a_repeat_run_reads_templates_settings_from_the_cache_and_a_template_edit_is_seen(
    tmp_path, monkeypatch
):
    from asyncdj_lint import sources
    from asyncdj_lint.api import lint_paths
    from asyncdj_lint.index.cache import signing_key
    from asyncdj_lint.options import LintOptions, RuleSelection

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    signing_key.cache_clear()
    parsed: list[str] = []
    real = sources.parse

    def counting(file, source=None):
        parsed.append(file.name)
        return real(file, source)

    monkeypatch.setattr(sources, "parse", counting)
    root = tmp_path / "site"
    files = {
        "manage.py": "",
        "project/__init__.py": "",
        "project/settings.py": settings_module(),
        "home/__init__.py": "",
        "home/views.py": (
            "from django.shortcuts import render\n\n"
            "async def home(request):\n"
            "    return render(request, 'home.html', {'title': 'Home'})\n"
        ),
        "site_templates/home.html": "{{ title }}",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    options = LintOptions(selection=RuleSelection(select=("ADJ506",)))

    def run() -> list[int]:
        return [d.line for d in lint_paths([root], options).diagnostics]

    assert run() == []
    parsed.clear()
    assert run() == []
    assert parsed == []  # nothing parsed: settings and outcomes came from the cache
    (root / "site_templates/home.html").write_text("{{ title }} {{ user.username }}")
    assert run() == [4]
    signing_key.cache_clear()
