"""The project's Django templates: where they are and which context lookups they make.

Templates are found the way Django's loaders find them, from the project's own
files: the `templates/` folder beside any project Python file (app
directories, and the project-level folder `DIRS` usually names) and the
folders `TEMPLATES[...]["DIRS"]` names in the settings, matched by their
literal path parts. A template is read once and reduced to its lookups: each
`{{ a.b }}`, `{% for x in a.b %}`, `{% if %}` / `{% with %}` operand and
tag argument, as a path from a context name (`("order", "customer", "name")`;
`"[]"` stands for an item of an iterated list), through `{% include %}` and
`{% extends %}`. Nothing is imported and no template is compiled.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import libcst as cst

from asyncdj_lint import parse_guard

if TYPE_CHECKING:
    from asyncdj_lint.index.project import ProjectIndex

AUTH_CONTEXT_PROCESSOR = "django.contrib.auth.context_processors.auth"

_TOKEN = re.compile(r"{%.*?%}|{{.*?}}|{#.*?#}", re.DOTALL)
_VARIABLE = re.compile(r"^[A-Za-z_][\w.]*$")
_NOT_OPERANDS = frozenset(
    {"and", "or", "not", "in", "is", "as", "with", "only", "by", "for", "if", "True", "False", "None"}
)
# Tags whose arguments are not context lookups.
_INERT_TAGS = frozenset(
    {
        "load", "csrf_token", "block", "endblock", "endif", "endwith", "endfor", "else", "empty",
        "comment", "endcomment", "verbatim", "endverbatim", "spaceless", "endspaceless", "now",
        "templatetag", "autoescape", "endautoescape", "static", "trans", "translate",
        "get_current_language", "lorem",
    }
)  # fmt: skip
_MAX_DEPTH = 10
# Django's tag libraries whose tags read no context but their arguments.
_INERT_LIBRARIES = frozenset({"static", "i18n", "l10n", "tz", "humanize", "cache"})
_QUOTED = re.compile(r'"[^"]*"|\'[^\']*\'')
_WORD = re.compile(r'(?:"[^"]*"|\'[^\']*\'|[^\s"\']+)+')
# Tags that bind names (`a=b`, `b as a`) for their block.
_BINDING_TAGS = ("with", "blocktrans", "blocktranslate")


@dataclass(frozen=True)
class Lookup:
    """One context lookup a template makes: `path[0]` is the context name."""

    path: tuple[str, ...]
    template: str  # the template file that makes it (an include or a parent, maybe)
    line: int
    text: str  # as written, for messages


@dataclass(frozen=True)
class TemplateSettings:
    """What the settings' TEMPLATES say; `None` fields are unknown."""

    dirs: tuple[tuple[str, ...], ...] = ()  # literal path parts of each DIRS entry
    context_processors: tuple[str, ...] | None = None  # in the order Django runs them


