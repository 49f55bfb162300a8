"""The app's shell in a real browser: sign in, navigate, switch language, sign out; owner pages on a phone.

Screenshots go to a temporary folder; set LEGALCASES_SCREENSHOTS=/some/dir to keep them for review.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD, browser_second_factor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 800}


def _screens(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("LEGALCASES_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _watch_csp(page: Page) -> list[str]:
    """Collect Content-Security-Policy violations ("Refused to …") reported by the browser."""
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text) if "Refused to" in message.text else None)
    return refused


def _no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"page is {width}px wide"


def test_a_lawyer_signs_in_switches_to_english_and_signs_out(live_server, page: Page, lawyer, tmp_path):
    screens = _screens(tmp_path)
    refused = _watch_csp(page)
    home, login = reverse("cases:home"), reverse("accounts:login")
    page.set_viewport_size(DESKTOP)

    page.goto(live_server.url + home)
    expect(page).to_have_url(f"{live_server.url}{login}?next={home}")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    page.screenshot(path=screens / "shell-login-desktop.png", full_page=True)

    page.fill("#id_username", "lawyer")
    page.fill("#id_password", PASSWORD)
    page.locator("form.form button[type=submit]").click()
    browser_second_factor(page, "lawyer")

    expect(page).to_have_url(live_server.url + home)
    nav = page.locator("nav.app-nav")
    expect(nav.locator(f'a[href="{reverse("cases:lawsuit-list")}"]')).to_be_visible()
    expect(nav.locator(f'a[href="{reverse("cases:assistance-request-list")}"]')).to_be_visible()
    expect(nav.locator('a[aria-current="page"]')).to_have_attribute("href", home)
    expect(page.locator(".stat").first).to_be_visible()

    # Keyboard users can skip the navigation: the first Tab reaches the skip link.
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()
    page.screenshot(path=screens / "shell-home-lawyer-desktop.png", full_page=True)

    page.set_viewport_size(PHONE)
    expect(nav.locator(f'a[href="{reverse("cases:lawsuit-list")}"]')).to_be_visible()
    _no_sideways_scroll(page)
    page.screenshot(path=screens / "shell-home-lawyer-mobile.png", full_page=True)
    page.set_viewport_size(DESKTOP)

    page.locator('.app-header button[name="language"][value="en"]').click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(live_server.url + home)
    expect(nav.get_by_role("link", name="Lawsuits")).to_be_visible()
    page.screenshot(path=screens / "shell-home-lawyer-desktop-en.png", full_page=True)

    page.locator("details.user-menu > summary").click()
    page.locator('details.user-menu form button[type="submit"]').click()
    expect(page).to_have_url(live_server.url + login)
    expect(page.locator("#id_username")).to_be_visible()
    expect(page.locator(".messages")).to_be_visible()
    page.goto(live_server.url + home)
    expect(page).to_have_url(re.compile(re.escape(login)))
    assert refused == []


def test_owners_read_the_program_and_the_guide_on_a_phone(live_server, page: Page, tmp_path):
    screens = _screens(tmp_path)
    refused = _watch_csp(page)
    page.set_viewport_size(PHONE)

    page.goto(live_server.url + reverse("cases:public-home"))
    expect(page.locator("h1")).to_be_visible()
    _no_sideways_scroll(page)
    for button in page.locator(".public-main .btn").all():
        assert button.bounding_box()["height"] >= 44, "tap target too small"
    page.screenshot(path=screens / "shell-public-home-mobile.png", full_page=True)

    page.locator(".hero .btn-primary").click()
    expect(page).to_have_url(live_server.url + reverse("cases:public-guide"))
    expect(page.locator("#platforms")).to_be_attached()
    _no_sideways_scroll(page)
    page.screenshot(path=screens / "shell-public-guide-mobile.png", full_page=True)

    page.locator(".public-footer a[href$='#privacy']").click()
    expect(page.locator("#privacy")).to_be_in_viewport()

    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + reverse("cases:public-home"))
    page.screenshot(path=screens / "shell-public-home-desktop.png", full_page=True)
    page.goto(live_server.url + reverse("cases:public-guide"))
    page.screenshot(path=screens / "shell-public-guide-desktop.png", full_page=True)

    response = page.goto(live_server.url + "/intake/no-such-page/")
    assert response.status == 404
    expect(page.locator(".error-page a.btn-primary")).to_have_attribute("href", reverse("cases:public-home"))
    page.screenshot(path=screens / "shell-404-desktop.png", full_page=True)
    assert refused == []
