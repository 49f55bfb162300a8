"""An owner on a phone: fills in the request in Chinese with a screenshot, then follows the private link.

Screenshots go to /work/notes/screens (override with LEGALCASES_SCREENSHOTS) as owner-*.png.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.core.cache import cache
from django.urls import reverse
from playwright.sync_api import Page, expect

from cases.models import AssistanceRequest, Evidence
from tests.cases.test_public_form import png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}


def _screens() -> Path:
    folder = Path(os.environ.get("LEGALCASES_SCREENSHOTS") or "/work/notes/screens")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_an_owner_submits_a_request_on_a_phone_and_follows_it(live_server, page: Page, tmp_path):
    cache.clear()
    screens = _screens()
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text) if "Refused to" in message.text else None)
    shot = tmp_path / "微博截图.png"
    shot.write_bytes(png_bytes())
    page.set_viewport_size(PHONE)

    page.goto(live_server.url + reverse("cases:public-request-create"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator(".notice-summary")).to_be_visible()
    expect(page.locator("#id_website")).not_to_be_in_viewport()  # the honeypot stays out of sight
    page.screenshot(path=screens / "owner-form-mobile.png", full_page=True)

    # Submitting without consent keeps what was typed and points at the problem.
    page.fill("#id_name", "王小明")
    page.fill("#id_phone", "138 1234 5678")
    page.fill("#id_city", "合肥")
    page.fill("#id_vehicle_model", "星辰 S7")
    page.fill("#id_vin_last6", "a12345")
    page.fill("#id_description", "有人在微博上造谣说我的车是事故车，还公开了我的车牌。")
    page.fill("#id_links", "https://weibo.com/123/abc")
    page.check("#id_help_types_0")
    page.check("#id_help_types_1")
    page.locator("form.owner-form button[type=submit]").click()
    expect(page.locator(".form-errors")).to_be_visible()
    expect(page.locator("#id_consent")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_name")).to_have_value("王小明")
    page.screenshot(path=screens / "owner-form-error-mobile.png", full_page=True)

    page.set_input_files("#id_files", str(shot))
    page.check("#id_consent")
    page.locator("form.owner-form button[type=submit]").click()

    expect(page).to_have_url(live_server.url + reverse("cases:public-request-thanks"))
    req = AssistanceRequest.objects.get()
    expect(page.locator(".reference")).to_have_text(req.reference)
    link = page.locator("#tracking-link").get_attribute("href")
    assert re.search(r"/intake/track/[A-Za-z0-9_-]{43}/$", link)
    assert Evidence.objects.filter(assistance_requests=req).count() == 1
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"page is {width}px wide"
    page.screenshot(path=screens / "owner-thanks-mobile.png", full_page=True)

    page.goto(link)
    expect(page.locator("h1")).to_contain_text(req.reference)
    expect(page.locator(".status-now .badge")).to_have_text(req.get_status_display())
    expect(page.locator(".timeline li")).to_have_count(1)
    expect(page.get_by_text("138****5678")).to_be_visible()
    page.screenshot(path=screens / "owner-track-mobile.png", full_page=True)
    assert refused == []


def test_staff_ask_for_more_the_owner_uploads_and_sees_the_outcome(live_server, page: Page, lawyer, tmp_path):
    from cases.services import assistance
    from tests.conftest import PASSWORD, browser_second_factor

    cache.clear()
    screens = _screens()
    submission = assistance.assistance_request_submit(
        name="李雷",
        phone="13912345678",
        description="抖音上有人造谣说我的车是拼装车。",
        links=["https://www.douyin.com/video/7"],
        help_types=["litigation_support"],
        files=[],
    )
    req, track = submission.assistance_request, reverse("cases:public-request-track", args=[submission.token])
    shot = tmp_path / "录屏截图.png"
    shot.write_bytes(png_bytes())

    # The lawyer screens the request and asks for more.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + reverse("accounts:login"))
    page.fill("#id_username", "lawyer")
    page.fill("#id_password", PASSWORD)
    page.locator("form.form button[type=submit]").click()
    browser_second_factor(page, "lawyer")
    page.goto(live_server.url + req.get_absolute_url())
    page.locator(".staff-actions form[action*='screen'] button").click()
    page.fill("#id_message", "请补充原视频的录屏截图。")
    page.locator(f'form[action="{reverse("cases:assistance-request-need-info", args=[req.pk])}"] button').click()
    expect(page.locator(".staff-actions")).to_be_visible()
    page.screenshot(path=screens / "owner-staff-detail.png", full_page=True)

    # The owner, on a phone, sees what is needed and uploads through the link.
    owner = page.context.browser.new_context(
        viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai"
    ).new_page()  # the owner's own phone: no staff session
    owner.goto(live_server.url + track)
    expect(owner.get_by_text("请补充原视频的录屏截图。")).to_be_visible()
    owner.set_input_files("#id_files", str(shot))
    owner.locator(f'form[action="{reverse("cases:public-request-upload")}"] button').click()
    expect(owner.locator(".messages")).to_be_visible()
    owner.screenshot(path=screens / "owner-track-uploaded-mobile.png", full_page=True)
    req.refresh_from_db()
    assert req.status == "screening" and req.has_evidence

    # The lawyer sends it to legal review, judges it suable and supports the owner's suit.
    page.reload()
    page.locator(f'form[action="{reverse("cases:assistance-request-legal-review", args=[req.pk])}"] button').click()
    for n in range(5):  # the eligibility checklist: every criterion met
        page.check(f"#id_criteria_{n}")
    page.check("#id_suable_0")
    page.fill("#id_reasons", "侵权人可识别；传播广；损害明显；证据已固定；管辖明确。")
    page.locator(f'form[action="{reverse("cases:assistance-request-decide", args=[req.pk])}"] button').click()
    page.select_option("#id_outcome", "litigation")
    page.locator(f'form[action="{reverse("cases:assistance-request-outcome", args=[req.pk])}"] button').click()
    req.refresh_from_db()
    assert (req.status, req.eligibility) == ("litigation", "suable")

    owner.goto(live_server.url + track)
    expect(owner.locator(".status-now .badge")).to_have_text(req.get_status_display())
    expect(owner.locator(".timeline li")).to_have_count(6)
    owner.screenshot(path=screens / "owner-track-outcome-mobile.png", full_page=True)


def test_the_owner_downloads_their_data_and_staff_assign_a_lawyer(live_server, page: Page, lawyer, tmp_path):
    """Tracking page on a 390×844 phone (download of the owner's data) and the staff page with assignment."""
    import json

    from tests.conftest import PASSWORD, browser_second_factor

    cache.clear()
    shots = Path(os.environ.get("LEGALCASES_OWNER_SHOTS") or "/work/notes/shots/owner")
    shots.mkdir(parents=True, exist_ok=True)
    shot = tmp_path / "抖音截图.png"
    shot.write_bytes(png_bytes())
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + reverse("cases:public-request-create"))
    page.fill("#id_name", "王小明")
    page.fill("#id_phone", "13812345678")
    page.fill("#id_email", "xiaoming@example.com")
    page.fill("#id_description", "有人在抖音上造谣说我的车是事故车。")
    page.fill("#id_links", "https://www.douyin.com/video/7")
    page.check("#id_help_types_2")
    page.set_input_files("#id_files", str(shot))
    page.check("#id_consent")
    page.locator("form.owner-form button[type=submit]").click()
    link = page.locator("#tracking-link").get_attribute("href")
    req = AssistanceRequest.objects.get()

    # Staff: the lawyer screens the request and takes it.
    page.goto(live_server.url + reverse("accounts:login"))
    page.fill("#id_username", "lawyer")
    page.fill("#id_password", PASSWORD)
    page.locator("form.form button[type=submit]").click()
    browser_second_factor(page, "lawyer")
    page.goto(live_server.url + req.get_absolute_url())
    page.locator(".staff-actions form[action*='screen'] button").click()
    page.select_option("#id_lawyer", str(lawyer.pk))
    page.locator(f'form[action="{reverse("cases:assistance-request-assign", args=[req.pk])}"] button').click()
    expect(page.locator(".messages")).to_contain_text(str(lawyer))
    page.screenshot(path=shots / "staff-request-detail.png", full_page=True)
    req.refresh_from_db()
    assert req.assigned_lawyer == lawyer and req.status == "screening"
    page.goto(live_server.url + reverse("cases:assistance-request-list") + "?assigned=me")
    expect(page.get_by_text(req.reference)).to_be_visible()

    # The owner, on a 390×844 phone, follows the link and downloads a copy of their data.
    owner = page.context.browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", timezone_id="Asia/Shanghai"
    ).new_page()
    refused: list[str] = []
    owner.on("console", lambda message: refused.append(message.text) if "Refused to" in message.text else None)
    owner.goto(link)
    expect(owner.locator(".timeline li")).to_have_count(2)
    expect(owner.get_by_text(str(lawyer))).to_have_count(0)
    width = owner.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page is {width}px wide"
    owner.screenshot(path=shots / "owner-track-mobile-390.png", full_page=True)
    with owner.expect_download() as download_info:
        owner.locator(f'form[action="{reverse("cases:public-request-export")}"] button[value=json]').click()
    data = json.loads(Path(download_info.value.path()).read_text(encoding="utf-8"))
    assert data["reference"] == req.reference and data["submitted"]["name"] == "王小明"
    assert data["files"][0]["name"] == "抖音截图.png"
    with owner.expect_download() as download_info:
        owner.locator(f'form[action="{reverse("cases:public-request-export")}"] button[value=pdf]').click()
    pdf = Path(download_info.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    (shots / "owner-my-data.pdf").write_bytes(pdf)
    assert refused == []
