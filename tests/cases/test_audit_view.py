"""The auditor view of the audit log (cases/views/audit.py): who may open it, its filters,
count-free pagination, its cost in queries and its CSV export."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from cases import models as m
from cases.views.listing import CheapPaginator
from tests import factories as f

pytestmark = pytest.mark.django_db
URL = reverse("cases:audit-event-list")


def client_for(user: User) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def shown(response) -> list[m.AuditEvent]:
    return list(response.context["page_obj"].object_list)


@pytest.mark.parametrize("role", ["analyst", "lawyer", "executive"])
def test_only_the_audit_area_may_open_it(role_users, role):
    client = client_for(role_users[role])
    assert client.get(URL).status_code == 403
    assert client.get(URL, {"export": "csv"}).status_code == 403
    assert reverse("cases:audit-event-list") not in client.get(reverse("cases:home")).content.decode()


def test_admins_open_it_from_the_navigation(admin_user):
    client = client_for(admin_user)
    assert URL in client.get(reverse("cases:home")).content.decode()
    response = client.get(URL)
    assert response.status_code == 200
    assert isinstance(response.context["paginator"], CheapPaginator)
    assert 'aria-current="page">Audit log' in response.content.decode()


def test_anonymous_users_go_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_filters_by_actor_action_object_and_request(admin_user, lawyer):
    mine = f.AuditEventFactory(
        actor=lawyer, action="export", object_type="cases.lawsuit", object_id="77", request_id="req-aaaa-1111"
    )
    f.AuditEventFactory(
        actor=admin_user, action="view", object_type="cases.lawsuit", object_id="78", request_id="req-bbbb-2222"
    )
    client = client_for(admin_user)

    assert shown(client.get(URL, {"actor": lawyer.pk})) == [mine]
    assert mine in shown(client.get(URL, {"action": "export"}))
    assert all(e.action == "export" for e in shown(client.get(URL, {"action": "export"})))
    assert shown(client.get(URL, {"object_type": "cases.lawsuit", "object_id": "77"})) == [mine]
    assert shown(client.get(URL, {"request_id": "req-aaaa-1111"})) == [mine]


def test_filters_by_local_date_range(admin_user):
    now = timezone.now()
    old = f.AuditEventFactory(object_type="cases.lawsuit", object_id="1", at=now - datetime.timedelta(days=10))
    new = f.AuditEventFactory(object_type="cases.lawsuit", object_id="1", at=now)
    client = client_for(admin_user)
    today = timezone.localdate()

    rows = shown(client.get(URL, {"object_type": "cases.lawsuit", "at_from": today.isoformat()}))
    assert new in rows and old not in rows
    rows = shown(client.get(URL, {"object_type": "cases.lawsuit", "at_to": (today - datetime.timedelta(days=5))}))
    assert rows == [old]


@pytest.mark.parametrize(
    "params",
    [
        {"at_from": "2026-05-01", "at_to": "2026-04-01"},
        {"actor": "abc"},
        {"object_id": "x" * 65},
        {"action": "drop table"},
        {"request_id": "\x00"},
    ],
)
def test_bad_filters_give_a_message_and_no_rows(admin_user, params):
    f.AuditEventFactory()
    response = client_for(admin_user).get(URL, params)
    assert response.status_code == 200
    assert shown(response) == []
    assert response.context["filter"].form.errors


def test_end_before_start_is_explained(admin_user):
    response = client_for(admin_user).get(URL, {"at_from": "2026-05-01", "at_to": "2026-04-01"})
    assert "The end date is before the start date." in response.content.decode()


def test_recorded_changes_are_shown_escaped(admin_user):
    f.AuditEventFactory(action="update", diff={"title": ["<script>x</script>", "新"]})
    html = client_for(admin_user).get(URL, {"action": "update"}).content.decode()
    assert "<script>x</script>" not in html and "&lt;script&gt;" in html


def test_queries_do_not_grow_with_rows(admin_user, django_assert_max_num_queries):
    client = client_for(admin_user)
    actors = f.UserFactory.create_batch(3)
    for i in range(60):
        f.AuditEventFactory(actor=actors[i % 3], diff={"n": i})
    with django_assert_max_num_queries(10):
        response = client.get(URL)
    assert len(shown(response)) == 50


def test_csv_export_uses_the_filters_and_is_itself_audited(admin_user, lawyer):
    event = f.AuditEventFactory(
        actor=lawyer,
        action="download",
        object_type="cases.evidence",
        object_id="5",
        diff={"file": "=cmd|' /C calc'!A0"},
    )
    response = client_for(admin_user).get(URL, {"object_type": "cases.evidence", "object_id": "5", "export": "csv"})

    body = b"".join(response.streaming_content).decode("utf-8")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert [row[0] for row in rows[1:]] == [str(event.pk)]
    assert lawyer.username in rows[1]
    assert m.AuditEvent.objects.filter(
        action="export",
        object_type="cases.auditevent",
        actor=admin_user,
        diff__filters={"object_type": ["cases.evidence"], "object_id": ["5"]},
    ).exists()
