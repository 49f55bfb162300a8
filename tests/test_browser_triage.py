"""The triage workbench in a real browser: an analyst works the queue with the keyboard, bulk-assesses
two items, assesses one as serious; a lawyer signs it off.

Screenshots go to a temporary folder; set LEGALCASES_SCREENSHOTS=/some/dir to keep them for review
(triage-queue-*.png, triage-item-*.png).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from cases import models as m
from tests import factories as f
from tests.conftest import PASSWORD, browser_second_factor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 800}
REASON = "帖子捏造“刹车失灵致事故”的事实，事故鉴定显示为驾驶员操作失误，属于诽谤而非正常批评。"


def _screens(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("LEGALCASES_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _watch_csp(page: Page) -> list[str]:
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text) if "Refused to" in message.text else None)
    return refused


def _log_in(page: Page, base: str, username: str) -> None:
    page.goto(base + reverse("accounts:login"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("form.form button[type=submit]").click()
    browser_second_factor(page, username)
    expect(page).to_have_url(base + reverse("cases:home"))


def _no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"page is {width}px wide"


def _shoot(page: Page, folder: Path, name: str) -> None:
    page.set_viewport_size(DESKTOP)
    _no_sideways_scroll(page)
    page.screenshot(path=folder / f"{name}-desktop.png", full_page=True)
    page.set_viewport_size(PHONE)
    _no_sideways_scroll(page)
    page.screenshot(path=folder / f"{name}-mobile.png", full_page=True)
    page.set_viewport_size(DESKTOP)


def test_an_analyst_triages_with_the_keyboard_and_a_lawyer_signs_off(
    live_server, page: Page, analyst, lawyer, tmp_path
):
    screens = _screens(tmp_path)
    refused = _watch_csp(page)
    account = f.MonitoredAccountFactory(name="汽车黑料王", followers=88_000)
    first, second, third, fourth = (
        f.ContentItemFactory(
            triage_state="new",
            account=account,
            platform=account.platform,
            views=views,
            shares=0,
            title=f"曜川Y7刹车失灵？第{n}条",
        )
        for n, views in enumerate((50_000, 40_000, 30_000, 20_000), start=1)
    )
    base = live_server.url
    page.set_viewport_size(DESKTOP)
    _log_in(page, base, "analyst")

    # --- the queue, by keyboard: j/k move, x checks, ? shows the shortcuts -------------------
    page.goto(base + reverse("cases:triage"))
    rows = page.locator("table.item-table tbody tr")
    expect(rows).to_have_count(4)
    expect(page.locator("[data-shortcuts-help]")).to_be_visible()
    page.keyboard.press("?")
    expect(page.locator(".shortcuts-panel")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator(".shortcuts-panel")).to_be_hidden()

    page.keyboard.press("j")
    expect(rows.nth(0)).to_be_focused()
    page.keyboard.press("x")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    expect(rows.nth(1)).to_be_focused()
    expect(rows.nth(1)).to_have_class(re.compile(r"\bis-current\b"))
    page.keyboard.press("x")
    expect(page.locator(f'input[name="items"][value="{first.pk}"]')).to_be_checked()
    expect(page.locator(f'input[name="items"][value="{second.pk}"]')).to_be_checked()
    expect(page.locator(f'input[name="items"][value="{third.pk}"]')).not_to_be_checked()
    expect(page.locator("[data-selection-count]")).to_contain_text("2")

    # a: to the bulk form. Letters typed into its fields are text, not shortcuts.
    page.keyboard.press("a")
    expect(page.locator("#id_conclusion")).to_be_focused()
    page.select_option("#id_conclusion", "suspected")
    page.fill("#id_severity", "3")
    page.locator("#id_rationale").click()
    page.keyboard.type("jjx")
    expect(page.locator(f'input[name="items"][value="{third.pk}"]')).not_to_be_checked()
    page.fill("#id_rationale", REASON)
    page.screenshot(path=screens / "triage-queue-selected-desktop.png", full_page=True)
    page.locator("#bulk-assess .bulk-fields button[type=submit]").click()

    expect(page.locator(".messages .message-success")).to_contain_text("2")
    expect(rows).to_have_count(2)
    for item in (first, second):
        item.refresh_from_db()
        assert item.triage_state == "suspected" and item.assessments.get().rationale == REASON
    _shoot(page, screens, "triage-queue")

    # --- open the next item with o, assess it as serious -----------------------------------------
    page.keyboard.press("j")
    page.keyboard.press("o")
    expect(page).to_have_url(base + third.get_absolute_url())
    expect(page.locator('a[rel="next"]')).to_have_attribute("href", fourth.get_absolute_url())
    page.keyboard.press("a")
    expect(page.locator('#assess-form input[name="conclusion"]').first).to_be_focused()
    page.check('#assess-form input[name="conclusion"][value="serious"]')
    page.fill("#assess-form #id_rationale", REASON)
    page.fill("#assess-form #id_severity", "5")
    page.check('#assess-form input[name="infringement_types"][value="fabrication"]')
    page.check('#assess-form input[name="recommended_actions"][value="complaint"]')
    page.locator("#assess-form button[type=submit]:not([name])").click()

    expect(page).to_have_url(base + third.get_absolute_url())
    expect(page.locator(".messages .message-success")).to_be_visible()
    expect(page.locator(".assessment .sign-off .badge-warn")).to_be_visible()
    expect(page.locator("[data-action-blocked]")).to_have_attribute("data-action-blocked", "needs_sign_off")
    expect(page.locator("ol.timeline li")).to_have_count(3)
    expect(page.locator("#assess-form")).to_have_count(0)
    third.refresh_from_db()
    assert (third.triage_state, third.conclusion, third.severity) == ("suspected", "serious", 5)
    _shoot(page, screens, "triage-item-analyst")

    # n: the next item in the queue, from where this one sat.
    page.keyboard.press("n")
    expect(page).to_have_url(base + fourth.get_absolute_url())
    page.set_viewport_size(PHONE)
    _no_sideways_scroll(page)
    page.screenshot(path=screens / "triage-item-form-mobile.png", full_page=True)
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=screens / "triage-item-form-desktop.png", full_page=True)

    # --- a lawyer, a second person, signs the serious escalation off -----------------------------
    page.context.clear_cookies()
    _log_in(page, base, "lawyer")
    page.goto(base + third.get_absolute_url())
    page.locator(".assessment .sign-off button[type=submit]").click()

    expect(page.locator(".messages .message-success")).to_be_visible()
    expect(page.locator(".assessment .sign-off .badge-success")).to_be_visible()
    expect(page.locator("[data-action-blocked]")).to_have_attribute("data-action-blocked", "no_fixed_evidence")
    assessment = m.Assessment.objects.get(content_item=third)
    assert assessment.reviewer == lawyer and assessment.assessor == analyst
    _shoot(page, screens, "triage-item-lawyer")
    assert refused == []


# --- J1: intake → triage → takedown -----------------------------------------------------------------

J1_CSV = (
    "平台,链接,账号ID,账号名称,粉丝数,标题,正文,发布时间,阅读数,转发数\n"
    "weibo,https://m.weibo.cn/status/J1a?from=timeline,u-j1-1,汽车黑料王,88000,曜川Y7刹车失灵？,"
    "曜川Y7高速刹车失灵致事故，厂家隐瞒不报,2025-11-20 10:00,90000,300\n"
    "weibo,https://weibo.com/u-j1-2/J1b,u-j1-2,理性车评,1200,Y7冬季续航实测,冬季续航打了七折左右,2025-11-21 09:00,5000,3\n"
    "weibo,https://weibo.com/u-j1-1/J1c,u-j1-1,汽车黑料王,88000,再曝曜川,曜川Y7刹车又出事了,2025-11-22 20:00,30000,40\n"
)


def test_j1_import_triage_sign_off_evidence_complaint_removed(live_server, page: Page, analyst, lawyer, tmp_path):
    screens = _screens(tmp_path)
    refused = _watch_csp(page)
    # Transactional tests flush the platforms the migrations created.
    f.PlatformFactory(domains=["weibo.com", "m.weibo.cn", "weibo.cn"])
    base = live_server.url
    page.set_viewport_size(DESKTOP)
    _log_in(page, base, "analyst")

    # --- import a vendor's CSV file; the job runs and ends "completed" ---------------------------------
    csv_file = tmp_path / "vendor-export.csv"
    csv_file.write_bytes(J1_CSV.encode("utf-8-sig"))
    page.goto(base + reverse("cases:import-job-create"))
    page.set_input_files("#id_file", str(csv_file))
    page.locator("form.form button[type=submit]").click()
    job = m.ImportJob.objects.get()
    expect(page).to_have_url(re.compile(reverse("cases:import-job-detail", args=[job.pk]) + "$"))
    expect(page.locator(".alert-success")).to_be_visible(timeout=20_000)
    job.refresh_from_db()
    assert (job.status, job.created_count, job.rejected_count) == ("completed", 3, 0)
    worst = m.ContentItem.objects.get(url__contains="J1a")
    mild = m.ContentItem.objects.get(url__contains="J1b")
    repeat = m.ContentItem.objects.get(url__contains="J1c")

    # --- the queue, widest reach first; the keyboard selects the mild post and dismisses it as criticism ---
    page.goto(base + reverse("cases:triage") + "?ordering=-reach")
    rows = page.locator("table.item-table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("刹车失灵")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("x")
    expect(page.locator(f'input[name="items"][value="{mild.pk}"]')).to_be_checked()
    page.keyboard.press("a")
    page.select_option("#id_conclusion", "criticism")
    page.locator("#bulk-assess .bulk-fields button[type=submit]").click()
    expect(page.locator(".messages .message-success")).to_be_visible()
    expect(rows).to_have_count(2)
    _shoot(page, screens, "j1-triage-queue")

    # --- o opens the worst post; it is assessed as serious with a reason ---------------------------------
    page.keyboard.press("j")
    page.keyboard.press("o")
    expect(page).to_have_url(base + worst.get_absolute_url())
    page.keyboard.press("a")
    page.check('#assess-form input[name="conclusion"][value="serious"]')
    page.fill("#assess-form #id_rationale", REASON)
    page.fill("#assess-form #id_severity", "5")
    page.check('#assess-form input[name="recommended_actions"][value="complaint"]')
    page.locator("#assess-form button[type=submit]:not([name])").click()
    expect(page.locator("[data-action-blocked]")).to_have_attribute("data-action-blocked", "needs_sign_off")
    # The repeat post of the same account, assessed as suspected, from its own page.
    page.goto(base + repeat.get_absolute_url())
    page.check('#assess-form input[name="conclusion"][value="suspected"]')
    page.fill("#assess-form #id_rationale", REASON)
    page.locator("#assess-form button[type=submit]:not([name])").click()
    expect(page.locator(".messages .message-success")).to_be_visible()

    # --- a lawyer signs off and fixes the evidence -------------------------------------------------------
    page.context.clear_cookies()
    _log_in(page, base, "lawyer")
    page.goto(base + worst.get_absolute_url())
    page.locator(".assessment .sign-off button[type=submit]").click()
    expect(page.locator("[data-action-blocked]")).to_have_attribute("data-action-blocked", "no_fixed_evidence")
    page.locator(".action-gate a.btn-primary").click()
    shot = tmp_path / "weibo-J1a.png"
    shot.write_bytes(f.PNG_1PX)
    page.set_input_files("#id_upload", str(shot))
    page.fill("#id_title", "微博截图：刹车失灵帖")
    page.select_option("#id_capture_method", "screenshot")
    page.locator("form.form button[type=submit]").first.click()
    expect(page.locator(".messages .message-success")).to_be_visible()
    assert worst.evidence.filter(is_deleted=False).count() == 1

    # --- the complaint: opened from the item page, submitted with a ticket, answered "removed" -------------
    page.goto(base + worst.get_absolute_url())
    expect(page.locator("[data-action-blocked]")).to_have_count(0)
    page.locator("details.complaint-open summary").click()
    page.select_option("#id_complaint-channel", "enterprise_zone")
    page.fill("#id_complaint-credential", "营业执照 + 授权委托书（2025 版）")
    page.locator("#complaint-open-form button[type=submit]").click()
    complaint = m.PlatformComplaint.objects.get()
    expect(page).to_have_url(base + reverse("cases:complaint-detail", args=[complaint.pk]))
    expect(page.locator("[data-complaint-status]")).to_have_attribute("data-complaint-status", "draft")
    page.fill("#id_submit-ticket_number", "WB-TS-20251123-001")
    page.locator('form[data-action="submit"] button[type=submit]').click()
    expect(page.locator("[data-complaint-status]")).to_have_attribute("data-complaint-status", "submitted")
    _shoot(page, screens, "j1-complaint-submitted")
    page.select_option("#id_respond-response", "removed")
    page.locator('form[data-action="respond"] button[type=submit]').click()
    expect(page.locator("[data-complaint-status]")).to_have_attribute("data-complaint-status", "actioned")
    expect(page.locator(f'tr[data-item="{worst.pk}"]')).to_contain_text("已删除")
    expect(page.locator("[data-response-time]")).not_to_have_text("—")
    _shoot(page, screens, "j1-complaint-actioned")
    worst.refresh_from_db()
    complaint.refresh_from_db()
    assert (worst.triage_state, worst.live_status) == ("removed", "deleted")
    assert complaint.response_time is not None

    page.goto(base + reverse("cases:complaint-list"))
    expect(page.locator("[data-response-times] tbody tr")).to_have_count(1)
    _shoot(page, screens, "j1-complaint-list")

    # --- the account's risk rose, factor by factor --------------------------------------------------------
    account = worst.account
    account.refresh_from_db()
    assert account.risk_factors["confirmed"] == 2 and account.risk_factors["repeat"] == 1
    page.goto(base + account.get_absolute_url())
    expect(page.locator("[data-risk-score]")).to_have_attribute("data-risk-score", str(account.risk_score))
    expect(page.locator("table.risk-factors tbody tr")).to_have_count(5)
    _shoot(page, screens, "j1-account-risk")
    page.goto(base + reverse("cases:monitored-account-list"))
    expect(page.locator("table.data tbody tr").first).to_contain_text("汽车黑料王")
    assert refused == []
