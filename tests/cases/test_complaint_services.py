"""Platform complaints and rebuttals (cases/services/complaints.py): the gate, every move, every refusal."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cases import models as m
from cases.selectors.complaints import platform_response_times
from cases.services import complaints, triage
from cases.services.triage import AssessmentInput
from tests import factories as f

pytestmark = pytest.mark.django_db

REASON = "视频捏造“刹车失灵致事故”的事实，无任何检测依据，不属于正常批评。"
HOUR = datetime.timedelta(hours=1)


def escalated_item(analyst, *, evidence: bool = True, platform=None) -> m.ContentItem:
    item = f.ContentItemFactory(**({"platform": platform} if platform else {}))
    triage.content_item_assess(
        item=item, assessor=analyst, data=AssessmentInput(conclusion="suspected", rationale=REASON, severity=3)
    )
    if evidence:
        f.EvidenceFactory().content_items.add(item)
    item.refresh_from_db()
    return item


def opened(analyst, **kwargs) -> m.PlatformComplaint:
    item = escalated_item(analyst, **kwargs)
    return complaints.complaint_open(items=[item], actor=analyst, credential="营业执照 + 授权委托书 v3")


def submitted(analyst, *, hours_ago: int = 30) -> m.PlatformComplaint:
    complaint = opened(analyst)
    return complaints.complaint_submit(
        complaint=complaint, actor=analyst, ticket_number="WB-2025-001",
        submitted_at=timezone.now() - hours_ago * HOUR,
    )


def statuses(complaint) -> list[tuple[str, str]]:
    return list(
        m.StateChange.objects.filter(object_type="cases.platformcomplaint", object_id=complaint.pk)
        .order_by("id").values_list("from_state", "to_state")
    )


def test_no_complaint_before_fixed_evidence_and_nothing_changes(analyst):
    item = escalated_item(analyst, evidence=False)
    with pytest.raises(ValidationError) as excinfo:
        complaints.complaint_open(items=[item], actor=analyst, credential="营业执照")
    assert excinfo.value.code == "no_fixed_evidence"
    assert not m.PlatformComplaint.objects.exists()
    item.refresh_from_db()
    assert item.triage_state == "suspected"


def test_no_complaint_for_an_unassessed_item(analyst):
    item = f.ContentItemFactory()
    f.EvidenceFactory().content_items.add(item)
    with pytest.raises(ValidationError) as excinfo:
        complaints.complaint_open(items=[item], actor=analyst, credential="营业执照")
    assert excinfo.value.code == "not_escalated"


def test_open_starts_action_on_the_items_and_records_a_draft(analyst):
    complaint = opened(analyst)
    item = complaint.content_items.get()
    assert complaint.status == "draft" and complaint.created_by == analyst
    assert complaint.platform_id == item.platform_id
    assert item.triage_state == "acting"
    assert statuses(complaint) == [("", "draft")]


def test_open_refuses_bad_input(analyst):
    item = escalated_item(analyst)
    with pytest.raises(ValidationError) as excinfo:
        complaints.complaint_open(items=[item], actor=analyst, channel="fax", credential=" ")
    assert set(excinfo.value.message_dict) == {"channel", "credential"}
    other = escalated_item(analyst, platform=f.PlatformFactory(code="douyin"))
    with pytest.raises(ValidationError) as excinfo:
        complaints.complaint_open(items=[item, other], actor=analyst, credential="营业执照")
    assert excinfo.value.code == "platforms"
    with pytest.raises(ValidationError):
        complaints.complaint_open(items=[], actor=analyst, credential="营业执照")
    assert not m.PlatformComplaint.objects.exists()


def test_executives_cannot_open_complaints(analyst, executive):
    item = escalated_item(analyst)
    with pytest.raises(PermissionDenied):
        complaints.complaint_open(items=[item], actor=executive, credential="营业执照")


def test_submit_needs_a_ticket_and_keeps_the_first_submission_time(analyst):
    complaint = opened(analyst)
    with pytest.raises(ValidationError) as excinfo:
        complaints.complaint_submit(complaint=complaint, actor=analyst, ticket_number="  ")
    assert "ticket_number" in excinfo.value.message_dict
    first = timezone.now() - 10 * HOUR
    complaints.complaint_submit(complaint=complaint, actor=analyst, ticket_number="T1", submitted_at=first)
    complaints.complaint_respond(complaint=complaint, actor=analyst, response="need_info")
    complaints.complaint_submit(complaint=complaint, actor=analyst, ticket_number="T1-b")
    complaint.refresh_from_db()
    assert complaint.status == "submitted" and complaint.ticket_number == "T1-b"
    assert complaint.submitted_at == first
    assert statuses(complaint) == [("", "draft"), ("draft", "submitted"), ("submitted", "need_info"),
                                   ("need_info", "submitted")]


def test_submit_refuses_a_time_in_the_future(analyst):
    complaint = opened(analyst)
    with pytest.raises(ValidationError) as excinfo:
        complaints.complaint_submit(complaint=complaint, actor=analyst, ticket_number="T",
                                    submitted_at=timezone.now() + 24 * HOUR)
    assert "submitted_at" in excinfo.value.message_dict


def test_removal_moves_items_to_removed_and_measures_response_time(analyst):
    complaint = submitted(analyst, hours_ago=30)
    complaints.complaint_respond(complaint=complaint, actor=analyst, response="in_review",
                                 responded_at=complaint.submitted_at + 6 * HOUR)
    complaints.complaint_respond(complaint=complaint, actor=analyst, response="removed")
    complaint.refresh_from_db()
    item = complaint.content_items.get()
    assert complaint.status == "actioned" and complaint.measure == "delete"
    # First response (in review) 6 hours after submission; resolved when removed.
    assert complaint.response_time == 6 * HOUR
    assert complaint.resolved_at is not None
    assert (item.triage_state, item.live_status) == ("removed", "deleted")
    row = platform_response_times(user=analyst)[0]
    assert (row.submitted, row.responded, row.resolved) == (1, 1, 1)
    assert row.avg_response == 6 * HOUR


def test_an_actioned_measure_that_keeps_the_post_leaves_items_acting(analyst):
    complaint = submitted(analyst)
    with pytest.raises(ValidationError) as excinfo:
        complaints.complaint_respond(complaint=complaint, actor=analyst, response="actioned")
    assert "measure" in excinfo.value.message_dict
    complaints.complaint_respond(complaint=complaint, actor=analyst, response="actioned", measure="dispute_label")
    assert complaint.content_items.get().triage_state == "acting"


def test_illegal_moves_are_refused_with_a_clear_error(analyst):
    complaint = opened(analyst)
    # A draft has not been submitted: no answer can be recorded.
    with pytest.raises(ValidationError) as excinfo:
        complaints.complaint_respond(complaint=complaint, actor=analyst, response="removed")
    assert excinfo.value.code == "illegal_transition"
    with pytest.raises(ValidationError) as excinfo:
        complaints.complaint_counter_notice(complaint=complaint, actor=analyst)
    assert excinfo.value.code == "illegal_transition"
    with pytest.raises(ValidationError) as excinfo:
        complaints.complaint_appeal(complaint=complaint, actor=analyst)
    assert excinfo.value.code == "illegal_transition"
    complaint.refresh_from_db()
    assert complaint.status == "draft" and complaint.first_response_at is None
    assert statuses(complaint) == [("", "draft")]
    # A rejected complaint is final.
    done = submitted(analyst)
    complaints.complaint_respond(complaint=done, actor=analyst, response="rejected")
    with pytest.raises(ValidationError) as excinfo:
        complaints.complaint_submit(complaint=done, actor=analyst, ticket_number="again")
    assert excinfo.value.code == "illegal_transition"


def test_a_response_before_submission_is_refused(analyst):
    complaint = submitted(analyst, hours_ago=2)
    with pytest.raises(ValidationError) as excinfo:
        complaints.complaint_respond(complaint=complaint, actor=analyst, response="rejected",
                                     responded_at=timezone.now() - 5 * HOUR)
    assert "responded_at" in excinfo.value.message_dict


def test_no_response_is_recorded_without_a_state_change(analyst):
    complaint = submitted(analyst)
    complaints.complaint_respond(complaint=complaint, actor=analyst, response="no_response")
    complaint.refresh_from_db()
    assert complaint.status == "submitted" and complaint.first_response_at is None
    assert statuses(complaint)[-1] == ("submitted", "submitted")
    assert complaint.notes


def test_counter_notice_then_restoration_puts_items_back_to_suspected(analyst):
    complaint = submitted(analyst)
    complaints.complaint_respond(complaint=complaint, actor=analyst, response="removed")
    deadline = timezone.localdate() + datetime.timedelta(days=15)
    complaints.complaint_counter_notice(complaint=complaint, actor=analyst, reply_deadline=deadline)
    complaints.complaint_close_counter_notice(complaint=complaint, actor=analyst, restored=True)
    complaint.refresh_from_db()
    item = complaint.content_items.get()
    assert complaint.status == "restored" and complaint.reply_deadline == deadline
    assert (item.triage_state, item.live_status) == ("suspected", "live")


def test_appeal_drafts_a_new_complaint_for_the_same_items(analyst):
    complaint = submitted(analyst)
    complaints.complaint_respond(complaint=complaint, actor=analyst, response="rejected")
    appeal = complaints.complaint_appeal(complaint=complaint, actor=analyst, notes="补充检测报告")
    assert appeal.pk != complaint.pk and appeal.status == "draft"
    assert list(appeal.content_items.all()) == list(complaint.content_items.all())
    assert "WB-2025-001" in appeal.notes


def test_rebuttal_is_reused_by_url(analyst):
    one, two = f.ContentItemFactory(), f.ContentItemFactory()
    data = complaints.RebuttalInput(title="关于网传“刹车失灵”视频的严正声明", url="https://example.com/rebuttal/1")
    first = complaints.rebuttal_link(items=[one], actor=analyst, data=data)
    second = complaints.rebuttal_link(items=[two], actor=analyst, data=complaints.RebuttalInput(title="", url=data.url))
    assert first.pk == second.pk
    assert set(first.content_items.all()) == {one, two}
    with pytest.raises(ValidationError):
        complaints.rebuttal_link(items=[one], actor=analyst, data=complaints.RebuttalInput(title=" "))
