"""Letter and disclosure pages: prefilled drafting from an account or an owner's request, the links
on the account and request pages, the moves, role checks, masking, audit and query counts."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from cases import models as m
from cases.services import letters
from tests import factories as f
from tests.accounts.test_views import assert_csp_clean

pytestmark = pytest.mark.django_db
CREATE = reverse("cases:letter-create")


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def messages_of(response) -> list[str]:
    return [str(msg) for msg in get_messages(response.wsgi_request)]


def actionable_item(account: m.MonitoredAccount) -> m.ContentItem:
    item = f.ContentItemFactory(account=account, platform=account.platform, triage_state="suspected")
    f.EvidenceFactory().content_items.add(item)
    return item


def letter_post(item: m.ContentItem, **extra) -> dict:
    deadline = timezone.localdate() + datetime.timedelta(days=7)
    return {"items": [item.pk], "demands": ["delete", "apology"], "deadline": deadline.isoformat(), **extra}


def test_the_account_page_links_to_a_prefilled_letter(analyst):
    account = f.MonitoredAccountFactory(name="汽车黑料王")
    item = actionable_item(account)
    page = client_for(analyst).get(account.get_absolute_url()).content.decode()
    assert f"{CREATE}?account={account.pk}" in page
    response = client_for(analyst).get(CREATE, {"account": account.pk})
    assert response.status_code == 200
    assert response.context["form"].initial["items"] == [item.pk]
    assert_csp_clean(response.content.decode())


def test_a_letter_is_drafted_from_the_prefilled_page(analyst):
    account = f.MonitoredAccountFactory()
    item = actionable_item(account)
    response = client_for(analyst).post(f"{CREATE}?account={account.pk}", letter_post(item))
    letter = m.LawyerLetter.objects.get()
    assert response.status_code == 302 and response["Location"] == letter.get_absolute_url()
    assert letter.recipient_account == account and letter.created_by == analyst


def test_a_past_deadline_is_explained_on_the_form(analyst):
    account = f.MonitoredAccountFactory()
    item = actionable_item(account)
    response = client_for(analyst).post(
        f"{CREATE}?account={account.pk}", letter_post(item, deadline=timezone.localdate().isoformat())
    )
    assert response.status_code == 200 and "deadline" in response.context["form"].errors
    assert not m.LawyerLetter.objects.exists()


def test_the_assistance_request_page_links_to_a_letter_and_a_supported_suit(lawyer):
    request = f.AssistanceRequestFactory()
    account = f.MonitoredAccountFactory(name="造谣号")
    item = actionable_item(account)
    request.content_items.add(item)
    html = client_for(lawyer).get(request.get_absolute_url()).content.decode()
    assert f"{CREATE}?assistance_request={request.pk}" in html
    assert f"{reverse('cases:lawsuit-prepare', args=[account.pk])}?assistance_request={request.pk}" in html
    response = client_for(lawyer).post(f"{CREATE}?assistance_request={request.pk}", letter_post(item))
    assert response.status_code == 302
    assert m.LawyerLetter.objects.get().assistance_request == request


def test_a_suit_prepared_from_a_request_supports_the_owner(lawyer):
    request = f.AssistanceRequestFactory()
    account = f.MonitoredAccountFactory()
    item = actionable_item(account)
    url = reverse("cases:lawsuit-prepare", args=[account.pk]) + f"?assistance_request={request.pk}"
    page = client_for(lawyer).get(url)
    assert request.reference in page.content.decode()
    client_for(lawyer).post(
        url, {"items": [item.pk], "cause": "reputation", "damages": "0", "costs": "0", "apology_days": "30"}
    )
    lawsuit = m.Lawsuit.objects.get()
    assert lawsuit.assistance_request == request and lawsuit.our_role == "supporting_owner"


@pytest.mark.parametrize("role", ["executive"])
def test_executives_cannot_draft_letters(role, role_users):
    account = f.MonitoredAccountFactory()
    item = actionable_item(account)
    client = client_for(role_users[role])
    assert client.get(CREATE, {"account": account.pk}).status_code == 403
    assert client.post(f"{CREATE}?account={account.pk}", letter_post(item)).status_code == 403
    assert not m.LawyerLetter.objects.exists()


def test_executives_read_letters_but_see_no_action_forms(executive, lawyer):
    account = f.MonitoredAccountFactory()
    actionable_item(account)
    letter = letters.letter_create(
        actor=lawyer, account=account, demands=["delete"], deadline=timezone.localdate() + datetime.timedelta(days=5)
    )
    response = client_for(executive).get(letter.get_absolute_url())
    assert response.status_code == 200
    assert "can_issue" not in response.context and not response.context["can_approve"]
    assert client_for(executive).post(reverse("cases:letter-issue", args=[letter.pk])).status_code == 403


def test_a_lawyer_approves_issues_and_records_delivery_through_the_pages(lawyer):
    account = f.MonitoredAccountFactory(name="汽车黑料王")
    actionable_item(account)
    letter = letters.letter_create(
        actor=lawyer, account=account, demands=["delete"], deadline=timezone.localdate() + datetime.timedelta(days=5)
    )
    client = client_for(lawyer)
    client.post(reverse("cases:letter-approve", args=[letter.pk]))
    client.post(reverse("cases:letter-issue", args=[letter.pk]))
    letter.refresh_from_db()
    assert letter.status == "issued" and letter.pdf_sha256
    response = client.post(reverse("cases:letter-deliver", args=[letter.pk]), {"channel": "express", "proof": ""})
    assert any("proof" in msg.lower() for msg in messages_of(response))
    client.post(reverse("cases:letter-deliver", args=[letter.pk]), {"channel": "express", "proof": "SF1234567890"})
    letter.refresh_from_db()
    assert letter.status == "delivered"
    page = client.get(letter.get_absolute_url()).content.decode()
    assert letter.pdf_sha256 in page and reverse("cases:evidence-download", args=[letter.pdf_evidence_id]) in page
    deadlines = client.get(reverse("cases:deadline-list")).content.decode()
    assert "汽车黑料王" in deadlines


def test_the_letter_list_and_detail_cost_a_bounded_number_of_queries(lawyer):
    client = client_for(lawyer)
    for _n in range(6):
        account = f.MonitoredAccountFactory()
        actionable_item(account)
        letters.letter_create(
            actor=lawyer,
            account=account,
            demands=["delete"],
            deadline=timezone.localdate() + datetime.timedelta(days=5),
        )
    with CaptureQueriesContext(connection) as listing:
        assert client.get(reverse("cases:letter-list")).status_code == 200
    assert len(listing) <= 10
    letter = m.LawyerLetter.objects.first()
    with CaptureQueriesContext(connection) as detail:
        assert client.get(letter.get_absolute_url()).status_code == 200
    assert len(detail) <= 14


# --- Disclosures -------------------------------------------------------------------------


def disclosed(lawyer) -> m.IdentityDisclosure:
    from cases.services import disclosures

    request = disclosures.disclosure_request(actor=lawyer, account=f.MonitoredAccountFactory(), route="court_order")
    return disclosures.disclosure_record_response(
        disclosure=request, actor=lawyer, status="disclosed", name="张伟", contact="13812345678"
    )


def test_a_lawyer_requests_a_disclosure_from_the_account_page(lawyer):
    account = f.MonitoredAccountFactory(identity_status="anonymous")
    url = reverse("cases:disclosure-create", args=[account.pk])
    assert url in client_for(lawyer).get(account.get_absolute_url()).content.decode()
    response = client_for(lawyer).post(url, {"route": "court_order", "notes": "调查令"})
    disclosure = m.IdentityDisclosure.objects.get()
    assert response.status_code == 302 and response["Location"] == disclosure.get_absolute_url()


def test_analysts_may_not_request_or_open_disclosures(analyst, lawyer):
    account = f.MonitoredAccountFactory()
    assert client_for(analyst).get(reverse("cases:disclosure-create", args=[account.pk])).status_code == 403
    disclosure = disclosed(lawyer)
    assert client_for(analyst).get(disclosure.get_absolute_url()).status_code == 403
    assert (
        reverse("cases:disclosure-create", args=[account.pk])
        not in client_for(analyst).get(account.get_absolute_url()).content.decode()
    )


def test_a_lawyer_sees_the_holder_and_the_read_is_audited(lawyer):
    disclosure = disclosed(lawyer)
    before = m.AuditEvent.objects.filter(action="view", object_type="cases.identitydisclosure").count()
    html = client_for(lawyer).get(disclosure.get_absolute_url()).content.decode()
    assert "张伟" in html and "13812345678" in html
    assert m.AuditEvent.objects.filter(action="view", object_type="cases.identitydisclosure").count() == before + 1
    assert_csp_clean(html)


def test_the_answer_is_recorded_through_the_page(lawyer):
    from cases.services import disclosures

    request = disclosures.disclosure_request(actor=lawyer, account=f.MonitoredAccountFactory(), route="platform")
    client_for(lawyer).post(reverse("cases:disclosure-respond", args=[request.pk]), {"status": "no_record"})
    request.refresh_from_db()
    assert request.status == "no_record" and request.answered_at is not None


def test_unticking_every_item_is_an_error_not_a_letter_about_all_of_them(analyst):
    account = f.MonitoredAccountFactory()
    item = actionable_item(account)
    data = letter_post(item)
    data.pop("items")
    response = client_for(analyst).post(f"{CREATE}?account={account.pk}", data)
    assert response.status_code == 200 and "items" in response.context["form"].errors
    assert not m.LawyerLetter.objects.exists()


def test_the_letter_list_shows_open_letters_before_closed_ones(lawyer):
    account = f.MonitoredAccountFactory()
    actionable_item(account)
    closed = f.LawyerLetterFactory(status="closed", issued_at=timezone.now(), approved_at=timezone.now())
    open_letter = f.LawyerLetterFactory()
    listed = list(client_for(lawyer).get(reverse("cases:letter-list")).context["letters"])
    assert listed == [open_letter, closed]


def test_the_account_page_links_each_disclosure_for_lawyers_only(lawyer, analyst):
    disclosure = disclosed(lawyer)
    url = disclosure.get_absolute_url()
    assert url in client_for(lawyer).get(disclosure.account.get_absolute_url()).content.decode()
    assert url not in client_for(analyst).get(disclosure.account.get_absolute_url()).content.decode()


def test_a_lawyer_releases_a_closed_letters_hold_from_its_page(lawyer, analyst, settings):
    settings.LITIGATION_HOLD_RETENTION_DAYS = 0
    account = f.MonitoredAccountFactory()
    item = actionable_item(account)
    letter = letters.letter_create(
        actor=lawyer, account=account, demands=["delete"], deadline=timezone.localdate() + datetime.timedelta(days=5)
    )
    letters.letter_approve(letter=letter, actor=lawyer)
    letters.letter_issue(letter=letter, actor=lawyer)
    m.LawyerLetter.objects.filter(pk=letter.pk).update(deadline=timezone.localdate() - datetime.timedelta(days=1))
    letters.letter_close(letter=m.LawyerLetter.objects.get(pk=letter.pk), actor=lawyer)
    url = reverse("cases:letter-hold-release", args=[letter.pk])
    assert url in client_for(lawyer).get(letter.get_absolute_url()).content.decode()
    assert url not in client_for(analyst).get(letter.get_absolute_url()).content.decode()
    client_for(analyst).post(url, {"reason": "x"})
    assert item.evidence.get().litigation_hold  # refused for analysts
    client_for(lawyer).post(url, {"reason": "保管期满"})
    assert not item.evidence.get().litigation_hold
