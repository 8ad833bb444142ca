"""ADJ512's fix of a blocking HTTP call: sent by httpx's async client, and only where that is the same request.

The fixed code is run against a server on this machine beside the code it
replaces: both must send the same request and read the same response.
"""

from __future__ import annotations

import asyncio
import json
import threading
import types
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from asyncdj_lint.api import resolve_options
from asyncdj_lint.fixes import Safety, apply_fixes
from asyncdj_lint.options import LintOptions
from tests.helpers import lint_snippet, write_files

HTTPX = {"requirements.txt": "httpx>=0.27\n"}

VIEW = """\
import httpx
import requests
from django.http import JsonResponse


async def view(request):
{body}
    return JsonResponse({{}})
"""


def _fixes(code: str, files: dict[str, str] | None = None) -> tuple[list[Safety], str]:
    found = lint_snippet(code, select=("ADJ512",), extra_files=HTTPX if files is None else files)
    assert found, "the call is reported"
    fixes = [d.fix for d in found if d.fix is not None]
    return [fix.safety for fix in fixes], apply_fixes(code, fixes).source


def test_a_request_moves_into_an_async_with_block_and_awaits_the_client() -> None:
    body = """\
    if request.GET:
        # tell the warehouse
        requests.post("https://example.com/ping", data=b"x", verify=False)  # fire and forget
    level = requests.get("https://example.com/level", timeout=2.5).json()["level"]"""
    safety, fixed = _fixes(VIEW.format(body=body))
    assert safety == [Safety.UNSAFE, Safety.UNSAFE]
    assert (
        fixed
        == """\
import httpx
from django.http import JsonResponse


async def view(request):
    if request.GET:
        # tell the warehouse
        async with httpx.AsyncClient(follow_redirects=True, timeout=None, verify=False) as client:
            await client.post("https://example.com/ping", content=b"x")  # fire and forget
    async with httpx.AsyncClient(follow_redirects=True) as client:
        level = (await client.get("https://example.com/level", timeout=2.5)).json()["level"]
    return JsonResponse({})
"""
    )


def test_continuation_lines_are_indented_and_a_multiline_string_is_left_as_it_is() -> None:
    body = '''\
    response = requests.post(
        "https://example.com/notes",
        data="""first line
second line""",
        allow_redirects=False,
    )
    print(response.status_code)'''
    _, fixed = _fixes(VIEW.format(body=body))
    assert (
        '''\
    async with httpx.AsyncClient(timeout=None) as client:
        response = await client.post(
            "https://example.com/notes",
            content="""first line
second line""",
            follow_redirects=False,
        )
    print(response.status_code)'''
        in fixed
    )


def test_text_built_from_literals_is_text_and_an_annotated_response_is_read_through_its_name() -> None:
    body = """\
    r: object = requests.get(
        "https://x", params={"q": f"{request.q}", "kind": "a" "b"}, headers={"A": "1"}, timeout=1
    )
    print(r.status_code)"""
    safety, fixed = _fixes(VIEW.format(body=body))
    assert safety == [Safety.UNSAFE]
    assert "        r: object = await client.get(\n" in fixed


def test_a_timeout_computed_from_literals_is_a_number_and_an_assert_is_a_statement() -> None:
    body = '    assert requests.get("https://x", timeout=60 * 20).status_code == 200, "up"'
    _, fixed = _fixes(VIEW.format(body=body))
    assert (
        "    async with httpx.AsyncClient(follow_redirects=True) as client:\n"
        '        assert (await client.get("https://x", timeout=60 * 20)).status_code == 200, "up"\n'
    ) in fixed


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            '    items = sorted(requests.get("https://x").json(), key=lambda i: i["n"])', id="lambda"
        ),
        pytest.param('    request.total += requests.get("https://x").json()["n"]', id="augmented"),
        pytest.param('    return JsonResponse(requests.get("https://x").json())', id="return"),
        pytest.param(
            "    for u in request.urls:\n        r = requests.get(u)\n        print(r.text)", id="loop"
        ),
    ],
)
def test_a_fix_is_offered_for_these_statements_and_is_stable(body: str) -> None:
    safety, fixed = _fixes(VIEW.format(body=body))
    assert safety == [Safety.UNSAFE]
    assert "await client.get(" in fixed and "requests" not in fixed
    assert lint_snippet(fixed, select=("ADJ512",), extra_files=HTTPX) == []