class ProjectTemplates:
    def __init__(self, index: ProjectIndex, files: Callable[[], Iterable[Path]]) -> None:
        self.index = index
        self._files = files
        self._lookups: dict[str, tuple[Lookup, ...] | None] = {}

    @cached_property
    def settings(self) -> TemplateSettings:
        """TEMPLATES of the settings modules, from their (cached) summaries: nothing is parsed."""
        for module in sorted(self.index.request_path.settings().modules):
            summary = self.index.modules.get(module)
            if summary is not None and summary.templates is not None:
                return summary.templates
        return TemplateSettings()

    @cached_property
    def folders(self) -> tuple[Path, ...]:
        """Template folders, the settings' DIRS first, then every `templates/` beside project code."""
        parents = {path.parent for path in self._files()}
        candidates: dict[Path, None] = {}
        for parent in sorted(parents | {p.parent for p in parents}):
            folder = parent / "templates"
            if folder.is_dir():
                candidates[folder] = None
        named = [
            folder
            for parts in self.settings.dirs
            for parent in sorted(parents | {p.parent for p in parents})
            if (folder := parent.joinpath(*parts)).is_dir()
        ]
        return tuple(dict.fromkeys([*named, *candidates]))

    def find(self, name: str) -> Path | None:
        """The file Django would load for template `name`, or None when the project has none."""
        if not name or name.startswith("/") or ".." in name.split("/"):
            return None
        for folder in self.folders:
            path = folder / name
            if path.is_file():
                return path
        return None

    def lookups(self, name: str) -> tuple[Lookup, ...] | None:
        """Every context lookup rendering template `name` makes; None when it cannot be found or read."""
        if name not in self._lookups:
            self._lookups[name] = None
            self._lookups[name] = self._read(name, {}, 0)
        return self._lookups[name]

    def opaque(self, name: str) -> bool:
        """Whether rendering template `name` may read context its lookups do not show: it, or a
        template it includes or extends, is not found or is named by a variable, or it loads a tag
        library other than Django's own inert ones (a tag may read the whole context)."""
        return self._opaque(name, 0, set())

    def _opaque(self, name: str, depth: int, seen: set[str]) -> bool:
        path = self.find(name)
        if path is None or depth > _MAX_DEPTH:
            return True
        if name in seen:
            return False
        seen.add(name)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return True
        for match in _TOKEN.finditer(text):
            words = _words(match.group()[2:-2].strip()) if match.group().startswith("{%") else []
            tag, args = (words[0], words[1:]) if words else ("", [])
            if (
                tag == "load"
                and not set(args[args.index("from") + 1 :] if "from" in args else args) <= _INERT_LIBRARIES
            ):
                return True
            if tag in ("include", "extends"):
                named = _literal(args[0]) if args else None
                if named is None or self._opaque(named, depth + 1, seen):
                    return True
        return False

    def _read(self, name: str, aliases: dict[str, tuple[str, ...]], depth: int) -> tuple[Lookup, ...] | None:
        path = self.find(name)
        if path is None or depth > _MAX_DEPTH:
            return None
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        return tuple(self._scan(name, text, dict(aliases), depth))

    def _scan(
        self, name: str, text: str, aliases: dict[str, tuple[str, ...]], depth: int
    ) -> Iterator[Lookup]:
        stack: list[dict[str, tuple[str, ...]]] = []
        skipping: str | None = None  # inside {% comment %} or {% verbatim %}
        for match in _TOKEN.finditer(text):
            token = match.group()
            line = text.count("\n", 0, match.start()) + 1
            body = token[2:-2].strip()
            if skipping is not None:
                if token.startswith("{%") and body.split()[:1] == [skipping]:
                    skipping = None
                continue
            if token.startswith("{#"):
                continue
            if token.startswith("{{"):
                yield from self._operands([body], aliases, name, line)
                continue
            words = _words(body)
            if not words:
                continue
            tag, args = words[0], words[1:]
            if tag in ("comment", "verbatim"):
                skipping = "end" + tag
            elif tag == "for" and "in" in args:
                split = args.index("in")
                iterables = [arg for arg in args[split + 1 :] if arg != "reversed"]
                yield from self._operands(iterables, aliases, name, line)
                stack.append(dict(aliases))
                iterated = self._resolve(iterables[0], aliases) if iterables else None
                for target in " ".join(args[:split]).replace(",", " ").split():
                    if iterated is not None:
                        aliases[target] = (*iterated, "[]")
                    else:
                        aliases.pop(target, None)
            elif tag in _BINDING_TAGS:
                stack.append(dict(aliases))
                for target, source in _bindings(args):
                    yield from self._binding_operand(source, aliases, name, line)
                    resolved = self._resolve(source, aliases)
                    if resolved is None:
                        aliases.pop(target, None)
                    else:
                        aliases[target] = resolved
            elif tag in ("endfor", *(f"end{tag}" for tag in _BINDING_TAGS)):
                if stack:
                    aliases.clear()
                    aliases.update(stack.pop())
            elif tag in ("include", "extends") and args:
                included = _literal(args[0])
                rest = args[1:]
                inner = dict(aliases)
                if tag == "include":
                    for target, source in _bindings(rest[1:] if rest[:1] == ["with"] else []):
                        yield from self._binding_operand(source, aliases, name, line)
                        resolved = self._resolve(source, aliases)
                        if resolved is not None:
                            inner[target] = resolved
                if included is None:
                    yield from self._operands(args[:1], aliases, name, line)
                else:
                    yield from self._read(included, inner, depth + 1) or ()
            elif tag not in _INERT_TAGS and not tag.startswith("end"):
                yield from self._operands(args, aliases, name, line)

    def _binding_operand(
        self, source: str, aliases: dict[str, tuple[str, ...]], template: str, line: int
    ) -> Iterator[Lookup]:
        """`{% with x=a.b %}` resolves `a.b` (which may query); `x=a` only names `a`, unevaluated."""
        if "." in source or "|" in source:
            yield from self._operands([source], aliases, template, line)

    def _operands(
        self, parts: list[str], aliases: dict[str, tuple[str, ...]], template: str, line: int
    ) -> Iterator[Lookup]:
        for part in parts:
            unquoted = _QUOTED.sub(" ", part)
            for index, chunk in enumerate(unquoted.split("|")):
                if index:  # `filter:argument`: the filter's name is not a lookup
                    chunk = chunk.partition(":")[2]
                for word in re.split(r"[\s:=,()<>!]+", chunk):
                    if word and word not in _NOT_OPERANDS and _VARIABLE.match(word):
                        path = self._resolve(word, aliases)
                        if path is not None:
                            yield Lookup(path, template, line, word)

    @staticmethod
    def _resolve(word: str, aliases: dict[str, tuple[str, ...]]) -> tuple[str, ...] | None:
        """A variable as a path from a context name, through loop and `with` names."""
        if not _VARIABLE.match(word) or word in _NOT_OPERANDS:
            return None
        head, *rest = word.split(".")
        if head in aliases:
            return (*aliases[head], *rest)
        return (head, *rest)


