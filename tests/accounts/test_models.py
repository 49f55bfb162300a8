"""The department's users: roles, the superuser rule, and never deleting anyone."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import translation

from accounts.models import User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_new_user_is_an_analyst_with_a_hashed_password():
    user = User.objects.create_user(username="zhangsan", password=PASSWORD)
    assert user.role == User.Role.ANALYST
    assert user.password != PASSWORD
    assert user.check_password(PASSWORD)


@pytest.mark.parametrize(
    ("attrs", "effective"),
    [
        ({"role": "analyst"}, "analyst"),
        ({"role": "lawyer"}, "lawyer"),
        ({"role": "executive"}, "executive"),
        ({"role": "admin"}, "admin"),
        ({"role": "analyst", "is_superuser": True}, "admin"),
        ({"role": "executive", "is_superuser": True}, "admin"),
    ],
)
def test_effective_role_is_the_role_and_superusers_act_as_administrators(attrs, effective):
    assert User(username="u", **attrs).effective_role == effective


def test_unknown_role_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(username="intruder", password=PASSWORD, role="owner")


def test_unknown_role_is_refused_by_validation():
    user = User(username="intruder", role="owner")
    user.set_password(PASSWORD)
    with pytest.raises(ValidationError) as excinfo:
        user.full_clean()
    assert "role" in excinfo.value.message_dict


@pytest.mark.parametrize(
    ("attrs", "shown"),
    [
        ({"display_name": "张律师", "first_name": "三", "last_name": "张"}, "张律师"),
        ({"first_name": "San", "last_name": "Zhang"}, "San Zhang"),
        ({}, "zhangsan"),
    ],
)
def test_user_is_shown_by_display_name_then_full_name_then_username(attrs, shown):
    assert str(User(username="zhangsan", **attrs)) == shown


def test_deleting_a_user_is_refused_with_a_translated_reason(lawyer):
    with translation.override("en"), pytest.raises(PermissionDenied) as excinfo:
        lawyer.delete()
    with translation.override("en"):
        assert "deactivate" in str(excinfo.value.args[0])
    assert User.objects.filter(pk=lawyer.pk).exists()


def test_bulk_deleting_users_is_refused_by_the_database(lawyer):
    with pytest.raises(DatabaseError), transaction.atomic():
        User.objects.filter(pk=lawyer.pk).delete()
    assert User.objects.filter(pk=lawyer.pk).exists()


def test_deactivating_a_user_is_the_way_out(lawyer):
    lawyer.is_active = False
    lawyer.save()
    lawyer.refresh_from_db()
    assert lawyer.is_active is False
