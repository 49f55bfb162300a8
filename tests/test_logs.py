"""No personal data in logs (issue 9 item 5): a whole owner-and-staff journey logged at DEBUG, then grepped.

The handler is built like the production one (the same filters, the JSON formatter), the root
logger is at DEBUG and the database cursor logs every SQL statement with its parameters, so
anything the code, Django or a library writes is in the captured text.
"""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from cases.logfilters import TrackingTokenLogFilter, redact
from cases.models import AssistanceRequest
from legalcases.logging_json import JsonFormatter, RequestIdLogFilter
from tests.cases.test_public_form import form_data, screenshot

NAME = "欧阳志远"
PHONE = "13987654321"
EMAIL = "zhiyuan.ouyang@example.org"


@pytest.fixture
def captured_logs(settings):
    cache.clear()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(TrackingTokenLogFilter())
    handler.addFilter(RequestIdLogFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    # Everything at DEBUG (as with LOG_LEVEL=DEBUG), SQL included, except the loggers that
    # settings.LOGGING deliberately pins to a level whatever LOG_LEVEL says.
    pinned = {name for name, conf in settings.LOGGING["loggers"].items() if "level" in conf}
    names = {"django", "django.db.backends", "django.request", "cases", "accounts", "legalcases", "reports", "celery"}
    names |= set(logging.root.manager.loggerDict)
    loggers = [root, *(logging.getLogger(name) for name in names - pinned)]
    saved = [(logger, logger.level) for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    connection.force_debug_cursor = True  # django.db.backends logs each statement with its parameters
    try:
        yield stream
    finally:
        connection.force_debug_cursor = False
        root.removeHandler(handler)
        for logger, level in saved:
            logger.setLevel(level)
        cache.clear()


@pytest.mark.django_db
def test_a_full_journey_logs_no_personal_data(client, lawyer_client, admin_client, captured_logs, capsys):
    # The owner submits the public form, reads the receipt and the tracking page.
    data = form_data(name=NAME, phone=PHONE, email=EMAIL)
    response = client.post(reverse("cases:public-request-create"), {**data, "files": [screenshot()]})
    assert response.status_code == 302
    tracking_url = client.session["assistance_receipt"]["tracking_url"]
    token = tracking_url.rstrip("/").rsplit("/", 1)[1]
    assert client.get(reverse("cases:public-request-thanks")).status_code == 200
    assert client.get(tracking_url).status_code == 200
    assert client.get(tracking_url.replace(token, token[:-1] + "x")).status_code == 404  # a mistyped link
    req = AssistanceRequest.objects.get()

    # Staff screen it, ask for more, look at lists, details, the admin and the API.
    assert lawyer_client.get(reverse("cases:assistance-request-list")).status_code == 200
    assert lawyer_client.get(reverse("cases:assistance-request-detail", args=[req.pk])).status_code == 200
    lawyer_client.post(reverse("cases:assistance-request-screen", args=[req.pk]))
    lawyer_client.post(reverse("cases:assistance-request-need-info", args=[req.pk]), {"message": "请补充录屏。"})
    assert lawyer_client.get(f"{reverse('cases:assistance-request-list')}?q={PHONE}").status_code == 200
    assert admin_client.get(reverse("admin:cases_assistancerequest_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:cases_assistancerequest_change", args=[req.pk])).status_code == 200
    assert lawyer_client.get("/api/v1/assistance-requests/").status_code in (200, 403)

    # The owner sends more evidence through the link, then withdraws.
    client.post(reverse("cases:public-request-upload"), {"token": token, "files": [screenshot()]})
    client.post(reverse("cases:public-request-withdraw"), {"token": token, "confirm": "on"})

    logged = captured_logs.getvalue()
    out, err = capsys.readouterr()
    everything = logged + out + err
    assert "INSERT INTO" in logged and "cases_assistancerequest" in logged  # the capture really saw DEBUG SQL
    for secret in (PHONE, PHONE[-8:], EMAIL, EMAIL.split("@")[0], NAME, token):
        assert secret not in everything, f"{secret!r} reached the logs"
    lines = [json.loads(line) for line in logged.splitlines() if line.startswith("{")]
    assert lines and all(line["request_id"] for line in lines)
    assert any(len(line["request_id"]) == 32 for line in lines)  # the id of a request, as in X-Request-ID


def test_the_filter_masks_phones_emails_and_tracking_links():
    text = "call +86 139-8765-4321 or 13987654321, mail a.b@example.org, see /intake/track/abcDEF_123-xyz/ now"
    cleaned = redact(text)
    assert "8765" not in cleaned and "a.b@" not in cleaned and "abcDEF" not in cleaned
    assert redact("job 17329876543210 took 13987654321987 ms") == "job 17329876543210 took 13987654321987 ms"


def test_json_lines_carry_the_request_id_and_time(client):
    from legalcases.logging_json import current_request_id

    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "hello %s", ("world",), None)
    token = current_request_id.set("req-12345678")
    try:
        RequestIdLogFilter().filter(record)
    finally:
        current_request_id.reset(token)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "hello world" and line["request_id"] == "req-12345678"
    assert line["level"] == "WARNING" and line["time"].endswith("+00:00")
