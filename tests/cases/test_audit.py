"""The audit trail: every write leaves one event, in the same transaction, with personal data masked."""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import User
from cases import audit
from cases.audit import AuditContextMiddleware, audit_context
from cases.fields import EncryptedTextField
from cases.models import Agency, AssistanceRequest, AuditEvent, MonitoredAccount
from tests import factories as f
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def events_for(obj, action: str | None = None):
    qs = AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
    return qs.filter(action=action) if action else qs


def last_event(object_type: str, action: str) -> AuditEvent:
    return AuditEvent.objects.filter(object_type=object_type, action=action).latest("id")


# --- one event per write ---------------------------------------------------------------


def test_create_update_delete_each_record_one_event():
    agency = Agency.objects.create(name="星耀传媒文化传播有限公司")
    pk = agency.pk
    created = events_for(agency).get()
    assert (created.action, created.object_type, created.object_id) == ("create", "cases.agency", str(pk))
    assert created.diff["name"] == "星耀传媒文化传播有限公司"
    assert "created_at" not in created.diff and "updated_at" not in created.diff

    agency.address = "北京市朝阳区"
    agency.save()
    assert events_for(agency, "update").count() == 1

    agency.delete()
    deleted = AuditEvent.objects.get(object_type="cases.agency", object_id=str(pk), action="delete")
    assert deleted.diff["address"] == "北京市朝阳区"
    assert AuditEvent.objects.filter(object_type="cases.agency", object_id=str(pk)).count() == 3


def test_update_diff_holds_only_changed_fields_as_old_and_new():
    account = f.MonitoredAccountFactory(name="汽车真相", followers=1000)
    account.refresh_from_db()
    account.name = "汽车真相official"
    account.followers = 1200
    account.save()
    event = events_for(account, "update").get()
    assert event.diff == {"name": ["汽车真相", "汽车真相official"], "followers": [1000, 1200]}


def test_save_without_changes_records_nothing():
    account = f.MonitoredAccountFactory()
    account.refresh_from_db()
    account.save()  # updated_at moves, nothing else does
    assert not events_for(account, "update").exists()


def test_save_without_changes_of_a_row_with_encrypted_fields_records_nothing():
    request = AssistanceRequest.objects.get(pk=f.AssistanceRequestFactory().pk)
    request.save()
    request.save()
    assert not events_for(request, "update").exists()


def test_queryset_update_records_one_event_per_row_in_the_same_transaction():
    accounts = f.MonitoredAccountFactory.create_batch(5, risk_score=10)
    pks = [a.pk for a in accounts]
    before = AuditEvent.objects.filter(action="update").count()

    with pytest.raises(RuntimeError), transaction.atomic():
        MonitoredAccount.objects.filter(pk__in=pks).update(risk_score=80)
        assert AuditEvent.objects.filter(action="update").count() == before + 5
        raise RuntimeError("roll back the change")
    # The events went with the rolled-back change: they are written in its transaction.
    assert AuditEvent.objects.filter(action="update").count() == before

    MonitoredAccount.objects.filter(pk__in=pks).update(risk_score=80)
    events = AuditEvent.objects.filter(object_type="cases.monitoredaccount", action="update")
    assert sorted(int(e.object_id) for e in events) == sorted(pks)
    assert all(e.diff == {"risk_score": [10, 80]} for e in events)


def test_bulk_create_records_one_event_per_row():
    agencies = Agency.objects.bulk_create([Agency(name=f"批量传媒{i}号") for i in range(4)])
    events = AuditEvent.objects.filter(object_type="cases.agency", action="create")
    assert sorted(e.object_id for e in events) == sorted(str(a.pk) for a in agencies)


def test_raw_sql_writes_are_recorded():
    agency = f.AgencyFactory()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_agency SET notes = %s WHERE id = %s", ["raw", agency.pk])
    assert events_for(agency, "update").get().diff == {"notes": ["", "raw"]}


def test_many_to_many_add_and_remove_are_recorded():
    evidence = f.EvidenceFactory()
    item = f.ContentItemFactory()
    evidence.content_items.add(item)
    added = last_event("cases.evidence_content_items", "create")
    assert added.diff["evidence_id"] == evidence.pk
    assert added.diff["contentitem_id"] == item.pk

    evidence.content_items.remove(item)
    removed = last_event("cases.evidence_content_items", "delete")
    assert (removed.diff["evidence_id"], removed.diff["contentitem_id"]) == (evidence.pk, item.pk)


