"""Assessing items and campaigns, sign-off, and the gate before any action (cases/services/triage.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import models as m
from cases.services import triage, workflow
from cases.services.triage import AssessmentInput
from tests import factories as f

pytestmark = pytest.mark.django_db

REASON = "视频声称“刹车失灵致事故”，但事故鉴定显示为驾驶员操作失误，系捏造事实，并非正常批评。"


def escalate(**overrides) -> AssessmentInput:
    return AssessmentInput(
        **{
            "conclusion": m.Assessment.Conclusion.SUSPECTED,
            "rationale": REASON,
            "severity": 4,
            "infringement_types": ("fabrication",),
            "recommended_actions": ("fix_evidence", "complaint"),
            **overrides,
        }
    )


def moves(item: m.ContentItem) -> list[tuple[str, str]]:
    return list(
        m.StateChange.objects.filter(object_type="cases.contentitem", object_id=item.pk)
        .order_by("id")
        .values_list("from_state", "to_state")
    )


def test_escalating_without_a_reason_is_refused_and_changes_nothing(analyst):
    item = f.ContentItemFactory()
    with pytest.raises(ValidationError) as excinfo:
        triage.content_item_assess(item=item, assessor=analyst, data=escalate(rationale="太短"))
    assert "rationale" in excinfo.value.message_dict
    item.refresh_from_db()
    assert item.triage_state == "new" and item.assessed_at is None
    assert not m.Assessment.objects.exists() and not m.StateChange.objects.exists()


def test_assessing_a_new_item_walks_the_state_machine_and_records_who_and_why(analyst):
    item = f.ContentItemFactory(views=1000, shares=10)
    assessment = triage.content_item_assess(item=item, assessor=analyst, data=escalate())
    item.refresh_from_db()
    assert item.triage_state == "suspected"
    assert (item.severity, item.conclusion) == (4, "suspected")
    assert item.assessed_at == assessment.created_at
    assert assessment.reach == item.reach == 1100
    assert moves(item) == [("new", "pending"), ("pending", "assessing"), ("assessing", "suspected")]
    last = m.StateChange.objects.order_by("id").last()
    assert last.actor == analyst and last.reason == REASON


def test_criticism_is_dismissed_and_a_dismissed_item_cannot_be_reassessed(analyst):
    item = f.ContentItemFactory(triage_state="pending")
    triage.content_item_assess(
        item=item, assessor=analyst, data=AssessmentInput(conclusion="criticism", severity=1)
    )
    item.refresh_from_db()
    assert item.triage_state == "dismissed"
    with pytest.raises(ValidationError) as excinfo:
        triage.content_item_assess(item=item, assessor=analyst, data=escalate())
    assert excinfo.value.code == "not_assessable"


def test_a_watched_item_can_be_assessed_again_on_new_activity(analyst):
    item = f.ContentItemFactory(triage_state="watch")
    triage.content_item_assess(item=item, assessor=analyst, data=escalate())
    assert moves(item) == [("watch", "pending"), ("pending", "assessing"), ("assessing", "suspected")]


def test_executives_cannot_assess(executive):
    with pytest.raises(PermissionDenied):
        triage.content_item_assess(item=f.ContentItemFactory(), assessor=executive, data=escalate())


@pytest.mark.parametrize(
    ("field", "value"),
    [("severity", 6), ("estimated_loss", Decimal("-1")), ("category", "nonsense"), ("infringement_types", ("x",))],
)
def test_bad_assessment_values_get_a_field_error(analyst, field, value):
    with pytest.raises(ValidationError) as excinfo:
        triage.content_item_assess(item=f.ContentItemFactory(), assessor=analyst, data=escalate(**{field: value}))
    assert field in excinfo.value.message_dict


def test_serious_escalation_needs_a_second_person_who_is_a_lawyer(analyst, lawyer):
    item = f.ContentItemFactory()
    assessment = triage.content_item_assess(item=item, assessor=lawyer, data=escalate(conclusion="serious"))
    item.refresh_from_db()
    with pytest.raises(ValidationError) as excinfo:
        triage.ensure_actionable(item)
    assert excinfo.value.code == "needs_sign_off"

    with pytest.raises(ValidationError) as same:
        triage.assessment_sign_off(assessment=assessment, reviewer=lawyer)
    assert same.value.code == "same_person"
    with pytest.raises(PermissionDenied):
        triage.assessment_sign_off(assessment=assessment, reviewer=analyst)

    other_lawyer = f.UserFactory(role="lawyer")
    signed = triage.assessment_sign_off(assessment=assessment, reviewer=other_lawyer)
    assert signed.reviewer == other_lawyer and signed.reviewed_at is not None
    with pytest.raises(ValidationError):
        triage.assessment_sign_off(assessment=assessment, reviewer=f.UserFactory(role="admin"))


def test_no_action_starts_before_evidence_is_fixed(analyst):
    item = f.ContentItemFactory()
    triage.content_item_assess(item=item, assessor=analyst, data=escalate())
    item.refresh_from_db()
    with pytest.raises(ValidationError) as excinfo:
        triage.content_item_start_action(item=item, actor=analyst)
    assert excinfo.value.code == "no_fixed_evidence"
    item.refresh_from_db()
    assert item.triage_state == "suspected"

    deleted = f.EvidenceFactory(is_deleted=True, deleted_reason="误传", deleted_at=item.created_at)
    deleted.content_items.add(item)
    with pytest.raises(ValidationError):
        triage.content_item_start_action(item=item, actor=analyst)

    f.EvidenceFactory().content_items.add(item)
    triage.content_item_start_action(item=item, actor=analyst)
    item.refresh_from_db()
    assert item.triage_state == "acting"
    assert moves(item)[-3:] == [("suspected", "fixing"), ("fixing", "fixed"), ("fixed", "acting")]


def test_an_unescalated_item_cannot_be_acted_on(analyst):
    item = f.ContentItemFactory(triage_state="pending")
    with pytest.raises(ValidationError) as excinfo:
        triage.ensure_actionable(item)
    assert excinfo.value.code == "not_escalated"


def test_illegal_moves_are_refused_with_both_states_named(analyst):
    item = f.ContentItemFactory()
    with pytest.raises(ValidationError) as excinfo:
        workflow.move(item, to="removed", actor=analyst)
    assert excinfo.value.code == "illegal_transition"
    assert excinfo.value.params["current"] and excinfo.value.params["target"]
    item.refresh_from_db()
    assert item.triage_state == "new"


def _campaign_with(states: list[str]) -> m.Campaign:
    campaign = f.CampaignFactory()
    account = f.MonitoredAccountFactory()
    for state in states:
        f.ContentItemFactory(campaign=campaign, account=account, triage_state=state)
    return campaign


def test_a_campaign_is_assessed_in_one_step_and_items_past_assessment_are_skipped(analyst):
    campaign = _campaign_with(["new", "new", "new", "pending", "acting"])
    result = triage.campaign_assess(campaign=campaign, assessor=analyst, data=escalate(category="malicious_defamation"))
    assert (result.assessed, result.skipped) == (4, 1)
    campaign.refresh_from_db()
    assert campaign.status == "assessed" and campaign.category == "malicious_defamation"
    states = sorted(campaign.items.values_list("triage_state", flat=True))
    assert states == ["acting", "suspected", "suspected", "suspected", "suspected"]
    assert m.Assessment.objects.filter(campaign=campaign, content_item__isnull=True).count() == 1
    assert m.Assessment.objects.filter(campaign=campaign, content_item__isnull=False).count() == 4
    assert campaign.items.assessed().count() == 4  # the item already acted on kept its state
    assert m.StateChange.objects.filter(to_state="suspected").count() == 4


def test_campaign_assessment_queries_do_not_grow_with_items(analyst):
    small, large = _campaign_with(["new"] * 3), _campaign_with(["new"] * 30)
    with CaptureQueriesContext(connection) as few:
        triage.campaign_assess(campaign=small, assessor=analyst, data=escalate())
    with CaptureQueriesContext(connection) as many:
        triage.campaign_assess(campaign=large, assessor=analyst, data=escalate())
    assert len(many) == len(few)
