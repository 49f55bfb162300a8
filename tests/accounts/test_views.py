"""Login, logout, password change and the language switch."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
HOME = reverse("cases:home")


def _html_lang(response) -> str:
    match = re.search(r'<html lang="([^"]+)"', response.content.decode())
    assert match, "the page has no <html lang>"
    return match.group(1)


def assert_csp_clean(html: str) -> None:
    """No inline styles, scripts or event handlers: the Content-Security-Policy allows none of them."""
    assert not re.search(r"<[^>]+\sstyle\s*=", html), "style attribute found"
    assert "<style" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline <script> found"
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", html), "inline event handler found"


class TestLogin:
    def test_it_renders_for_anonymous_users_in_chinese_by_default(self, client):
        response = client.get(LOGIN)

        assert response.status_code == 200
        assert _html_lang(response) == "zh-CN"
        html = response.content.decode()
        assert 'autocomplete="username"' in html
        assert 'autocomplete="current-password"' in html
        assert 'name="csrfmiddlewaretoken"' in html
        assert 'class="app-nav"' not in html  # no staff navigation before login
        assert_csp_clean(html)

    def test_it_logs_a_user_in_and_goes_home(self, client, analyst):
        # Analysts need no second factor; lawyers and admins: tests/accounts/test_two_factor.py.
        response = client.post(LOGIN, {"username": "analyst", "password": PASSWORD})

        assert response.status_code == 302
        assert response["Location"] == HOME
        assert client.get(HOME).status_code == 200

    def test_it_follows_next_after_login(self, client, lawyer):
        target = reverse("cases:lawsuit-list")

        response = client.post(LOGIN, {"username": "lawyer", "password": PASSWORD, "next": target})

        assert response["Location"] == target

    def test_it_ignores_a_next_pointing_to_another_site(self, client, lawyer):
        response = client.post(
            LOGIN, {"username": "lawyer", "password": PASSWORD, "next": "https://evil.example/steal"}
        )

        assert response["Location"] == HOME

    def test_it_rejects_a_wrong_password_with_an_error(self, client, lawyer):
        response = client.post(LOGIN, {"username": "lawyer", "password": "not-the-password"})

        assert response.status_code == 200
        assert response.context["form"].non_field_errors()
        assert 'class="form-errors"' in response.content.decode()
        assert "_auth_user_id" not in client.session

    def test_an_inactive_user_cannot_log_in(self, client, outsider):
        response = client.post(LOGIN, {"username": "outsider", "password": PASSWORD})

        assert response.status_code == 200
        assert response.context["form"].non_field_errors()
        assert "_auth_user_id" not in client.session

    def test_a_signed_in_user_is_sent_on_from_the_login_page(self, lawyer_client):
        response = lawyer_client.get(LOGIN)

        assert response.status_code == 302
        assert response["Location"] == HOME

    def test_it_explains_why_when_redirected_from_a_page(self, client):
        response = client.get(HOME, follow=True)

        assert response.redirect_chain == [(f"{LOGIN}?next={HOME}", 302)]
        assert 'class="alert alert-info"' in response.content.decode()
        assert response.context["next"] == HOME


class TestLogout:
    def test_it_refuses_get(self, lawyer_client):
        response = lawyer_client.get(reverse("accounts:logout"))

        assert response.status_code == 405
        assert lawyer_client.get(HOME).status_code == 200

    def test_it_logs_out_and_returns_to_the_login_page(self, lawyer_client):
        response = lawyer_client.post(reverse("accounts:logout"))

        assert response.status_code == 302
        assert response["Location"] == LOGIN
        assert lawyer_client.get(HOME).status_code == 302
        login_page = lawyer_client.get(LOGIN)
        assert [str(message) for message in login_page.context["messages"]]

    def test_an_anonymous_logout_lands_on_the_login_page_without_next(self, client):
        response = client.post(reverse("accounts:logout"))

        assert response.status_code == 302
        assert response["Location"] == LOGIN

    def test_every_staff_page_offers_a_logout_form_with_csrf(self, lawyer_client):
        html = lawyer_client.get(HOME).content.decode()

        logout = re.escape(reverse("accounts:logout"))
        form = re.search(rf'<form method="post" action="{logout}">(.*?)</form>', html, re.S)
        assert form, "no logout form"
        assert "csrfmiddlewaretoken" in form.group(1)


class TestPasswordChange:
    URL = reverse("accounts:password-change")

    def test_it_requires_login(self, client):
        response = client.get(self.URL)

        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)

    def test_it_changes_the_password_and_keeps_the_user_logged_in(self, lawyer_client, lawyer):
        new = "a-much-longer-new-passphrase-7"

        response = lawyer_client.post(self.URL, {"old_password": PASSWORD, "new_password1": new, "new_password2": new})

        assert response.status_code == 302
        assert response["Location"] == reverse("accounts:password-change-done")
        lawyer.refresh_from_db()
        assert lawyer.check_password(new)
        done = lawyer_client.get(response["Location"])
        assert done.status_code == 200

    def test_it_rejects_a_wrong_current_password(self, lawyer_client, lawyer):
        response = lawyer_client.post(
            self.URL, {"old_password": "wrong", "new_password1": "x" * 20 + "9a", "new_password2": "x" * 20 + "9a"}
        )

        assert response.status_code == 200
        assert "old_password" in response.context["form"].errors
        html = response.content.decode()
        assert 'class="form-errors"' in html
        assert 'href="#id_old_password"' in html
        lawyer.refresh_from_db()
        assert lawyer.check_password(PASSWORD)

    def test_the_form_has_password_manager_hints(self, lawyer_client):
        html = lawyer_client.get(self.URL).content.decode()

        assert 'autocomplete="current-password"' in html
        assert html.count('autocomplete="new-password"') == 2
        assert_csp_clean(html)


class TestLanguageSwitch:
    def test_switching_to_english_sets_the_cookie_and_the_page_language(self, lawyer_client):
        response = lawyer_client.post(reverse("set_language"), {"language": "en", "next": HOME})

        assert response.status_code == 302
        assert response["Location"] == HOME
        assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
        page = lawyer_client.get(HOME)
        assert _html_lang(page) == "en"
        assert 'value="en" lang="en" aria-current="true"' in page.content.decode()

    def test_anonymous_visitors_can_switch_language(self, client):
        response = client.post(reverse("set_language"), {"language": "en", "next": LOGIN})

        assert response["Location"] == LOGIN
        assert _html_lang(client.get(LOGIN)) == "en"

    def test_the_switcher_returns_to_the_current_page(self, lawyer_client):
        html = lawyer_client.get(reverse("accounts:password-change")).content.decode()

        assert f'action="{reverse("set_language")}"' in html
        assert 'name="next" value="/accounts/password/"' in html
        assert 'name="language" value="zh-hans"' in html
        assert 'name="language" value="en"' in html
