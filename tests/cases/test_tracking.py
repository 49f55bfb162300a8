"""The owner's private tracking page: plain-language status, more evidence, withdrawal, privacy headers."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.models import AssistanceRequest, Evidence, StateChange
from cases.services import assistance
from tests.accounts.test_views import assert_csp_clean
from tests.cases.test_public_form import screenshot

pytestmark = pytest.mark.django_db

UPLOAD = reverse("cases:public-request-upload")
WITHDRAW = reverse("cases:public-request-withdraw")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def submitted():
    """A request as the public form makes it, with its raw token (known only to the owner)."""
    submission = assistance.assistance_request_submit(
        name="李雷",
        phone="13912345678",
        email="lilei@example.com",
        description="抖音上有人造谣说我的车是拼装车。",
        links=["https://www.douyin.com/video/7"],
        help_types=["evidence_guidance"],
        files=[],
    )
    return submission.assistance_request, submission.token


def track_url(token: str) -> str:
    return reverse("cases:public-request-track", args=[token])


def test_the_tracking_page_shows_status_and_masked_contact_privately(client, submitted):
    req, token = submitted

    response = client.get(track_url(token))

    html = response.content.decode()
    assert response.status_code == 200
    assert req.reference in html
    assert "139****5678" in html and "13912345678" not in html
    assert "李*" in html and "李雷" not in html
    assert "lilei@example.com" not in html
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "no-referrer"
    assert "noindex" in response["X-Robots-Tag"]
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert_csp_clean(html)


def test_the_timeline_has_no_staff_names_and_no_internal_notes(client, submitted, lawyer):
    req, token = submitted
    assistance.assistance_request_screen(assistance_request=req, actor=lawyer, reason="内部备注：疑似同行刷单")

    html = client.get(track_url(token)).content.decode()

    assert "内部备注" not in html
    assert lawyer.username not in html and lawyer.display_name not in html
    assert str(AssistanceRequest.Status.SCREENING.label) in html or "checking your request" in html
    assert html.count("<li><time") == 2  # submitted, then screening


@pytest.mark.parametrize("token", ["x" * 43, "short", "%00%27OR%201=1", "A" * 200])
def test_unknown_or_malformed_tokens_get_404(client, submitted, token):
    response = client.get(reverse("cases:public-request-track", args=[token]))

    assert response.status_code == 404
    assert response["Cache-Control"] == "no-store"


def test_the_primary_key_is_not_a_tracking_link(client, submitted):
    req, _token = submitted

    assert client.get(track_url(str(req.pk))).status_code == 404


def test_guessing_tokens_is_throttled(client, submitted):
    _req, token = submitted
    for n in range(assistance.TRACK_MISS_LIMIT):
        assert client.get(track_url(f"{n:0>43}")).status_code == 404

    response = client.get(track_url("y" * 43))

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert client.get(track_url(token)).status_code == 429  # the address is blocked for a while


def test_the_owner_sends_more_evidence_when_asked(client, submitted, analyst):
    req, token = submitted
    assistance.assistance_request_screen(assistance_request=req, actor=analyst)
    assistance.assistance_request_need_info(assistance_request=req, actor=analyst, message="请补充视频的录屏。")

    page = client.get(track_url(token)).content.decode()
    assert "请补充视频的录屏。" in page
    assert f'action="{UPLOAD}"' in page
    response = client.post(UPLOAD, {"token": token, "files": [screenshot()]})

    assert response.status_code == 302 and response.url == track_url(token)
    req.refresh_from_db()
    assert req.status == "screening" and req.has_evidence is True
    assert Evidence.objects.filter(assistance_requests=req, status="collecting").count() == 1
    change = StateChange.objects.filter(object_id=req.pk, to_state="screening").latest("at")
    assert change.actor_id is None


def test_no_upload_box_unless_more_is_asked_for(client, submitted):
    _req, token = submitted

    html = client.get(track_url(token)).content.decode()
    response = client.post(UPLOAD, {"token": token, "files": [screenshot()]})

    assert f'action="{UPLOAD}"' not in html
    assert response.status_code == 302
    assert Evidence.objects.count() == 0


def test_a_disguised_upload_is_refused(client, submitted, analyst):
    req, token = submitted
    assistance.assistance_request_screen(assistance_request=req, actor=analyst)
    assistance.assistance_request_need_info(assistance_request=req, actor=analyst, message="补充")
    fake = SimpleUploadedFile("clip.mp4", b"#!/bin/sh\nrm -rf /\n", content_type="video/mp4")

    response = client.post(UPLOAD, {"token": token, "files": [fake]})

    assert response.status_code == 400
    assert Evidence.objects.count() == 0
    req.refresh_from_db()
    assert req.status == "need_info"


def test_an_upload_with_a_wrong_token_is_404(client, submitted):
    response = client.post(UPLOAD, {"token": "z" * 43, "files": [screenshot()]})

    assert response.status_code == 404
    assert Evidence.objects.count() == 0


def test_withdrawal_needs_the_confirmation_box(client, submitted):
    req, token = submitted

    response = client.post(WITHDRAW, {"token": token})

    assert response.status_code == 400
    req.refresh_from_db()
    assert req.status == "submitted"


def test_withdrawal_ends_the_request_and_the_consent(client, submitted):
    req, token = submitted

    response = client.post(WITHDRAW, {"token": token, "confirm": "on"})

    assert response.status_code == 302
    req.refresh_from_db()
    assert req.status == "withdrawn"
    assert req.consents.get().withdrawn_at is not None
    change = StateChange.objects.get(object_id=req.pk, to_state="withdrawn")
    assert change.actor_id is None
    html = client.get(track_url(token)).content.decode()
    assert f'action="{WITHDRAW}"' not in html  # nothing left to withdraw


def test_withdrawal_then_purge_deletes_the_personal_data(client, submitted):
    req, token = submitted
    client.post(WITHDRAW, {"token": token, "confirm": "on"})

    assert assistance.assistance_requests_purge() == 1

    req.refresh_from_db()
    assert (req.owner_name, req.owner_phone, req.owner_email, req.description) == ("", "", "", "")
    assert req.content_links == [] and req.purged_at is not None
    assert req.help_types == ["evidence_guidance"]  # the anonymous counts stay
    assert "139****5678" not in client.get(track_url(token)).content.decode()


def test_the_log_filter_redacts_tracking_tokens_from_server_lines(submitted):
    import logging

    from cases.logfilters import TrackingTokenLogFilter

    _req, token = submitted
    record = logging.LogRecord(
        "django.server",
        logging.INFO,
        __file__,
        1,
        '"%s" %s %s',
        (f"GET /intake/track/{token}/ HTTP/1.1", 200, 512),
        None,
    )

    assert TrackingTokenLogFilter().filter(record) is True
    assert token not in record.getMessage()
    assert "/intake/track/[redacted]/" in record.getMessage()