def test_head_does_not_follow_redirects_and_a_taken_client_name_is_not_reused() -> None:
    body = """\
    client = request.GET.get("client")
    response = requests.head(f"https://example.com/{client}", timeout=None)
    print(response.headers)"""
    _, fixed = _fixes(VIEW.format(body=body))
    assert "    async with httpx.AsyncClient() as http_client:\n" in fixed
    assert 'response = await http_client.head(f"https://example.com/{client}", timeout=None)' in fixed


def test_a_sync_httpx_call_keeps_its_arguments_its_client_options_move_to_the_client() -> None:
    code = """\
import httpx
from httpx import post


async def view(request):
    data = httpx.get("https://example.com", params=request.GET, verify=False, timeout=3).json()
    post("https://example.com", json=data).raise_for_status()
"""
    _, fixed = _fixes(code, files={})
    assert (
        fixed
        == """\
import httpx


async def view(request):
    async with httpx.AsyncClient(verify=False) as client:
        data = (await client.get("https://example.com", params=request.GET, timeout=3)).json()
    async with httpx.AsyncClient() as client:
        (await client.post("https://example.com", json=data)).raise_for_status()
"""
    )


@pytest.mark.parametrize(
    "body",
    [
        pytest.param('    requests.post("https://x", files={"f": b""})', id="files"),
        pytest.param('    requests.get("https://x", stream=True)', id="stream"),
        pytest.param('    requests.get("https://x", cert="c.pem")', id="cert"),
        pytest.param('    requests.get("https://x", cookies={"a": "b"})', id="cookies"),
        pytest.param('    requests.get("https://x", timeout=(3, 27))', id="timeout-tuple"),
        pytest.param('    requests.get("https://x", timeout=request.timeout)', id="timeout-unknown"),
        pytest.param('    requests.get("https://x", params=request.GET)', id="params-unknown"),
        pytest.param('    requests.get("https://x", params={"page": None})', id="params-none-value"),
        pytest.param('    requests.get("https://x", params={"all": True})', id="params-bool-value"),
        pytest.param('    requests.get("https://x", headers={"X-Id": 1})', id="header-not-text"),
        pytest.param('    requests.post("https://x", data=[("a", "b")])', id="data-pairs"),
        pytest.param('    requests.post("https://x", data="café")', id="data-non-ascii-text"),
        pytest.param('    requests.post("https://x", data=request.body)', id="data-unknown"),
        pytest.param('    requests.get("https://x", auth=request.auth)', id="auth-object"),
        pytest.param('    requests.delete("https://x", json={"id": 1})', id="body-of-a-delete"),
        pytest.param('    requests.get("https://x", verify="ca.pem")', id="verify-bundle"),
        pytest.param('    requests.get("https://x", {"q": "a"})', id="positional-params"),
        pytest.param("    requests.get(*request.urls)", id="unpacked"),
        pytest.param('    requests.get(url="https://x")', id="url-by-keyword"),
        pytest.param('    requests.get("https://x", params={**request.GET})', id="params-unpacked"),
        pytest.param('    requests.get("https://x", headers={request.key: "v"})', id="header-name-unknown"),
        pytest.param("    [requests.get(u).status_code for u in request.urls]", id="comprehension"),
        pytest.param('    x = yield requests.get("https://x").status_code', id="yield"),
        pytest.param(
            '    client = http_client = async_client = None\n    requests.get("https://x")', id="names-taken"
        ),
        pytest.param('    httpx.get("https://x", verify=request.ctx())', id="httpx-client-option-call"),
        pytest.param('    httpx = request.session\n    requests.get("https://x")', id="httpx-shadowed"),
        pytest.param('    httpx.request("GET")', id="httpx-missing-url"),
        pytest.param('    if requests.get("https://x").ok:\n        pass', id="compound-statement"),
        pytest.param('    if request.GET: requests.get("https://x")', id="one-line-block"),
        pytest.param('    requests.get("https://x"); print("sent")', id="shared-line"),
        pytest.param(
            '    r = requests.get(\\\n        "https://x"\n    )\n    print(r.text)', id="backslash"
        ),
        pytest.param('    ok = requests.get("https://x").ok', id="ok"),
        pytest.param('    requests.get("https://x").iter_content()', id="iter-content"),
        pytest.param('    print(requests.get("https://x"))', id="passed-on"),
        pytest.param('    r = requests.get("https://x")\n    if r:\n        pass', id="truth-tested"),
        pytest.param('    r = requests.get("https://x")\n    print(r.url)', id="url"),
        pytest.param('    r = requests.get("https://x")\n    return r.json()', id="only-through-allowed"),
        pytest.param('    requests.get("https://x"), requests.get("https://y")', id="two-in-a-statement"),
        pytest.param(
            '    requests.get("https://x", allow_redirects=False).raise_for_status()',
            id="raise-for-status-without-redirects",
        ),
        pytest.param(
            '    try:\n        requests.get("https://x")\n    except requests.Timeout:\n        pass',
            id="requests-exception-caught",
        ),
    ],
)
def test_no_fix_where_httpx_would_not_send_the_same_request_or_the_response_is_read_otherwise(
    body: str,
) -> None:
    code = VIEW.format(body=body)
    found = lint_snippet(code, select=("ADJ512",), extra_files=HTTPX)
    if body.endswith("return r.json()"):  # the control: only `return r` below makes it unfixable
        assert [d.fix is not None for d in found] == [True]
        found = lint_snippet(
            code.replace("return r.json()", "return r"), select=("ADJ512",), extra_files=HTTPX
        )
    assert found and all(d.fix is None for d in found), body


