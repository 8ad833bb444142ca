"""`asyncdj-lint server`: a Language Server Protocol server over stdio (pygls).

One `LintSession` per project root stays in memory, so an edited buffer is
linted with the project's index already built. Diagnostics are pushed on open,
on save and (debounced) on change, or pulled with `textDocument/diagnostic` by
a client that declares pull support. Editing a models or settings module
(saved or not) or saving a configuration file (`pyproject.toml`, `setup.cfg`,
requirements) drops the project's session and re-lints its open files, so
those changes apply without a restart; a session built while such a buffer
differs from its file reads the buffer and uses no cache. Each finding links to
its rule's page, rendered for the running version into the user's cache folder.
Code actions: add `# noqa: CODE` on the finding's line, and the rule's fix when
the finding carries one.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path
from pygls.workspace import TextDocument

from asyncdj_lint import __version__
from asyncdj_lint.add_noqa import line_with_noqa
from asyncdj_lint.api import LintSession, resolve_options
from asyncdj_lint.config import ConfigError, load_settings, to_options
from asyncdj_lint.diagnostics import Diagnostic, Severity
from asyncdj_lint.docs import rule_page
from asyncdj_lint.facts.django_version import marked_root
from asyncdj_lint.fixes import apply_fixes
from asyncdj_lint.index.cache import code_version, user_cache_dir
from asyncdj_lint.parse_guard import describe
from asyncdj_lint.rules import rule_by_code

SOURCE = "asyncdj-lint"
DEBOUNCE = 0.25  # seconds of quiet after an edit before the buffer is linted
_SEVERITY = {
    Severity.ERROR.value: types.DiagnosticSeverity.Error,
    Severity.WARNING.value: types.DiagnosticSeverity.Warning,
    Severity.ADVISORY.value: types.DiagnosticSeverity.Information,
}
_CONFIG_FILES = ("pyproject.toml", "setup.cfg", "setup.py", "manage.py", "Pipfile")


@cache
def rule_url(code: str) -> str | None:
    """A file URI of the rule's page, written on first use into the user's cache folder: the
    link works offline and describes the rules this server runs. None if it cannot be written."""
    rule = rule_by_code(code)
    if rule is None:
        return None
    page = user_cache_dir() / "rules" / code_version() / f"{rule.code}.md"
    if not page.is_file():
        try:
            page.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=f".{page.name}.", dir=page.parent)
        except OSError:
            return None
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(rule_page(rule))
            os.replace(temporary, page)
        except OSError:
            Path(temporary).unlink(missing_ok=True)
            return None
    return page.as_uri()


def changes_the_project(path: Path) -> bool:
    """Whether saving `path` can change other files' findings: models, settings, configuration."""
    name, folder = path.name, path.parent.name
    return (
        name in _CONFIG_FILES
        or (name.startswith("requirements") and name.endswith(".txt"))
        or name in ("models.py", "settings.py", "asgi.py")
        or (folder in ("models", "settings") and name.endswith(".py"))
    )


class AsyncdjServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(SOURCE, __version__)
        self.sessions: dict[Path, LintSession] = {}
        # uri -> the findings last published for it (the code actions look fixes up here)
        self.findings: dict[str, list[Diagnostic]] = {}
        self.pending: dict[str, asyncio.TimerHandle] = {}
        self.pull = False  # the client pulls diagnostics; nothing is pushed

    def session(self, path: Path) -> LintSession:
        settings = load_settings([path])
        root = settings.root if settings.config_file or marked_root([path]) else path.parent
        assert root is not None
        if root not in self.sessions:
            options = resolve_options([path], replace(to_options(settings), root=root))
            unsaved = self.unsaved_project_buffers(root)
            if unsaved:  # the caches record the files as they are on disk
                options = replace(options, cache=False)
            session = LintSession(options, save_interval=2.0)
            for buffer_path, source in unsaved.items():
                session.store.sources.provide(buffer_path, source)
            self.sessions[root] = session
        return self.sessions[root]

    def unsaved_project_buffers(self, root: Path) -> dict[Path, bytes]:
        """Open models and settings modules under `root` whose buffer differs from the file."""
        unsaved: dict[Path, bytes] = {}
        for document in self.workspace.text_documents.values():
            path = Path(to_fs_path(document.uri) or document.uri)
            if path.suffix != ".py" or not changes_the_project(path) or not path.is_relative_to(root):
                continue
            source = document.source.encode("utf-8", "surrogateescape")
            try:
                on_disk = path.read_bytes()
            except OSError:
                on_disk = None
            if source != on_disk:
                unsaved[path] = source
        return unsaved

    def lint(self, document: TextDocument) -> list[types.Diagnostic]:
        """The buffer's findings as LSP diagnostics; never raises."""
        path = Path(to_fs_path(document.uri) or document.uri)
        found: list[Diagnostic]
        try:
            session = self.session(path)
            result = session.lint([path], stdin=document.source)
            session.save_cache()
            found = result.diagnostics
            for error in result.internal_errors:
                self.window_log_message(
                    types.LogMessageParams(types.MessageType.Error, f"asyncdj-lint: {error}")
                )
        except ConfigError as error:
            found = [Diagnostic(str(path), 1, 1, "ADJ000", f"asyncdj-lint configuration: {error}", "error")]
        except Exception as error:  # noqa: BLE001 - an editor's server must outlive any one buffer
            self.window_log_message(
                types.LogMessageParams(types.MessageType.Error, f"asyncdj-lint: {path}: {describe(error)}")
            )
            found = []
        self.findings[document.uri] = found
        return [self.to_lsp(document, d) for d in found]

    @staticmethod
    def to_lsp(document: TextDocument, finding: Diagnostic) -> types.Diagnostic:
        start = types.Position(finding.line - 1, max(finding.column - 1, 0))
        if finding.end_line:
            end = types.Position(finding.end_line - 1, max(finding.end_column - 1, 0))
        else:  # unknown end (ADJ001 on an unreadable file): to the end of the line
            line = document.lines[start.line] if start.line < len(document.lines) else ""
            end = types.Position(start.line, len(line.rstrip("\r\n")))
        span = document.position_codec.range_to_client_units(document.lines, types.Range(start, end))
        url = rule_url(finding.code)
        return types.Diagnostic(
            range=span,
            message=finding.message,
            severity=_SEVERITY.get(finding.severity, types.DiagnosticSeverity.Warning),
            code=finding.code,
            code_description=None if url is None else types.CodeDescription(href=url),
            source=SOURCE,
        )

    def publish(self, uri: str) -> None:
        self.pending.pop(uri, None)
        if self.pull:
            return
        document = self.workspace.get_text_document(uri)
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, version=document.version, diagnostics=self.lint(document))
        )

    def schedule(self, uri: str) -> None:
        """Lints the buffer once edits pause; an edit to a models or settings buffer re-lints
        every open file, since their findings can depend on it."""
        waiting = self.pending.pop(uri, None)
        if waiting is not None:
            waiting.cancel()
        path = Path(to_fs_path(uri) or uri)
        if path.suffix == ".py" and changes_the_project(path):
            self.pending[uri] = asyncio.get_running_loop().call_later(
                DEBOUNCE, self.buffer_shaped_project, uri
            )
        else:
            self.pending[uri] = asyncio.get_running_loop().call_later(DEBOUNCE, self.publish, uri)

    def buffer_shaped_project(self, uri: str) -> None:
        self.pending.pop(uri, None)
        self.project_changed()

    def project_changed(self) -> None:
        """Drops every session and re-lints the open buffers (pull clients are asked to pull again)."""
        self.sessions.clear()
        if self.pull:
            self.workspace_diagnostic_refresh(None)
            return
        for uri in list(self.workspace.text_documents):
            self.publish(uri)

    def code_actions(self, params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        document = self.workspace.get_text_document(uri)
        actions: list[types.CodeAction] = []
        for shown in params.context.diagnostics:
            if shown.source != SOURCE or not isinstance(shown.code, str):
                continue
            line = shown.range.start.line
            finding = next(
                (f for f in self.findings.get(uri, []) if f.code == shown.code and f.line - 1 == line), None
            )
            if finding is not None and finding.fix is not None:
                fixed = apply_fixes(document.source, [finding.fix])
                if fixed.applied:
                    actions.append(self._action(finding.fix.title, uri, document, fixed.source, shown, True))
            noqa = line_with_noqa(document.source, line + 1, shown.code)
            if noqa is not None:
                old = document.lines[line].rstrip("\r\n")
                edit = types.TextEdit(
                    types.Range(types.Position(line, 0), types.Position(line, _units(old))), noqa
                )
                actions.append(
                    types.CodeAction(
                        title=f"Suppress {shown.code} on this line (`# noqa: {shown.code}`)",
                        kind=types.CodeActionKind.QuickFix,
                        diagnostics=[shown],
                        edit=types.WorkspaceEdit(changes={uri: [edit]}),
                    )
                )
        return actions

    @staticmethod
    def _action(
        title: str, uri: str, document: TextDocument, source: str, shown: types.Diagnostic, preferred: bool
    ) -> types.CodeAction:
        lines = document.lines
        last = len(lines)
        whole = types.Range(types.Position(0, 0), types.Position(last, 0))
        return types.CodeAction(
            title=f"{shown.code}: {title}",
            kind=types.CodeActionKind.QuickFix,
            diagnostics=[shown],
            is_preferred=preferred,
            edit=types.WorkspaceEdit(changes={uri: [types.TextEdit(whole, source)]}),
        )


def _units(text: str) -> int:
    """The length of `text` in UTF-16 code units, LSP's default position encoding."""
    return len(text.encode("utf-16-le")) // 2


def build() -> AsyncdjServer:
    server = AsyncdjServer()

    @server.feature(types.INITIALIZED)
    def initialized(ls: AsyncdjServer, params: types.InitializedParams) -> None:
        capabilities = ls.client_capabilities.text_document
        ls.pull = capabilities is not None and capabilities.diagnostic is not None

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: AsyncdjServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.publish(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: AsyncdjServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: AsyncdjServer, params: types.DidSaveTextDocumentParams) -> None:
        path = Path(to_fs_path(params.text_document.uri) or params.text_document.uri)
        if changes_the_project(path):
            ls.project_changed()
        else:
            ls.publish(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: AsyncdjServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        waiting = ls.pending.pop(uri, None)
        if waiting is not None:
            waiting.cancel()
        ls.findings.pop(uri, None)
        if not ls.pull:
            ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
        path = Path(to_fs_path(uri) or uri)
        if path.suffix == ".py" and changes_the_project(path):  # its unsaved edits, if any, are gone
            ls.project_changed()

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched(ls: AsyncdjServer, params: types.DidChangeWatchedFilesParams) -> None:
        if any(changes_the_project(Path(to_fs_path(c.uri) or c.uri)) for c in params.changes):
            ls.project_changed()

    @server.feature(
        types.TEXT_DOCUMENT_DIAGNOSTIC,
        types.DiagnosticOptions(identifier=SOURCE, inter_file_dependencies=True, workspace_diagnostics=False),
    )
    def diagnostic(ls: AsyncdjServer, params: types.DocumentDiagnosticParams) -> Any:
        document = ls.workspace.get_text_document(params.text_document.uri)
        return types.RelatedFullDocumentDiagnosticReport(items=ls.lint(document))

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
    )
    def code_action(ls: AsyncdjServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        return ls.code_actions(params)

    return server


def serve() -> None:
    """Runs the server on stdin and stdout until the client exits."""
    build().start_io()
