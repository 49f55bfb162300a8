"""The complaint pages: list with filters and response times, the complaint page and its moves,
"open a complaint" from the item page; roles, refusals and the queries each page costs."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import models as m
from cases.services import complaints, triage
from cases.services.triage import AssessmentInput
from tests import factories as f

pytestmark = pytest.mark.django_db

REASON = "视频捏造“刹车失灵致事故”的事实，无任何检测依据，不属于正常批评。"
LIST = reverse("cases:complaint-list")


def escalated_item(analyst, *, evidence: bool = True) -> m.ContentItem:
    item = f.ContentItemFactory()
    triage.content_item_assess(
        item=item, assessor=analyst, data=AssessmentInput(conclusion="suspected", rationale=REASON, severity=3)
    )
    if evidence:
        f.EvidenceFactory().content_items.add(item)
    item.refresh_from_db()
    return item


def draft(analyst) -> m.PlatformComplaint:
    return complaints.complaint_open(items=[escalated_item(analyst)], actor=analyst, credential="营业执照 v3")


def action_url(complaint, action: str) -> str:
    return reverse("cases:complaint-action", args=[complaint.pk, action])


def texts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_open_a_complaint_from_the_item_page(analyst, analyst_client):
    item = escalated_item(analyst)
    page = analyst_client.get(item.get_absolute_url())
    assert reverse("cases:complaint-open", args=[item.pk]) in page.content.decode()
    response = analyst_client.post(
        reverse("cases:complaint-open", args=[item.pk]),
        {"complaint-channel": "enterprise_zone", "complaint-credential": "营业执照 + 授权书 v3"},
    )
    complaint = m.PlatformComplaint.objects.get()
    assert response.status_code == 302 and response.url == reverse("cases:complaint-detail", args=[complaint.pk])
    item.refresh_from_db()
    assert item.triage_state == "acting"


def test_item_page_offers_no_complaint_before_evidence_and_the_post_is_refused(analyst, analyst_client):
    item = escalated_item(analyst, evidence=False)
    page = analyst_client.get(item.get_absolute_url()).content.decode()
    assert reverse("cases:complaint-open", args=[item.pk]) not in page
    response = analyst_client.post(
        reverse("cases:complaint-open", args=[item.pk]),
        {"complaint-channel": "enterprise_zone", "complaint-credential": "营业执照"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 302 and response.url == item.get_absolute_url()
    assert any("Fix evidence first" in text for text in texts(response))
    assert not m.PlatformComplaint.objects.exists()


def test_executives_read_complaints_but_cannot_act(analyst, executive_client):
    complaint = draft(analyst)
    assert executive_client.get(LIST).status_code == 200
    page = executive_client.get(reverse("cases:complaint-detail", args=[complaint.pk]))
    assert page.status_code == 200 and 'data-action="submit"' not in page.content.decode()
    response = executive_client.post(action_url(complaint, "submit"), {"submit-ticket_number": "T1"})
    assert response.status_code == 403
    complaint.refresh_from_db()
    assert complaint.status == "draft"


def test_submit_then_removal_through_the_pages(analyst, analyst_client):
    complaint = draft(analyst)
    page = analyst_client.get(reverse("cases:complaint-detail", args=[complaint.pk])).content.decode()
    assert 'data-action="submit"' in page
    when = (timezone.localtime() - datetime.timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M")
    analyst_client.post(action_url(complaint, "submit"), {"submit-ticket_number": "WB-1", "submit-submitted_at": when})
    complaint.refresh_from_db()
    assert complaint.status == "submitted" and complaint.ticket_number == "WB-1"
    page = analyst_client.get(reverse("cases:complaint-detail", args=[complaint.pk])).content.decode()
    assert 'data-action="respond"' in page
    analyst_client.post(action_url(complaint, "respond"), {"respond-response": "removed"})
    complaint.refresh_from_db()
    assert complaint.status == "actioned" and complaint.response_time >= datetime.timedelta(hours=4)
    assert complaint.content_items.get().triage_state == "removed"


def test_an_illegal_move_is_refused_with_a_message(analyst, analyst_client):
    complaint = draft(analyst)
    response = analyst_client.post(
        action_url(complaint, "respond"), {"respond-response": "removed"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 302
    assert any("Cannot move from" in text for text in texts(response))
    complaint.refresh_from_db()
    assert complaint.status == "draft"
    assert analyst_client.post(action_url(complaint, "explode"), {}).status_code == 404


def test_bad_form_input_changes_nothing(analyst, analyst_client):
    complaint = draft(analyst)
    response = analyst_client.post(action_url(complaint, "submit"), {"submit-ticket_number": ""})
    assert response.status_code == 302 and texts(response)
    complaint.refresh_from_db()
    assert complaint.status == "draft"


def test_list_filters_by_platform_status_and_age(analyst, analyst_client):
    old = draft(analyst)
    m.PlatformComplaint.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=40))
    new = draft(analyst)
    complaints.complaint_submit(complaint=new, actor=analyst, ticket_number="NEW-1")
    url_of = lambda c: reverse("cases:complaint-detail", args=[c.pk])  # noqa: E731
    aged = analyst_client.get(LIST, {"age": "30"}).content.decode()
    assert url_of(old) in aged and url_of(new) not in aged
    submitted = analyst_client.get(LIST, {"status": "submitted"}).content.decode()
    assert url_of(new) in submitted and url_of(old) not in submitted
    assert url_of(new) not in analyst_client.get(LIST, {"platform": "douyin"}).content.decode()
    assert analyst_client.get(LIST, {"age": "nonsense"}).status_code == 200


@pytest.mark.parametrize("rows", [1, 12])
def test_list_and_detail_queries_do_not_grow_with_rows(analyst, analyst_client, rows):
    items = []
    for _ in range(rows):
        complaint = draft(analyst)
        complaints.complaint_submit(complaint=complaint, actor=analyst, ticket_number=f"T{complaint.pk}")
        items.append(complaint)
    with CaptureQueriesContext(connection) as listing:
        assert analyst_client.get(LIST).status_code == 200
    with CaptureQueriesContext(connection) as detail:
        assert analyst_client.get(reverse("cases:complaint-detail", args=[items[-1].pk])).status_code == 200
    assert len(listing.captured_queries) <= 12
    assert len(detail.captured_queries) <= 12
