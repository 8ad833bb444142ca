"""ADJ505-ADJ508 and ADJ511: templates, forms, pagination and streaming in async code."""

from __future__ import annotations

from tests.helpers import lint_snippet


def findings(code: str, select: str = "ADJ5", **kwargs) -> list[tuple[int, str, str]]:
    return [(d.line, d.code, d.message) for d in lint_snippet(code, select=(select,), **kwargs)]


RENDER_QUERYSET = (
    "from django.shortcuts import render\nfrom shop.models import Product\n\n"
    "async def view(request):\n"
    "    products = Product.objects.filter(available=True)\n"
    "    context = {'products': products, 'title': 'Shop'}\n"
    "    return render(request, 'shop/product_list.html', context)\n"
)


def test_render_with_a_queryset_in_the_context_is_an_error_and_not_also_a_warning():
    assert findings(RENDER_QUERYSET) == [
        (
            7,
            "ADJ505",
            (
                "`render()` renders shop/product_list.html on the event loop, where the template evaluates "
                'the QuerySet in the context ("products", used at `products` (shop/product_list.html:1)) and '
                "raises SynchronousOnlyOperation; return `TemplateResponse(request, template, context)`, "
                "which Django renders in a thread"
            ),
        )
    ]


def test_render_to_string_of_a_template_the_project_lacks_or_a_plain_context_is_silent():
    code = (
        "from django.template.loader import render_to_string\n\n"
        "async def view(request):\n"
        "    render_to_string('shop/product_list.html', context={'products': [{'name': 'Lamp'}]})\n"
        "    return render_to_string('x.html', context={'a': 1})\n"
    )
    assert findings(code) == []


def test_template_response_and_a_local_render_are_silent():
    code = (
        "from django.template.response import TemplateResponse\nfrom shop.models import Product\n\n"
        "def render(*args):\n    pass\n\n"
        "async def view(request):\n"
        "    render(request, 'x.html', {'products': Product.objects.all()})\n"
        "    return TemplateResponse(request, 'x.html', {'products': Product.objects.all()})\n"
    )
    assert findings(code) == []


MODELFORM = (
    "from django import forms\nfrom shop.models import Product\n\n"
    "class ProductForm(forms.ModelForm):\n"
    "    class Meta:\n        model = Product\n        fields = ['name']\n\n"
)


def test_modelform_is_valid_and_save_are_reported():
    code = MODELFORM + (
        "async def view(request):\n"
        "    form = ProductForm(request.POST)\n"
        "    if form.is_valid():\n"
        "        form.save()\n"
    )
    assert findings(code, "ADJ507") == [
        (
            11,
            "ADJ507",
            (
                "`form.is_valid()` queries the database on the event loop (choice fields, unique checks, the save) "
                "and raises SynchronousOnlyOperation; use `await sync_to_async(form.is_valid)()`"
            ),
        ),
        (
            12,
            "ADJ507",
            (
                "`form.save()` queries the database on the event loop (choice fields, unique checks, the save) "
                "and raises SynchronousOnlyOperation; use `await sync_to_async(form.save)()`"
            ),
        ),
    ]


def test_plain_form_and_save_without_commit_are_silent():
    code = MODELFORM + (
        "class SearchForm(forms.Form):\n    q = forms.CharField()\n\n"
        "async def view(request):\n"
        "    search = SearchForm(request.GET)\n"
        "    search.is_valid()\n"
        "    product = ProductForm(request.POST).save(commit=False)\n"
    )
    assert findings(code, "ADJ507") == []


PAGINATION = (
    "from django.core.paginator import Paginator\nfrom shop.models import Product\n\n"
    "async def view(request):\n"
    "    paginator = Paginator(Product.objects.all(), 20)\n"
    "    return paginator.num_pages\n"
)


def test_paginator_over_a_queryset_suggests_async_paginator_on_6_0():
    assert findings(PAGINATION, "ADJ508", target_django=(6, 0)) == [
        (
            6,
            "ADJ508",
            (
                "`paginator.num_pages` counts the QuerySet on the event loop and raises SynchronousOnlyOperation; "
                "build an `AsyncPaginator` and use `await paginator.anum_pages(...)`"
            ),
        )
    ]


def test_paginator_advice_before_6_0_is_a_thread():
    [(_, _, message)] = findings(PAGINATION, "ADJ508", target_django=(5, 2))
    assert message.endswith(
        "build the page and list its objects inside `sync_to_async` "
        "(the target, Django 5.2, predates the async variant of 6.0)"
    )


def test_paginator_over_a_list_is_silent():
    code = (
        "from django.core.paginator import Paginator\n\n"
        "async def view(request):\n    return Paginator([1, 2, 3], 2).get_page(1)\n"
    )
    assert findings(code, "ADJ508") == []


def test_streaming_a_generator_expression_is_reported():
    code = (
        "from django.http import StreamingHttpResponse\n\n"
        "async def view(request):\n"
        "    lines = (f'{n}\\n' for n in range(10))\n"
        "    return StreamingHttpResponse(lines)\n"
    )
    assert [line for line, _, _ in findings(code, "ADJ511")] == [5]


def test_streaming_async_generators_and_lists_is_silent():
    code = (
        "from django.http import StreamingHttpResponse\n\n"
        "async def rows():\n    yield 'a'\n\n"
        "async def view(request):\n"
        "    StreamingHttpResponse(rows())\n"
        "    return StreamingHttpResponse(iter(['a', 'b']))\n"
    )
    assert findings(code, "ADJ511") == []
