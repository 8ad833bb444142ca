"""ADJ507: a ModelForm validated or saved on the event loop."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.analysis.calls import bound_values, callee_name
from asyncdj_lint.analysis.project import Project
from asyncdj_lint.analysis.project_calls import class_nodes
from asyncdj_lint.fixes import FixAvailability
from asyncdj_lint.index.project import ProjectIndex
from asyncdj_lint.rules._fixes import bridge_fix
from asyncdj_lint.rules.base import RAISES_SYNC_ONLY, Example, Expected, Rule, Severity
from asyncdj_lint.syntax.names import dotted_name

# ModelForm methods that query: validation (unique checks, choice fields) and saving.
QUERYING_METHODS = frozenset({"is_valid", "full_clean", "validate_unique", "save"})

# Form fields whose clean() looks the chosen object up with a query.
MODEL_CHOICE_FIELDS = frozenset(
    {
        f"django.forms{module}.{name}"
        for module in ("", ".models")
        for name in ("ModelChoiceField", "ModelMultipleChoiceField")
    }
)
_PLAIN_FORMS = frozenset({"django.forms.Form", "django.forms.forms.Form"})

_FORM = """\
from django import forms
from django.http import HttpResponse
from shop.models import OrderLine


class OrderLineForm(forms.ModelForm):
    class Meta:
        model = OrderLine
        fields = ["order", "product", "quantity"]

"""


class SyncModelFormCall(Rule):
    code = "ADJ507"
    name = "sync-modelform-call"
    stable_since = "0.1.0"
    severity = Severity.ERROR
    summary = "A ModelForm, or a form with a model choice field, is validated (`is_valid()`, `full_clean()`) or saved in async code."
    why = (
        "Validating a ModelForm queries the database: a foreign key or many-to-many field "
        "looks its choices up, and unique fields are checked with a query. `save()` writes. "
        "A plain `Form` that declares a `ModelChoiceField` or `ModelMultipleChoiceField` "
        "queries too: the field's clean() looks the chosen object up. "
        "On the event loop these raise `SynchronousOnlyOperation`. Django has no async form "
        "API (through 6.1): run validation and saving in a thread with `sync_to_async`."
    )
    django_versions = "4.1 to 6.1"
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (
        "The call runs through `await sync_to_async(form.is_valid)()` (likewise `save()`), importing `sync_to_async`: the fix is unsafe, as it moves the work into a thread (where it is "
        "meant to run, but code that relies on running on the loop's thread changes). No fix is "
        "offered where `await` cannot be written (in a comprehension or a lambda)."
    )
    invalid = (
        Example(
            _FORM
            + """
async def add_line(request, pk):
    form = OrderLineForm({"order": pk, "product": pk, "quantity": 1})
    if form.is_valid():
        await form.instance.asave()
    return HttpResponse("added")
""",
            RAISES_SYNC_ONLY,
            expected=(
                Expected(
                    "14:8-14:23",
                    "`form.is_valid()` queries the database on the event loop (choice fields, unique checks, the save) and raises SynchronousOnlyOperation; use `await sync_to_async(form.is_valid)()`",
                ),
            ),
            fixed="""\
from django import forms
from django.http import HttpResponse
from shop.models import OrderLine
from asgiref.sync import sync_to_async


class OrderLineForm(forms.ModelForm):
    class Meta:
        model = OrderLine
        fields = ["order", "product", "quantity"]


async def add_line(request, pk):
    form = OrderLineForm({"order": pk, "product": pk, "quantity": 1})
    if await sync_to_async(form.is_valid)():
        await form.instance.asave()
    return HttpResponse("added")
""",
        ),
        Example(
            """\
from django import forms
from django.http import JsonResponse
from shop.models import Product


class PickForm(forms.Form):
    product = forms.ModelChoiceField(queryset=Product.objects.filter(available=True))