def test_requests_have_no_fix_unless_the_project_installs_httpx_to_run() -> None:
    code = VIEW.format(body='    requests.get("https://x", timeout=5)')
    installed = {
        "requirements": {"requirements/production.txt": "-r base.txt\n", "requirements/base.txt": "httpx\n"},
        "pyproject": {"pyproject.toml": '[project]\nname = "p"\ndependencies = ["HTTPX[http2]>=0.27"]\n'},
        "poetry": {"pyproject.toml": '[tool.poetry.dependencies]\nhttpx = "*"\n'},
        "pipfile": {"Pipfile": '[packages]\nhttpx = "*"\n'},
        "setup.cfg": {"setup.cfg": "[options]\ninstall_requires =\n    httpx>=0.27\n"},
        "setup.py": {"setup.py": 'setup(install_requires=["httpx"])\n'},
        "requirements-docker": {"requirements-docker.txt": "httpx\n"},
    }
    for kind, files in installed.items():
        found = lint_snippet(code, select=("ADJ512",), extra_files=files)
        assert [d.fix is not None for d in found] == [True], kind
    # Not installed where the code runs, or only pinned by a lock file that lists development tools too.
    elsewhere = {
        "none": {},
        "aiohttp": {"requirements.txt": "requests\naiohttp>=3.9\n"},
        "requirements-dev": {"requirements.txt": "requests\n", "requirements-dev.txt": "httpx\n"},
        "tests folder": {"requirements/test.txt": "httpx\n", "requirements/docs.txt": "httpx\n"},
        "extra": {
            "pyproject.toml": '[project]\nname = "p"\n[project.optional-dependencies]\nt = ["httpx"]\n'
        },
        "poetry group": {"pyproject.toml": '[tool.poetry.group.dev.dependencies]\nhttpx = "*"\n'},
        "pipfile dev": {"Pipfile": '[dev-packages]\nhttpx = "*"\n'},
        "lock": {"uv.lock": '[[package]]\nname = "httpx"\nversion = "0.28.1"\n'},
    }
    for kind, files in elsewhere.items():
        found = lint_snippet(code, select=("ADJ512",), extra_files=files)
        assert [d.fix for d in found] == [None], kind


