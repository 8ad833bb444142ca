"""Every model's fields and relations, forward and reverse, resolved across apps.

String references follow Django's rules: "app_label.Model", "Model" (same
app as the declaring model) and "self". An app's label is the last component
of its package unless an AppConfig in the project sets `label`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from asyncdj_lint.facts import contrib_models
from asyncdj_lint.index import django_builtins
from asyncdj_lint.index.contrib import concrete
from asyncdj_lint.index.fields import FieldDecl

if TYPE_CHECKING:
    from asyncdj_lint.index.project import ProjectIndex
    from asyncdj_lint.index.summary import ClassSummary

_DJANGO_FIELDS = {
    "ForeignKey": "foreign_key",
    "OneToOneField": "one_to_one",
    "ManyToManyField": "many_to_many",
    "GenericForeignKey": "generic_foreign_key",
    "GenericRelation": "generic_relation",
}
# A module that declares a relation field names one of these.
_RELATION_WORDS = ("ForeignKey", "OneToOneField", "ManyToManyField", "GenericRelation")
_APP_CONFIGS = frozenset({"django.apps.AppConfig", "django.apps.config.AppConfig"})
_USER_MODEL_SETTING = "django.conf.settings.AUTH_USER_MODEL"
_MAX_DEPTH = 20
# The module a contrib model's fields are read from: the facts, not a project module.
_FACTS = "<django.contrib>"
_FACTS_FIELDS = {
    "foreign_key": "ForeignKey",
    "one_to_one": "OneToOneField",
    "many_to_many": "ManyToManyField",
}


@dataclass(frozen=True)
class Relation:
    """One relation attribute of a model's instances.

    `kind` is "one" (a forward ForeignKey or OneToOneField, or a reverse
    OneToOneField: reading it loads one object), "many" (a related manager:
    reverse ForeignKey, ManyToManyField on either side, GenericRelation) or
    "generic" (a GenericForeignKey, target unknown). `target` is the related
    model's qualified name when known. `reverse_foreign_key` marks a reverse
    ForeignKey manager, whose remove()/clear() exist only when the
    ForeignKey has `null=True` (`nullable`).
    """

    attr: str
    kind: str
    target: str | None
    reverse_foreign_key: bool = False
    nullable: bool = False


@dataclass(frozen=True)
class ModelFields:
    """A concrete model's own and inherited fields."""

    concrete: frozenset[str]  # field names, including ForeignKey names
    attnames: dict[str, str]  # `customer_id` -> `customer`
    primary_keys: frozenset[str]
    relations: dict[str, Relation]


_NO_FIELDS = ModelFields(frozenset(), {}, frozenset(), {})


