"""ADJ109: an `async def` hook that Django calls synchronously (form clean, model save, template filter)."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.rules._receivers import made_by
from asyncdj_lint.rules._request_path import module_class, request_path, resolved
from asyncdj_lint.rules.base import Example, Expected, Outcome, Rule, Severity

_FORMS = frozenset({"django.forms.Form", "django.forms.ModelForm", "django.forms.BaseForm"})
_MODELS = frozenset({"django.db.models.Model"})
# Model methods Django itself calls, as sync methods: create() and ModelForm.save() call
# save(), the admin and collectors call delete(), full_clean() calls clean(), str() __str__.
_MODEL_HOOKS = frozenset(
    {"save", "delete", "clean", "clean_fields", "validate_unique", "validate_constraints", "__str__",
     "get_absolute_url", "natural_key"}
)  # fmt: skip
_LIBRARIES = frozenset({"django.template.Library", "django.template.library.Library"})
_TEMPLATE_DECORATORS = frozenset({"filter", "simple_tag", "inclusion_tag"})
_ADMIN_DECORATORS = frozenset({"django.contrib.admin.action", "django.contrib.admin.display"})


class AsyncHookDjangoCallsSync(Rule):
    code = "ADJ109"
    name = "async-hook-django-calls-sync"
    stable_since = "0.2.0"
    severity = Severity.ERROR
    summary = (
        "An `async def` hook that Django calls as a sync function: a form's `clean_<field>()`, "
        "a model's `save()`, a template filter or tag, an admin action."
    )
    why = (
        "Django calls these hooks without `await`, in every release through 6.1: "
        "`Form.full_clean()` calls `clean()` and `clean_<field>()` and stores what they "
        "return, `QuerySet.create()` and `ModelForm.save()` call the model's `save()`, "
        "`str()` calls `__str__`, the template engine calls filters and tags, the admin "
        "calls actions. An `async def` there returns a coroutine that is never awaited: its "
        "work never runs (a `save()` that writes nothing), and the coroutine object stands "
        "in for the result (`cleaned_data` holds a coroutine; a template renders "
        "`<coroutine object ...>`). Python only prints `RuntimeWarning: coroutine ... was "
        "never awaited`. Keep the hook sync, and run the form or model work in a thread "
        "from async code (`await sync_to_async(form.is_valid)()`)."
    )
    django_versions = "4.1 to 6.1"
    invalid = (
        Example(
            """\
from asgiref.sync import sync_to_async
from django import forms
from django.http import HttpResponse


class NameForm(forms.Form):
    name = forms.CharField()

    async def clean_name(self):
        return self.cleaned_data["name"].strip()


async def rename(request):
    form = NameForm({"name": " Ada "})
    await sync_to_async(form.is_valid)()
    return HttpResponse(str(form.cleaned_data["name"]))
""",
            Outcome(
                warning="RuntimeWarning", warning_message="coroutine 'NameForm.clean_name' was never awaited"
            ),
            expected=(
                Expected(
                    "9:15-9:25",
                    "`async def clean_name` on a form: `Form.full_clean()` (from `is_valid()` and `errors`) calls it as a sync method and never awaits the coroutine, so its work never runs and the coroutine stands in for its result; make `clean_name` sync and run the form or model work in a thread from async code",
                ),
            ),
        ),
    )
    valid = (
        Example(
            """\
from asgiref.sync import sync_to_async
from django import forms
from django.http import HttpResponse


class NameForm(forms.Form):
    name = forms.CharField()

    def clean_name(self):
        return self.cleaned_data["name"].strip()


async def rename(request):
    form = NameForm({"name": " Ada "})
    await sync_to_async(form.is_valid)()
    return HttpResponse(form.cleaned_data["name"])
"""
        ),
    )

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        methods = [s for s in node.body.body if isinstance(s, cst.FunctionDef) and s.asynchronous is not None]
        found = module_class(self.ctx, node) if methods else None
        if found is None:
            return
        ancestors = {name for name, _ in request_path(self.ctx).ancestors(found[0])}
        if ancestors & _FORMS:
            kind, caller = "form", "`Form.full_clean()` (from `is_valid()` and `errors`)"
            hooks = [m for m in methods if m.name.value == "clean" or m.name.value.startswith("clean_")]
        elif ancestors & _MODELS:
            kind, caller = (
                "model",
                "Django (`create()`, `ModelForm.save()`, `full_clean()`, `str()`, the admin)",
            )
            hooks = [m for m in methods if m.name.value in _MODEL_HOOKS]
        else:
            return
        for hook in hooks:
            name = hook.name.value
            self.report(
                hook.name,
                f"`async def {name}` on a {kind}: {caller} calls it as a sync method and never awaits the "
                f"coroutine, so its work never runs and the coroutine stands in for its result; make `{name}` "
                "sync and run the form or model work in a thread from async code",
            )

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node.asynchronous is None:
            return
        for decorator in node.decorators:
            expr = decorator.decorator
            callee = expr.func if isinstance(expr, cst.Call) else expr
            if self._registers_sync_hook(callee):
                self.report(
                    decorator,
                    f"`@{self.ctx.snippet(expr)}` registers async `{node.name.value}` where Django calls it as a "
                    "sync function and never awaits the coroutine: its work never runs and the coroutine stands "
                    f"in for its result; make `{node.name.value}` a plain `def`",
                )

    def _registers_sync_hook(self, callee: cst.BaseExpression) -> bool:
        """`@register.filter` (a template Library), `@admin.action`, `@admin.display`."""
        if resolved(self.ctx, callee) in _ADMIN_DECORATORS:
            return True
        return (
            isinstance(callee, cst.Attribute)
            and callee.attr.value in _TEMPLATE_DECORATORS
            and made_by(self.ctx, callee.value, "", _LIBRARIES)
        )
