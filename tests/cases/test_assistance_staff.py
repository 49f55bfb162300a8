"""Staff moves on owners' requests, and the purge of personal data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from cases.models import AssistanceRequest, AuditEvent, StateChange
from cases.services import assistance
from cases.tasks.assistance import purge_assistance_personal_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def make_request(phone: str = "13712345678", **extra) -> AssistanceRequest:
    req = assistance.assistance_request_submit(
        name="韩梅梅",
        phone=phone,
        email="hmm@example.com",
        city="杭州",
        vin_last6="B23456",
        description="小红书上有人编造我的车祸视频。",
        links=["https://www.xiaohongshu.com/explore/1"],
        help_types=["lawyer_letter"],
        files=[],
    ).assistance_request
    if extra:
        AssistanceRequest.objects.filter(pk=req.pk).update(**extra)
        req.refresh_from_db()
    return req


ALL_CRITERIA = list(AssistanceRequest.Criterion.values)


def url(name: str, req: AssistanceRequest) -> str:
    return reverse(f"cases:assistance-request-{name}", args=[req.pk])


def test_a_lawyer_takes_a_request_from_screening_to_litigation_support_and_closes_it(lawyer_client, lawyer):
    req = make_request()

    lawyer_client.post(url("screen", req))
    lawyer_client.post(url("legal-review", req), {"reason": "证据完整"})
    lawyer_client.post(
        url("decide", req),
        {
            "suable": "yes",
            "reasons": "侵权人可识别；传播广；损害明显；证据已固定；管辖明确。",
            "criteria": ALL_CRITERIA,
        },
    )
    lawyer_client.post(url("outcome", req), {"outcome": "litigation", "reason": ""})
    response = lawyer_client.post(url("close", req), {"reason": "一审胜诉"})

    assert response.status_code == 302 and response.url == req.get_absolute_url()
    req.refresh_from_db()
    assert req.status == "closed" and req.eligibility == "suable"
    assert req.closed_at is not None
    assert req.retention_until > timezone.localdate()
    moves = list(
        StateChange.objects.filter(object_id=req.pk, object_type="cases.assistancerequest")
        .order_by("at", "pk")
        .values_list("to_state", "actor_id")
    )
    assert moves == [(s, lawyer.pk) for s in ("screening", "legal_review", "litigation", "closed")]


def test_the_detail_page_offers_only_the_moves_that_fit(lawyer_client):
    req = make_request()

    html = lawyer_client.get(req.get_absolute_url()).content.decode()

    assert url("screen", req) in html
    assert url("outcome", req) not in html and url("close", req) not in html


def test_asking_for_more_needs_a_message_and_shows_it_to_the_owner(analyst_client):
    req = make_request()
    analyst_client.post(url("screen", req))

    analyst_client.post(url("need-info", req), {"message": ""})
    req.refresh_from_db()
    assert req.status == "screening"

    analyst_client.post(url("need-info", req), {"message": "请上传原视频的录屏。"})
    req.refresh_from_db()
    assert req.status == "need_info" and req.info_requested == "请上传原视频的录屏。"


def test_declining_needs_a_reason(analyst_client):
    req = make_request()
    analyst_client.post(url("screen", req))

    response = analyst_client.post(url("decline", req), {"reason": ""}, follow=True)
    req.refresh_from_db()
    assert req.status == "screening"
    assert list(response.context["messages"])

    analyst_client.post(url("decline", req), {"reason": "属于正常评价"})
    req.refresh_from_db()
    assert req.status == "declined" and req.closed_at is not None


def test_an_illegal_move_is_refused_with_a_message(lawyer_client):
    req = make_request()

    response = lawyer_client.post(url("close", req), {"reason": ""}, follow=True)

    req.refresh_from_db()
    assert req.status == "submitted"
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_a_judgement_needs_reasons_and_legal_review(lawyer_client):
    req = make_request()
    lawyer_client.post(url("decide", req), {"suable": "yes", "reasons": "理由"})
    req.refresh_from_db()
    assert req.eligibility == "unknown"  # not under review yet

    lawyer_client.post(url("screen", req))
    lawyer_client.post(url("legal-review", req))
    lawyer_client.post(url("decide", req), {"suable": "no", "reasons": ""})
    req.refresh_from_db()
    assert req.eligibility == "unknown"


def test_a_lawyer_letter_needs_a_suable_judgement(lawyer_client):
    req = make_request()
    lawyer_client.post(url("screen", req))
    lawyer_client.post(url("legal-review", req))

    lawyer_client.post(url("outcome", req), {"outcome": "letter"})
    req.refresh_from_db()
    assert req.status == "legal_review"

    lawyer_client.post(url("outcome", req), {"outcome": "guided"})
    req.refresh_from_db()
    assert req.status == "guided"


@pytest.mark.parametrize("client_fixture", ["executive_client", "client"])
def test_executives_and_strangers_cannot_move_requests(request, client_fixture):
    req = make_request()
    client = request.getfixturevalue(client_fixture)

    response = client.post(url("screen", req))

    assert response.status_code in (302, 403, 404)
    req.refresh_from_db()
    assert req.status == "submitted"


def test_staff_actions_are_post_only(lawyer_client):
    req = make_request()

    assert lawyer_client.get(url("screen", req)).status_code == 405


# --- Purge -------------------------------------------------------------------------------------


def test_the_purge_blanks_personal_data_past_retention_and_keeps_counts():
    past = make_request(retention_until=timezone.localdate() - timedelta(days=1))
    current = make_request(phone="13712340000")

    assert purge_assistance_personal_data.delay().get() == 1

    past.refresh_from_db()
    assert past.purged_at is not None
    assert (past.owner_name, past.owner_phone, past.owner_email, past.city, past.vin_last6) == ("", "", "", "", "")
    assert past.description == "" and past.content_links == [] and past.phone_digest == ""
    assert past.help_types == ["lawyer_letter"] and past.reference
    current.refresh_from_db()
    assert current.owner_name == "韩梅梅" and current.purged_at is None
    assert AssistanceRequest.objects.count() == 2


def test_a_litigation_hold_keeps_the_data():
    held = make_request(retention_until=timezone.localdate() - timedelta(days=1), litigation_hold=True)
    withdrawn = make_request(phone="13712340001", litigation_hold=True)
    assistance.assistance_request_withdraw(assistance_request=withdrawn)

    assert assistance.assistance_requests_purge() == 0

    held.refresh_from_db()
    assert held.owner_name == "韩梅梅" and held.purged_at is None


def test_a_purged_request_is_not_purged_again_and_the_purge_is_audited():
    req = make_request(retention_until=timezone.localdate() - timedelta(days=1))
    events = AuditEvent.objects.filter(object_id=str(req.pk), action="update")
    before = events.count()

    assert assistance.assistance_requests_purge() == 1
    assert assistance.assistance_requests_purge() == 0
    purge = events.order_by("-pk").first()  # one transaction: every "at" is the same
    assert events.count() == before + 1
    assert purge.actor_type == "system" and "purged_at" in str(purge.diff)
