"""Assigning a request to a lawyer: who may, the audit, the queue filters, the lawyer's email, owner privacy."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cases.models import AssistanceRequest, AuditEvent
from cases.services import assistance
from tests.cases.test_assistance_staff import make_request, url
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LIST = reverse("cases:assistance-request-list")


@pytest.fixture
def second_lawyer(django_user_model):
    return django_user_model.objects.create_user(
        username="lawyer2", password=PASSWORD, role="lawyer", display_name="张律师", email="zhang@example.com"
    )


def test_a_lawyer_assigns_a_request_and_the_change_is_audited(lawyer_client, lawyer, second_lawyer):
    req = make_request()

    response = lawyer_client.post(url("assign", req), {"lawyer": second_lawyer.pk})

    assert response.status_code == 302
    req.refresh_from_db()
    assert req.assigned_lawyer == second_lawyer
    event = AuditEvent.objects.filter(
        object_type="cases.assistancerequest", object_id=str(req.pk), action="update"
    ).latest("pk")
    assert event.diff["assigned_lawyer_id"] == [None, second_lawyer.pk]
    assert event.actor_id == lawyer.pk and event.actor_type == "user"


def test_reassigning_moves_it_and_emails_the_new_lawyer_after_commit(
    lawyer, second_lawyer, django_capture_on_commit_callbacks, settings
):
    settings.LITIGATION_SITE_URL = "https://cases.example.cn"
    req = make_request()
    assistance.assistance_request_assign(assistance_request=req, actor=lawyer, lawyer=lawyer)
    with django_capture_on_commit_callbacks(execute=True):
        assistance.assistance_request_assign(assistance_request=req, actor=lawyer, lawyer=second_lawyer)

    req.refresh_from_db()
    assert req.assigned_lawyer == second_lawyer
    (message,) = mail.outbox
    assert message.to == ["zhang@example.com"] and req.reference in message.subject
    assert f"https://cases.example.cn/assistance/{req.pk}/" in message.body
    assert "韩梅梅" not in message.body and "13712345678" not in message.body


@pytest.mark.parametrize("client_fixture", ["analyst_client", "executive_client", "client"])
def test_only_lawyers_and_administrators_assign(request, client_fixture, lawyer):
    req = make_request()
    response = request.getfixturevalue(client_fixture).post(url("assign", req), {"lawyer": lawyer.pk})

    assert response.status_code in (302, 403, 404)
    if client_fixture == "client":
        assert response.status_code == 302 and "/login" in response["Location"]
    else:
        assert response.status_code == 403
    assert AssistanceRequest.objects.get(pk=req.pk).assigned_lawyer is None


def test_the_service_refuses_analysts_and_non_lawyers(analyst, lawyer):
    req = make_request()
    with pytest.raises(PermissionDenied):
        assistance.assistance_request_assign(assistance_request=req, actor=analyst, lawyer=lawyer)
    with pytest.raises(ValidationError):
        assistance.assistance_request_assign(assistance_request=req, actor=lawyer, lawyer=analyst)
    assert AssistanceRequest.objects.get(pk=req.pk).assigned_lawyer is None


def test_an_unknown_lawyer_is_refused_with_a_message(lawyer_client, analyst):
    req = make_request()
    response = lawyer_client.post(url("assign", req), {"lawyer": analyst.pk}, follow=True, HTTP_ACCEPT_LANGUAGE="en")

    assert "Choose an active lawyer." in response.content.decode()
    assert AssistanceRequest.objects.get(pk=req.pk).assigned_lawyer is None


def test_a_finished_request_cannot_be_assigned(lawyer):
    req = make_request(status="closed")
    with pytest.raises(ValidationError):
        assistance.assistance_request_assign(assistance_request=req, actor=lawyer, lawyer=lawyer)


def test_the_queue_filters_mine_and_unassigned(lawyer_client, lawyer, second_lawyer):
    mine = make_request(phone="13700000001")
    theirs = make_request(phone="13700000002")
    nobody = make_request(phone="13700000003")
    assistance.assistance_request_assign(assistance_request=mine, actor=lawyer, lawyer=lawyer)
    assistance.assistance_request_assign(assistance_request=theirs, actor=lawyer, lawyer=second_lawyer)

    def listed(query: str) -> set[str]:
        return {r.reference for r in lawyer_client.get(LIST + query).context["page_obj"].object_list}

    assert listed("?assigned=me") == {mine.reference}
    assert listed("?assigned=none") == {nobody.reference}
    assert listed(f"?assigned={second_lawyer.pk}") == {theirs.reference}


def test_the_staff_page_shows_the_lawyer_and_offers_assignment_to_lawyers_only(
    lawyer_client, analyst_client, lawyer, second_lawyer, django_assert_max_num_queries
):
    req = make_request()
    assistance.assistance_request_assign(assistance_request=req, actor=lawyer, lawyer=second_lawyer)

    with django_assert_max_num_queries(25):
        html = lawyer_client.get(req.get_absolute_url()).content.decode()
    assert "张律师" in html and url("assign", req) in html
    analyst_html = analyst_client.get(req.get_absolute_url()).content.decode()
    assert "张律师" in analyst_html and url("assign", req) not in analyst_html


def test_the_owner_never_sees_the_lawyer(client, lawyer, second_lawyer):
    submission = assistance.assistance_request_submit(
        name="韩梅梅", phone="13712345678", description="x", links=["https://weibo.com/1"], help_types=[], files=[]
    )
    req = submission.assistance_request
    assistance.assistance_request_assign(assistance_request=req, actor=lawyer, lawyer=second_lawyer)

    html = client.get(reverse("cases:public-request-track", args=[submission.token])).content.decode()
    assert "张律师" not in html and "lawyer2" not in html


def test_the_queue_links_to_unassigned_open_requests(lawyer_client, lawyer):
    waiting = make_request(phone="13700000004")
    make_request(phone="13700000005", status="closed")
    taken = make_request(phone="13700000006")
    assistance.assistance_request_assign(assistance_request=taken, actor=lawyer, lawyer=lawyer)

    html = lawyer_client.get(LIST).content.decode()
    assert 'href="?assigned=none&amp;open=true"' in html
    response = lawyer_client.get(LIST + "?assigned=none&open=true")
    assert [r.reference for r in response.context["page_obj"].object_list] == [waiting.reference]
