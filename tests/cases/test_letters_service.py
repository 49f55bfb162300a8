"""Lawyer letters (cases/services/letters.py): drafting from an account, a campaign or an owner's
request; approval; the issued Chinese PDF kept as evidence; delivery; response; closing."""

from __future__ import annotations

import datetime
import hashlib
import subprocess
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from cases import models as m
from cases.services import evidence, letters
from tests import factories as f

pytestmark = pytest.mark.django_db
S = m.LawyerLetter.Status
Demand = m.LawyerLetter.Demand


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LITIGATION_COMPANY_NAME = "曜川汽车股份有限公司"
    with translation.override("en"):
        yield


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def actionable_item(account: m.MonitoredAccount, **extra) -> m.ContentItem:
    item = f.ContentItemFactory(account=account, platform=account.platform, triage_state="suspected", **extra)
    f.EvidenceFactory().content_items.add(item)
    return item


def draft(actor, **kwargs) -> m.LawyerLetter:
    kwargs.setdefault("demands", [Demand.DELETE, Demand.APOLOGY])
    kwargs.setdefault("deadline", in_days(7))
    return letters.letter_create(actor=actor, **kwargs)


def issued(lawyer, **kwargs) -> m.LawyerLetter:
    letter = draft(lawyer, **kwargs)
    letters.letter_approve(letter=letter, actor=lawyer)
    return letters.letter_issue(letter=letter, actor=lawyer)


def pdf_text(letter: m.LawyerLetter) -> str:
    with letter.pdf.open("rb") as handle:
        data = handle.read()
    return subprocess.run(
        ["/usr/bin/pdftotext", "-raw", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()


# --- Drafting ----------------------------------------------------------------------------


def test_a_letter_from_an_account_cites_its_actionable_items_and_addresses_the_account(analyst):
    account = f.MonitoredAccountFactory(name="汽车黑料王", agency=f.AgencyFactory())
    item = actionable_item(account)
    letter = draft(analyst, account=account)
    assert letter.status == S.DRAFT and letter.recipient_account == account
    assert letter.recipient_agency == account.agency
    assert list(letter.content_items.all()) == [item]
    item.refresh_from_db()
    assert item.triage_state == "acting"


def test_a_drafted_letter_counts_in_the_recipients_risk_score_at_once(analyst):
    account = f.MonitoredAccountFactory()
    actionable_item(account)
    draft(analyst, account=account)
    account.refresh_from_db()
    assert account.risk_factors["letters"] == 1  # stored by the service, not left to the nightly job
    assert account.risk_scored_at is not None


def test_a_letter_from_a_campaign_across_accounts_needs_a_named_recipient(analyst):
    campaign = f.CampaignFactory()
    for _n in range(2):
        actionable_item(f.MonitoredAccountFactory(), campaign=campaign)
    with pytest.raises(ValidationError) as error:
        draft(analyst, campaign=campaign)
    assert "recipient_name" in error.value.message_dict
    letter = draft(analyst, campaign=campaign, recipient_name="某某文化传媒有限公司")
    assert letter.campaign == campaign and letter.content_items.count() == 2


def test_a_letter_for_an_owners_request_links_back_to_it(lawyer):
    request = f.AssistanceRequestFactory()
    account = f.MonitoredAccountFactory()
    item = actionable_item(account)
    request.content_items.add(item)
    letter = draft(lawyer, assistance_request=request)
    assert letter.assistance_request == request and letter.recipient_account == account
    assert list(request.letters.all()) == [letter]


def test_no_letter_before_the_items_have_fixed_evidence(analyst):
    account = f.MonitoredAccountFactory()
    f.ContentItemFactory(account=account, platform=account.platform, triage_state="suspected")
    with pytest.raises(ValidationError, match="Fix evidence first"):
        draft(analyst, account=account)
    assert not m.LawyerLetter.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"demands": []}, "demands"),
        ({"demands": ["delete", "bribe"]}, "demands"),
        ({"demands": [Demand.PIN_APOLOGY]}, "apology_pin_days"),
        ({"demands": [Demand.COMPENSATE], "compensation_amount": Decimal("0")}, "compensation_amount"),
        ({"deadline": None}, "deadline"),
        ({"deadline": timezone.localdate()}, "deadline"),
    ],
)
def test_bad_terms_are_refused_with_a_field_error(analyst, kwargs, field):
    account = f.MonitoredAccountFactory()
    actionable_item(account)
    with pytest.raises(ValidationError) as error:
        draft(analyst, account=account, **kwargs)
    assert field in error.value.message_dict
    assert not m.LawyerLetter.objects.exists()


def test_executives_cannot_draft_letters(executive):
    account = f.MonitoredAccountFactory()
    actionable_item(account)
    with pytest.raises(PermissionDenied):
        draft(executive, account=account)


# --- Approval and issue ------------------------------------------------------------------


def test_only_a_lawyer_approves_and_an_unapproved_letter_is_not_issued(analyst, lawyer):
    account = f.MonitoredAccountFactory()
    actionable_item(account)
    letter = draft(analyst, account=account)
    with pytest.raises(PermissionDenied):
        letters.letter_approve(letter=letter, actor=analyst)
    with pytest.raises(ValidationError, match="approve"):
        letters.letter_issue(letter=letter, actor=analyst)
    letters.letter_approve(letter=letter, actor=lawyer)
    letter.refresh_from_db()
    assert letter.approved_by == lawyer and letter.lawyer == lawyer
    assert m.StateChange.objects.filter(object_id=letter.pk, field="approval", to_state="approved").exists()


