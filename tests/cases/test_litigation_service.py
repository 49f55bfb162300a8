"""Lawsuits (cases/services/litigation.py): preparing a draft, stage moves, outcomes."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cases import models as m
from cases.services import litigation
from tests import factories as f

pytestmark = pytest.mark.django_db
D = datetime.date
Kind = m.LawsuitClaim.Kind


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.LITIGATION_HOLIDAYS = []
    settings.LITIGATION_HOME_COURT = "北京互联网法院"
    settings.LITIGATION_HOME_BASIC_COURT = "北京市海淀区人民法院"
    settings.LITIGATION_COMPANY_NAME = "某汽车股份有限公司"


def actionable_item(**extra) -> m.ContentItem:
    """An escalated item with fixed evidence (and an old, superseded version of that evidence)."""
    item = f.ContentItemFactory(triage_state="suspected", **extra)
    old = f.EvidenceFactory(title="旧版本截图")
    old.content_items.add(item)
    current = f.EvidenceFactory(title="当前截图", previous_version=old)
    current.content_items.add(item)
    return item


def prepare(lawyer, **kwargs) -> m.Lawsuit:
    kwargs.setdefault("cause", m.Lawsuit.Cause.REPUTATION)
    return litigation.lawsuit_prepare(actor=lawyer, **kwargs)


# --- Prepare ---------------------------------------------------------------------------------


def test_prepare_from_an_anonymous_account_sues_the_account_its_platform_and_its_agency(lawyer):
    agency = f.AgencyFactory()
    account = f.MonitoredAccountFactory(identity_status="anonymous", agency=agency)
    item = actionable_item(account=account, platform=account.platform)
    lawsuit = prepare(lawyer, account=account, damages=Decimal("500000"), costs=Decimal("30000"))

    assert lawsuit.stage == "preparing" and lawsuit.lawyer == lawyer
    parties = {(p.role, p.kind): p for p in lawsuit.parties.all()}
    assert set(parties) == {
        ("plaintiff", "company"),
        ("defendant", "account"),
        ("defendant", "platform"),
        ("defendant", "agency"),
    }
    assert parties[("plaintiff", "company")].name == "某汽车股份有限公司"
    assert parties[("defendant", "account")].monitored_account == account
    assert parties[("defendant", "platform")].platform == account.platform
    assert parties[("defendant", "agency")].agency == agency

    claims = {c.kind: c for c in lawsuit.claims.all()}
    assert set(claims) == {Kind.DELETE, Kind.APOLOGY, Kind.ELIMINATE_EFFECTS, Kind.DAMAGES, Kind.REASONABLE_COSTS}
    assert claims[Kind.APOLOGY].apology_days == 30
    assert claims[Kind.DAMAGES].amount == Decimal("500000") and claims[Kind.REASONABLE_COSTS].amount == Decimal("30000")

    assert list(lawsuit.content_items.all()) == [item]
    assert [e.title for e in lawsuit.evidence.all()] == ["当前截图"]  # current versions only
    item.refresh_from_db()
    assert item.triage_state == "acting"
    assert lawsuit.court_name == "北京市海淀区人民法院"  # reputation → basic court after 法释〔2025〕14号


def test_prepare_against_a_disclosed_holder_does_not_sue_the_platform_and_zero_amounts_by_default(lawyer):
    account = f.MonitoredAccountFactory(identity_status="disclosed")
    actionable_item(account=account, platform=account.platform)
    lawsuit = prepare(lawyer, account=account, cause=m.Lawsuit.Cause.COMMERCIAL_DISPARAGEMENT)
    assert {p.kind for p in lawsuit.parties.filter(role="defendant")} == {"account"}
    assert lawsuit.claims.get(kind=Kind.DAMAGES).amount == 0
    assert lawsuit.court_name == "北京互联网法院"  # unfair competition → internet court


def test_the_suggested_court_can_be_overridden(lawyer):
    account = f.MonitoredAccountFactory()
    actionable_item(account=account, platform=account.platform)
    lawsuit = prepare(lawyer, account=account, court_name="上海市徐汇区人民法院")
    assert lawsuit.court_name == "上海市徐汇区人民法院"


def test_prepare_refuses_when_none_of_the_items_is_actionable_and_creates_nothing(lawyer):
    account = f.MonitoredAccountFactory()
    no_evidence = f.ContentItemFactory(account=account, platform=account.platform, triage_state="suspected")
    dismissed = f.ContentItemFactory(account=account, platform=account.platform, triage_state="dismissed")
    with pytest.raises(ValidationError) as excinfo:
        prepare(lawyer, account=account, items=[no_evidence, dismissed])
    assert excinfo.value.code == "not_actionable"
    assert any("Fix evidence" in msg or "固定证据" in msg for msg in excinfo.value.messages)
    assert not m.Lawsuit.objects.exists()


def test_prepare_takes_only_the_actionable_items(lawyer):
    account = f.MonitoredAccountFactory()
    good = actionable_item(account=account, platform=account.platform)
    pending = f.ContentItemFactory(account=account, platform=account.platform, triage_state="pending")
    lawsuit = prepare(lawyer, items=[good, pending])
    assert list(lawsuit.content_items.all()) == [good]


def test_analysts_and_executives_cannot_prepare_a_suit(analyst, executive):
    account = f.MonitoredAccountFactory()
    actionable_item(account=account, platform=account.platform)
    for user in (analyst, executive):
        with pytest.raises(PermissionDenied):
            prepare(user, account=account)


# --- Stage moves -----------------------------------------------------------------------------


def prepared(lawyer) -> m.Lawsuit:
    account = f.MonitoredAccountFactory(identity_status="disclosed")
    actionable_item(account=account, platform=account.platform)
    return prepare(lawyer, account=account, damages=Decimal("100000"))


def test_a_suit_walks_to_judgment_with_dates_proceeding_and_the_appeal_deadline(lawyer):
    lawsuit = prepared(lawyer)
    litigation.lawsuit_move(lawsuit=lawsuit, to="submitted", actor=lawyer, reason="网上立案", on=D(2025, 3, 3))
    litigation.lawsuit_move(
        lawsuit=lawsuit, to="accepted", actor=lawyer, on=D(2025, 3, 10), case_number="（2025）京0108民初 1234号"
    )
    litigation.lawsuit_move(lawsuit=lawsuit, to="service", actor=lawyer, on=D(2025, 3, 14))
    litigation.lawsuit_move(lawsuit=lawsuit, to="pretrial", actor=lawyer, on=D(2025, 4, 1))
    litigation.lawsuit_move(lawsuit=lawsuit, to="hearing", actor=lawyer, on=D(2025, 5, 6))
    litigation.lawsuit_move(lawsuit=lawsuit, to="judged_first", actor=lawyer, on=D(2025, 6, 2))
    litigation.lawsuit_move(lawsuit=lawsuit, to="appeal_window", actor=lawyer, on=D(2025, 6, 7))

    lawsuit.refresh_from_db()
    assert lawsuit.stage == "appeal_window"
    assert (lawsuit.filed_on, lawsuit.accepted_on) == (D(2025, 3, 3), D(2025, 3, 10))
    assert (lawsuit.judgment_on, lawsuit.judgment_served_on) == (D(2025, 6, 2), D(2025, 6, 7))
    first = lawsuit.proceedings.get(instance="first")
    assert first.case_number == "(2025)京0108民初1234号"
    assert first.decided_on == D(2025, 6, 2) and first.decision_served_on == D(2025, 6, 7)
    rows = {d.rule: d for d in m.Deadline.objects.filter(lawsuit=lawsuit)}
    assert rows["answer"].due_on == D(2025, 3, 31) and rows["answer"].done_at is not None  # Sat 29 → Mon 31
    assert rows["appeal_judgment"].due_on == D(2025, 6, 23) and rows["appeal_judgment"].done_at is None
    change = m.StateChange.objects.filter(object_type="cases.lawsuit", object_id=lawsuit.pk).order_by("id").first()
    assert (change.from_state, change.to_state, change.actor, change.reason) == (
        "preparing",
        "submitted",
        lawyer,
        "网上立案",
    )


def test_illegal_moves_are_refused_naming_both_stages_and_nothing_changes(lawyer):
    lawsuit = prepared(lawyer)
    with pytest.raises(ValidationError) as excinfo:
        litigation.lawsuit_move(lawsuit=lawsuit, to="judged_first", actor=lawyer, on=D(2025, 3, 3))
    assert excinfo.value.code == "illegal_transition"
    message = excinfo.value.messages[0]
    assert str(m.Lawsuit.Stage.PREPARING.label) in message and str(m.Lawsuit.Stage.JUDGED_FIRST.label) in message
    lawsuit.refresh_from_db()
    assert lawsuit.stage == "preparing" and lawsuit.judgment_on is None
    assert not m.StateChange.objects.filter(object_type="cases.lawsuit").exists()


@pytest.mark.parametrize(
    ("stage", "target"),
    [
        ("preparing", "accepted"),
        ("submitted", "hearing"),
        ("hearing", "appeal"),
        ("effective", "closed"),
        ("closed", "preparing"),
    ],
)
def test_every_skip_is_refused(lawyer, stage, target):
    lawsuit = f.FiledLawsuitFactory(stage=stage, lawyer=lawyer) if stage != "preparing" else prepared(lawyer)
    with pytest.raises(ValidationError) as excinfo:
        litigation.lawsuit_move(lawsuit=lawsuit, to=target, actor=lawyer, on=D(2025, 3, 3))
    assert excinfo.value.code == "illegal_transition"


@pytest.mark.parametrize(
    "bad", ["2025京0491民初12345号", "(2025)京0491民初号", "(25)京0491民初1号", "(2025)京0491民X12号"]
)
def test_a_malformed_case_number_is_refused_with_a_clear_error(lawyer, bad):
    lawsuit = f.FiledLawsuitFactory(stage="submitted", lawyer=lawyer, filed_on=D(2025, 3, 3))
    with pytest.raises(ValidationError) as excinfo:
        litigation.lawsuit_move(lawsuit=lawsuit, to="accepted", actor=lawyer, on=D(2025, 3, 10), case_number=bad)
    assert "case_number" in excinfo.value.message_dict
    assert "(2025)京0491民初12345号" in excinfo.value.message_dict["case_number"][0]
    lawsuit.refresh_from_db()
    assert lawsuit.stage == "submitted" and lawsuit.accepted_on is None


def test_acceptance_needs_a_case_number(lawyer):
    lawsuit = f.FiledLawsuitFactory(stage="submitted", lawyer=lawyer, filed_on=D(2025, 3, 3))
    with pytest.raises(ValidationError) as excinfo:
        litigation.lawsuit_move(lawsuit=lawsuit, to="accepted", actor=lawyer, on=D(2025, 3, 10))
    assert "case_number" in excinfo.value.message_dict


def test_a_judgment_dated_before_filing_and_a_future_date_are_refused(lawyer):
    lawsuit = f.FiledLawsuitFactory(stage="hearing", lawyer=lawyer, filed_on=D(2025, 3, 3), accepted_on=D(2025, 3, 10))
    with pytest.raises(ValidationError) as before:
        litigation.lawsuit_move(lawsuit=lawsuit, to="judged_first", actor=lawyer, on=D(2025, 3, 1))
    assert "on" in before.value.message_dict
    with pytest.raises(ValidationError) as future:
        litigation.lawsuit_move(lawsuit=lawsuit, to="judged_first", actor=lawyer, on=D(2999, 1, 1))
    assert "on" in future.value.message_dict
    lawsuit.refresh_from_db()
    assert lawsuit.stage == "hearing" and lawsuit.judgment_on is None


def test_an_appeal_after_the_window_is_refused(lawyer):
    lawsuit = f.FiledLawsuitFactory(
        stage="appeal_window",
        lawyer=lawyer,
        filed_on=D(2025, 3, 3),
        judgment_on=D(2025, 6, 2),
        judgment_served_on=D(2025, 6, 5),
    )
    with pytest.raises(ValidationError) as excinfo:
        litigation.lawsuit_move(lawsuit=lawsuit, to="appeal", actor=lawyer, on=D(2025, 6, 23))
    assert "2025-06-20" in excinfo.value.message_dict["on"][0]
    litigation.lawsuit_move(
        lawsuit=lawsuit, to="appeal", actor=lawyer, on=D(2025, 6, 20), case_number="(2025)京04民终567号"
    )
    lawsuit.refresh_from_db()
    assert lawsuit.stage == "appeal"
    assert lawsuit.proceedings.get(instance="second").case_number == "(2025)京04民终567号"


def test_effective_judgment_starts_the_enforcement_clock_and_enforcing_closes_it(lawyer):
    lawsuit = f.FiledLawsuitFactory(
        stage="appeal_window",
        lawyer=lawyer,
        filed_on=D(2025, 3, 3),
        judgment_on=D(2025, 6, 2),
        judgment_served_on=D(2025, 6, 5),
    )
    litigation.lawsuit_move(
        lawsuit=lawsuit, to="effective", actor=lawyer, on=D(2025, 6, 21), performance_due_on=D(2025, 7, 1)
    )
    row = m.Deadline.objects.get(lawsuit=lawsuit, rule="enforcement")
    assert row.due_on == D(2027, 7, 1) and row.done_at is None
    assert m.Deadline.objects.get(lawsuit=lawsuit, rule="appeal_judgment").done_at is not None
    litigation.lawsuit_move(
        lawsuit=lawsuit, to="enforcing", actor=lawyer, on=D(2025, 8, 4), case_number="(2025)京0108执2001号"
    )
    litigation.lawsuit_move(lawsuit=lawsuit, to="enforced", actor=lawyer, on=D(2025, 10, 9))
    litigation.lawsuit_move(lawsuit=lawsuit, to="closed", actor=lawyer, on=D(2025, 10, 10))
    lawsuit.refresh_from_db()
    row.refresh_from_db()
    assert lawsuit.stage == "closed" and lawsuit.closed_on == D(2025, 10, 10)
    assert row.done_at is not None
    assert lawsuit.proceedings.get(instance="enforcement").decided_on == D(2025, 10, 9)


def test_analysts_and_executives_cannot_move_a_suit(analyst, executive):
    lawsuit = f.FiledLawsuitFactory(stage="accepted")
    for user in (analyst, executive):
        with pytest.raises(PermissionDenied):
            litigation.lawsuit_move(lawsuit=lawsuit, to="service", actor=user, on=D(2025, 3, 3))


# --- Outcomes --------------------------------------------------------------------------------


def test_recording_a_judgment_outcome_with_remedies_and_money(lawyer):
    lawsuit = f.FiledLawsuitFactory(stage="effective", lawyer=lawyer, judgment_on=D(2025, 6, 2))
    damages = f.LawsuitClaimFactory(lawsuit=lawsuit, kind=Kind.DAMAGES, amount=Decimal("500000"))
    litigation.lawsuit_record_outcome(
        lawsuit=lawsuit,
        actor=lawyer,
        outcome="partly_won",
        damages_awarded=Decimal("313800"),
        damages_collected=Decimal("100000"),
        content_deleted=True,
        apology_published=True,
        apology_pin_days=30,
        court_fee=Decimal("4437.00"),
        claim_decisions={damages.pk: (True, Decimal("313800"))},
    )
    lawsuit.refresh_from_db()
    damages.refresh_from_db()
    assert (lawsuit.outcome, lawsuit.damages_awarded, lawsuit.damages_collected) == (
        "partly_won",
        Decimal("313800"),
        Decimal("100000"),
    )
    assert lawsuit.content_deleted and lawsuit.apology_published and lawsuit.apology_pin_days == 30
    assert lawsuit.court_fee == Decimal("4437.00")
    assert damages.granted is True and damages.amount_awarded == Decimal("313800")


def test_collected_cannot_exceed_awarded(lawyer):
    lawsuit = f.FiledLawsuitFactory(stage="effective", lawyer=lawyer, judgment_on=D(2025, 6, 2))
    with pytest.raises(ValidationError) as excinfo:
        litigation.lawsuit_record_outcome(
            lawsuit=lawsuit,
            actor=lawyer,
            outcome="won",
            damages_awarded=Decimal("100"),
            damages_collected=Decimal("101"),
        )
    assert "damages_collected" in excinfo.value.message_dict
    lawsuit.refresh_from_db()
    assert lawsuit.outcome == "pending" and lawsuit.damages_awarded == 0


def test_no_damages_on_a_withdrawn_suit_and_no_judgment_outcome_before_judgment(lawyer):
    withdrawn = f.FiledLawsuitFactory(stage="withdrawn", lawyer=lawyer)
    with pytest.raises(ValidationError) as excinfo:
        litigation.lawsuit_record_outcome(
            lawsuit=withdrawn, actor=lawyer, outcome="withdrawn", damages_awarded=Decimal("1000")
        )
    assert "damages_awarded" in excinfo.value.message_dict
    early = f.FiledLawsuitFactory(stage="hearing", lawyer=lawyer)
    with pytest.raises(ValidationError) as excinfo:
        litigation.lawsuit_record_outcome(lawsuit=early, actor=lawyer, outcome="won")
    assert "outcome" in excinfo.value.message_dict


def test_prepare_from_a_campaign_sues_every_account_behind_its_actionable_items(lawyer):
    campaign = f.CampaignFactory()
    accounts = [f.MonitoredAccountFactory(identity_status="disclosed") for _ in range(2)]
    for account in accounts:
        actionable_item(account=account, platform=account.platform, campaign=campaign)
    lawsuit = prepare(lawyer, campaign=campaign, cause=m.Lawsuit.Cause.COMMERCIAL_DISPARAGEMENT)
    assert lawsuit.campaign == campaign
    defendants = {p.monitored_account_id for p in lawsuit.parties.filter(role="defendant", kind="account")}
    assert defendants == {a.pk for a in accounts}
    assert lawsuit.content_items.count() == 2 and lawsuit.evidence.count() == 2