# --- personal data never reaches the diff ------------------------------------------------------

OWNER = {"owner_name": "王小明", "owner_phone": "13812345678", "owner_email": "wxm@example.com"}


def assert_no_personal_data(diff: dict, *plain: str) -> None:
    text = json.dumps(diff, ensure_ascii=False)
    assert "enc1:" not in text
    for value in plain:
        assert value not in text


def test_owner_contact_details_are_masked_on_create_update_and_delete():
    request = f.AssistanceRequestFactory(**OWNER)
    created = events_for(request, "create").get()
    for column in ("owner_name", "owner_phone", "owner_email", "phone_digest", "token_digest"):
        assert created.diff[column] == "***"
    assert_no_personal_data(created.diff, *OWNER.values(), request.phone_digest, request.token_digest)

    request.owner_phone = "13987654321"
    request.owner_name = "王大明"
    request.save()
    updated = events_for(request, "update").get()
    assert updated.diff == {"owner_phone": ["***", "***"], "owner_name": ["***", "***"]}

    pk = request.pk
    request.delete()
    deleted = AuditEvent.objects.get(object_type="cases.assistancerequest", object_id=str(pk), action="delete")
    assert deleted.diff["owner_email"] == "***"
    assert_no_personal_data(deleted.diff, *OWNER.values(), "13987654321", "王大明")


def test_identity_disclosure_holder_data_is_masked():
    disclosure = f.IdentityDisclosureFactory(
        disclosed_name="李四", disclosed_contact="13900001111", disclosed_address="北京市海淀区中关村大街1号"
    )
    created = events_for(disclosure, "create").get()
    assert [created.diff[c] for c in ("disclosed_name", "disclosed_contact", "disclosed_address")] == ["***"] * 3
    disclosure.disclosed_contact = "13900002222"
    disclosure.save()
    assert events_for(disclosure, "update").get().diff == {"disclosed_contact": ["***", "***"]}
    assert_no_personal_data(created.diff, "李四", "13900001111", "中关村")


def test_user_password_hash_is_masked(analyst):
    created = events_for(analyst, "create").get()
    assert created.diff["password"] == "***"
    analyst.set_password("another-long-password-2025")
    analyst.save()
    updated = events_for(analyst, "update").get()
    assert updated.diff["password"] == ["***", "***"]
    assert analyst.password not in json.dumps(updated.diff)


