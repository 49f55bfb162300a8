"""Production settings (issue 9, item 1): the deploy check, security headers, cookies, session
lifetime, no version banners, generic error pages with a request id.

This module is also the URLconf of its error-page tests (``urlpatterns`` and ``handler500`` below).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import django
import pytest
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest
from django.test import Client
from django.urls import include, path, reverse

from accounts.middleware import AUTH_AT, SEEN_AT
from tests.accounts.test_views import assert_csp_clean

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_LIKE = {
    "DEBUG": "false",
    "SECRET_KEY": "a-production-like-secret-key-used-only-by-this-test-0123456789abcdef",
    "ALLOWED_HOSTS": "legal.example.com",
    "FIELD_ENCRYPTION_KEYS": "dGVzdC1vbmx5LWZlcm5ldC1rZXktbm90LXNlY3JldCE=",
    # Settings never connect at import time; the check does not need the database.
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/legalcases_settings_check",
}


@login_not_required
def _boom(request: HttpRequest):
    raise RuntimeError("secret internal detail: password=hunter2")


urlpatterns = [path("boom/", _boom), path("", include("legalcases.urls"))]
handler500 = "accounts.errors.server_error"


def deploy_check(**overrides: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "LEGALCASES_IGNORE_DOTENV": "1",
        **PRODUCTION_LIKE,
        **overrides,
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- The deploy check -------------------------------------------------------------------------


def test_the_production_settings_pass_the_deploy_check_without_a_warning():
    result = deploy_check()

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout + result.stderr


def test_the_deploy_check_catches_insecure_cookies():
    # The check is real: switching a protection off makes it fail.
    result = deploy_check(SECURE_COOKIES="false")

    assert result.returncode != 0
    assert "security.W012" in result.stdout + result.stderr


# --- Headers, cookies, banners ------------------------------------------------------------------


@pytest.mark.django_db
def test_every_page_sends_the_security_headers(settings, analyst_client):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True

    response = analyst_client.get(reverse("cases:home"), secure=True)

    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    csp = response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "default-src 'self'" in csp and "object-src 'none'" in csp
    assert re.search(r"script-src 'self'($|;| 'nonce-[\w+/=-]+')", csp)  # a nonce when the page uses one
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp


@pytest.mark.django_db
def test_the_session_cookie_is_secure_httponly_and_samesite(settings, client, analyst):
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True

    response = client.post(
        reverse("accounts:login"), {"username": "analyst", "password": "correct-horse-battery-staple-42"}
    )

    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert settings.SESSION_COOKIE_NAME != "sessionid"


@pytest.mark.django_db
def test_no_response_names_the_software_or_its_version(admin_client_, client):
    version = django.get_version()
    pages = [
        client.get(reverse("accounts:login")),
        client.get("/no-such-page/"),
        admin_client_.get("/admin/"),
        admin_client_.get("/api/v1/no-such-resource/"),
    ]
    for response in pages:
        assert "Server" not in response and "X-Powered-By" not in response
        body = response.content.decode()
        assert version not in body
        assert "Django" not in body.replace("django-", "")  # no "Powered by Django" or framework banner


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "accounts:login",
        "accounts:otp-setup",
        "cases:home",
        "cases:lawsuit-list",
        "cases:triage",
        "admin:index",
        "admin:cases_lawsuit_changelist",
    ],
)
def test_pages_have_no_inline_scripts_styles_or_handlers(client, lawyer, url):
    client.force_login(lawyer)
    if url == "accounts:otp-setup":
        client.force_login_password_only(lawyer)
    response = client.get(reverse(url), follow=True)

    assert response.status_code == 200
    assert_csp_clean(response.content.decode())


# --- Session lifetime ---------------------------------------------------------------------------


def _age_session(client: Client, *, started_ago: int, seen_ago: int) -> None:
    session = client.session
    now = int(time.time())
    session[AUTH_AT] = now - started_ago
    session[SEEN_AT] = now - seen_ago
    session.save()


@pytest.mark.django_db
def test_a_session_idle_for_more_than_30_minutes_ends(analyst_client):
    _age_session(analyst_client, started_ago=3600, seen_ago=31 * 60)

    response = analyst_client.get(reverse("cases:home"))

    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    assert "_auth_user_id" not in analyst_client.session


@pytest.mark.django_db
def test_a_session_older_than_12_hours_ends_even_if_active(analyst_client):
    _age_session(analyst_client, started_ago=12 * 3600 + 1, seen_ago=10)

    response = analyst_client.get(reverse("cases:home"))

    assert response.status_code == 302
    assert "_auth_user_id" not in analyst_client.session


@pytest.mark.django_db
def test_an_active_session_stays_and_its_idle_clock_restarts(analyst_client):
    _age_session(analyst_client, started_ago=11 * 3600, seen_ago=29 * 60)

    assert analyst_client.get(reverse("cases:home")).status_code == 200
    assert int(time.time()) - analyst_client.session[SEEN_AT] < 5
    assert analyst_client.get(reverse("cases:home")).status_code == 200


@pytest.mark.django_db
def test_an_expired_api_session_is_anonymous(lawyer_client):
    _age_session(lawyer_client, started_ago=3600, seen_ago=31 * 60)

    assert lawyer_client.get("/api/v1/lawsuits/").status_code in (401, 403)


# --- Error pages ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_server_error_shows_a_generic_page_with_the_request_id(settings):
    settings.ROOT_URLCONF = __name__
    client = Client(raise_request_exception=False)

    response = client.get("/boom/")

    body = response.content.decode()
    assert response.status_code == 500
    assert response["X-Request-ID"] and response["X-Request-ID"] in body
    assert "Traceback" not in body and "hunter2" not in body and "RuntimeError" not in body
    assert_csp_clean(body)


@pytest.mark.django_db
def test_not_found_and_forbidden_pages_carry_the_request_id(executive_client):
    missing = executive_client.get("/no-such-page/")
    denied = executive_client.get(reverse("cases:evidence-list"))

    for response, status in ((missing, 404), (denied, 403)):
        assert response.status_code == status
        assert response["X-Request-ID"] in response.content.decode()
        assert "Traceback" not in response.content.decode()
