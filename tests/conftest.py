"""Test-only settings and fixtures: one user per role, clients logged in as each."""

from __future__ import annotations

import os

import pytest

# Playwright's sync API runs an event loop in the test thread; Django must allow ORM use there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct-horse-battery-staple-42"


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.LANGUAGE_CODE = "zh-hans"
    # Cached filter bars (cases/fragments.py) must not outlive the test whose database they show.
    from django.core.cache import caches

    caches["template_fragments"].clear()


@pytest.fixture(autouse=True, scope="session")
def _session_settings():
    """Settings read once when live_server builds its handler (per-test overrides come too late)."""
    from django.conf import settings

    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


_TRANSACTIONAL_FIXTURES = {"transactional_db", "live_server", "django_db_reset_sequences", "django_db_serialized_rollback"}


@pytest.fixture(autouse=True)
def _platforms_present(request):
    """The platforms come from a data migration; a transactional test's flush removes them (and with
    --reuse-db a flushed database is kept). Put them back before any test that uses the database."""
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    if marker is None and not names & (_TRANSACTIONAL_FIXTURES | {"db"}):
        return
    transactional = bool(marker and marker.kwargs.get("transaction")) or bool(names & _TRANSACTIONAL_FIXTURES)
    request.getfixturevalue("transactional_db" if transactional else "db")
    from tests.factories import ensure_platforms

    ensure_platforms()


@pytest.fixture(autouse=True, scope="session")
def _celery_eager():
    from legalcases.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True


def mark_second_factor_verified(client, user) -> None:
    """Give ``user`` a confirmed authenticator and mark the client's session verified with it,
    as the second-factor step would (lawyers and admins need it for every staff page)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _ = TOTPDevice.objects.get_or_create(user=user, name="test", defaults={"confirmed": True})
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def browser_second_factor(page, username: str) -> None:
    """In a browser, after the password: lawyers and admins enter a code from their authenticator.

    The user gets a confirmed test authenticator if they have none; users who need no second
    factor are left alone.
    """
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import User
    from accounts.two_factor import requires_two_factor

    user = User.objects.get(username=username)
    if not requires_two_factor(user):
        return
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="test", defaults={"confirmed": True})
    page.wait_for_url("**/accounts/2fa/**")
    if "/accounts/2fa/setup/" in page.url:
        # Sent to enrol before the device above existed: go to the code step instead.
        page.goto(page.url.replace("/accounts/2fa/setup/", "/accounts/2fa/"))
    page.fill("#id_token", f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}")
    page.locator("form.form button[type=submit]").click()


@pytest.fixture(autouse=True)
def _force_login_passes_the_second_factor(monkeypatch):
    """``client.force_login(user)`` stands for the whole login, second factor included.

    The two-factor tests (tests/accounts/test_two_factor.py) log in without it through
    ``force_login_password_only``.
    """
    from django.test.client import ClientMixin

    from accounts.two_factor import requires_two_factor

    original = ClientMixin.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        if requires_two_factor(user):
            mark_second_factor_verified(self, user)

    monkeypatch.setattr(ClientMixin, "force_login", force_login)
    monkeypatch.setattr(ClientMixin, "force_login_password_only", original, raising=False)


def _make_user(django_user_model, username: str, role: str, **extra):
    return django_user_model.objects.create_user(
        username=username, password=PASSWORD, role=role, display_name=username, **extra
    )


@pytest.fixture
def analyst(db, django_user_model):
    return _make_user(django_user_model, "analyst", "analyst")


@pytest.fixture
def lawyer(db, django_user_model):
    return _make_user(django_user_model, "lawyer", "lawyer", is_staff=True)


@pytest.fixture
def legal_user(lawyer):
    """The user who does the department's legal work (alias of ``lawyer``)."""
    return lawyer


@pytest.fixture
def executive(db, django_user_model):
    return _make_user(django_user_model, "executive", "executive")


@pytest.fixture
def admin_user(db, django_user_model):
    return _make_user(django_user_model, "admin", "admin", is_staff=True, is_superuser=True)


@pytest.fixture
def outsider(db, django_user_model):
    """An active account with no usable role: deactivated staff, or a stranger."""
    return _make_user(django_user_model, "outsider", "analyst", is_active=False)


@pytest.fixture
def role_users(analyst, lawyer, executive, admin_user):
    return {"analyst": analyst, "lawyer": lawyer, "executive": executive, "admin": admin_user}


def _client_for(client_class, user):
    c = client_class()
    c.force_login(user)
    return c


@pytest.fixture
def analyst_client(analyst):
    from django.test import Client

    return _client_for(Client, analyst)


@pytest.fixture
def lawyer_client(lawyer):
    from django.test import Client

    return _client_for(Client, lawyer)


@pytest.fixture
def executive_client(executive):
    from django.test import Client

    return _client_for(Client, executive)


@pytest.fixture
def admin_client_(admin_user):
    from django.test import Client

    return _client_for(Client, admin_user)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}
