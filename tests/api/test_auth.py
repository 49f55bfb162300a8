"""API authentication: tokens (digest only, revocable, expiring, scoped), sessions with CSRF, the audit actor."""

from __future__ import annotations

import datetime
import hashlib
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiToken, User
from accounts.services import api_token_revoke
from cases import models as m
from tests import factories as f
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db

PLATFORMS = "/api/v1/platforms/"
ITEMS = "/api/v1/content-items/"


def test_a_request_without_credentials_gets_401_json_with_the_token_challenge(anonymous_client):
    response = anonymous_client.get(ITEMS)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == 'Token realm="api"'


def test_the_api_is_not_redirected_to_the_login_page(anonymous_client):
    # LoginRequiredMiddleware denies by default; the API answers for itself instead of redirecting.
    response = anonymous_client.get(PLATFORMS)
    assert response.status_code == 401 and "Location" not in response


def test_a_token_authenticates_as_its_user(make_token):
    _token, key = make_token(scopes=["read"])
    response = token_client(key).get(ITEMS)
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_only_the_digest_of_the_key_is_stored(make_token):
    token, key = make_token()
    token.refresh_from_db()
    assert token.digest == hashlib.sha256(key.encode()).hexdigest()
    assert key not in {token.digest, token.prefix, token.name}
    assert token.prefix == key[:8] and len(key) >= 43


@pytest.mark.parametrize(
    "header",
    ["Token not-a-real-key", "Token", "Token a b", "token " + "x" * 500, "Token ключ"],
    ids=["unknown", "no-key", "two-keys", "overlong", "non-ascii"],
)
def test_a_bad_token_header_gets_401(header, vendor):
    response = Client(HTTP_AUTHORIZATION=header).get(ITEMS)
    assert response.status_code == 401
    assert "detail" in response.json()


def test_a_revoked_token_gets_401(make_token, admin_user):
    token, key = make_token()
    api_token_revoke(token=token, actor=admin_user)
    response = token_client(key).get(ITEMS)
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_an_expired_token_gets_401(make_token):
    _token, key = make_token(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert token_client(key).get(ITEMS).status_code == 401


def test_a_token_of_a_deactivated_user_gets_401(make_token, vendor):
    _token, key = make_token()
    vendor.is_active = False
    vendor.save()
    assert token_client(key).get(ITEMS).status_code == 401


def test_last_used_is_recorded_at_most_once_a_minute(make_token):
    token, key = make_token()
    client = token_client(key)
    client.get(ITEMS)
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    client.get(ITEMS)
    token.refresh_from_db()
    assert token.last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - datetime.timedelta(minutes=2))
    client.get(ITEMS)
    token.refresh_from_db()
    assert token.last_used_at > first


def test_token_use_and_token_writes_are_attributed_to_the_token_in_the_audit_trail(make_token, vendor):
    token, key = make_token(scopes=["import"])
    body = {"items": [{"platform": "weibo", "url": "https://weibo.com/1/Audit1", "text": "x"}]}
    response = token_client(key).post("/api/v1/content-items/bulk/", body, content_type="application/json")
    assert response.status_code == 200, response.content
    item = m.ContentItem.objects.get()
    created = m.AuditEvent.objects.get(object_type="cases.contentitem", object_id=str(item.pk), action="create")
    assert (created.actor_id, created.actor_type) == (vendor.pk, "token")
    used = m.AuditEvent.objects.get(object_type="accounts.apitoken", object_id=str(token.pk), action="update")
    assert (used.actor_id, used.actor_type) == (vendor.pk, "token")
    assert set(used.diff) == {"last_used_at"}


def test_the_audit_trail_never_holds_the_digest(make_token):
    token, _key = make_token()
    created = m.AuditEvent.objects.get(object_type="accounts.apitoken", object_id=str(token.pk), action="create")
    assert created.diff["digest"] == "***"


