"""A lawyer's first login in a browser: password, enrolment with the QR code, backup codes, home."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from django.urls import reverse
from django_otp.oath import totp
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD

SHOTS = Path("/work/notes/shots/sec")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_lawyer_enrols_an_authenticator_on_first_login(live_server, page: Page, lawyer):
    SHOTS.mkdir(parents=True, exist_ok=True)
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text) if "Refused to" in message.text else None)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(live_server.url + reverse("accounts:login"))
    page.fill("#id_username", "lawyer")
    page.fill("#id_password", PASSWORD)
    page.locator("form.form button[type=submit]").click()

    page.wait_for_url("**/accounts/2fa/setup/**")
    expect(page.locator(".qr-code svg")).to_be_visible()
    page.screenshot(path=SHOTS / "otp-setup.png", full_page=True)

    secret = page.locator(".otp-secret").inner_text().replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    page.fill("#id_token", f"{totp(key):06d}")
    page.locator("form.form button[type=submit]").click()

    expect(page.locator(".backup-codes li")).to_have_count(10)
    page.screenshot(path=SHOTS / "otp-backup-codes.png", full_page=True)
    page.locator(".form-actions a.btn-primary").click()

    expect(page).to_have_url(live_server.url + reverse("cases:home"))
    expect(page.locator("nav.app-nav")).to_be_visible()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + reverse("accounts:otp-backup-codes"))
    page.screenshot(path=SHOTS / "otp-backup-renew-mobile.png", full_page=True)

    # The next login asks for a code after the password.
    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + reverse("accounts:login"))
    page.fill("#id_username", "lawyer")
    page.fill("#id_password", PASSWORD)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url("**/accounts/2fa/?next=*")
    expect(page.locator("#id_token")).to_be_focused()
    page.screenshot(path=SHOTS / "otp-verify.png", full_page=True)
    assert not refused, refused
