"""The app starts the way `make run` starts it: no DATABASE_URL, so on the embedded PostgreSQL.

The server runs in a subprocess with its own environment; pytest-django's test database is
not involved. The embedded server's data lives in var/postgres and is reused (and left
running: other processes may be using it).
"""

from __future__ import annotations

import html
import http.client
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCT_NAME = "LegalCases"
# The first embedded start (initdb) plus every migration can take a while on a cold machine.
MIGRATE_TIMEOUT = 600
START_TIMEOUT = 120


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _dev_env() -> dict[str, str]:
    env = dict(os.environ)
    # What `make run` gets on a fresh checkout: DEBUG on, no DATABASE_URL, default hosts.
    for name in ("DATABASE_URL", "DATABASE_TEST_NAME", "ALLOWED_HOSTS", "SECURE_SSL_REDIRECT", "SECURE_COOKIES"):
        env.pop(name, None)
    env["DEBUG"] = "true"
    # A developer's .env could name a DATABASE_URL; this test is about the default.
    env["LEGALCASES_IGNORE_DOTENV"] = "1"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _get(port: int, path: str, language: str = "en") -> tuple[int, dict[str, str], str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={"Accept-Language": language})
        response = conn.getresponse()
        body = response.read().decode("utf-8", "replace")
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        conn.close()


def _explain(body: str) -> str:
    """Return the useful part of an error page: Django's debug page puts the exception in a <pre>."""
    found = re.search(r'<pre class="exception_value">(.*?)</pre>', body, re.S)
    title = re.search(r"<title>(.*?)</title>", body, re.S)
    parts = [m.group(1).strip() for m in (title, found) if m]
    return html.unescape(" | ".join(parts)) if parts else body[:2000]


@pytest.fixture(scope="module")
def dev_server(tmp_path_factory) -> Iterator[int]:
    env = _dev_env()
    log_path = tmp_path_factory.mktemp("smoke") / "server.log"
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=MIGRATE_TIMEOUT,
    )
    assert migrate.returncode == 0, f"migrate failed:\n{migrate.stdout}\n{migrate.stderr}"

    port = _free_port()
    with open(log_path, "wb") as log:
        server = subprocess.Popen(  # noqa: S603 - fixed argv: our own manage.py
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if server.poll() is not None:
                pytest.fail(f"runserver exited with {server.returncode}:\n{log_path.read_text(errors='replace')}")
            try:
                _get(port, "/accounts/login/")
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"runserver did not answer in {START_TIMEOUT}s:\n{log_path.read_text(errors='replace')}"
                    )
                time.sleep(0.25)
        yield port
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_the_login_page_answers_with_the_product_name(dev_server):
    status, _headers, body = _get(dev_server, "/accounts/login/")

    assert status == 200, _explain(body)
    assert PRODUCT_NAME in body


def test_the_login_page_speaks_chinese_to_a_chinese_browser(dev_server):
    status, headers, body = _get(dev_server, "/accounts/login/", language="zh-CN,zh;q=0.9")

    assert status == 200, _explain(body)
    assert headers["content-language"] == "zh-hans"


def test_the_home_page_sends_anonymous_visitors_to_the_login_page(dev_server):
    status, headers, _body = _get(dev_server, "/")

    assert status == 302
    assert headers["location"].startswith("/accounts/login/")
