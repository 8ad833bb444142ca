"""Output formats: each turns a list of diagnostics into text."""

from __future__ import annotations

from asyncdj_lint.formats import concise, full, github, gitlab, json_format, junit, sarif
from asyncdj_lint.formats.rendering import PLAIN, Formatter, Rendering, lines_on_disk

__all__ = ["FORMATS", "PLAIN", "Formatter", "Rendering", "lines_on_disk"]

FORMATS: dict[str, Formatter] = {
    "concise": concise.render,
    "full": full.render,
    "json": json_format.render,
    "sarif": sarif.render,
    "github": github.render,
    "gitlab": gitlab.render,
    "junit": junit.render,
}
