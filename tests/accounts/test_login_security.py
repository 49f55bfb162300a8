"""Login hardening: password policy, throttling and lockout (django-axes) by account and by
address, one client-address helper that a spoofed X-Forwarded-For does not fool, and no user
enumeration through messages or timing."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from accounts.client_ip import client_ip
from cases.models import AssistanceRequest
from tests.conftest import PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
HOME = reverse("cases:home")


def attempt(client: Client, username: str, password: str = "wrong-password-123", **extra):  # noqa: S107 - a test credential
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


# --- Password policy ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    [
        "Sh0rt-pass",  # under 12 characters
        "password1234",  # on the common-password list
        "839201749382",  # only digits
        "lawyer-zhang-wei",  # too close to the username / name
    ],
)
def test_weak_passwords_are_refused(password):
    user = UserFactory.build(username="lawyer-zhang-wei", first_name="Zhang", last_name="Wei")
    with pytest.raises(ValidationError):
        validate_password(password, user=user)


def test_a_long_uncommon_password_is_accepted():
    validate_password("plum-tractor-velvet-91", user=UserFactory.build(username="analyst-li"))


# --- Lockout ----------------------------------------------------------------------------------


def test_the_third_bad_password_locks_the_account_with_429_even_for_the_right_password(client, analyst):
    assert attempt(client, "analyst").status_code == 200
    assert attempt(client, "analyst").status_code == 200

    assert attempt(client, "analyst").status_code == 429
    locked = attempt(client, "analyst", PASSWORD)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_an_account_is_locked_whichever_addresses_the_attempts_come_from(analyst):
    for n in range(3):
        attempt(Client(), "analyst", REMOTE_ADDR=f"198.51.100.{n + 1}")

    assert attempt(Client(), "analyst", PASSWORD, REMOTE_ADDR="203.0.113.50").status_code == 429


def test_an_address_is_locked_whichever_accounts_it_tries(analyst, lawyer):
    for name in ("nobody-1", "nobody-2", "nobody-3"):
        attempt(Client(), name, REMOTE_ADDR="198.51.100.9")

    assert attempt(Client(), "analyst", PASSWORD, REMOTE_ADDR="198.51.100.9").status_code == 429
    assert attempt(Client(), "analyst", PASSWORD, REMOTE_ADDR="198.51.100.10").status_code == 302


def test_a_spoofed_x_forwarded_for_does_not_escape_the_address_lockout(analyst):
    for n in range(3):
        attempt(Client(), f"nobody-{n}", REMOTE_ADDR="198.51.100.20", HTTP_X_FORWARDED_FOR=f"10.9.9.{n}")

    response = attempt(Client(), "analyst", PASSWORD, REMOTE_ADDR="198.51.100.20", HTTP_X_FORWARDED_FOR="10.1.1.1")
    assert response.status_code == 429


def test_a_success_resets_the_count(client, analyst):
    attempt(client, "analyst")
    attempt(client, "analyst")
    assert attempt(client, "analyst", PASSWORD).status_code == 302
    client.post(reverse("accounts:logout"))

    assert attempt(client, "analyst").status_code == 200  # a fresh count, not the third failure


def test_the_lockout_page_is_generic_and_carries_a_request_id(client):
    for _ in range(3):
        response = attempt(client, "nobody-at-all")

    assert response.status_code == 429
    assert "nobody-at-all" not in response.content.decode()
    assert response["X-Request-ID"] in response.content.decode()


# --- One client-address helper -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "203.0.113.5", "1.2.3.4", "203.0.113.5"),  # the header is ignored
        (1, "10.0.0.2", "1.2.3.4, 198.51.100.7", "198.51.100.7"),  # nginx appended the real client
        (2, "10.0.0.2", "1.2.3.4, 198.51.100.7, 10.0.0.3", "198.51.100.7"),
        (2, "10.0.0.2", "198.51.100.7", "10.0.0.2"),  # fewer hops than proxies: not trusted
        (1, "10.0.0.2", "not-an-address", "10.0.0.2"),
        (0, "garbage", "", ""),
    ],
)
def test_client_ip_trusts_only_the_configured_proxies(settings, proxies, remote, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)

    assert client_ip(request) == expected


def test_behind_one_proxy_the_lockout_follows_the_real_client(settings, analyst):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(3):
        attempt(Client(), f"nobody-{n}", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"6.6.6.{n}, 198.51.100.30")

    blocked = attempt(Client(), "analyst", PASSWORD, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.30")
    other = attempt(Client(), "analyst", PASSWORD, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.31")
    assert (blocked.status_code, other.status_code) == (429, 302)


def test_the_public_form_rate_limit_uses_the_same_helper_and_ignores_spoofed_headers(client):
    from tests.cases.test_public_form import FORM, form_data

    cache.clear()
    statuses = [
        client.post(
            FORM,
            form_data(phone=f"1390000001{n}", links=f"https://weibo.com/p/x{n}"),
            REMOTE_ADDR="198.51.100.40",
            HTTP_X_FORWARDED_FOR=f"10.7.7.{n}",
        ).status_code
        for n in range(6)
    ]
    cache.clear()

    assert statuses == [302] * 5 + [429]
    assert AssistanceRequest.objects.count() == 5


# --- No user enumeration ------------------------------------------------------------------------


def test_unknown_user_and_wrong_password_get_the_same_answer(client, analyst):
    with translation.override("en"):
        unknown = attempt(Client(), "no-such-user", HTTP_ACCEPT_LANGUAGE="en")
        wrong = attempt(Client(), "analyst", HTTP_ACCEPT_LANGUAGE="en")

    assert unknown.status_code == wrong.status_code == 200
    assert unknown.context["form"].non_field_errors() == wrong.context["form"].non_field_errors()


def test_an_inactive_account_gets_the_same_answer_as_a_wrong_password(client, outsider, analyst):
    inactive = attempt(Client(), "outsider", PASSWORD)
    wrong = attempt(Client(), "analyst")

    assert inactive.context["form"].non_field_errors() == wrong.context["form"].non_field_errors()


def test_an_unknown_user_costs_a_password_hash_like_a_known_one(monkeypatch, analyst):
    # Timing: Django's ModelBackend hashes the given password for unknown users too.
    calls: list[str] = []
    original = MD5PasswordHasher.encode

    def spy(self, password, salt):
        calls.append(password)
        return original(self, password, salt)

    monkeypatch.setattr(MD5PasswordHasher, "encode", spy)
    attempt(Client(), "no-such-user", "guess-one-123456", REMOTE_ADDR="198.51.100.60")
    attempt(Client(), "analyst", "guess-two-123456", REMOTE_ADDR="198.51.100.61")

    assert calls.count("guess-one-123456") == 1
    assert calls.count("guess-two-123456") == 1


def test_unknown_accounts_are_locked_out_like_real_ones(client, analyst):
    for _ in range(3):
        unknown = attempt(Client(), "no-such-user", REMOTE_ADDR="198.51.100.70")
    for _ in range(3):
        known = attempt(Client(), "analyst", REMOTE_ADDR="198.51.100.71")

    assert unknown.status_code == known.status_code == 429