class ModelRelations:
    """Answers per model, on demand: the index parses only modules that can matter.

    Forward fields come from the model's class and its bases; reverse ones
    from the modules whose source mentions the model's name, the only ones
    that can declare a relation to it.
    """

    def __init__(self, index: ProjectIndex) -> None:
        self.index = index
        self._forward: dict[str, tuple[ModelFields, list[tuple[FieldDecl, str, str]]]] = {}
        self._reverse: dict[str, dict[str, Relation]] = {}
        self._models_named: dict[tuple[str, bool], list[str]] = {}

    def fields(self, model: str) -> ModelFields:
        """The model's own and inherited fields and forward relations."""
        return self._forward_of(model)[0]

    def relation(self, model: str, attr: str) -> Relation | None:
        """The relation `attr` of the model's instances, forward or reverse."""
        fields = self.fields(model)
        if attr in fields.relations:
            return fields.relations[attr]
        if attr in fields.concrete or fields is _NO_FIELDS:
            return None  # a field, or not a concrete model: nothing can point at it
        return self._reverse_of(model).get(attr)

    def _forward_of(self, model: str) -> tuple[ModelFields, list[tuple[FieldDecl, str, str]]]:
        if model not in self._forward:
            self._forward[model] = (_NO_FIELDS, [])  # guards against cycles through targets
            canonical, cls, _ = self.index._follow(model)
            is_concrete = (
                cls is not None and not cls.abstract and not django_builtins.is_model_base(canonical)
            )
            if is_concrete and cls is not None and self.index.class_kind(canonical) == "model":
                declared = self._declared_fields(canonical.rsplit(".", 1)[0], cls, 0)
                self._forward[model] = self._forward_fields(canonical, declared)
            elif cls is None and concrete(canonical) is not None:
                self._forward[model] = self._forward_fields(canonical, _contrib_fields(canonical))
        return self._forward[model]

    def _reverse_of(self, model: str) -> dict[str, Relation]:
        if model not in self._reverse:
            found: dict[str, Relation] = {}
            named = self._models_named_in_sources(model.rsplit(".", 1)[-1], relations_only=True)
            for declaring in dict.fromkeys([*named, *self.index.contrib.declaring(model)]):
                for decl, kind, target in self._forward_of(declaring)[1]:
                    relation = _reverse(declaring, self.app_label(declaring), decl, kind, target)
                    if target == model and relation is not None:
                        found.setdefault(relation.attr, relation)
            self._reverse[model] = found
        return self._reverse[model]

    def _models_named_in_sources(self, word: str, *, relations_only: bool = False) -> list[str]:
        """Concrete models declared in modules whose source mentions `word` (and, with
        relations_only, a relation field)."""
        key = (word, relations_only)
        if key not in self._models_named:
            self._models_named[key] = [
                f"{module}.{name}"
                for module in self.index.modules
                if self.index.mentions(module, word)
                and (not relations_only or self._declares_relations(module))
                for name, cls in self.index.modules[module].classes.items()
                if not cls.abstract and self.index.class_kind(f"{module}.{name}") == "model"
            ]
        return self._models_named[key]

    def _declares_relations(self, module: str) -> bool:
        return any(self.index.mentions(module, field) for field in _RELATION_WORDS)

    def _forward_fields(
        self, qualname: str, declared: Iterable[tuple[str, FieldDecl]]
    ) -> tuple[ModelFields, list[tuple[FieldDecl, str, str]]]:
        concrete: set[str] = set()
        attnames: dict[str, str] = {}
        primary_keys: set[str] = set()
        relations: dict[str, Relation] = {}
        decls: list[tuple[FieldDecl, str, str]] = []
        label = self.app_label(qualname)
        for module, decl in declared:
            kind = self._field_kind(module, decl)
            if kind is None:
                continue
            if decl.primary_key:
                primary_keys.add(decl.attr)
            if kind == "field":
                concrete.add(decl.attr)
                continue
            target = self._target(module, decl, qualname, label)
            if kind in ("foreign_key", "one_to_one"):
                concrete.add(decl.attr)
                attnames[f"{decl.attr}_id"] = decl.attr
                relations[decl.attr] = Relation(decl.attr, "one", target)
            elif kind == "generic_foreign_key":
                relations[decl.attr] = Relation(decl.attr, "generic", None)
            else:
                relations[decl.attr] = Relation(decl.attr, "many", target)
            if target is not None:
                decls.append((decl, kind, target))
        return ModelFields(frozenset(concrete), attnames, frozenset(primary_keys), relations), decls

    def _declared_fields(self, module: str, cls: ClassSummary, depth: int) -> Iterator[tuple[str, FieldDecl]]:
        """(module, field) pairs of a class and its project model bases, bases first."""
        if depth < _MAX_DEPTH:
            for base in reversed(cls.bases):
                target = self.index.resolve(module, base)
                if target is None:
                    continue
                canonical, base_cls, _ = self.index._follow(target)
                if base_cls is not None and self.index.class_kind(canonical) == "model":
                    yield from self._declared_fields(canonical.rsplit(".", 1)[0], base_cls, depth + 1)
                elif base_cls is None:
                    yield from _contrib_fields(canonical)  # AbstractUser, PermissionsMixin, ...
        for decl in cls.fields:
            yield module, decl

    def _field_kind(self, module: str, decl: FieldDecl) -> str | None:
        if module == _FACTS:
            return _DJANGO_FIELDS.get(decl.factory, "field")
        factory = self.index.resolve(module, decl.factory)
        if factory is None:
            return None
        canonical = self.index.canonical(factory)
        if not canonical.startswith("django."):
            return None
        name = canonical.rsplit(".", 1)[-1]
        return _DJANGO_FIELDS.get(name) or ("field" if name.endswith("Field") else None)

    def _target(self, module: str, decl: FieldDecl, declaring: str, label: str) -> str | None:
        if decl.target is None:
            return None
        if module == _FACTS and decl.target == contrib_models.USER_MODEL:
            return self.index.contrib.user_model
        if not decl.target_is_string:
            resolved = self.index.resolve(module, decl.target)
            if resolved == _USER_MODEL_SETTING or (
                resolved and resolved.endswith(".settings.AUTH_USER_MODEL")
            ):
                return self.index.contrib.user_model
            model = self.index.model(resolved) if resolved else None
            return model.qualname if model else None
        if decl.target == "self":
            return declaring
        app, _, name = decl.target.rpartition(".")
        app = app or label
        contrib = contrib_models.by_label(f"{app}.{name}")
        return self.model_labelled(app, name) or (contrib.qualname if contrib is not None else None)

    def model_labelled(self, app: str, name: str) -> str | None:
        """The project model Django names "app.Name"."""
        # Only a module with a class statement that may declare `name` can hold it.
        declared = self._models_named_in_sources(f"class {name}")
        labelled = (model for model in declared if model.rsplit(".", 1)[-1] == name)
        return next((model for model in labelled if self.app_label(model) == app), None)

    def app_label(self, model: str) -> str:
        """The label of the app a model belongs to."""
        module = model.rsplit(".", 1)[0]
        for name, label in self._app_configs:
            if module == name or module.startswith(name + "."):
                return label
        parts = module.split(".")
        if "models" in parts:
            parts = parts[: len(parts) - 1 - parts[::-1].index("models")]
        elif len(parts) > 1:
            parts = parts[:-1]
        return parts[-1] if parts else module

    @cached_property
    def _app_configs(self) -> list[tuple[str, str]]:
        """(app module, label) for each AppConfig that sets its `name`, longest name first."""
        configs = []
        for module in self.index.modules:
            if not self.index.mentions(module, "AppConfig"):
                continue
            for cls in self.index.modules[module].classes.values():
                constants = dict(cls.constants)
                if "name" not in constants or not self._is_app_config(module, cls):
                    continue
                name = constants["name"]
                configs.append((name, constants.get("label", name.rsplit(".", 1)[-1])))
        return sorted(configs, key=lambda item: -len(item[0]))

    def _is_app_config(self, module: str, cls: ClassSummary) -> bool:
        return any(self.index.resolve(module, base) in _APP_CONFIGS for base in cls.bases)


