"""Lawyers' pages on a suit: proceeding and hearing forms, filing a document, releasing the hold;
what each role may do; the served date and computed deadlines on the page."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from cases import models as m
from tests import factories as f
from tests.accounts.test_views import assert_csp_clean

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.LITIGATION_HOLIDAYS = []


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def messages_of(response) -> list[str]:
    return [str(msg) for msg in get_messages(response.wsgi_request)]


PROCEEDING = {
    "instance": "first",
    "court_name": "北京互联网法院",
    "court_type": "internet",
    "case_number": "(2025)京0491民初12345号",
    "judge": "王法官",
    "outside_counsel": "北京某某律师事务所",
    "filed_on": "2025-03-03",
    "accepted_on": "2025-03-10",
    "decided_on": "",
    "decision_served_on": "",
    "result": "",
}


def test_a_lawyer_adds_a_proceeding_with_judge_and_outside_counsel(lawyer):
    lawsuit = f.FiledLawsuitFactory(lawyer=lawyer)
    url = reverse("cases:proceeding-create", args=[lawsuit.pk])
    page = client_for(lawyer).get(url)
    assert page.status_code == 200
    assert_csp_clean(page.content.decode())
    response = client_for(lawyer).post(url, PROCEEDING)
    assert response.status_code == 302 and response["Location"] == lawsuit.get_absolute_url()
    proceeding = lawsuit.proceedings.get()
    assert (proceeding.case_number, proceeding.judge) == ("(2025)京0491民初12345号", "王法官")
    lawsuit.refresh_from_db()
    assert lawsuit.outside_counsel == "北京某某律师事务所"


def test_a_malformed_case_number_is_explained_on_the_form_and_nothing_is_saved(lawyer):
    lawsuit = f.FiledLawsuitFactory(lawyer=lawyer)
    response = client_for(lawyer).post(
        reverse("cases:proceeding-create", args=[lawsuit.pk]), {**PROCEEDING, "case_number": "京0491民初12345"}
    )
    assert response.status_code == 200
    assert "official format" in " ".join(response.context["form"].errors["case_number"])
    assert "(2025)京0491民初12345号" in response.content.decode()  # the example shows the right format
    assert not lawsuit.proceedings.exists()


def test_editing_a_proceeding_keeps_its_own_case_number(lawyer):
    lawsuit = f.FiledLawsuitFactory(lawyer=lawyer)
    proceeding = f.ProceedingFactory(
        lawsuit=lawsuit, case_number="(2025)京0491民初12345号", court_name="北京互联网法院"
    )
    response = client_for(lawyer).post(
        reverse("cases:proceeding-edit", args=[lawsuit.pk, proceeding.pk]), {**PROCEEDING, "judge": "李法官"}
    )
    assert response.status_code == 302
    proceeding.refresh_from_db()
    assert proceeding.judge == "李法官"


@pytest.mark.parametrize(("role", "status"), [("analyst", 403), ("executive", 403)])
def test_other_roles_cannot_open_the_proceeding_or_hearing_forms(role, status, role_users):
    lawsuit = f.FiledLawsuitFactory()
    proceeding = f.ProceedingFactory(lawsuit=lawsuit)
    client = client_for(role_users[role])
    assert client.get(reverse("cases:proceeding-create", args=[lawsuit.pk])).status_code == status
    assert client.get(reverse("cases:hearing-create", args=[lawsuit.pk, proceeding.pk])).status_code == status
    assert client.post(reverse("cases:proceeding-create", args=[lawsuit.pk]), PROCEEDING).status_code == status
    assert not lawsuit.proceedings.exclude(pk=proceeding.pk).exists()


def test_anonymous_users_are_sent_to_log_in():
    lawsuit = f.FiledLawsuitFactory()
    response = Client().get(reverse("cases:proceeding-create", args=[lawsuit.pk]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_hearing_of_another_suits_proceeding_is_not_found(lawyer):
    lawsuit, other = f.FiledLawsuitFactory(lawyer=lawyer), f.FiledLawsuitFactory()
    foreign = f.ProceedingFactory(lawsuit=other)
    assert client_for(lawyer).get(reverse("cases:hearing-create", args=[lawsuit.pk, foreign.pk])).status_code == 404


def test_a_lawyer_schedules_a_hearing_and_it_shows_on_the_suit(lawyer):
    lawsuit = f.FiledLawsuitFactory(lawyer=lawyer)
    proceeding = f.ProceedingFactory(lawsuit=lawsuit, filed_on=D(2025, 3, 3))
    when = (timezone.localtime() + datetime.timedelta(days=10)).replace(hour=9, minute=30)
    response = client_for(lawyer).post(
        reverse("cases:hearing-create", args=[lawsuit.pk, proceeding.pk]),
        {
            "kind": "hearing",
            "scheduled_at": when.strftime("%Y-%m-%dT%H:%M"),
            "location": "第三法庭<b>",
            "judge": "王法官",
        },
    )
    assert response.status_code == 302
    hearing = proceeding.hearings.get()
    assert hearing.location == "第三法庭<b>"
    html = client_for(lawyer).get(lawsuit.get_absolute_url()).content.decode()
    assert "第三法庭&lt;b&gt;" in html and "第三法庭<b>" not in html


def test_a_hearing_marked_held_in_the_future_is_refused_on_the_form(lawyer):
    lawsuit = f.FiledLawsuitFactory(lawyer=lawyer)
    proceeding = f.ProceedingFactory(lawsuit=lawsuit)
    when = timezone.localtime() + datetime.timedelta(days=3)
    response = client_for(lawyer).post(
        reverse("cases:hearing-create", args=[lawsuit.pk, proceeding.pk]),
        {"kind": "hearing", "scheduled_at": when.strftime("%Y-%m-%dT%H:%M"), "held": "on"},
    )
    assert response.status_code == 200 and "held" in response.context["form"].errors
    assert not proceeding.hearings.exists()


def test_a_document_upload_files_evidence_on_the_suit(lawyer):
    lawsuit = f.FiledLawsuitFactory(lawyer=lawyer)
    upload = SimpleUploadedFile("起诉状.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    response = client_for(lawyer).post(
        reverse("cases:lawsuit-document", args=[lawsuit.pk]), {"title": "起诉状", "file": upload}
    )
    assert response.status_code == 302
    assert lawsuit.evidence.get().title == "起诉状"
    assert any("SHA-256" in msg for msg in messages_of(response))


def test_the_hold_release_is_refused_while_the_suit_is_open(lawyer):
    lawsuit = f.FiledLawsuitFactory(lawyer=lawyer)
    response = client_for(lawyer).post(reverse("cases:lawsuit-hold-release", args=[lawsuit.pk]), {"reason": "结案"})
    assert response.status_code == 302
    assert any("after the suit is closed" in msg for msg in messages_of(response))
    lawsuit.refresh_from_db()
    assert lawsuit.hold_released_at is None


def test_analysts_cannot_release_a_hold(analyst):
    lawsuit = f.FiledLawsuitFactory(stage="closed", closed_on=D(2020, 1, 1))
    response = client_for(analyst).post(reverse("cases:lawsuit-hold-release", args=[lawsuit.pk]), {"reason": "x"})
    assert response.status_code == 403


def test_the_suit_page_shows_service_the_answer_deadline_and_the_hold(lawyer):
    lawsuit = f.FiledLawsuitFactory(lawyer=lawyer, stage="accepted", accepted_on=D(2025, 3, 10), filed_on=D(2025, 3, 3))
    client = client_for(lawyer)
    client.post(reverse("cases:lawsuit-move", args=[lawsuit.pk]), {"to": "service", "on": "2025-03-14"})
    response = client.get(lawsuit.get_absolute_url())
    html = response.content.decode()
    assert "2025-03-14" in html and "2025-03-31" in html
    assert "Litigation hold" in html
    assert_csp_clean(html)


def test_the_detail_page_with_documents_and_disclosures_keeps_a_fixed_query_count(lawyer):
    client = client_for(lawyer)

    def build(n: int) -> m.Lawsuit:
        lawsuit = f.FiledLawsuitFactory(lawyer=lawyer, stage="hearing")
        for _i in range(n):
            party = f.LawsuitPartyFactory(lawsuit=lawsuit)
            f.IdentityDisclosureFactory(account=party.monitored_account, lawsuit=lawsuit)
            f.EvidenceFactory(litigation_hold=True).lawsuits.add(lawsuit)
            proceeding = f.ProceedingFactory(lawsuit=lawsuit)
            f.HearingFactory(proceeding=proceeding)
        return lawsuit

    small, large = build(1), build(5)
    client.get(small.get_absolute_url())
    with CaptureQueriesContext(connection) as few:
        assert client.get(small.get_absolute_url()).status_code == 200
    with CaptureQueriesContext(connection) as many:
        assert client.get(large.get_absolute_url()).status_code == 200
    assert len(many) == len(few) <= 20
