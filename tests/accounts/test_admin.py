"""The users admin: administrators only, roles editable, nobody deleted (deactivated instead)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from cases.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:accounts_user_changelist")
ADD = reverse("admin:accounts_user_add")
MAX_QUERIES = 12


def _queries(client, path: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    return response.status_code, len(queries)


def test_user_list_queries_do_not_grow_with_users(admin_client_):
    UserFactory.create_batch(3)
    status, few = _queries(admin_client_, CHANGELIST)
    UserFactory.create_batch(12)
    status_many, many = _queries(admin_client_, CHANGELIST)
    assert status == status_many == 200
    assert many == few <= MAX_QUERIES


def test_user_add_and_change_pages_load(admin_client_):
    user = UserFactory(role=User.Role.LAWYER)
    assert _queries(admin_client_, ADD)[0] == 200
    status, queries = _queries(admin_client_, reverse("admin:accounts_user_change", args=[user.pk]))
    assert status == 200
    assert queries <= MAX_QUERIES
    form = admin_client_.get(reverse("admin:accounts_user_change", args=[user.pk])).context["adminform"].form
    assert {"role", "display_name"} <= set(form.fields)


def test_an_administrator_adds_a_lawyer(admin_client_, admin_user):
    response = admin_client_.post(
        ADD,
        {
            "username": "zhanglawyer",
            "display_name": "张律师",
            "email": "zhang@example.com",
            "role": "lawyer",
            "is_staff": "on",
            "usable_password": "true",
            "password1": "a-long-enough-passphrase-42",
            "password2": "a-long-enough-passphrase-42",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="zhanglawyer")
    assert (user.role, user.display_name, user.is_staff) == ("lawyer", "张律师", True)
    created = AuditEvent.objects.get(object_type="accounts.user", object_id=str(user.pk), action="create")
    assert created.actor == admin_user
    assert created.diff["password"] == "***"


def test_users_cannot_be_deleted_in_the_admin(admin_client_):
    user = UserFactory()
    assert admin_client_.get(reverse("admin:accounts_user_delete", args=[user.pk])).status_code == 403
    actions = dict(admin_client_.get(CHANGELIST).context["action_form"].fields["action"].choices)
    assert "delete_selected" not in actions
    assert "deactivate_users" in actions
    response = admin_client_.post(
        CHANGELIST, {"action": "delete_selected", "_selected_action": [user.pk], "post": "yes"}
    )
    assert User.objects.filter(pk=user.pk).exists()
    assert response.status_code in (200, 302)


def test_deactivating_selected_users_spares_oneself(admin_client_, admin_user):
    others = UserFactory.create_batch(2)
    selected = [admin_user.pk, *(user.pk for user in others)]
    response = admin_client_.post(CHANGELIST, {"action": "deactivate_users", "_selected_action": selected})
    assert response.status_code == 302
    assert not User.objects.filter(pk__in=[user.pk for user in others], is_active=True).exists()
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_only_administrators_reach_the_users_admin(lawyer_client, analyst_client):
    assert lawyer_client.get(CHANGELIST).status_code == 403
    assert lawyer_client.get(ADD).status_code == 403
    assert analyst_client.get(CHANGELIST).status_code == 302


def test_an_administrator_changes_a_role(admin_client_):
    user = UserFactory(role=User.Role.ANALYST)
    change = reverse("admin:accounts_user_change", args=[user.pk])
    form = admin_client_.get(change).context["adminform"].form
    data = {name: form[name].value() for name in ("username", "display_name", "first_name", "last_name", "email")}
    data = {key: value or "" for key, value in data.items()}
    data.update(role="lawyer", is_active="on", is_staff="on")
    response = admin_client_.post(change, data)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.role == "lawyer" and user.is_staff
