"""Complaint workflow actions over the API: open, submit, respond, counter-notice; 409 on illegal moves."""

from __future__ import annotations

import pytest

from cases import models as m
from cases.services import triage
from cases.services.triage import AssessmentInput
from tests import factories as f

pytestmark = pytest.mark.django_db

API = "/api/v1/platform-complaints"
REASON = "视频捏造“刹车失灵致事故”的事实，无任何检测依据，不属于正常批评。"


def escalated_item(analyst, *, evidence: bool = True) -> m.ContentItem:
    item = f.ContentItemFactory()
    triage.content_item_assess(
        item=item, assessor=analyst, data=AssessmentInput(conclusion="suspected", rationale=REASON, severity=3)
    )
    if evidence:
        f.EvidenceFactory().content_items.add(item)
    return item


def post(client, url, body):
    return client.post(url, body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")


def test_open_submit_and_removal_over_the_api(analyst, analyst_client):
    item = escalated_item(analyst)
    opened = post(analyst_client, f"{API}/open/", {"content_items": [item.pk], "credential": "营业执照 v3"})
    assert opened.status_code == 201, opened.content
    body = opened.json()
    assert body["status"] == "draft" and body["content_items"] == [item.pk] and body["platform"] == "weibo"
    pk = body["id"]
    sent = post(analyst_client, f"{API}/{pk}/submit/", {"ticket_number": "WB-42"})
    assert sent.status_code == 200 and sent.json()["status"] == "submitted"
    answered = post(analyst_client, f"{API}/{pk}/respond/", {"response": "removed"})
    assert answered.status_code == 200
    assert (answered.json()["status"], answered.json()["measure"]) == ("actioned", "delete")
    assert answered.json()["first_response_at"] is not None
    item.refresh_from_db()
    assert item.triage_state == "removed"
    noticed = post(analyst_client, f"{API}/{pk}/counter-notice/", {"reply_deadline": "2099-01-01"})
    assert noticed.status_code == 200 and noticed.json()["status"] == "counter_noticed"


def test_an_illegal_move_answers_409_with_a_json_message(analyst, analyst_client):
    item = escalated_item(analyst)
    pk = post(analyst_client, f"{API}/open/", {"content_items": [item.pk], "credential": "营业执照"}).json()["id"]
    response = post(analyst_client, f"{API}/{pk}/respond/", {"response": "rejected"})
    assert response.status_code == 409
    assert response.json()["code"] == "illegal_transition" and "Cannot move from" in response.json()["detail"]
    assert m.PlatformComplaint.objects.get(pk=pk).status == "draft"


def test_open_without_fixed_evidence_answers_409(analyst, analyst_client):
    item = escalated_item(analyst, evidence=False)
    response = post(analyst_client, f"{API}/open/", {"content_items": [item.pk], "credential": "营业执照"})
    assert response.status_code == 409 and response.json()["code"] == "no_fixed_evidence"
    assert not m.PlatformComplaint.objects.exists()


def test_bad_input_answers_400(analyst, analyst_client):
    item = escalated_item(analyst)
    assert post(analyst_client, f"{API}/open/", {"content_items": [], "credential": "x"}).status_code == 400
    missing = post(analyst_client, f"{API}/open/", {"content_items": [item.pk, 999999], "credential": "x"})
    assert missing.status_code == 400 and "content_items" in missing.json()
    pk = post(analyst_client, f"{API}/open/", {"content_items": [item.pk], "credential": "x"}).json()["id"]
    assert post(analyst_client, f"{API}/{pk}/respond/", {"response": "exploded"}).status_code == 400
    assert post(analyst_client, f"{API}/{pk}/submit/", {}).status_code == 400


def test_executives_may_not_act(analyst, executive_client):
    item = escalated_item(analyst)
    response = post(executive_client, f"{API}/open/", {"content_items": [item.pk], "credential": "营业执照"})
    assert response.status_code == 403


def test_the_schema_documents_the_complaint_actions(analyst_client):
    schema = analyst_client.get("/api/schema/?format=json").json()
    for path in ("open/", "{id}/submit/", "{id}/respond/", "{id}/counter-notice/"):
        operation = schema["paths"][f"{API}/{path}"]["post"]
        assert "409" in operation["responses"], path