async def pick(request):
    form = PickForm({"product": request.GET.get("product", "1")})
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    return JsonResponse({"name": form.cleaned_data["product"].name})
""",
            RAISES_SYNC_ONLY,
            expected=(
                Expected(
                    "12:12-12:27",
                    "`form.is_valid()` queries the database on the event loop (choice fields, unique checks, the save) and raises SynchronousOnlyOperation; use `await sync_to_async(form.is_valid)()`",
                ),
            ),
            fixed="""\
from django import forms
from django.http import JsonResponse
from shop.models import Product
from asgiref.sync import sync_to_async


class PickForm(forms.Form):
    product = forms.ModelChoiceField(queryset=Product.objects.filter(available=True))


async def pick(request):
    form = PickForm({"product": request.GET.get("product", "1")})
    if not await sync_to_async(form.is_valid)():
        return JsonResponse({"errors": form.errors}, status=400)
    return JsonResponse({"name": form.cleaned_data["product"].name})
""",
        ),
    )
    valid = (
        Example(
            """\
from django import forms
from django.http import JsonResponse


class QuantityForm(forms.Form):
    quantity = forms.IntegerField(min_value=1)


async def pick(request):
    form = QuantityForm({"quantity": request.GET.get("quantity", "1")})
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    return JsonResponse({"quantity": form.cleaned_data["quantity"]})
"""
        ),
        Example(
            "from asgiref.sync import sync_to_async\n"
            + _FORM
            + """
async def add_line(request, pk):
    form = OrderLineForm({"order": pk, "product": pk, "quantity": 1})
    if await sync_to_async(form.is_valid)():
        await sync_to_async(form.save)()
    return HttpResponse("added")
"""
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not (self.ctx.on_loop and isinstance(func, cst.Attribute) and func.attr.value in QUERYING_METHODS):
            return
        method = func.attr.value
        if method == "save" and any(arg.keyword and arg.keyword.value == "commit" for arg in node.args):
            return  # save(commit=False) builds the instance without writing
        if not self._is_modelform(func.value):
            return
        form = self.ctx.snippet(func.value)
        self.report(
            node,
            f"`{form}.{method}()` queries the database on the event loop (choice fields, unique checks, "
            f"the save) and raises SynchronousOnlyOperation; use `await sync_to_async({form}.{method})()`",
            fix=bridge_fix(self.ctx, node),
        )

    def _is_modelform(self, expr: cst.BaseExpression) -> bool:
        """An instance made by calling a ModelForm subclass, directly or through a local name."""
        values = bound_values(self.ctx, expr)
        return bool(values) and all(
            isinstance(value, cst.Call) and self._is_modelform_class(callee_name(self.ctx, value, scope))
            for value, scope in values
        )

    def _is_modelform_class(self, qualname: str | None) -> bool:
        if qualname is None:
            return False
        index = self.ctx.index
        if index.class_kind(qualname) == "modelform":
            return True
        return index.derives_from(qualname, _PLAIN_FORMS) and _declares_model_choice_field(
            self.ctx.project, qualname
        )


def _declares_model_choice_field(project: Project, qualname: str) -> bool:
    """Whether the form class, or a project form it derives from, declares a model choice field."""
    return any(
        _is_model_choice_field(project.index, parsed.file.name, value)
        for _, node, parsed in class_nodes(project, qualname)
        for value in _assigned(node)
    )


def _assigned(cls: cst.ClassDef) -> list[cst.BaseExpression]:
    """The values assigned in a class body (`book = forms.ModelChoiceField(...)`)."""
    values: list[cst.BaseExpression] = []
    for statement in cls.body.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                value = small.value if isinstance(small, (cst.Assign, cst.AnnAssign)) else None
                if value is not None:
                    values.append(value)
    return values


def _is_model_choice_field(index: ProjectIndex, module: str, value: cst.BaseExpression) -> bool:
    if not isinstance(value, cst.Call):
        return False
    dotted = dotted_name(value.func)
    target = index.resolve(module, dotted) if dotted is not None else None
    return target is not None and index.canonical(target) in MODEL_CHOICE_FIELDS
