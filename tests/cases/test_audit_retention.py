"""Audit log retention (cases/services/audit_retention.py): a setting only administrators change, with a
reason, never below the floor, every change audited; and the nightly purge through the database's
purge function, which keeps the chain verifiable and leaves the application unable to delete rows."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from cases.audit import audit_context
from cases.models import AuditEvent, AuditRetention
from cases.models.audit import AUDIT_RETENTION_MIN_DAYS, AuditChainHead
from cases.services import audit_retention
from cases.services.audit_chain import verify_audit_chain
from cases.tasks.audit import purge_audit_log
from tests import factories as f

pytestmark = pytest.mark.django_db
URL = reverse("cases:audit-retention")


@pytest.fixture(autouse=True)
def chain_immediately():
    """Chain each row at the end of its statement, not at commit (a test's transaction never commits),
    so the rows and the purge function see the chain values."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def client_for(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def retention_events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type="cases.auditretention").order_by("seq"))


# --- the setting -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["analyst", "lawyer", "executive"])
def test_only_administrators_open_or_change_it(role_users, role):
    client = client_for(role_users[role])
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"days": "400", "reason": "试试"}).status_code == 403
    assert not AuditRetention.objects.exists()
    with pytest.raises(PermissionDenied):
        audit_retention.retention_set(actor=role_users[role], days=400, reason="试试")


def test_reached_from_the_auditor_view(admin_user):
    page = client_for(admin_user).get(reverse("cases:audit-event-list")).content.decode()
    assert f'href="{URL}"' in page
    response = client_for(admin_user).get(URL)
    assert response.status_code == 200
    with translation.override("en"):
        assert "Kept forever" in response.content.decode()


@pytest.mark.parametrize("days", ["1", "30", str(AUDIT_RETENTION_MIN_DAYS - 1)])
def test_below_the_floor_is_refused_and_nothing_changes(admin_user, days):
    response = client_for(admin_user).post(URL, {"days": days, "reason": "节省空间"})
    assert response.status_code == 200
    with translation.override("en"):
        assert response.context["form"].errors["days"] == [
            f"The audit log must be kept at least {AUDIT_RETENTION_MIN_DAYS} days."
        ]
    assert not AuditRetention.objects.exists()
    assert retention_events() == []


def test_a_reason_is_required(admin_user):
    response = client_for(admin_user).post(URL, {"days": "400", "reason": "  "})
    assert response.status_code == 200 and "reason" in response.context["form"].errors
    assert not AuditRetention.objects.exists()


def test_a_change_is_audited_with_old_and_new_value_actor_and_reason(admin_user):
    client = client_for(admin_user)
    response = client.post(URL, {"days": "400", "reason": "法务部年度审查决定"})
    assert response.status_code == 302 and response["Location"] == URL
    response = client.post(URL, {"days": "", "reason": "诉讼中，暂停删除"})
    assert response.status_code == 302
    first, second = AuditRetention.objects.order_by("id")
    assert (first.previous_days, first.days, second.previous_days, second.days) == (None, 400, 400, None)
    events = retention_events()
    assert len(events) == 2
    assert all(e.action == "create" and e.actor_id == admin_user.pk and e.actor_type == "user" for e in events)
    assert events[0].diff["days"] == 400 and events[0].diff["previous_days"] is None
    assert events[1].diff["days"] is None and events[1].diff["previous_days"] == 400
    assert events[1].diff["reason"] == "诉讼中，暂停删除"
    page = client.get(URL).content.decode()
    assert "法务部年度审查决定" in page and "诉讼中，暂停删除" in page


def test_setting_the_same_value_again_is_refused(admin_user):
    audit_retention.retention_set(actor=admin_user, days=400, reason="首次设置")
    with pytest.raises(ValidationError):
        audit_retention.retention_set(actor=admin_user, days=400, reason="再来一次")
    assert AuditRetention.objects.count() == 1


def test_the_database_refuses_a_retention_below_the_floor_and_any_rewrite(admin_user):
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditRetention.objects.create(days=1, reason="绕过表单", set_by=admin_user)
    kept = audit_retention.retention_set(actor=admin_user, days=400, reason="首次设置")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditRetention.objects.filter(pk=kept.pk).update(days=AUDIT_RETENTION_MIN_DAYS)


# --- the purge -------------------------------------------------------------------------------


