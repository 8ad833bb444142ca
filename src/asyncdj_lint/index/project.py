"""The project index: models, managers and QuerySets, resolved across files.

Built once per run from every module's summary. Names are resolved through
imports, re-exports and aliases, never guessed from their spelling.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from asyncdj_lint.facts import contrib_models
from asyncdj_lint.facts.django_async_api import USER_MANAGER_METHODS
from asyncdj_lint.facts.django_version import Version
from asyncdj_lint.index import django_builtins
from asyncdj_lint.index.contrib import ContribApps
from asyncdj_lint.index.functions import FunctionDecl, ProjectFunctions
from asyncdj_lint.index.relations import ModelRelations
from asyncdj_lint.index.request_path import RequestPathIndex
from asyncdj_lint.index.summary import ClassSummary, ManagerDecl, MethodSummary, ModuleSummary
from asyncdj_lint.index.templates import ProjectTemplates
from asyncdj_lint.syntax.names import absolute_target


@dataclass(frozen=True)
class QuerySetClass:
    """A custom QuerySet or Manager class and the methods it adds."""

    qualname: str
    methods: tuple[MethodSummary, ...] = ()

    def method(self, name: str) -> MethodSummary | None:
        return next((m for m in self.methods if m.name == name), None)


@dataclass(frozen=True)
class ModelInfo:
    qualname: str
    managers: dict[str, QuerySetClass] = field(default_factory=dict, compare=False, hash=False)

    @property
    def name(self) -> str:
        return self.qualname.rsplit(".", 1)[-1]


# Whether a module's source mentions a name at all; one that does not cannot
# define or re-export it, and need not be parsed to find out. "class Name" asks
# for a class statement that may declare Name (index.store.holds).
Mentions = Callable[[str, str], bool]

_MAX_DEPTH = 20  # how far to follow imports and base classes before giving up


class ProjectIndex:
    def __init__(
        self,
        modules: Mapping[str, ModuleSummary],
        mentions: Mentions | None = None,
        files: Callable[[], Iterable[Path]] | None = None,
        root: Path | None = None,
        *,
        settings_module: str | None = None,
        django_version: Version | None = None,
        functions: Callable[[str], Mapping[str, FunctionDecl]] | None = None,
        holds: Mentions | None = None,
        is_package: Callable[[str], bool] | None = None,
    ) -> None:
        self.modules = modules
        # Whether a module is a package's `__init__`, known without summarising it.
        self.is_package = is_package or (lambda module: self.modules[module].is_package)
        # The settings module named by the run (None: found from the project), and the Django
        # version the project targets (None: unknown): what contrib models look like.
        self.settings_module = settings_module
        self.django_version = django_version
        # A module's function declarations, maybe without its whole summary (SourceStore.functions).
        self.functions_of = functions or (lambda module: self.modules[module].functions)
        self._files = files or (lambda: ())
        self.root = root  # the project's root folder, where its deployment files are
        self._mentions = mentions or (lambda module, name: True)
        self._holds = holds or (lambda module, name: True)
        self._kinds: dict[str, str | None] = {}
        self._models: dict[str, ModelInfo | None] = {}
        self._traced: dict[str, tuple[str, ClassSummary | None, str | None]] = {}

    # -- names -------------------------------------------------------------

    def resolve(self, module: str, dotted: str) -> str | None:
        """The qualified name that `dotted`, written in `module`, refers to."""
        summary = self.modules.get(module)
        head, _, rest = dotted.partition(".")
        if summary is None:
            return None
        if head in summary.imports:
            base = absolute_target(summary.imports[head], module, summary.is_package)
        elif head in summary.classes or head in summary.aliases:
            base = f"{module}.{head}"
        else:
            return None
        return f"{base}.{rest}" if rest else base

    def _follow(self, qualname: str) -> tuple[str, ClassSummary | None, str | None]:
        """Follows re-exports and aliases to the class a qualified name denotes, once per name.

        Returns (canonical name, class summary or None, alias value or None).
        """
        found = self._traced.get(qualname)
        if found is None:
            found = self._traced[qualname] = self._trace(qualname, 0)
        return found

    def _trace(self, qualname: str, depth: int) -> tuple[str, ClassSummary | None, str | None]:
        if depth > _MAX_DEPTH:
            return qualname, None, None
        for module, attr in self._splits(qualname):
            summary = self.modules[module]
            if attr in summary.classes:
                return f"{module}.{attr}", summary.classes[attr], None
            if attr in summary.aliases:
                alias = summary.aliases[attr]
                if alias.endswith("()"):
                    target = self.resolve(module, alias[:-2])
                    return qualname, None, (target + "()") if target else None
                target = self.resolve(module, alias)
                if target is not None:
                    return self._trace(target, depth + 1)
            if attr in summary.imports:
                target = absolute_target(summary.imports[attr], module, summary.is_package)
                if target != qualname:
                    return self._trace(target, depth + 1)
        return qualname, None, None

    def _splits(self, qualname: str) -> Iterator[tuple[str, str]]:
        """(module, attribute) pairs that could spell `qualname` in this project.

        Tries the name as written, then without leading packages, since a
        project is often analysed from a folder above its import root.
        """
        parts = qualname.split(".")
        for start in range(len(parts) - 1):
            module = ".".join(parts[start:-1])
            if module in self.modules:
                if self._mentions(module, parts[-1]):
                    yield module, parts[-1]
                return

    # -- classes -----------------------------------------------------------

    def class_kind(self, qualname: str, depth: int = 0) -> str | None:
        """ "model", "manager", "queryset" or "modelform" for a class of those kinds, else None."""
        if qualname in self._kinds:
            return self._kinds[qualname]
        self._kinds[qualname] = None  # guards against cyclic bases
        kind = django_builtins.class_kind(qualname)
        if kind is None and depth < _MAX_DEPTH:
            canonical, cls, _ = self._follow(qualname)
            kind = django_builtins.class_kind(canonical)
            if kind is None and cls is not None:
                module = canonical.rsplit(".", 1)[0]
                kind = self._kind_from_bases(module, cls, depth)
        self._kinds[qualname] = kind
        return kind

    def _kind_from_bases(self, module: str, cls: ClassSummary, depth: int) -> str | None:
        for base in cls.bases:
            target = self.resolve(module, base)
            if target is not None and (kind := self.class_kind(target, depth + 1)):
                return kind
        return None

    def derives_from(self, qualname: str, ancestors: frozenset[str], depth: int = 0) -> bool:
        """Whether the class `qualname` is, or inherits from, one of `ancestors` (qualified names)."""
        canonical, cls, _ = self._follow(qualname)
        if canonical in ancestors or qualname in ancestors:
            return True
        if cls is None or depth > _MAX_DEPTH:
            return False
        module = canonical.rsplit(".", 1)[0]
        return any(
            (target := self.resolve(module, base)) is not None
            and self.derives_from(target, ancestors, depth + 1)
            for base in cls.bases
        )

    def model(self, qualname: str) -> ModelInfo | None:
        if qualname in self._models:
            return self._models[qualname]
        self._models[qualname] = None
        info = self._build_model(qualname)
        self._models[qualname] = info
        return info

    def _build_model(self, qualname: str) -> ModelInfo | None:
        if self.class_kind(qualname) != "model":
            return None
        canonical, cls, _ = self._follow(qualname)
        if cls is None:
            if self.contrib.swapped(canonical):
                return ModelInfo(canonical, {})  # `User.objects` raises AttributeError: swapped
            builtin = django_builtins.MODELS.get(canonical)
            return ModelInfo(
                canonical, {"objects": self.contrib_manager(builtin) if builtin else QuerySetClass("")}
            )
        managers = self._managers(canonical.rsplit(".", 1)[0], cls, depth=0)
        if not managers:
            managers = {"objects": QuerySetClass("django.db.models.Manager")}
        return ModelInfo(canonical, managers)

    def _managers(self, module: str, cls: ClassSummary, depth: int) -> dict[str, QuerySetClass]:
        """Managers declared on the class and inherited from its project bases."""
        managers: dict[str, QuerySetClass] = {}
        if depth < _MAX_DEPTH:
            for base in reversed(cls.bases):
                target = self.resolve(module, base)
                if target is None:
                    continue
                canonical, base_cls, _ = self._follow(target)
                if base_cls is not None and self.class_kind(canonical) == "model":
                    managers.update(self._managers(canonical.rsplit(".", 1)[0], base_cls, depth + 1))
                elif base_cls is None and (inherited := contrib_models.default_manager(canonical)):
                    managers["objects"] = self.contrib_manager(inherited)  # AbstractUser's UserManager
        for decl in cls.managers:
            manager = self._manager_class(module, decl)
            if manager is not None:
                managers[decl.attr] = manager
        return managers

    def _manager_class(self, module: str, decl: ManagerDecl) -> QuerySetClass | None:
        """The methods a declared manager offers, or None if it is not a manager."""
        factory = self.resolve(module, decl.factory)
        if factory is None:
            return None
        kind = self.class_kind(factory)
        if decl.kind == "as_manager":
            return self.custom_methods(factory) if kind == "queryset" else None
        if kind != "manager":
            return None
        methods = self.custom_methods(factory)
        if decl.kind == "from_queryset" and decl.queryset is not None:
            queryset = self.resolve(module, decl.queryset)
            if queryset is not None:
                methods = _merge(methods, self.custom_methods(queryset))
        return methods

    def custom_methods(self, qualname: str, depth: int = 0) -> QuerySetClass:
        """A project Manager/QuerySet class with the methods it and its project bases define."""
        canonical, cls, _ = self._follow(qualname)
        if cls is None or depth > _MAX_DEPTH:
            return self.contrib_manager(canonical)
        module = canonical.rsplit(".", 1)[0]
        merged = QuerySetClass(canonical)
        for base in reversed(cls.bases):
            target = self.resolve(module, base)
            if target is not None:
                merged = _merge(merged, self.custom_methods(target, depth + 1))
        for queryset in cls.base_querysets:
            target = self.resolve(module, queryset)
            if target is not None:
                merged = _merge(merged, self.custom_methods(target, depth + 1))
        return _merge(merged, QuerySetClass(canonical, _resolve_via(cls.methods)))

    def contrib_manager(self, qualname: str) -> QuerySetClass:
        """A contrib manager class with the methods it adds in the project's Django version.

        The user managers' create_user, create_superuser and get_by_natural_key are left to
        the auth API's own judgement (django_async_api.USER_MANAGER_METHODS), which knows their
        async twins' release: listed here, they would read as a project's override.
        """
        user_api = qualname in _USER_MANAGERS
        methods = tuple(
            MethodSummary(
                method.name, method.is_async, method.returns if method.returns != "none" else "unknown"
            )
            for method in contrib_models.manager_methods(qualname, self.django_version)
            if not (user_api and method.name in USER_MANAGER_METHODS)
        )
        return QuerySetClass(qualname, methods)

    @cached_property
    def contrib(self) -> ContribApps:
        """Which contrib apps the settings install, and which model is the user model."""
        return ContribApps(self)

    @property
    def user_model(self) -> str:
        """The model `get_user_model()` returns: the settings' user model, or, when unknown, a user
        model with no fields known."""
        return self.contrib.user_model or django_builtins.ANY_USER_MODEL

    def canonical(self, qualname: str) -> str:
        """Where a qualified name leads after re-exports and aliases.

        A module-level `User = get_user_model()` leads to
        "django.contrib.auth.get_user_model()": the call, marked by "()".
        """
        canonical, _, alias = self._follow(qualname)
        return alias or canonical

    def mentions(self, module: str, word: str) -> bool:
        """Whether a module's source may hold `word`; False means it need not be parsed."""
        return self._mentions(module, word)

    def holds(self, module: str, word: str) -> bool:
        """Whether a module's source holds `word` (True when the index cannot read sources)."""
        return self._holds(module, word)

    @cached_property
    def request_path(self) -> RequestPathIndex:
        """Settings, middleware and views, resolved across files."""
        return RequestPathIndex(self)

    @cached_property
    def templates(self) -> ProjectTemplates:
        """The project's Django templates and the context lookups they make."""
        return ProjectTemplates(self, self._files)

    @cached_property
    def functions(self) -> ProjectFunctions:
        """Project functions and methods, by qualified name and through class hierarchies."""
        return ProjectFunctions(self)

    @cached_property
    def relations(self) -> ModelRelations:
        """Every model's fields and relations, forward and reverse."""
        return ModelRelations(self)


# Managers whose create_user & co. the auth API rule judges (BaseUserManager re-exported by auth.models).
_USER_MANAGERS = frozenset(
    {
        "django.contrib.auth.base_user.BaseUserManager",
        "django.contrib.auth.models.BaseUserManager",
        "django.contrib.auth.models.UserManager",
    }
)


def _merge(base: QuerySetClass, extra: QuerySetClass) -> QuerySetClass:
    methods = {m.name: m for m in base.methods}
    methods.update({m.name: m for m in extra.methods})
    return QuerySetClass(extra.qualname, tuple(methods.values()))


def _resolve_via(methods: tuple[MethodSummary, ...]) -> tuple[MethodSummary, ...]:
    """Gives `return self.other()` methods the result kind of `other`."""
    by_name = {m.name: m for m in methods}
    resolved = []
    for method in methods:
        seen = {method.name}
        target = method
        while target.returns_via and target.returns_via in by_name and target.returns_via not in seen:
            seen.add(target.returns_via)
            target = by_name[target.returns_via]
        returns = target.returns if target is not method else method.returns
        resolved.append(MethodSummary(method.name, method.is_async, returns))
    return tuple(resolved)