def test_a_session_works_for_reads_and_needs_csrf_for_writes(analyst):
    item = f.ContentItemFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(analyst)
    assert client.get(ITEMS).status_code == 200
    response = client.post(f"{ITEMS}{item.pk}/assess/", {"conclusion": "none"}, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    client.get(reverse("cases:home"))  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post(
        f"{ITEMS}{item.pk}/assess/", {"conclusion": "none"}, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 201, response.content


def test_a_session_write_is_attributed_to_the_user_not_a_token(analyst_client, analyst):
    item = f.ContentItemFactory()
    response = analyst_client.post(f"{ITEMS}{item.pk}/assess/", {"conclusion": "none"}, content_type="application/json")
    assert response.status_code == 201
    event = m.AuditEvent.objects.filter(object_type="cases.assessment", action="create").get()
    assert (event.actor_id, event.actor_type) == (analyst.pk, "user")


# --- creating tokens ----------------------------------------------------------------------------------


def test_the_command_creates_a_service_user_and_prints_a_working_key_once():
    out, err = StringIO(), StringIO()
    call_command("create_api_token", "--user", "vendor-y", "--scope", "import", stdout=out, stderr=err)
    key = out.getvalue().strip().splitlines()[-1]
    user = User.objects.get(username="vendor-y")
    assert user.role == "analyst" and not user.has_usable_password() and not user.is_staff
    token = ApiToken.objects.get(user=user)
    assert token.scopes == ["import"] and token.digest == ApiToken.digest_of(key)
    assert token_client(key).get(PLATFORMS).status_code == 200
    assert "Created service user" in err.getvalue()


def test_the_command_reuses_an_existing_user_and_refuses_a_missing_one_when_asked(lawyer):
    out = StringIO()
    call_command("create_api_token", "--user", "lawyer", "--scope", "read", "--scope", "write", stdout=out)
    assert ApiToken.objects.get(user=lawyer).scopes == ["read", "write"]
    with pytest.raises(CommandError):
        call_command("create_api_token", "--user", "nobody", "--scope", "read", "--no-create-user", stdout=out)
    assert not User.objects.filter(username="nobody").exists()


def test_an_admin_creates_a_token_in_the_admin_and_sees_its_key_once(admin_client_, vendor):
    url = reverse("admin:accounts_apitoken_add")
    response = admin_client_.post(url, {"name": "Vendor X feed", "user": vendor.pk, "scopes": ["import"]})
    assert response.status_code == 200, response.content[:2000]
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get()
    key = re.search(r'id="api-token-key">([^<]+)<', response.content.decode()).group(1)
    assert token.digest == ApiToken.digest_of(key)
    assert token.created_by.username == "admin"
    change = admin_client_.get(reverse("admin:accounts_apitoken_change", args=[token.pk]))
    assert change.status_code == 200 and key not in change.content.decode()


def test_an_admin_revokes_tokens_with_the_list_action(admin_client_, make_token):
    token, key = make_token()
    response = admin_client_.post(
        reverse("admin:accounts_apitoken_changelist"), {"action": "revoke_tokens", "_selected_action": [token.pk]}
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert token_client(key).get(ITEMS).status_code == 401


def test_lawyers_cannot_manage_tokens_in_the_admin(lawyer_client):
    assert lawyer_client.get(reverse("admin:accounts_apitoken_changelist")).status_code == 403


def test_the_token_lookup_reads_what_the_orm_reads_in_one_query(make_token, vendor, django_assert_num_queries):
    """accounts.authentication.token_by_digest: hand-written SQL, the same instances as the ORM's."""
    from accounts.authentication import token_by_digest

    token, key = make_token(scopes=["read", "import"])
    orm = ApiToken.objects.select_related("user").get(pk=token.pk)
    with django_assert_num_queries(1):
        found = token_by_digest(ApiToken.digest_of(key))
        user = found.user  # cached with the token: no second query
    for field in ApiToken._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(orm, field.attname), field.name
    for field in type(vendor)._meta.concrete_fields:
        assert getattr(user, field.attname) == getattr(orm.user, field.attname), field.name
    assert sorted(found.scopes) == ["import", "read"]
    assert found._state.adding is False and found._state.db == "default"
    assert token_by_digest(ApiToken.digest_of(key + "x")) is None