def test_issuing_keeps_the_chinese_pdf_as_evidence_with_its_hash_and_holds_the_items_evidence(lawyer):
    account = f.MonitoredAccountFactory(name="汽车黑料王", platform_uid="6012345678")
    item = actionable_item(account, url="https://weibo.com/6012345678/PostAbc")
    item_evidence = item.evidence.get()
    letter = issued(lawyer, account=account, demands=[Demand.DELETE, Demand.PIN_APOLOGY], apology_pin_days=30)

    assert letter.status == S.ISSUED and letter.issued_at is not None
    fixed = letter.pdf_evidence
    assert fixed.mime_type == "application/pdf" and fixed.capture_method == "document" and fixed.litigation_hold
    with letter.pdf.open("rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == letter.pdf_sha256 == fixed.sha256
    text = pdf_text(letter)
    assert "汽车黑料王" in text  # the Chinese recipient (the letter's own wording comes from the catalogue)
    joined = "".join(text.split())  # long URLs and hashes wrap inside their table cells
    assert "https://weibo.com/6012345678/PostAbc" in joined
    assert letter.deadline.strftime("%Y-%m-%d") in text
    assert item_evidence.sha256 in joined
    item_evidence.refresh_from_db()
    assert item_evidence.litigation_hold
    with pytest.raises(ValidationError):
        evidence.evidence_delete(evidence=fixed, actor=lawyer, reason="错了")


def test_html_in_the_recipient_is_escaped_in_the_pdf_and_nothing_is_fetched(lawyer):
    account = f.MonitoredAccountFactory(name='<img src="file:///etc/passwd">坏人')
    actionable_item(account)
    letter = issued(lawyer, account=account)
    text = pdf_text(letter)
    assert '<img src="file:///etc/passwd">坏人' in text  # shown as text, not an element
    with pytest.raises(ValueError):
        letters.refuse_fetch("file:///etc/passwd")
    with pytest.raises(ValueError):
        letters.refuse_fetch("http://169.254.169.254/latest/meta-data")


def test_an_issued_letter_cannot_be_issued_again(lawyer):
    account = f.MonitoredAccountFactory()
    actionable_item(account)
    letter = issued(lawyer, account=account)
    with pytest.raises(ValidationError, match="Only a draft"):
        letters.letter_issue(letter=letter, actor=lawyer)


# --- Delivery, response, closing ---------------------------------------------------------


def test_delivery_needs_proof_for_express_and_puts_the_deadline_on_the_list(lawyer):
    account = f.MonitoredAccountFactory()
    actionable_item(account)
    letter = issued(lawyer, account=account)
    with pytest.raises(ValidationError) as error:
        letters.letter_deliver(letter=letter, actor=lawyer, channel="express", proof="")
    assert "proof" in error.value.message_dict
    letter.refresh_from_db()
    assert letter.status == S.ISSUED
    letters.letter_deliver(letter=letter, actor=lawyer, channel="express", proof="SF1234567890123")
    letter.refresh_from_db()
    assert letter.status == S.DELIVERED and letter.delivery_proof == "SF1234567890123"
    row = m.Deadline.objects.get(letter=letter)
    assert row.rule == "letter" and row.due_on == letter.deadline and row.responsible == lawyer
    assert row in m.Deadline.objects.due_within(30)


def test_a_response_before_delivery_is_an_illegal_move(lawyer):
    account = f.MonitoredAccountFactory()
    actionable_item(account)
    letter = draft(lawyer, account=account)
    with pytest.raises(ValidationError, match="delivered"):
        letters.letter_record_response(letter=letter, actor=lawyer, response="已删除", outcome="complied")


def test_a_response_and_close_record_the_outcome_and_finish_the_deadline(lawyer):
    account = f.MonitoredAccountFactory()
    actionable_item(account)
    letter = issued(lawyer, account=account)
    letters.letter_deliver(letter=letter, actor=lawyer, channel="email", proof="msg-1@example.com")
    letters.letter_record_response(letter=letter, actor=lawyer, response="已删除两条，拒绝道歉", outcome="partial")
    letter.refresh_from_db()
    assert letters.suggests_suit(letter)
    letters.letter_close(letter=letter, actor=lawyer)
    letter.refresh_from_db()
    assert letter.status == S.CLOSED and letter.outcome == "partial"
    assert not m.Deadline.objects.filter(letter=letter, done_at__isnull=True).exists()


def test_closing_as_ignored_waits_for_the_deadline(lawyer):
    account = f.MonitoredAccountFactory()
    actionable_item(account)
    letter = issued(lawyer, account=account)
    letters.letter_deliver(letter=letter, actor=lawyer, channel="in_person")
    with pytest.raises(ValidationError, match="has not passed"):
        letters.letter_close(letter=letter, actor=lawyer)
    m.LawyerLetter.objects.filter(pk=letter.pk).update(deadline=timezone.localdate() - datetime.timedelta(days=1))
    letter.refresh_from_db()
    assert letters.suggests_suit(letter)  # deadline passed without an answer: the next step is a suit
    letters.letter_close(letter=letter, actor=lawyer, reason="期限届满未回应")
    letter.refresh_from_db()
    assert letter.outcome == "no_response" and letter.status == S.CLOSED