def fresh_chain() -> None:
    """Start from an empty log (as a superuser could): the migrations' rows are younger than any retention."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE cases_auditevent DISABLE TRIGGER cases_auditevent_append_only")
        cursor.execute("DELETE FROM cases_auditevent")
        cursor.execute("DELETE FROM cases_auditchainhead")
        cursor.execute("ALTER TABLE cases_auditevent ENABLE TRIGGER cases_auditevent_append_only")


def old_event(days_ago: int, **fields) -> AuditEvent:
    at = timezone.now() - datetime.timedelta(days=days_ago)
    event = AuditEvent.objects.create(at=at, action="view", object_type="cases.agency", object_id="1", **fields)
    event.refresh_from_db()  # seq and hashes, set by the database
    return event


def set_retention(days: int | None) -> None:
    admin = f.UserFactory(role="admin")
    with audit_context(actor=admin):
        audit_retention.retention_set(actor=admin, days=days, reason="测试保留期")


def test_old_rows_go_new_rows_stay_and_the_chain_still_verifies():
    fresh_chain()
    old = [old_event(800 - i) for i in range(5)]
    recent = [old_event(10), old_event(1)]
    set_retention(AUDIT_RETENTION_MIN_DAYS)
    result = audit_retention.audit_purge()
    assert result.purged == 5
    assert (result.anchor_seq, result.anchor_hash) == (old[-1].seq, old[-1].hash)
    assert not AuditEvent.objects.filter(pk__in=[e.pk for e in old]).exists()
    assert AuditEvent.objects.filter(pk__in=[e.pk for e in recent]).count() == 2
    purge = AuditEvent.objects.get(action="purge")
    assert purge.actor_type == "system"
    assert purge.diff["rows"] == 5 and purge.diff["retention_days"] == AUDIT_RETENTION_MIN_DAYS
    assert (purge.diff["anchor_seq"], purge.diff["anchor_hash"]) == (old[-1].seq, old[-1].hash)
    assert datetime.datetime.fromisoformat(purge.diff["last_purged_at"]) == old[-1].at
    report = verify_audit_chain()
    assert report.ok, report.broken
    assert report.anchor_seq == old[-1].seq
    # Later writes chain on, and a second run has nothing left to delete (and records nothing).
    old_event(0)
    assert audit_retention.audit_purge().purged == 0
    assert AuditEvent.objects.filter(action="purge").count() == 1
    assert verify_audit_chain().ok


def test_without_a_retention_nothing_is_ever_deleted():
    fresh_chain()
    old_event(5000)
    assert audit_retention.audit_purge().purged == 0
    set_retention(AUDIT_RETENTION_MIN_DAYS)
    set_retention(None)
    assert audit_retention.audit_purge().purged == 0
    assert AuditEvent.objects.filter(action="view").count() == 1


def test_the_purge_stops_before_an_event_about_evidence_under_litigation_hold():
    fresh_chain()
    held = f.EvidenceFactory(litigation_hold=True)
    fresh_chain()  # the evidence's own creation events are young; start the log again
    before = old_event(900)
    about_held = AuditEvent.objects.create(
        at=timezone.now() - datetime.timedelta(days=800), action="view", object_type="cases.evidence",
        object_id=str(held.pk),
    )  # fmt: skip
    after = old_event(700)
    set_retention(AUDIT_RETENTION_MIN_DAYS)
    assert audit_retention.audit_purge().purged == 1
    assert not AuditEvent.objects.filter(pk=before.pk).exists()
    assert AuditEvent.objects.filter(pk__in=[about_held.pk, after.pk]).count() == 2
    assert verify_audit_chain().ok


def test_the_nightly_task_is_scheduled_and_purges():
    schedule = settings.CELERY_BEAT_SCHEDULE["purge-audit-log"]
    assert schedule["task"] == purge_audit_log.name == "cases.purge_audit_log"
    fresh_chain()
    old_event(1000)
    old_event(999)
    set_retention(AUDIT_RETENTION_MIN_DAYS)
    assert purge_audit_log.delay().get()["purged"] == 2
    assert verify_audit_chain().ok


def test_the_application_still_cannot_delete_audit_rows():
    fresh_chain()
    old = old_event(800)
    young = old_event(3)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=old.pk).delete()
    set_retention(AUDIT_RETENTION_MIN_DAYS)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=old.pk).delete()  # a retention alone opens nothing
    # Announcing a purge by hand still deletes nothing the retention keeps.
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('legalcases.audit_purge_upto', '999999999', true)")
        cursor.execute("DELETE FROM cases_auditevent WHERE id = %s", [young.pk])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE cases_auditevent SET object_id = '2' WHERE id = %s", [old.pk])
    assert AuditEvent.objects.filter(pk__in=[old.pk, young.pk]).count() == 2


def test_a_tampered_anchor_is_caught():
    fresh_chain()
    old_event(800)
    old_event(790)
    set_retention(AUDIT_RETENTION_MIN_DAYS)
    audit_retention.audit_purge()
    assert verify_audit_chain().ok
    AuditChainHead.objects.filter(pk=1).update(anchor_seq=1)
    broken = verify_audit_chain().broken
    assert broken is not None and "anchor" in broken.reason