def _words(body: str) -> list[str]:
    """A tag's words as Django splits them: quoted strings stay whole."""
    return _WORD.findall(body)


def _bindings(args: list[str]) -> list[tuple[str, str]]:
    """`a=b c=d` and the old `b as a` form, as (name, source) pairs."""
    if len(args) == 3 and args[1] == "as":
        return [(args[2], args[0])]
    return [(target, source) for arg in args if "=" in arg for target, _, source in [arg.partition("=")]]


def _literal(word: str) -> str | None:
    if len(word) >= 2 and word[0] == word[-1] and word[0] in "'\"":
        return word[1:-1]
    return None


def templates_setting(module: cst.Module) -> TemplateSettings | None:
    """`TEMPLATES = [{...}]` at the top of a settings module, if it is there."""
    value: cst.BaseExpression | None = None
    for statement in module.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Assign) and any(
                    isinstance(t.target, cst.Name) and t.target.value == "TEMPLATES" for t in small.targets
                ):
                    value = small.value
    if not isinstance(value, (cst.List, cst.Tuple)):
        return None
    dirs: list[tuple[str, ...]] = []
    processors: list[str] | None = []
    for element in value.elements:
        backend = element.value
        if not isinstance(backend, cst.Dict):
            return None
        entries = {
            key: item.value
            for item in backend.elements
            if isinstance(item, cst.DictElement) and (key := _string(item.key)) is not None
        }
        for entry in _elements(entries.get("DIRS")):
            parts = tuple(
                part for node in _strings_in(entry) for part in node.split("/") if part and part != "."
            )
            if parts:
                dirs.append(parts)
        options = entries.get("OPTIONS")
        listed = None
        if isinstance(options, cst.Dict):
            for item in options.elements:
                if isinstance(item, cst.DictElement) and _string(item.key) == "context_processors":
                    listed = item.value
        if listed is None:
            continue  # no context processors: Django adds none but its own (csrf)
        names = [_string(node) for node in _elements(listed)]
        if processors is not None and isinstance(listed, (cst.List, cst.Tuple)) and all(names):
            processors += [name for name in names if name and name not in processors]
        else:
            processors = None
    return TemplateSettings(tuple(dirs), tuple(processors) if processors is not None else None)


def _elements(expr: cst.BaseExpression | None) -> list[cst.BaseExpression]:
    if isinstance(expr, (cst.List, cst.Tuple)):
        return [element.value for element in expr.elements]
    return []


def _string(expr: cst.BaseExpression | None) -> str | None:
    if isinstance(expr, cst.SimpleString):
        value = parse_guard.literal_value(expr)
        return value if isinstance(value, str) else None
    return None


def _strings_in(expr: cst.BaseExpression) -> list[str]:
    """The string literals of a path expression, in order: `BASE_DIR / "a" / "b"`, `os.path.join(X, "a")`."""
    found: list[str] = []
    stack: list[cst.CSTNode] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.SimpleString):
            if (text := _string(node)) is not None:
                found.append(text)
        else:
            stack.extend(reversed(list(node.children)))
    return found
