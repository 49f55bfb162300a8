"""Litigation hold on a suit's evidence, the service date feeding the answer deadline, proceedings,
hearings and documents (cases/services/holds.py, proceedings.py, litigation.lawsuit_move)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone, translation

from cases import models as m
from cases.services import deadlines, evidence, holds, litigation, proceedings
from tests import factories as f

pytestmark = pytest.mark.django_db
D = datetime.date
St = m.Lawsuit.Stage


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.LITIGATION_HOLIDAYS = []
    settings.LITIGATION_HOLD_RETENTION_DAYS = 730
    with translation.override("en"):  # the messages asserted below are the English ones
        yield


def actionable_item(account: m.MonitoredAccount) -> tuple[m.ContentItem, m.Evidence]:
    item = f.ContentItemFactory(account=account, platform=account.platform, triage_state="suspected")
    ev = f.EvidenceFactory()
    ev.content_items.add(item)
    return item, ev


def prepared(lawyer) -> tuple[m.Lawsuit, m.Evidence, m.Evidence]:
    account = f.MonitoredAccountFactory()
    _item, item_evidence = actionable_item(account)
    account_evidence = f.EvidenceFactory(account=account)  # a home-page capture, not tied to an item
    lawsuit = litigation.lawsuit_prepare(actor=lawyer, account=account, cause=m.Lawsuit.Cause.REPUTATION)
    return lawsuit, item_evidence, account_evidence


def move(lawsuit, lawyer, to, on, **kw):
    return litigation.lawsuit_move(lawsuit=lawsuit, to=to, actor=lawyer, on=on, **kw)


# --- Hold ------------------------------------------------------------------------------------


def test_filing_puts_the_evidence_of_the_items_and_accounts_on_hold(lawyer):
    lawsuit, item_evidence, account_evidence = prepared(lawyer)
    unrelated = f.EvidenceFactory()
    assert not m.Evidence.objects.filter(litigation_hold=True).exists()  # preparing: no hold yet

    move(lawsuit, lawyer, St.SUBMITTED, D(2025, 3, 3))

    held = set(m.Evidence.objects.filter(litigation_hold=True).values_list("pk", flat=True))
    assert held == {item_evidence.pk, account_evidence.pk}
    assert unrelated.pk not in held
    with pytest.raises(ValidationError, match="litigation hold"):
        evidence.evidence_delete(evidence=item_evidence, actor=lawyer, reason="重复")


def test_an_owners_suit_holds_the_assistance_request_too(lawyer):
    account = f.MonitoredAccountFactory()
    actionable_item(account)
    request = f.AssistanceRequestFactory()
    lawsuit = litigation.lawsuit_prepare(
        actor=lawyer, account=account, cause=m.Lawsuit.Cause.REPUTATION, assistance_request=request
    )
    assert lawsuit.our_role == m.Lawsuit.OurRole.SUPPORTING_OWNER and lawsuit.assistance_request == request
    assert lawsuit.parties.get(role="plaintiff").kind == "owner"
    # The figure "suits supporting owners" counts it once filed (reports/selectors.py: filed & supporting_owner).
    assert not m.Lawsuit.objects.filed().supporting_owners().exists()
    move(lawsuit, lawyer, St.SUBMITTED, D(2025, 3, 3))
    assert list(m.Lawsuit.objects.filed().supporting_owners()) == [lawsuit]
    request.refresh_from_db()
    assert request.litigation_hold


def _closed(lawsuit: m.Lawsuit, closed_on: datetime.date) -> m.Lawsuit:
    m.Lawsuit.objects.filter(pk=lawsuit.pk).update(stage=St.CLOSED, closed_on=closed_on)
    lawsuit.refresh_from_db()
    return lawsuit


def test_the_hold_cannot_be_released_while_the_suit_is_open_or_within_retention(lawyer):
    lawsuit, item_evidence, _ = prepared(lawyer)
    move(lawsuit, lawyer, St.SUBMITTED, D(2025, 3, 3))
    with pytest.raises(ValidationError, match="closed"):
        holds.hold_release_for_lawsuit(lawsuit=lawsuit, actor=lawyer)
    _closed(lawsuit, timezone.localdate() - datetime.timedelta(days=10))
    with pytest.raises(ValidationError, match="kept until"):
        holds.hold_release_for_lawsuit(lawsuit=lawsuit, actor=lawyer)
    item_evidence.refresh_from_db()
    assert item_evidence.litigation_hold


def test_only_a_lawyer_releases_the_hold(lawyer, analyst):
    lawsuit, _, _ = prepared(lawyer)
    move(lawsuit, lawyer, St.SUBMITTED, D(2022, 3, 3))
    _closed(lawsuit, D(2023, 1, 1))
    with pytest.raises(PermissionDenied):
        holds.hold_release_for_lawsuit(lawsuit=lawsuit, actor=analyst)


def test_after_retention_a_lawyer_releases_the_hold_except_where_another_suit_needs_the_evidence(lawyer):
    lawsuit, item_evidence, account_evidence = prepared(lawyer)
    move(lawsuit, lawyer, St.SUBMITTED, D(2022, 3, 3))
    # A second, still open suit (against another account) also relies on the home-page capture.
    other = f.FiledLawsuitFactory(lawyer=lawyer)
    other.evidence.add(account_evidence)
    holds.hold_for_lawsuit(lawsuit=other, actor=lawyer)
    _closed(lawsuit, D(2023, 1, 1))
    assert holds.can_release(lawsuit)

    released = holds.hold_release_for_lawsuit(lawsuit=lawsuit, actor=lawyer, reason="保管期满")

    assert released == 1
    item_evidence.refresh_from_db()
    account_evidence.refresh_from_db()
    assert not item_evidence.litigation_hold and account_evidence.litigation_hold
    lawsuit.refresh_from_db()
    assert lawsuit.hold_released_at is not None
    assert m.StateChange.objects.filter(object_id=lawsuit.pk, field="hold", to_state="released").exists()
    with pytest.raises(ValidationError, match="already released"):
        holds.hold_release_for_lawsuit(lawsuit=lawsuit, actor=lawyer)


# --- Service date and the clock --------------------------------------------------------------


def test_recording_service_stores_the_date_and_the_answer_deadline_follows_it(lawyer):
    lawsuit = f.FiledLawsuitFactory(
        lawyer=lawyer, stage=St.ACCEPTED, accepted_on=D(2025, 3, 10), filed_on=D(2025, 3, 3)
    )
    move(lawsuit, lawyer, St.SERVICE, D(2025, 3, 14))  # Friday
    lawsuit.refresh_from_db()
    assert lawsuit.served_on == D(2025, 3, 14)
    answer = lawsuit.deadlines.get(rule="answer")
    assert answer.due_on == D(2025, 3, 31)  # 15 days → Saturday 29th → Monday 31st
    # A later recompute (any other write) keeps the answer deadline, computed from the stored date.
    deadlines.deadlines_sync(lawsuit)
    assert lawsuit.deadlines.get(rule="answer").due_on == D(2025, 3, 31)


def test_service_before_acceptance_is_refused(lawyer):
    lawsuit = f.FiledLawsuitFactory(
        lawyer=lawyer, stage=St.ACCEPTED, accepted_on=D(2025, 3, 10), filed_on=D(2025, 3, 3)
    )
    with pytest.raises(ValidationError, match="cannot be before"):
        move(lawsuit, lawyer, St.SERVICE, D(2025, 3, 9))
    lawsuit.refresh_from_db()
    assert lawsuit.stage == St.ACCEPTED and lawsuit.served_on is None


def test_judgment_service_opens_the_appeal_window_with_its_deadline(lawyer):
    lawsuit = f.FiledLawsuitFactory(
        lawyer=lawyer, stage=St.HEARING, filed_on=D(2025, 3, 3), accepted_on=D(2025, 3, 10), served_on=D(2025, 3, 14)
    )
    move(lawsuit, lawyer, St.JUDGED_FIRST, D(2025, 6, 2))
    move(lawsuit, lawyer, St.APPEAL_WINDOW, D(2025, 6, 6))
    appeal = lawsuit.deadlines.get(rule="appeal_judgment")
    assert appeal.due_on == D(2025, 6, 23)  # 6 June + 15 = Saturday 21st → Monday 23rd
    with pytest.raises(ValidationError, match="out of time"):
        move(lawsuit, lawyer, St.APPEAL, D(2025, 6, 24))


# --- Proceedings and hearings -----------------------------------------------------------------


def proceeding_data(**extra):
    data = {
        "instance": "first",
        "court_name": "北京互联网法院",
        "court_type": "internet",
        "case_number": "(2025)京0491民初12345号",
        "judge": "王法官",
        "filed_on": D(2025, 3, 3),
        "accepted_on": D(2025, 3, 10),
        "decided_on": None,
        "decision_served_on": None,
        "result": "",
    }
    return {**data, **extra}


def test_a_proceeding_is_saved_with_a_normalised_case_number_and_the_outside_counsel(lawyer):
    lawsuit = f.FiledLawsuitFactory(lawyer=lawyer)
    pr = proceedings.proceeding_save(
        lawsuit=lawsuit,
        actor=lawyer,
        data=proceeding_data(case_number="（2025）京0491民初12345号"),
        outside_counsel="北京某某律师事务所",
    )
    assert pr.case_number == "(2025)京0491民初12345号" and pr.judge == "王法官"
    lawsuit.refresh_from_db()
    assert lawsuit.outside_counsel == "北京某某律师事务所"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"case_number": "2025京0491民初12345"}, "case_number"),
        ({"accepted_on": D(2025, 3, 1)}, "accepted_on"),
        ({"decided_on": D(2025, 3, 20), "decision_served_on": D(2025, 3, 19)}, "decision_served_on"),
        ({"filed_on": timezone.localdate() + datetime.timedelta(days=2), "accepted_on": None}, "filed_on"),
    ],
)
def test_bad_proceeding_input_is_refused_and_nothing_is_saved(lawyer, changes, field):
    lawsuit = f.FiledLawsuitFactory(lawyer=lawyer)
    with pytest.raises(ValidationError) as error:
        proceedings.proceeding_save(lawsuit=lawsuit, actor=lawyer, data=proceeding_data(**changes))
    assert field in error.value.message_dict
    assert not lawsuit.proceedings.exists()


def test_a_duplicate_case_number_is_refused(lawyer):
    f.ProceedingFactory(case_number="(2025)京0491民初12345号")
    lawsuit = f.FiledLawsuitFactory(lawyer=lawyer)
    with pytest.raises(ValidationError, match="already has this case number"):
        proceedings.proceeding_save(lawsuit=lawsuit, actor=lawyer, data=proceeding_data())


def test_analysts_cannot_change_proceedings(analyst):
    lawsuit = f.FiledLawsuitFactory()
    with pytest.raises(PermissionDenied):
        proceedings.proceeding_save(lawsuit=lawsuit, actor=analyst, data=proceeding_data())


def test_a_hearing_in_the_future_cannot_be_held_and_none_before_filing(lawyer):
    pr = f.ProceedingFactory(filed_on=D(2025, 3, 3))
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        proceedings.hearing_save(
            proceeding=pr, actor=lawyer, data={"kind": "hearing", "scheduled_at": tomorrow, "held": True}
        )
    assert "held" in error.value.message_dict
    early = timezone.make_aware(datetime.datetime(2025, 3, 1, 9, 30))
    with pytest.raises(ValidationError) as error:
        proceedings.hearing_save(proceeding=pr, actor=lawyer, data={"kind": "hearing", "scheduled_at": early})
    assert "scheduled_at" in error.value.message_dict
    hearing = proceedings.hearing_save(
        proceeding=pr,
        actor=lawyer,
        data={"kind": "hearing", "scheduled_at": tomorrow, "location": "第三法庭", "judge": "李法官", "held": False},
    )
    assert hearing.location == "第三法庭" and pr.hearings.count() == 1


def test_a_document_is_filed_as_evidence_on_the_suit_and_held_once_filed(lawyer):
    lawsuit = f.FiledLawsuitFactory(lawyer=lawyer)
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    doc = proceedings.lawsuit_add_document(
        lawsuit=lawsuit, actor=lawyer, uploaded=ContentFile(pdf, name="判决书.pdf"), title="一审判决书"
    )
    assert list(doc.lawsuits.all()) == [lawsuit]
    assert doc.litigation_hold and doc.capture_method == "document" and doc.status == "submitted"
    assert doc.custody_events.filter(action="uploaded").exists()
    with pytest.raises(ValidationError):
        proceedings.lawsuit_add_document(
            lawsuit=lawsuit, actor=lawyer, uploaded=ContentFile(b"MZ\x90\x00evil", name="x.exe"), title="x"
        )


# --- Letters ---------------------------------------------------------------------------------


def closed_letter(lawyer) -> tuple[m.LawyerLetter, m.Evidence]:
    from cases.services import letters

    account = f.MonitoredAccountFactory()
    _item, item_evidence = actionable_item(account)
    deadline = timezone.localdate() + datetime.timedelta(days=3)
    letter = letters.letter_create(actor=lawyer, account=account, demands=["delete"], deadline=deadline)
    letters.letter_approve(letter=letter, actor=lawyer)
    letters.letter_issue(letter=letter, actor=lawyer)
    m.LawyerLetter.objects.filter(pk=letter.pk).update(deadline=timezone.localdate() - datetime.timedelta(days=1))
    letter.refresh_from_db()
    letters.letter_close(letter=letter, actor=lawyer)  # closed today (the timeline is append-only)
    letter.refresh_from_db()
    return letter, item_evidence


def test_a_closed_letters_hold_is_released_after_retention_by_a_lawyer(lawyer, analyst, settings):
    settings.LITIGATION_HOLD_RETENTION_DAYS = 0
    letter, item_evidence = closed_letter(lawyer)
    assert item_evidence.__class__.objects.get(pk=item_evidence.pk).litigation_hold
    with pytest.raises(PermissionDenied):
        holds.hold_release_for_letter(letter=letter, actor=analyst)
    released = holds.hold_release_for_letter(letter=letter, actor=lawyer, reason="保管期满")
    assert released == 2  # the item's capture and the issued PDF
    item_evidence.refresh_from_db()
    assert not item_evidence.litigation_hold


def test_a_recently_closed_letter_keeps_its_hold(lawyer):
    letter, item_evidence = closed_letter(lawyer)
    with pytest.raises(ValidationError, match="kept until"):
        holds.hold_release_for_letter(letter=letter, actor=lawyer)
    item_evidence.refresh_from_db()
    assert item_evidence.litigation_hold