def test_the_declared_async_clients_are_read_with_the_root(tmp_path: Path) -> None:
    write_files(tmp_path, {"requirements.txt": "Django>=5.2\nhttpx\n", "views.py": ""})
    assert resolve_options([tmp_path], LintOptions()).async_http_clients == ("httpx",)
    options = LintOptions(target_django=(4, 2))
    assert resolve_options([tmp_path], options).async_http_clients == ("httpx",)
    (tmp_path / "requirements.txt").write_text("Django>=5.2\n")
    assert resolve_options([tmp_path], LintOptions()).async_http_clients == ()


# -- the fixed code sends the same request ---------------------------------------------


class _Echo(BaseHTTPRequestHandler):
    """`/moved` redirects to `/echo`, which answers what it was sent, as JSON; `/missing` is a 404."""

    def _answer(self) -> None:
        if self.path.startswith("/moved"):
            self.send_response(302)
            self.send_header("Location", "/echo?from=moved")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        kind = self.headers.get("Content-Type") or "" if body else ""
        sent = json.loads(body) if kind == "application/json" else body.decode("latin-1")
        echo = {
            "method": self.command,
            "path": self.path,
            "content_type": kind,
            "authorization": self.headers.get("Authorization"),
            "accept": self.headers.get("Accept"),
            "x_token": self.headers.get("X-Token"),
            "body": sent,
        }
        answer = json.dumps(echo).encode()
        self.send_response(404 if self.path.startswith("/missing") else 200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _answer

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


FETCH = """\
import requests


async def fetch(base):
    response = {call}
    return {read}
"""

SAME_REQUESTS = [
    ('requests.get(f"{base}/moved", params={"q": "a b", "n": 2}, timeout=5)', "response.json()"),
    ('requests.get(f"{base}/moved", allow_redirects=False)', "response.status_code"),
    ('requests.head(f"{base}/moved")', "(response.status_code, response.headers['Location'])"),
    # A POST redirected by a 302 is sent again as a GET without its body by both; httpx keeps its
    # Content-Type header (the one difference, in the rule's fix safety): the server echoes
    # `content_type` only for a request with a body.
    ('requests.post(f"{base}/moved", data={"a": "1", "n": 2})', "response.json()"),
    ('requests.post(f"{base}/echo", data={"a": "1", "n": 2}, headers={"X-Token": "t"})', "response.json()"),
    ('requests.put(f"{base}/echo", data=b"raw", headers={"Content-Type": "text/plain"})', "response.json()"),
    ('requests.patch(f"{base}/echo", data="text", timeout=None)', "response.text"),
    ('requests.put(f"{base}/echo", json={"ids": [1, "é"]}, auth=("u", "p"))', "response.json()"),
    ('requests.delete(f"{base}/echo", params={"id": "7"}, auth=("u", "p"))', "response.json()"),
    ('requests.options(f"{base}/echo")', "(response.status_code, response.content)"),
    ('requests.request("put", f"{base}/moved", json=None, verify=False)', "response.json()"),
    ('requests.get(f"{base}/missing")', "(response.status_code, response.json()['path'])"),
]


def _run(code: str, base: str) -> object:
    module = types.ModuleType("fetched")
    exec(compile(code, "fetched.py", "exec"), module.__dict__)  # noqa: S102 - the test's own code
    return asyncio.run(module.fetch(base))


@pytest.mark.parametrize(
    ("call", "read"), SAME_REQUESTS, ids=[call.split("(")[0] for call, _ in SAME_REQUESTS]
)
def test_the_fixed_call_sends_the_same_request_and_reads_the_same_response(
    server: str, call: str, read: str
) -> None:
    code = FETCH.format(call=call, read=read)
    safety, fixed = _fixes(code)
    assert safety == [Safety.UNSAFE] and "await client." in fixed, fixed
    assert _run(fixed, server) == _run(code, server)


def test_raise_for_status_raises_on_an_error_status_after_the_fix_too(server: str) -> None:
    code = FETCH.format(call='requests.get(f"{base}/missing", timeout=5)', read="response.raise_for_status()")
    _, fixed = _fixes(code)
    import httpx
    import requests

    with pytest.raises(requests.HTTPError):
        _run(code, server)
    with pytest.raises(httpx.HTTPStatusError):
        _run(fixed, server)
