"""`asyncdj-lint server`, spoken to over stdio as an editor does: JSON-RPC with Content-Length framing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from urllib.request import url2pathname

import pytest

from asyncdj_lint import __version__
from asyncdj_lint.docs import rule_page
from asyncdj_lint.rules.adj101_blocking_orm_call import BlockingOrmCall
from tests.helpers import write_files

pytest.importorskip("pygls")

MODELS = "from django.db import models\n\n\nclass Product(models.Model):\n    pass\n"
VIEW = "from shop.models import Product\n\n\nasync def view(request):\n    return Product.objects.get(pk=1)\n"
TIMEOUT = 60


class Client:
    """A minimal LSP client: requests wait for their answer, notifications are kept in order."""

    def __init__(self, cwd: Path) -> None:
        # The rule pages the diagnostics link to are written under the cache home: the test's own.
        environment = {**os.environ, "XDG_CACHE_HOME": str(cwd / ".user-cache")}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "asyncdj_lint", "server"],
            cwd=cwd,
            env=environment,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.next_id = 0
        self.notifications: list[dict[str, Any]] = []

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def receive(self) -> dict[str, Any]:
        stream = self.process.stdout
        assert stream is not None
        length = None
        while True:
            header = stream.readline()
            assert header, (
                f"the server exited: {self.process.stderr.read().decode() if self.process.stderr else ''}"
            )
            if header in (b"\r\n", b"\n"):
                break
            name, _, value = header.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        assert length is not None
        message: dict[str, Any] = json.loads(stream.read(length))
        return message

    def request(self, method: str, params: Any) -> Any:
        self.next_id += 1
        self.send({"id": self.next_id, "method": method, "params": params})
        while True:
            message = self.receive()
            if message.get("id") == self.next_id and "method" not in message:
                assert "error" not in message, message
                return message.get("result")
            if "id" in message and "method" in message:  # a request from the server: answer it
                self.send({"id": message["id"], "result": None})
            else:
                self.notifications.append(message)

    def notify(self, method: str, params: Any) -> None:
        self.send({"method": method, "params": params})

    def diagnostics(self, uri: str, version: int | None = None) -> list[dict[str, Any]]:
        """The next diagnostics published for `uri` (for that version of the buffer, if given)."""
        while True:
            for index, message in enumerate(self.notifications):
                params = message.get("params", {})
                if message.get("method") == "textDocument/publishDiagnostics" and params["uri"] == uri:
                    del self.notifications[: index + 1]
                    if version is None or params.get("version") == version:
                        found: list[dict[str, Any]] = params["diagnostics"]
                        return found
                    break
            else:
                self.notifications.append(self.receive())

    def close(self) -> int:
        assert self.request("shutdown", None) is None
        self.notify("exit", None)
        return self.process.wait(timeout=TIMEOUT)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_files(
        tmp_path,
        {
            "pyproject.toml": "[project]\nname = 'shop'\n",
            "shop/__init__.py": "",
            "shop/models.py": MODELS,
            "shop/views.py": VIEW,
        },
    )


def start(project: Path, capabilities: dict[str, Any] | None = None) -> Client:
    client = Client(project)
    result = client.request(
        "initialize",
        {"processId": None, "rootUri": project.as_uri(), "capabilities": capabilities or {}},
    )
    assert result["serverInfo"] == {"name": "asyncdj-lint", "version": __version__}
    assert result["capabilities"]["codeActionProvider"]
    assert result["capabilities"]["diagnosticProvider"]["interFileDependencies"] is True
    client.notify("initialized", {})
    return client


def open_document(client: Client, path: Path, text: str) -> str:
    uri = path.as_uri()
    client.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}},
    )
    return uri


def test_diagnostics_on_open_and_change_code_actions_and_a_clean_exit(project: Path):
    client = start(project)
    uri = open_document(client, project / "shop" / "views.py", VIEW)
    (found,) = client.diagnostics(uri, 1)
    assert found["code"] == "ADJ101"
    assert found["source"] == "asyncdj-lint"
    assert found["severity"] == 1
    assert found["range"] == {"start": {"line": 4, "character": 11}, "end": {"line": 4, "character": 36}}
    page = Path(url2pathname(urlparse(found["codeDescription"]["href"]).path))
    assert page.is_relative_to(project / ".user-cache" / "asyncdj-lint" / "rules")
    assert page.name == "ADJ101.md"
    assert page.read_text(encoding="utf-8") == rule_page(BlockingOrmCall)
    assert "use `await Product.objects.aget(...)`" in found["message"]

    actions = client.request(
        "textDocument/codeAction",
        {"textDocument": {"uri": uri}, "range": found["range"], "context": {"diagnostics": [found]}},
    )
    titles = [action["title"] for action in actions]
    assert titles[-1] == "Suppress ADJ101 on this line (`# noqa: ADJ101`)"
    (noqa_edit,) = actions[-1]["edit"]["changes"][uri]
    assert noqa_edit["newText"] == "    return Product.objects.get(pk=1)  # noqa: ADJ101"
    fixes = [action for action in actions[:-1] if action["title"].startswith("ADJ101: ")]
    assert len(fixes) == 1
    (fix_edit,) = fixes[0]["edit"]["changes"][uri]
    assert "await Product.objects.aget(pk=1)" in fix_edit["newText"]

    # An edit that fixes the code clears the finding; one that breaks the syntax gets ADJ001, not a crash.
    fixed = VIEW.replace("Product.objects.get(pk=1)", "await Product.objects.aget(pk=1)")
    client.notify(
        "textDocument/didChange",
        {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": fixed}]},
    )
    assert client.diagnostics(uri, 2) == []
    client.notify(
        "textDocument/didChange",
        {
            "textDocument": {"uri": uri, "version": 3},
            "contentChanges": [{"text": "async def view(request:\n"}],
        },
    )
    (broken,) = client.diagnostics(uri, 3)
    assert broken["code"] == "ADJ001"
    assert client.close() == 0


def test_a_saved_models_or_configuration_change_relints_the_open_files(project: Path):
    client = start(project)
    uri = open_document(client, project / "shop" / "views.py", VIEW)
    assert [d["code"] for d in client.diagnostics(uri, 1)] == ["ADJ101"]
    # `Product` stops being a model: the view's finding goes once models.py is saved.
    models = project / "shop" / "models.py"
    models.write_text("class Product:\n    objects = None\n")
    client.notify("textDocument/didSave", {"textDocument": {"uri": models.as_uri()}})
    assert client.diagnostics(uri) == []
    models.write_text(MODELS)
    (project / "pyproject.toml").write_text("[tool.asyncdj-lint]\nignore = ['ADJ101']\n")
    client.notify(
        "workspace/didChangeWatchedFiles",
        {"changes": [{"uri": (project / "pyproject.toml").as_uri(), "type": 2}]},
    )
    assert client.diagnostics(uri) == []
    (project / "pyproject.toml").write_text("[tool.asyncdj-lint]\nselect = ['ADJ1']\n")
    client.notify("textDocument/didSave", {"textDocument": {"uri": (project / "pyproject.toml").as_uri()}})
    assert [d["code"] for d in client.diagnostics(uri)] == ["ADJ101"]
    assert client.close() == 0


def test_an_unsaved_models_edit_relints_the_other_open_files(project: Path):
    client = start(project)
    view = open_document(client, project / "shop" / "views.py", VIEW)
    assert [d["code"] for d in client.diagnostics(view, 1)] == ["ADJ101"]
    models = open_document(client, project / "shop" / "models.py", MODELS)
    assert client.diagnostics(models, 1) == []
    # `Product` stops being a model in the buffer only: the view's finding goes, unsaved.
    client.notify(
        "textDocument/didChange",
        {
            "textDocument": {"uri": models, "version": 2},
            "contentChanges": [{"text": "class Product:\n    objects = None\n"}],
        },
    )
    assert client.diagnostics(view) == []
    assert (project / "shop" / "models.py").read_text() == MODELS
    # Closing the buffer without saving brings the file on disk back.
    client.notify("textDocument/didClose", {"textDocument": {"uri": models}})
    assert [d["code"] for d in client.diagnostics(view)] == ["ADJ101"]
    assert client.close() == 0


def test_a_client_that_pulls_gets_diagnostics_on_request(project: Path):
    client = start(project, {"textDocument": {"diagnostic": {"dynamicRegistration": False}}})
    uri = open_document(client, project / "shop" / "views.py", VIEW)
    report = client.request("textDocument/diagnostic", {"textDocument": {"uri": uri}})
    assert report["kind"] == "full"
    assert [d["code"] for d in report["items"]] == ["ADJ101"]
    assert client.close() == 0
    assert not [n for n in client.notifications if n.get("method") == "textDocument/publishDiagnostics"]
