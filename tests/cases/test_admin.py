"""The admin: every model's pages load with a bounded number of queries, role checks,
personal data, audit attribution, and constraint errors shown as form errors."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django import forms
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from cases import models as m
from cases.admin.base import EstimatedCountPaginator
from tests import factories as f

pytestmark = pytest.mark.django_db

# Session, user, count, rows, filters and date drill-down; never one more per row.
MAX_CHANGELIST_QUERIES = 14
MAX_CHANGE_PAGE_QUERIES = 40


def _deadline(**kwargs: Any) -> m.Deadline:
    return f.DeadlineFactory(
        proceeding=f.ProceedingFactory(),
        complaint=f.PlatformComplaintFactory(),
        letter=f.LawyerLetterFactory(recipient_agency=f.AgencyFactory()),
        responsible=f.UserFactory(),
        **kwargs,
    )


# One builder per registered model, filling every foreign key the changelist shows,
# so that a missing select_related shows up as queries growing with the rows.
BUILDERS: dict[type, Callable[[], Any]] = {
    m.Platform: lambda: f.PlatformFactory(code=f"p{m.Platform.objects.count()}", name_zh="平台", name_en="Platform"),
    m.Agency: f.AgencyFactory,
    m.MonitoredAccount: lambda: f.MonitoredAccountFactory(agency=f.AgencyFactory()),
    m.Campaign: f.CampaignFactory,
    m.ContentItem: lambda: f.ContentItemFactory(campaign=f.CampaignFactory()),
    m.Assessment: lambda: f.AssessmentFactory(campaign=f.CampaignFactory(), reviewer=f.UserFactory()),
    m.Rebuttal: f.RebuttalFactory,
    m.Evidence: lambda: f.EvidenceFactory(
        platform=f.PlatformFactory(), account=f.MonitoredAccountFactory(), fixed_by=f.UserFactory()
    ),
    m.CustodyEvent: lambda: f.CustodyEventFactory(actor=f.UserFactory()),
    m.PlatformComplaint: lambda: f.PlatformComplaintFactory(created_by=f.UserFactory()),
    m.LawyerLetter: lambda: f.LawyerLetterFactory(recipient_agency=f.AgencyFactory(), lawyer=f.UserFactory()),
    m.IdentityDisclosure: lambda: f.IdentityDisclosureFactory(lawsuit=f.LawsuitFactory(), disclosed_name="王五"),
    m.AuthorityReport: lambda: f.AuthorityReportFactory(created_by=f.UserFactory(), lawsuit=f.LawsuitFactory()),
    m.Lawsuit: f.FiledLawsuitFactory,
    m.LawsuitParty: lambda: f.LawsuitPartyFactory(agency=f.AgencyFactory(), platform=f.PlatformFactory()),
    m.LawsuitClaim: f.LawsuitClaimFactory,
    m.Proceeding: f.ProceedingFactory,
    m.Hearing: f.HearingFactory,
    m.Deadline: _deadline,
    m.AssistanceRequest: lambda: f.AssistanceRequestFactory(assigned_lawyer=f.UserFactory(role=User.Role.LAWYER)),
    m.ConsentRecord: f.ConsentRecordFactory,
    m.OwnerNotification: f.OwnerNotificationFactory,
    m.AuditEvent: lambda: f.AuditEventFactory(actor=f.UserFactory()),
    m.AuditRetention: lambda: m.AuditRetention.objects.create(days=400, reason="年度审查", set_by=f.UserFactory()),
    m.ImportJob: lambda: f.ImportJobFactory(created_by=f.UserFactory()),
    m.StateChange: lambda: f.StateChangeFactory(actor=f.UserFactory()),
    m.WebhookSubscription: lambda: f.WebhookSubscriptionFactory(created_by=f.UserFactory()),
    m.WebhookDelivery: f.WebhookDeliveryFactory,
}

CASES_MODELS = sorted(
    (model for model in admin.site._registry if model._meta.app_label == "cases"), key=lambda model: model.__name__
)
BIG_MODELS = [m.ContentItem, m.MonitoredAccount, m.Assessment, m.AuditEvent, m.AssistanceRequest, m.Evidence]


def url(model: type, view: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def build(model: type, count: int) -> list[Any]:
    return [BUILDERS[model]() for _ in range(count)]


def count_queries(client: Any, path: str) -> tuple[Any, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    return response, len(queries)


def form_data(response: Any) -> dict[str, Any]:
    """Return the POST data that re-submits an admin change form as it was shown (inlines included)."""
    data: dict[str, Any] = {}
    forms_shown = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms_shown += [inline.formset.management_form, *inline.formset.forms]
    for form in forms_shown:
        for name, field in form.fields.items():
            bound = form[name]
            value = bound.value()
            if value is None:
                continue
            if isinstance(field.widget, forms.MultiWidget):
                for index, part in enumerate(field.widget.decompress(value)):
                    data[f"{bound.html_name}_{index}"] = "" if part is None else str(part)
            elif isinstance(field.widget, forms.NullBooleanSelect):
                data[bound.html_name] = "true" if value else "false"
            elif isinstance(field.widget, forms.CheckboxInput):
                if value:
                    data[bound.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [str(item) for item in value]
            else:
                data[bound.html_name] = str(value)
    return data


# --- Every model's pages -------------------------------------------------------


def test_every_domain_model_and_the_user_are_registered():
    from cases.models import __all__ as model_names

    registered = {model.__name__ for model in admin.site._registry}
    assert set(model_names) <= registered
    assert "User" in registered
    assert set(BUILDERS) == set(CASES_MODELS)


@pytest.mark.parametrize("model", CASES_MODELS, ids=lambda model: model.__name__)
def test_changelist_queries_do_not_grow_with_rows(admin_client_, model):
    build(model, 3)
    response, few = count_queries(admin_client_, url(model, "changelist"))
    assert response.status_code == 200
    build(model, 12)
    response, many = count_queries(admin_client_, url(model, "changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count >= 15
    assert many == few
    assert many <= MAX_CHANGELIST_QUERIES


@pytest.mark.parametrize("model", CASES_MODELS, ids=lambda model: model.__name__)
def test_change_page_loads_with_bounded_queries(admin_client_, model):
    objects = build(model, 3)
    response, queries = count_queries(admin_client_, url(model, "change", objects[0].pk))
    assert response.status_code == 200
    assert queries <= MAX_CHANGE_PAGE_QUERIES


@pytest.mark.parametrize("model", CASES_MODELS, ids=lambda model: model.__name__)
def test_add_page_loads_where_adding_is_allowed(admin_client_, admin_user, model):
    model_admin = admin.site._registry[model]
    request = type("Request", (), {"user": admin_user})()
    response, queries = count_queries(admin_client_, url(model, "add"))
    if model_admin.has_add_permission(request):
        assert response.status_code == 200
        assert queries <= MAX_CHANGE_PAGE_QUERIES
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("model", [m.AuditEvent, m.CustodyEvent, m.Evidence, m.AssistanceRequest, m.ConsentRecord])
def test_records_made_elsewhere_cannot_be_added_here(admin_client_, model):
    assert admin_client_.get(url(model, "add")).status_code == 403


@pytest.mark.parametrize(
    "model", [m.AuditEvent, m.CustodyEvent, m.Evidence, m.Lawsuit, m.AssistanceRequest, m.ContentItem]
)
def test_records_of_the_legal_file_cannot_be_deleted(admin_client_, model):
    obj = build(model, 1)[0]
    assert admin_client_.get(url(model, "delete", obj.pk)).status_code == 403
    action_form = admin_client_.get(url(model, "changelist")).context["action_form"]
    assert action_form is None or "delete_selected" not in dict(action_form.fields["action"].choices)


def test_a_deadline_can_be_deleted(admin_client_):
    deadline = _deadline()
    response = admin_client_.post(url(m.Deadline, "delete", deadline.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not m.Deadline.objects.filter(pk=deadline.pk).exists()


# --- Roles ---------------------------------------------------------------------


def test_a_lawyer_uses_the_admin(lawyer_client):
    response = lawyer_client.get(reverse("admin:index"))
    assert response.status_code == 200
    models_shown = {model["object_name"] for app in response.context["app_list"] for model in app["models"]}
    assert {"Lawsuit", "ContentItem", "AssistanceRequest"} <= models_shown
    assert "AuditEvent" not in models_shown
    assert "User" not in models_shown
    assert lawyer_client.get(url(m.Lawsuit, "changelist")).status_code == 200


def test_a_lawyer_cannot_see_or_change_audit_events(lawyer_client, admin_user):
    event = f.AuditEventFactory(actor=admin_user)
    assert lawyer_client.get(url(m.AuditEvent, "changelist")).status_code == 403
    assert lawyer_client.get(url(m.AuditEvent, "change", event.pk)).status_code == 403
    response = lawyer_client.post(url(m.AuditEvent, "change", event.pk), {"action": "delete"})
    assert response.status_code == 403
    event.refresh_from_db()
    assert event.action == m.AuditEvent.Action.VIEW


def test_audit_events_are_read_only_even_for_administrators(admin_client_, admin_user):
    event = f.AuditEventFactory(actor=admin_user)
    response = admin_client_.get(url(m.AuditEvent, "change", event.pk))
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    response = admin_client_.post(url(m.AuditEvent, "change", event.pk), {"action": "delete"})
    assert response.status_code == 403


def test_a_lawyer_views_custody_events_but_cannot_change_them(lawyer_client):
    event = f.CustodyEventFactory()
    response = lawyer_client.get(url(m.CustodyEvent, "change", event.pk))
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    assert lawyer_client.get(url(m.CustodyEvent, "add")).status_code == 403


@pytest.mark.parametrize("client_fixture", ["analyst_client", "executive_client"])
def test_analysts_and_executives_are_kept_out_of_the_admin(request, client_fixture):
    client = request.getfixturevalue(client_fixture)
    for path in (reverse("admin:index"), url(m.ContentItem, "changelist"), url(m.Lawsuit, "add")):
        response = client.get(path)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))


def test_staff_status_alone_does_not_open_the_admin_to_an_analyst(client, analyst):
    analyst.is_staff = True
    analyst.save()
    client.force_login(analyst)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302


def test_a_lawyer_can_pick_a_responsible_lawyer_without_the_users_admin(lawyer_client, lawyer):
    query = "app_label=cases&model_name=lawsuit&field_name=lawyer&term=law"
    response = lawyer_client.get(f"{reverse('admin:autocomplete')}?{query}")
    assert response.status_code == 200, response.content
    assert str(lawyer.pk) in {result["id"] for result in response.json()["results"]}
    assert lawyer_client.get(url(User, "changelist")).status_code == 403


# --- Audit trail -----------------------------------------------------------------


def test_an_edit_in_the_admin_is_audited_with_its_diff_and_actor(admin_client_, admin_user):
    agency = f.AgencyFactory(name="旧名称传媒有限公司")
    response = admin_client_.get(url(m.Agency, "change", agency.pk))
    data = form_data(response)
    data["name"] = "新名称传媒有限公司"
    response = admin_client_.post(url(m.Agency, "change", agency.pk), data)
    assert response.status_code == 302
    event = m.AuditEvent.objects.get(object_type="cases.agency", object_id=str(agency.pk), action="update")
    assert event.actor == admin_user
    assert event.actor_type == "user"
    assert event.diff["name"] == ["旧名称传媒有限公司", "新名称传媒有限公司"]


def test_history_shows_the_audit_trail_to_administrators(admin_client_):
    account = f.MonitoredAccountFactory()
    m.MonitoredAccount.objects.filter(pk=account.pk).update(risk_score=88)
    response = admin_client_.get(url(m.MonitoredAccount, "history", account.pk))
    assert response.status_code == 200
    messages = [row.get_change_message() for row in response.context["action_list"]]
    risk_score = str(m.MonitoredAccount._meta.get_field("risk_score").verbose_name)
    assert any(risk_score in message and "→ 88" in message for message in messages)


def test_history_for_a_lawyer_is_the_admin_log_not_the_audit_trail(lawyer_client):
    account = f.MonitoredAccountFactory()
    response = lawyer_client.get(url(m.MonitoredAccount, "history", account.pk))
    assert response.status_code == 200
    assert len(response.context["action_list"]) == 0


# --- Personal data -----------------------------------------------------------------


def test_request_list_shows_contact_details_masked(admin_client_):
    request = f.AssistanceRequestFactory(owner_name="张三丰", owner_phone="13812345678")
    response = admin_client_.get(url(m.AssistanceRequest, "changelist"))
    content = response.content.decode()
    assert "张**" in content and "138****5678" in content
    assert "张三丰" not in content and "13812345678" not in content
    assert request.reference in content


def test_viewing_a_request_shows_contact_details_and_is_audited(admin_client_, admin_user):
    request = f.AssistanceRequestFactory(owner_name="张三丰", owner_phone="13812345678")
    response = admin_client_.get(url(m.AssistanceRequest, "change", request.pk))
    assert response.status_code == 200
    assert "13812345678" in response.content.decode()
    view = m.AuditEvent.objects.get(object_type="cases.assistancerequest", object_id=str(request.pk), action="view")
    assert view.actor == admin_user


def test_a_lawyer_editing_the_phone_keeps_the_duplicate_digest_in_step(lawyer_client):
    request = f.AssistanceRequestFactory(owner_phone="13812345678")
    data = form_data(lawyer_client.get(url(m.AssistanceRequest, "change", request.pk)))
    data["owner_phone"] = "139 0000 1111"
    response = lawyer_client.post(url(m.AssistanceRequest, "change", request.pk), data)
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.owner_phone == "139 0000 1111"
    found = lawyer_client.get(url(m.AssistanceRequest, "changelist") + "?q=13900001111")
    assert [obj.pk for obj in found.context["cl"].result_list] == [request.pk]


def test_viewing_a_disclosed_identity_is_audited(admin_client_):
    disclosure = f.IdentityDisclosureFactory(disclosed_name="王五", disclosed_contact="13700000000")
    response = admin_client_.get(url(m.IdentityDisclosure, "change", disclosure.pk))
    assert "13700000000" in response.content.decode()
    assert m.AuditEvent.objects.filter(
        object_type="cases.identitydisclosure", object_id=str(disclosure.pk), action="view"
    ).exists()
    listing = admin_client_.get(url(m.IdentityDisclosure, "changelist")).content.decode()
    assert "王*" in listing and "王五" not in listing


def test_encrypted_fields_edit_as_one_line_inputs(admin_client_):
    request = f.AssistanceRequestFactory()
    form = admin_client_.get(url(m.AssistanceRequest, "change", request.pk)).context["adminform"].form
    assert isinstance(form.fields["owner_name"].widget, forms.TextInput)


# --- Constraint errors are form errors -------------------------------------------------


def test_negative_damages_are_a_form_error(admin_client_):
    suit = f.FiledLawsuitFactory()
    data = form_data(admin_client_.get(url(m.Lawsuit, "change", suit.pk)))
    data["damages_claimed"] = "-1"
    response = admin_client_.post(url(m.Lawsuit, "change", suit.pk), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    suit.refresh_from_db()
    assert suit.damages_claimed == Decimal("0")


def test_a_duplicate_account_is_a_form_error(admin_client_):
    existing = f.MonitoredAccountFactory(platform_uid="dup-1")
    data = form_data(admin_client_.get(url(m.MonitoredAccount, "add")))
    data.update(platform=str(existing.platform_id), platform_uid="dup-1", name="另一个账号")
    response = admin_client_.post(url(m.MonitoredAccount, "add"), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert m.MonitoredAccount.objects.filter(platform_uid="dup-1").count() == 1


def test_an_escalation_without_rationale_is_a_form_error(admin_client_):
    assessment = f.AssessmentFactory()
    data = form_data(admin_client_.get(url(m.Assessment, "change", assessment.pk)))
    data["rationale"] = ""
    response = admin_client_.post(url(m.Assessment, "change", assessment.pk), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assessment.refresh_from_db()
    assert assessment.rationale


def test_a_filed_suit_without_a_defendant_is_a_form_error(admin_client_):
    suit = f.LawsuitFactory()
    data = form_data(admin_client_.get(url(m.Lawsuit, "change", suit.pk)))
    data.update(stage="accepted", filed_on=str(timezone.localdate()))
    response = admin_client_.post(url(m.Lawsuit, "change", suit.pk), data)
    assert response.status_code == 200
    parties = next(i.formset for i in response.context["inline_admin_formsets"] if i.formset.model is m.LawsuitParty)
    assert [error.code for error in parties.non_form_errors().as_data()] == ["needs_defendant"]
    suit.refresh_from_db()
    assert suit.stage == "preparing"


def test_filing_a_suit_with_its_defendant_in_the_same_form_commits(admin_client_):
    suit = f.LawsuitFactory()
    account = f.MonitoredAccountFactory()
    data = form_data(admin_client_.get(url(m.Lawsuit, "change", suit.pk)))
    data.update(
        {
            "stage": "accepted",
            "filed_on": str(timezone.localdate()),
            "parties-TOTAL_FORMS": "1",
            "parties-0-role": "defendant",
            "parties-0-kind": "account",
            "parties-0-monitored_account": str(account.pk),
            "parties-0-lawsuit": str(suit.pk),
        }
    )
    response = admin_client_.post(url(m.Lawsuit, "change", suit.pk), data)
    assert response.status_code == 302
    # Run the deferred "needs a defendant" trigger now, as the commit would.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert suit.parties.get().role == "defendant"


def test_removing_the_last_defendant_of_a_filed_suit_is_refused(admin_client_):
    suit = f.FiledLawsuitFactory()
    party = suit.parties.get()
    assert admin_client_.get(url(m.LawsuitParty, "delete", party.pk)).status_code == 403
    changelist = url(m.LawsuitParty, "changelist")
    response = admin_client_.post(
        changelist, {"action": "delete_selected", "_selected_action": [party.pk], "post": "yes"}
    )
    assert response.status_code == 302
    assert m.LawsuitParty.objects.filter(pk=party.pk).exists()
    assert [message.level_tag for message in response.wsgi_request._messages] == ["error"]


def test_turning_the_last_defendant_into_a_plaintiff_is_a_form_error(admin_client_):
    party = f.FiledLawsuitFactory().parties.get()
    change = url(m.LawsuitParty, "change", party.pk)
    data = form_data(admin_client_.get(change))
    data["role"] = "plaintiff"
    response = admin_client_.post(change, data)
    assert response.status_code == 200
    assert [e.code for e in response.context["adminform"].form.non_field_errors().as_data()] == ["needs_defendant"]


def test_deleting_all_defendants_at_once_is_refused_with_a_message(admin_client_):
    suit = f.FiledLawsuitFactory()
    second = f.LawsuitPartyFactory(lawsuit=suit)
    ids = sorted(suit.parties.values_list("pk", flat=True))
    assert second.pk in ids and len(ids) == 2
    changelist = url(m.LawsuitParty, "changelist")
    response = admin_client_.post(changelist, {"action": "delete_selected", "_selected_action": ids, "post": "yes"})
    assert response.status_code == 302
    assert suit.parties.count() == 2
    assert [message.level_tag for message in response.wsgi_request._messages] == ["error"]


@pytest.mark.parametrize("case_number", ["abc", "(2025)京0491民初0号", "2025京0491民初12345号"])
def test_a_malformed_case_number_is_a_field_error(admin_client_, case_number):
    proceeding = f.ProceedingFactory()
    data = form_data(admin_client_.get(url(m.Proceeding, "change", proceeding.pk)))
    data["case_number"] = case_number
    response = admin_client_.post(url(m.Proceeding, "change", proceeding.pk), data)
    assert response.status_code == 200
    assert "case_number" in response.context["adminform"].form.errors


def test_a_case_number_with_full_width_brackets_is_normalised(admin_client_):
    proceeding = f.ProceedingFactory()
    data = form_data(admin_client_.get(url(m.Proceeding, "change", proceeding.pk)))
    data["case_number"] = "（2025）京0491民初777号"
    assert admin_client_.post(url(m.Proceeding, "change", proceeding.pk), data).status_code == 302
    proceeding.refresh_from_db()
    assert proceeding.case_number == "(2025)京0491民初777号"


def test_deleting_evidence_needs_a_reason_and_is_a_soft_delete(admin_client_):
    evidence = f.EvidenceFactory()
    change = url(m.Evidence, "change", evidence.pk)
    data = form_data(admin_client_.get(change))
    data["is_deleted"] = "on"
    response = admin_client_.post(change, data)
    assert response.status_code == 200
    assert "deleted_reason" in response.context["adminform"].form.errors
    data["deleted_reason"] = "重复上传"
    assert admin_client_.post(change, data).status_code == 302
    evidence.refresh_from_db()
    assert evidence.is_deleted and evidence.deleted_at is not None


# --- Big tables: counts and search -----------------------------------------------------------


def test_unfiltered_big_changelist_uses_the_planner_estimate(admin_client_, monkeypatch):
    build(m.ContentItem, 15)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_contentitem")
    monkeypatch.setattr(EstimatedCountPaginator, "estimate_threshold", 5)
    with CaptureQueriesContext(connection) as queries:
        response = admin_client_.get(url(m.ContentItem, "changelist"))
    assert response.context["cl"].result_count >= 15
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]

    with CaptureQueriesContext(connection) as queries:
        response = admin_client_.get(url(m.ContentItem, "changelist") + "?triage_state__exact=new")
    assert any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)
    assert response.context["cl"].result_count == 15


def test_small_tables_are_counted_exactly(admin_client_):
    build(m.ContentItem, 3)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_contentitem")
    assert admin_client_.get(url(m.ContentItem, "changelist")).context["cl"].result_count == 3


@pytest.mark.parametrize("model", BIG_MODELS, ids=lambda model: model.__name__)
def test_big_tables_skip_the_second_full_count(model):
    model_admin = admin.site._registry[model]
    assert model_admin.show_full_result_count is False
    assert model_admin.paginator is EstimatedCountPaginator


def _found(client: Any, model: type, term: str) -> list[int]:
    response = client.get(url(model, "changelist"), {"q": term})
    assert response.status_code == 200
    return sorted(obj.pk for obj in response.context["cl"].result_list)


def test_content_items_are_found_by_link_or_text(admin_client_):
    item = f.ContentItemFactory(url="https://weibo.com/1234567890/AbCdE", text="网传刹车失灵视频")
    f.ContentItemFactory(text="无关内容")
    assert _found(admin_client_, m.ContentItem, "https://www.weibo.com/1234567890/AbCdE/?spm=1#c") == [item.pk]
    assert _found(admin_client_, m.ContentItem, "刹车失灵") == [item.pk]
    assert _found(admin_client_, m.ContentItem, "50%_off") == []


def test_accounts_are_found_by_name_or_user_id(admin_client_):
    account = f.MonitoredAccountFactory(name="CarTruth汽车真相", platform_uid="u778899")
    f.MonitoredAccountFactory()
    assert _found(admin_client_, m.MonitoredAccount, "cartruth") == [account.pk]
    assert _found(admin_client_, m.MonitoredAccount, "u778899") == [account.pk]


def test_requests_are_found_by_reference_or_phone(admin_client_):
    request = f.AssistanceRequestFactory(reference="YZ-2025-009999", owner_phone="13812345678")
    f.AssistanceRequestFactory()
    assert _found(admin_client_, m.AssistanceRequest, "yz-2025-009999") == [request.pk]
    assert _found(admin_client_, m.AssistanceRequest, "138 1234 5678") == [request.pk]


def test_audit_events_are_found_by_object_id_or_request_id(admin_client_):
    event = f.AuditEventFactory(object_type="cases.lawsuit", object_id="424242", request_id="req-abcdef12")
    assert _found(admin_client_, m.AuditEvent, "424242") == [event.pk]
    assert _found(admin_client_, m.AuditEvent, "req-abcdef12") == [event.pk]


def test_lawsuits_are_found_by_case_number(admin_client_):
    proceeding = f.ProceedingFactory(case_number="(2025)京0491民初55555号")
    assert _found(admin_client_, m.Lawsuit, "（2025）京0491民初55555号") == [proceeding.lawsuit_id]


def test_audit_event_change_page_shows_the_diff(admin_client_):
    event = f.AuditEventFactory(action="update", diff={"stage": ["preparing", "accepted"]})
    content = admin_client_.get(url(m.AuditEvent, "change", event.pk)).content.decode()
    assert "<pre>" in content
    assert "&quot;stage&quot;: [" in content and "&quot;accepted&quot;" in content


def test_date_drill_down_lists_the_years_without_scanning_every_row(admin_client_):
    old = f.ContentItemFactory(published_at=timezone.now() - datetime.timedelta(days=800))
    new = f.ContentItemFactory()
    with CaptureQueriesContext(connection) as queries:
        response = admin_client_.get(url(m.ContentItem, "changelist"))
    assert not [q for q in queries.captured_queries if "DATE_TRUNC" in q["sql"].upper()]
    content = response.content.decode()
    first, last = (timezone.localtime(item.published_at).year for item in (old, new))
    for year in range(first, last + 1):
        assert f"published_at__year={year}" in content


def test_date_drill_down_lists_each_month_between_the_first_and_the_last(admin_client_):
    tz = timezone.get_current_timezone()
    f.ContentItemFactory(published_at=datetime.datetime(2024, 3, 5, 12, tzinfo=tz))
    f.ContentItemFactory(published_at=datetime.datetime(2024, 6, 1, 12, tzinfo=tz))
    f.ContentItemFactory(published_at=datetime.datetime(2025, 1, 1, 12, tzinfo=tz))
    response = admin_client_.get(url(m.ContentItem, "changelist"), {"published_at__year": "2024"})
    choices = [choice["link"] for choice in response.context["cl"].date_hierarchy and _hierarchy(response)]
    assert len(choices) == 4
    assert "published_at__month=3" in choices[0] and "published_at__month=6" in choices[-1]


def _hierarchy(response: Any) -> list[dict]:
    from django.contrib.admin.templatetags.admin_list import date_hierarchy

    return date_hierarchy(response.context["cl"])["choices"]