def _reverse(declaring: str, label: str, decl: FieldDecl, kind: str, target: str) -> Relation | None:
    """The accessor a relation field adds to its target model, if any."""
    model_name = declaring.rsplit(".", 1)[-1].lower()
    related_name = decl.related_name
    if related_name is not None:  # placeholders an abstract base may use
        related_name = related_name.replace("%(class)s", model_name).replace("%(app_label)s", label)
    if kind == "many_to_many" and decl.target == "self" and related_name is None:
        return None  # symmetrical: no reverse accessor
    if related_name is not None and related_name.endswith("+"):
        return None
    if kind == "one_to_one":
        return Relation(related_name or model_name, "one", declaring)
    if kind in ("foreign_key", "many_to_many"):
        name = related_name or f"{model_name}_set"
        is_fk = kind == "foreign_key"
        return Relation(name, "many", declaring, reverse_foreign_key=is_fk, nullable=is_fk and decl.null)
    return None


def _contrib_fields(qualname: str) -> Iterator[tuple[str, FieldDecl]]:
    """The fields of a contrib model (or abstract base) and of the contrib bases it inherits, as
    declarations read from the facts."""
    for model in contrib_models.lineage(qualname):
        for name in model.fields:
            yield _FACTS, FieldDecl(name, "Field", primary_key=name == model.primary_key)
        for relation in model.relations:
            yield (
                _FACTS,
                FieldDecl(
                    relation.attr,
                    _FACTS_FIELDS[relation.kind],
                    relation.target,
                    target_is_string=relation.target != contrib_models.USER_MODEL,
                    related_name=relation.related_name,
                    related_query_name=relation.related_query_name,
                    null=relation.null,
                ),
            )
