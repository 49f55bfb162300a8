"""The owner's copy of their data from the tracking page (PIPL right of access)."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.core.cache import cache
from django.urls import reverse

from cases.models import AuditEvent
from cases.services import assistance
from tests.cases.test_public_form import png_bytes, screenshot

pytestmark = pytest.mark.django_db

EXPORT = reverse("cases:public-request-export")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def submit(phone: str = "13912345678", name: str = "李雷", files=()):
    return assistance.assistance_request_submit(
        name=name,
        phone=phone,
        email="lilei@example.com",
        city="合肥",
        description="抖音上有人造谣说我的车是拼装车。",
        links=["https://www.douyin.com/video/7"],
        help_types=["evidence_guidance", "lawyer_letter"],
        files=list(files),
        sensitive_data=True,
    )


def test_the_owner_downloads_their_own_data_as_json(client, lawyer, settings):
    submission = submit(files=[screenshot("微博截图.png")])
    req = submission.assistance_request
    assistance.assistance_request_screen(assistance_request=req, actor=lawyer, reason="内部备注：优先")

    response = client.post(EXPORT, {"token": submission.token})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Cache-Control"] == "no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    data = json.loads(response.content)
    assert data["reference"] == req.reference
    assert data["submitted"]["name"] == "李雷" and data["submitted"]["phone"] == "13912345678"
    assert data["submitted"]["links"] == ["https://www.douyin.com/video/7"]
    (consent,) = data["consents"]
    assert consent["notice_version"] == settings.PRIVACY_NOTICE_VERSION and consent["sensitive_data"] is True
    assert consent["granted_at"] and consent["withdrawn_at"] is None
    assert [step["status"] for step in data["status_history"]] == ["submitted", "screening"]
    (file,) = data["files"]
    assert file["name"] == "微博截图.png" and file["sha256"] == hashlib.sha256(png_bytes()).hexdigest()
    text = response.content.decode()
    assert "内部备注" not in text and lawyer.username not in text and submission.token not in text


def test_the_export_is_audited_as_the_owner(client):
    submission = submit()
    client.post(EXPORT, {"token": submission.token})

    event = AuditEvent.objects.get(action="export", object_type="cases.assistancerequest")
    assert event.object_id == str(submission.assistance_request.pk)
    assert event.actor_type == "owner" and event.actor_id is None


def test_another_or_a_guessed_token_gets_nothing(client):
    mine = submit()
    other = submit(phone="13700000000", name="王五")

    response = client.post(EXPORT, {"token": other.token})
    assert "李雷" not in response.content.decode()
    for token in ("x" * 43, "", mine.token[:-1] + ("A" if mine.token[-1] != "A" else "B")):
        response = client.post(EXPORT, {"token": token})
        assert response.status_code == 404
        assert b"13912345678" not in response.content
    assert AuditEvent.objects.filter(action="export").count() == 1  # only the other owner's own export


def test_the_export_is_post_only(client):
    submission = submit()
    assert client.get(EXPORT, {"token": submission.token}).status_code == 405


def test_purged_data_cannot_be_exported(client):
    submission = submit()
    assistance.assistance_request_withdraw(assistance_request=submission.assistance_request)
    assistance.assistance_requests_purge()

    assert client.post(EXPORT, {"token": submission.token}).status_code == 404


def test_the_tracking_page_offers_the_download(client):
    submission = submit()
    html = client.get(reverse("cases:public-request-track", args=[submission.token])).content.decode()
    assert f'action="{EXPORT}"' in html


def test_the_owner_can_have_it_as_a_chinese_pdf(client):
    submission = submit(files=[screenshot("微博截图.png")])

    response = client.post(EXPORT, {"token": submission.token, "format": "pdf"})

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].endswith('.pdf"') and response["Cache-Control"] == "no-store"
    assert response.content.startswith(b"%PDF")
    event = AuditEvent.objects.get(action="export")
    assert event.diff["as"] == "pdf" and event.actor_type == "owner"