def _trigger_masked_columns(table: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT encode(tgargs, 'escape') FROM pg_trigger WHERE tgname = %s", [f"{table}_audit_insert"])
        row = cursor.fetchone()
    assert row, f"{table} has no audit trigger"
    args = row[0].split("\\000")
    return {c for c in args[1].split(",") if c}


@pytest.mark.parametrize(
    "model",
    [m for m in apps.get_models() if any(isinstance(fl, EncryptedTextField) for fl in m._meta.concrete_fields)],
    ids=lambda m: m._meta.label,
)
def test_every_encrypted_column_is_masked_in_the_audit_trail(model):
    encrypted = {fl.column for fl in model._meta.concrete_fields if isinstance(fl, EncryptedTextField)}
    assert encrypted <= _trigger_masked_columns(model._meta.db_table)


# --- who acted ----------------------------------------------------------------------------------


def test_writes_inside_audit_context_name_the_user(analyst):
    with audit_context(actor=analyst, ip="10.0.0.8", request_id="job-20250101-0001"):
        agency = f.AgencyFactory()
    event = events_for(agency, "create").get()
    assert (event.actor, event.actor_type) == (analyst, "user")
    assert event.ip_address == "10.0.0.8"
    assert event.request_id == "job-20250101-0001"


def test_writes_outside_any_context_are_the_system():
    agency = f.AgencyFactory()
    event = events_for(agency, "create").get()
    assert event.actor is None
    assert event.actor_type == "system"
    assert event.ip_address is None


def test_context_ends_with_its_block(analyst, lawyer):
    with audit_context(actor=analyst):
        first = f.AgencyFactory()
        with audit_context(actor=lawyer):
            second = f.AgencyFactory()
        third = f.AgencyFactory()
    fourth = f.AgencyFactory()
    actors = [events_for(a, "create").get().actor for a in (first, second, third, fourth)]
    assert actors == [analyst, lawyer, analyst, None]


def test_actor_survives_a_rolled_back_write_in_the_same_context(analyst):
    # The rolled-back savepoint also undoes the session settings the first write made.
    with audit_context(actor=analyst):
        with pytest.raises(IntegrityError), transaction.atomic():
            f.AgencyFactory(credit_code="not-a-code")
        agency = f.AgencyFactory()
    event = events_for(agency, "create").get()
    assert (event.actor, event.actor_type) == (analyst, "user")


def test_actor_is_right_after_a_rolled_back_transaction_by_another_user(analyst, lawyer):
    with audit_context(actor=analyst):
        f.AgencyFactory()
    with audit_context(actor=lawyer, request_id="request-of-the-lawyer"):
        with pytest.raises(RuntimeError), transaction.atomic():
            f.AgencyFactory()
            raise RuntimeError
        agency = f.AgencyFactory()
    event = events_for(agency, "create").get()
    assert (event.actor, event.request_id) == (lawyer, "request-of-the-lawyer")


def test_record_logs_a_read_with_the_current_actor(lawyer):
    request = f.AssistanceRequestFactory()
    with audit_context(actor=lawyer, request_id="read-0000001"):
        audit.record(action="view", obj=request, diff={"fields": ["owner_phone"]})
    event = events_for(request, "view").get()
    assert (event.actor, event.actor_type, event.request_id) == (lawyer, "user", "read-0000001")
    assert event.diff == {"fields": ["owner_phone"]}


# --- through a real request ----------------------------------------------------------------------


def test_login_is_attributed_to_the_user_with_ip_and_request_id(client, analyst):
    response = client.post(
        reverse("accounts:login"),
        {"username": "analyst", "password": PASSWORD},
        headers={"X-Request-ID": "req-login-000001"},
        REMOTE_ADDR="192.0.2.10",
    )
    assert response.status_code == 302
    assert response["X-Request-ID"] == "req-login-000001"
    event = events_for(analyst, "update").get()
    assert set(event.diff) == {"last_login"}
    # Django sets request.user before it records last_login, so the person who logged in is the actor.
    assert (event.actor, event.actor_type) == (analyst, "user")
    assert event.ip_address == "192.0.2.10"
    assert event.request_id == "req-login-000001"


def test_failed_login_changes_nothing(client, analyst):
    before = AuditEvent.objects.count()
    response = client.post(reverse("accounts:login"), {"username": "analyst", "password": "wrong-password"})
    assert response.status_code == 200
    assert AuditEvent.objects.count() == before
    assert response["X-Request-ID"]


def _serve(request, write) -> HttpResponse:
    def view(req):
        write()
        return HttpResponse("ok")

    return AuditContextMiddleware(view)(request)


def test_anonymous_request_writes_are_attributed_to_an_owner():
    request = RequestFactory().post("/intake/", REMOTE_ADDR="198.51.100.7")
    request.user = AnonymousUser()
    created = []
    response = _serve(request, lambda: created.append(f.AgencyFactory()))
    event = events_for(created[0], "create").get()
    assert event.actor is None
    assert event.actor_type == "owner"
    assert event.ip_address == "198.51.100.7"
    assert event.request_id == response["X-Request-ID"]
    assert len(event.request_id) >= 8


def test_signed_in_request_writes_are_attributed_to_the_user(lawyer):
    request = RequestFactory().post("/lawsuits/", REMOTE_ADDR="198.51.100.8")
    request.user = lawyer
    created = []
    response = _serve(request, lambda: created.append(f.AgencyFactory()))
    event = events_for(created[0], "create").get()
    assert (event.actor, event.actor_type) == (lawyer, "user")
    assert event.request_id == response["X-Request-ID"]


@pytest.mark.parametrize("supplied", ["short", "has spaces in it", "x" * 65, "evil\r\nSet-Cookie: a=b"])
def test_unusable_request_ids_from_the_client_are_replaced(supplied):
    request = RequestFactory().get("/", headers={"X-Request-ID": supplied})
    request.user = AnonymousUser()
    response = _serve(request, lambda: None)
    assert response["X-Request-ID"] != supplied
    assert len(response["X-Request-ID"]) == 32


def test_writes_after_the_request_are_no_longer_attributed_to_it(lawyer):
    request = RequestFactory().post("/")
    request.user = lawyer
    _serve(request, f.AgencyFactory)
    after = f.AgencyFactory()
    assert events_for(after, "create").get().actor_type == "system"


# --- append-only tables --------------------------------------------------------------------------


def _refused(sql: str, params: list) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_audit_trail_refuses_update_and_delete():
    event = events_for(f.AgencyFactory(), "create").get()
    _refused("UPDATE cases_auditevent SET actor_type = 'user' WHERE id = %s", [event.pk])
    _refused("DELETE FROM cases_auditevent WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    event.refresh_from_db()
    assert event.actor_type == "system"


def test_custody_chain_refuses_update_and_delete():
    link = f.CustodyEventFactory()
    _refused("UPDATE cases_custodyevent SET action = 'viewed' WHERE id = %s", [link.pk])
    _refused("DELETE FROM cases_custodyevent WHERE id = %s", [link.pk])
    with pytest.raises(DatabaseError), transaction.atomic():
        link.save()


def test_users_are_never_deleted(analyst):
    with pytest.raises(PermissionDenied):
        analyst.delete()
    _refused("DELETE FROM accounts_user WHERE id = %s", [analyst.pk])
    with pytest.raises(DatabaseError), transaction.atomic():
        User.objects.filter(pk=analyst.pk).delete()
    assert User.objects.filter(pk=analyst.pk).exists()


# --- every table is covered ----------------------------------------------------------------------

APPEND_ONLY = {"cases_auditevent", "cases_custodyevent", "cases_statechange", "cases_auditretention"}
# The audit chain's head row is the triggers' own bookkeeping: auditing it would audit every audit row.
NOT_AUDITED = {"cases_auditchainhead"}


def _audited_tables() -> list[tuple[str, str]]:
    """(table, owner label) for every cases model, accounts.User, and their auto-created M2M tables."""
    models = [*apps.get_app_config("cases").get_models(), User]
    tables = []
    for model in models:
        tables.append((model._meta.db_table, model._meta.label))
        for field in model._meta.local_many_to_many:
            if field.remote_field.through._meta.auto_created:
                tables.append((field.remote_field.through._meta.db_table, model._meta.label))
    return tables


def _table_params():
    for table, label in _audited_tables():
        if table in APPEND_ONLY or table in NOT_AUDITED:
            continue
        yield pytest.param(table, id=f"{label}:{table}")


def _audit_triggers(table: str) -> set[str]:
    """The operations with a statement-level audit trigger on ``table``."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT t.tgtype FROM pg_trigger t
            JOIN pg_proc p ON p.oid = t.tgfoid
            WHERE t.tgrelid = %s::regclass AND p.proname = 'legalcases_audit_changes' AND NOT t.tgisinternal
            """,
            [table],
        )
        types = [row[0] for row in cursor.fetchall()]
    ops = set()
    for tgtype in types:
        assert not tgtype & 1, "audit triggers are per statement (transition tables), not per row"
        ops |= {op for bit, op in ((4, "INSERT"), (8, "DELETE"), (16, "UPDATE")) if tgtype & bit}
    return ops


@pytest.mark.parametrize("table", list(_table_params()))
def test_every_table_has_audit_triggers(table):
    assert _audit_triggers(table) == {"INSERT", "UPDATE", "DELETE"}


@pytest.mark.parametrize("table", sorted(APPEND_ONLY))
def test_append_only_tables_have_the_refusal_trigger(table):
    # The audit trail's own refusal lets only the retention purge delete (tests/cases/test_audit_retention.py).
    function = "legalcases_audit_refuse_change" if table == "cases_auditevent" else "legalcases_refuse_change"
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
            WHERE t.tgrelid = %s::regclass AND p.proname = %s
            """,
            [table, function],
        )
        assert cursor.fetchone()[0] == 1
