"""PostgreSQL stopped, then paused, under a running gunicorn (issue 9 item 6).

Stopped: the server closes its connections and refuses new ones. Paused (SIGSTOP on the postmaster
and every backend): it keeps its sockets and answers nothing, the way a frozen VM or a network
that drops packets looks; legalcases/db_watchdog.py must turn that into a 503 in seconds, long
before gunicorn's 60 s timeout kills the worker. In both cases the same worker process answers
normally again once the server is back, without a restart.
"""

from __future__ import annotations

import time

import pytest

from legalcases import db_watchdog
from tests.faults.conftest import timed
from tests.faults.services import wait_until

pytestmark = pytest.mark.faults

TRACK = "/intake/track/" + "A" * 43 + "/"  # a well-formed unknown token: one indexed query, then 404
API = "/api/v1/content-items/"
TOKEN = {"Authorization": "Token " + "x" * 40}
# A stalled server: DATABASE_STALL_SECONDS (2) + a probe (1) + a tick, and a new connection's
# connect_timeout (3) for the request that had none. Far below gunicorn's 60 s.
PAUSED_LIMIT = 7.0


def assert_unavailable_page(response, request_id: str) -> None:
    assert response.status_code == 503, response.text[:500]
    assert response.headers["X-Request-ID"] == request_id
    assert response.headers["Retry-After"] == "30"
    assert response.headers["Content-Type"].startswith("text/html")
    assert request_id in response.text
    assert "Traceback" not in response.text and "psycopg" not in response.text and "5432" not in response.text


def assert_unavailable_api(response) -> None:
    assert response.status_code == 503, response.text[:500]
    payload = response.json()
    assert payload["code"] == "database_unavailable"
    assert payload["request_id"] == response.headers["X-Request-ID"]


def test_stopped_postgres_gives_503_and_the_same_worker_recovers(app, pg_restored, record_property):
    assert timed("GET", app.base + TRACK)[0].status_code == 404  # the database answers; the connection stays open
    workers = app.worker_pids()

    pg_restored.stop()
    response, seconds = timed("GET", app.base + TRACK, headers={"X-Request-ID": "req-pg-stopped-01"})
    assert_unavailable_page(response, "req-pg-stopped-01")
    assert seconds < 3
    assert_unavailable_api(timed("GET", app.base + API, headers=TOKEN)[0])
    # A failure in a middleware (the session) before any view is answered the same way.
    response, _ = timed("GET", app.base + "/", cookies={"lc_session": "abcdefghijklmnopqrstuvwxyz012345"})
    assert_unavailable_page(response, response.headers["X-Request-ID"])
    ready = timed("GET", app.base + "/readyz")[0]
    assert (ready.status_code, ready.json()["checks"]["database"]) == (503, "fail")
    assert timed("GET", app.base + "/healthz")[0].status_code == 200

    record_property("postgres_start_seconds", round(pg_restored.start(), 2))
    response, seconds = timed("GET", app.base + TRACK)
    assert response.status_code == 404  # the very first request after the restart works
    assert timed("GET", app.base + "/readyz")[0].status_code == 200
    assert app.worker_pids() == workers  # no worker was killed or restarted


def test_paused_postgres_gives_503_within_seconds_and_the_same_worker_recovers(app, pg_restored, record_property):
    assert timed("GET", app.base + TRACK)[0].status_code == 404  # a persistent connection, health-checked per request
    workers = app.worker_pids()

    pg_restored.pause()
    try:
        # The open connection: the health check's SELECT 1 blocks until the watchdog cuts it.
        response, first = timed("GET", app.base + TRACK, headers={"X-Request-ID": "req-pg-paused-01"})
        assert_unavailable_page(response, "req-pg-paused-01")
        # No connection any more: a new one waits at most connect_timeout (or fails at once just after a cut).
        response, second = timed("GET", app.base + API, headers=TOKEN)
        assert_unavailable_api(response)
        # Later, with no connection and no recent verdict: a new connection waits out connect_timeout.
        time.sleep(db_watchdog.FAIL_FAST_SECONDS + 0.2)
        response, third = timed("GET", app.base + TRACK, headers={"X-Request-ID": "req-pg-paused-03"})
        assert_unavailable_page(response, "req-pg-paused-03")
        ready, ready_seconds = timed("GET", app.base + "/readyz")
        assert (ready.status_code, ready.json()["checks"]["database"]) == (503, "fail")
        health, health_seconds = timed("GET", app.base + "/healthz")
        assert health.status_code == 200 and health_seconds < 1
    finally:
        pg_restored.resume()
    record_property("paused_503_seconds", [round(t, 2) for t in (first, second, third, ready_seconds)])
    assert max(first, second, third, ready_seconds) < PAUSED_LIMIT

    recovery = wait_until(lambda: timed("GET", app.base + TRACK)[0].status_code == 404, 20, "a 404 after SIGCONT")
    record_property("paused_recovery_seconds", round(recovery, 2))
    assert timed("GET", app.base + "/readyz")[0].status_code == 200
    assert app.worker_pids() == workers  # gunicorn never had to kill the worker
    print(f"\npaused PostgreSQL: 503 after {first:.2f}s (held connection), {second:.2f}s (just after), "
          f"{third:.2f}s (new connection), readyz {ready_seconds:.2f}s; "
          f"recovered {recovery:.2f}s after SIGCONT")  # fmt: skip
