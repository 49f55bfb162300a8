"""A stalled PostgreSQL costs a web request seconds, not gunicorn's timeout (issue 9 item 6).

A server that is *stopped* closes its connections and refuses new ones, so a request fails at
once (503, legalcases/health_middleware.py). A server that is *stalled* (paused process, frozen
VM, a network that drops packets) answers nothing at all: ``connect_timeout`` bounds a new
connection, but libpq has no read timeout, the server's kernel keeps acknowledging TCP (so
keepalives and ``tcp_user_timeout`` never fire) and ``statement_timeout`` runs inside the stalled
server. A query on an open connection, Django's ``CONN_HEALTH_CHECKS`` ``SELECT 1`` included,
would block until gunicorn kills the worker.

So each web process has one daemon thread, the watchdog. ``request_started`` notes the time and
the thread's database connections, ``request_finished`` forgets them: two dict writes per
request, no thread and no timer per request. Every ``TICK`` seconds the watchdog looks for
requests running longer than ``DATABASE_STALL_SECONDS``; for those it asks their server for a
sign of life: a new TCP connection and PostgreSQL's SSLRequest, answered by a freshly forked
backend within ``PROBE_TIMEOUT``. A server that answers is alive and the request just slow: it is
left alone and looked at again later. One that does not is stalled: the watchdog shuts down the
sockets of those requests' connections, their blocked reads fail at once with OperationalError,
and the request gets the 503 page. For a moment after that, new connections to that server fail
at once too (instead of waiting ``connect_timeout``), so the request that lost its connection
does not wait a second time. When the server resumes, the next request connects as usual.
"""

from __future__ import annotations

import logging
import os
import socket
import struct
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import connections

logger = logging.getLogger("legalcases.faults")

TICK = 0.25
PROBE_TIMEOUT = 1.0
# After a probe finds the server stalled, new connections to it fail at once for this long.
FAIL_FAST_SECONDS = 1.0
# PostgreSQL's SSLRequest (length 8, code 80877103): the server answers one byte, S or N.
_SSL_REQUEST = struct.pack("!ii", 8, 80877103)


class _Request:
    __slots__ = ("check_at", "wrappers")

    def __init__(self, check_at: float, wrappers: list[Any]) -> None:
        self.check_at = check_at
        self.wrappers = wrappers


_running: dict[int, _Request] = {}  # thread id -> the request it serves
_stalled_until: dict[tuple[str, str], float] = {}  # server -> new connections fail at once until then
_local = threading.local()
_watchdog_pid = 0
_start_lock = threading.Lock()


def stall_seconds() -> float:
    return float(getattr(settings, "DATABASE_STALL_SECONDS", 0) or 0)


def _server(settings_dict: dict[str, Any]) -> tuple[str, str]:
    host = str(settings_dict.get("HOST") or "").split(",")[0]
    port = str(settings_dict.get("PORT") or "").split(",")[0] or "5432"
    return host, port


def server_answers(host: str, port: str, timeout: float = PROBE_TIMEOUT) -> bool:
    """True when the PostgreSQL server at host:port (or a Unix socket directory) answers an SSLRequest in time."""
    try:
        if not host or host.startswith("/"):
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(timeout)
            sock.connect(f"{host or '/var/run/postgresql'}/.s.PGSQL.{port}")
        else:
            sock = socket.create_connection((host, int(port)), timeout=timeout)
    except OSError:
        return False
    with sock:
        try:
            sock.settimeout(timeout)
            sock.sendall(_SSL_REQUEST)
            return sock.recv(1) != b""
        except OSError:
            return False


def _cut(wrapper: Any) -> bool:
    """Shut down the socket of ``wrapper``'s open connection, so a read blocked on it fails now."""
    conn = getattr(wrapper, "connection", None)
    try:
        fd = conn.pgconn.socket if conn is not None else -1
    except Exception:  # noqa: BLE001 — closed meanwhile: nothing to cut
        return False
    if fd < 0:
        return False
    try:
        with socket.socket(fileno=os.dup(fd)) as sock:
            sock.shutdown(socket.SHUT_RDWR)  # acts on the shared socket; closing the duplicate does not
    except OSError:
        return False
    return True


def _check(now: float, stall: float) -> None:
    overdue = [req for req in list(_running.values()) if req.check_at <= now]
    if not overdue:
        return
    verdicts: dict[tuple[str, str], bool] = {}
    for req in overdue:
        req.check_at = now + stall  # alive: look again after another stall period
        for wrapper in req.wrappers:  # a request still connecting has no socket to cut, but is probed too
            server = _server(wrapper.settings_dict)
            if server not in verdicts:
                verdicts[server] = server_answers(*server)
                if not verdicts[server]:
                    _stalled_until[server] = time.monotonic() + FAIL_FAST_SECONDS
            if not verdicts[server] and _cut(wrapper):
                logger.error("database server %s:%s does not answer: cut a request's connection", *server)


def _watch() -> None:
    while True:
        stall = stall_seconds()
        time.sleep(TICK)
        try:
            _check(time.monotonic(), stall)
        except Exception:  # noqa: BLE001 — the watchdog must outlive any surprise
            logger.exception("database watchdog check failed")


def _ensure_watchdog() -> None:
    """One watchdog thread per process (gunicorn forks workers after loading the app: threads do not follow)."""
    global _watchdog_pid
    if _watchdog_pid == os.getpid():
        return
    with _start_lock:
        if _watchdog_pid != os.getpid():
            threading.Thread(target=_watch, name="db-watchdog", daemon=True).start()
            _watchdog_pid = os.getpid()


def _guarded(wrapper: Any) -> Callable[..., Any]:
    original = wrapper.get_new_connection

    def get_new_connection(conn_params: dict[str, Any]) -> Any:
        server = _server(wrapper.settings_dict)
        if _stalled_until.get(server, 0.0) > time.monotonic():
            raise wrapper.Database.OperationalError("the database server does not answer (database watchdog)")
        return original(conn_params)

    return get_new_connection


def _thread_wrappers() -> list[Any]:
    wrappers = getattr(_local, "wrappers", None)
    if wrappers is None:
        wrappers = [connections[alias] for alias in connections]
        for wrapper in wrappers:
            if wrapper.vendor == "postgresql":
                wrapper.get_new_connection = _guarded(wrapper)
        _local.wrappers = wrappers = [w for w in wrappers if w.vendor == "postgresql"]
    return wrappers


def _request_started(sender: Any, **kwargs: Any) -> None:
    stall = stall_seconds()
    if stall <= 0:
        return
    _ensure_watchdog()
    _running[threading.get_ident()] = _Request(time.monotonic() + stall, _thread_wrappers())


def _request_finished(sender: Any, **kwargs: Any) -> None:
    _running.pop(threading.get_ident(), None)


def install() -> None:
    request_started.connect(_request_started, dispatch_uid="legalcases-db-watchdog-start")
    request_finished.connect(_request_finished, dispatch_uid="legalcases-db-watchdog-finish")
