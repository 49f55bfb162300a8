"""Redis stopped and restarted under a running gunicorn and Celery worker (issue 9 item 6).

Redis is what production uses for the Celery broker, the result backend and the shared cache
(deploy/docker-compose.yml), and so does the app here. While it is down: /readyz says the broker
failed; the owner's public form, whose rate limits live in the cache, says "try again" and
stores nothing (never a "thank you" without the request); an analyst's import is stored as
queued. Once Redis is back, without restarting anything: the form stores the request, and the
periodic requeue sweep (sent through the broker, as beat sends it) gets the queued import run by
the worker, which reconnected by itself.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
import requests
from celery import Celery

from tests.cases.test_public_form import form_data, png_bytes
from tests.faults.conftest import PASSWORD, REDIS_DB, timed
from tests.faults.services import HOST, wait_until

pytestmark = pytest.mark.faults

FORM = "/intake/request/"
CSV = (Path(__file__).resolve().parents[1] / "fixtures" / "imports" / "bad_rows.csv").read_bytes()
EN = {"Accept-Language": "en"}


def csrf(session: requests.Session, url: str) -> str:
    page = session.get(url, headers=EN, timeout=30)
    assert page.status_code == 200, page.status_code
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def submit_form(app, session: requests.Session) -> requests.Response:
    token = csrf(session, app.base + FORM)
    return session.post(
        app.base + FORM, data={**form_data(), "csrfmiddlewaretoken": token},
        files=[("files", ("shot.png", png_bytes(), "image/png"))], headers=EN, allow_redirects=False, timeout=90,
    )  # fmt: skip


def logged_in_analyst(app) -> requests.Session:
    session = requests.Session()
    token = csrf(session, app.base + "/accounts/login/")
    response = session.post(
        app.base + "/accounts/login/", data={"username": "analyst", "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers=EN, allow_redirects=False, timeout=30,
    )  # fmt: skip
    assert response.status_code == 302, response.text[:500]
    return session


def requests_stored(app) -> int:
    return app.sql("SELECT count(*) FROM cases_assistancerequest")[0][0]


def test_redis_stopped_nothing_is_lost_and_queued_work_runs_once_it_is_back(app, rd_restored, record_property):
    analyst = logged_in_analyst(app)
    wait_until(lambda: "ready." in app.log("worker.log"), 60, "the Celery worker to be ready")
    before = requests_stored(app)

    rd_restored.stop()
    ready, seconds = timed("GET", app.base + "/readyz")
    assert ready.status_code == 503 and seconds < 10
    assert ready.json()["checks"] == {"database": "ok", "broker": "fail", "storage": "ok"}

    owner = requests.Session()
    response = submit_form(app, owner)
    assert response.status_code == 503, response.status_code  # the rate limits are in the cache: "try again"
    assert "try again" in response.text and response.headers["X-Request-ID"] in response.text
    assert requests_stored(app) == before  # and nothing was half-stored

    started = time.monotonic()
    token = csrf(analyst, app.base + "/imports/new/")
    response = analyst.post(
        app.base + "/imports/new/", data={"csrfmiddlewaretoken": token}, files={"file": ("v.csv", CSV, "text/csv")},
        headers=EN, allow_redirects=False, timeout=90,
    )  # fmt: skip
    assert response.status_code == 302, response.text[:500]  # the analyst sees the job page, not an error
    assert time.monotonic() - started < 5  # the publish (and the result subscription) give up quickly
    job_id = int(re.search(r"/(\d+)/", response.headers["Location"]).group(1))
    assert app.sql("SELECT status FROM cases_importjob WHERE id = %s", job_id) == [("queued",)]

    record_property("redis_start_seconds", round(rd_restored.start(), 2))
    wait_until(lambda: timed("GET", app.base + "/readyz")[0].status_code == 200, 10, "/readyz to pass again")

    response = submit_form(app, owner)
    assert (response.status_code, response.headers.get("Location")) == (302, "/intake/request/thanks/")
    assert requests_stored(app) == before + 1
    thanks = owner.get(app.base + response.headers["Location"], headers=EN, timeout=30)
    reference = app.sql("SELECT reference FROM cases_assistancerequest ORDER BY id DESC LIMIT 1")[0][0]
    assert reference in thanks.text

    # The job missed the broker; beat's sweep (every 10 min) sends jobs queued for over 10 minutes again.
    app.sql("UPDATE cases_importjob SET updated_at = now() - interval '15 minutes' WHERE id = %s", job_id)
    Celery(broker=f"redis://{HOST}:{rd_restored.port}/{REDIS_DB}").send_task("cases.requeue_import_jobs")
    ran = wait_until(
        lambda: app.sql("SELECT status FROM cases_importjob WHERE id = %s", job_id) == [("completed",)], 60,
        "the requeued import to run",
    )  # fmt: skip
    record_property("requeued_job_seconds", round(ran, 2))
    assert app.sql("SELECT created_count, rejected_count FROM cases_importjob WHERE id = %s", job_id) == [(2, 10)]
