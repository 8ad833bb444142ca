"""ADJ509-ADJ512: calls that block the event loop without Django raising."""

from __future__ import annotations

from tests.helpers import lint_snippet


def findings(code: str, select: str, **kwargs) -> list[tuple[int, str]]:
    return [(d.line, d.message) for d in lint_snippet(code, select=(select,), **kwargs)]


def test_time_sleep_imported_by_name_is_reported_with_asyncio_sleep_advice():
    code = "from time import sleep\n\nasync def view(request):\n    sleep(1)\n"
    assert findings(code, "ADJ512") == [
        (4, "`time.sleep()` blocks the event loop for 1 s; use `await asyncio.sleep(...)`")
    ]


def test_requests_open_and_subprocess_are_reported():
    code = (
        "import os\nimport requests\n\n"
        "async def view(request):\n"
        "    requests.post('https://example.com')\n"
        "    os.system('ls')\n"
        "    with open('/tmp/x') as f:\n"
        "        return f.read()\n"
    )
    assert [line for line, _ in findings(code, "ADJ512")] == [5, 6, 7]


def test_configured_blocking_call_is_reported():
    code = "from payments.gateway import charge\n\nasync def view(request):\n    charge(10)\n"
    assert findings(code, "ADJ512", blocking_calls=("payments.gateway.charge",)) == [
        (
            4,
            "`payments.gateway.charge()` blocks the event loop until it returns; use `await sync_to_async(...)(...)`",
        )
    ]


def test_blocking_calls_key_in_pyproject_adds_callables(tmp_path):
    from click.testing import CliRunner

    from asyncdj_lint.cli import main

    (tmp_path / "pyproject.toml").write_text(
        '[tool.asyncdj-lint]\nblocking-calls = ["payments.gateway.charge"]\n'
    )
    (tmp_path / "views.py").write_text(
        "from payments import gateway\n\nasync def pay(request):\n    gateway.charge(1)\n"
    )
    result = CliRunner().invoke(
        main, ["check", "--output-format", "concise", "--select", "ADJ512", str(tmp_path)]
    )
    assert result.output.endswith(
        "views.py:4:5: ADJ512 `payments.gateway.charge()` blocks the event loop until it returns; "
        "use `await sync_to_async(...)(...)`\n"
    )


def test_blocking_calls_handed_to_threads_or_in_sync_code_are_silent():
    code = (
        "import asyncio\nimport time\nfrom asgiref.sync import sync_to_async\n\n"
        "def sync_view(request):\n    time.sleep(1)\n\n"
        "async def view(request):\n"
        "    await asyncio.to_thread(time.sleep, 1)\n"
        "    await sync_to_async(lambda: open('/tmp/x').read())()\n"
        "    def work():\n        time.sleep(1)\n"
        "    await sync_to_async(work)()\n"
    )
    assert findings(code, "ADJ512") == []


def test_local_function_named_sleep_is_silent():
    code = "def sleep(seconds):\n    pass\n\nasync def view(request):\n    sleep(1)\n"
    assert findings(code, "ADJ512") == []


def test_cache_through_caches_alias_and_local_name_is_reported():
    code = (
        "from django.core.cache import caches\n\n"
        "async def view(request):\n"
        "    sessions = caches['sessions']\n"
        "    sessions.set('k', 1)\n"
    )
    assert findings(code, "ADJ509") == [
        (
            5,
            (
                "`sessions.set()` talks to the cache backend on the event loop, and the backend is unknown "
                "(no settings module was found): Redis, Memcached and file caches block the loop, "
                "DatabaseCache raises SynchronousOnlyOperation; use `await sessions.aset(...)`"
            ),
        )
    ]


def test_async_cache_methods_and_unknown_objects_named_cache_are_silent():
    code = (
        "from django.core.cache import cache\n\n"
        "async def view(request, cache_backend):\n"
        "    await cache.aget('k')\n"
        "    cache_backend.get('k')\n"
        "    local = {}\n"
        "    local.get('k')\n"
    )
    assert findings(code, "ADJ509") == []


def test_email_message_send_is_reported():
    code = (
        "from django.core.mail import EmailMessage\n\n"
        "async def view(request):\n"
        "    message = EmailMessage('Hi', 'Body', to=['a@example.com'])\n"
        "    message.send()\n"
    )
    assert findings(code, "ADJ510") == [
        (
            5,
            (
                "`message.send()` waits on the SMTP server on the event loop for the whole exchange "
                "(connect, send, quit), without limit unless `EMAIL_TIMEOUT` is set; "
                "use `await sync_to_async(message.send)()`"
            ),
        )
    ]


def test_mail_sent_in_a_thread_or_other_send_methods_are_silent():
    code = (
        "from asgiref.sync import sync_to_async\nfrom django.core.mail import mail_admins\n\n"
        "async def view(request, channel):\n"
        "    await sync_to_async(mail_admins)('Subject', 'Body')\n"
        "    await channel.send('x')\n"
    )
    assert findings(code, "ADJ510") == []
