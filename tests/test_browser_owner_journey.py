"""Issue 6's whole journey on 390×844 phones (the owner's and the lawyer's), end to end:

1. the owner submits with evidence and a link to a monitored post → tracking page → the lawyer asks
   for more → the owner uploads through the link → the lawyer judges the request suable (all five
   eligibility criteria) → prepares a lawsuit from the request with the owner as plaintiff → records
   the outcome → the owner's tracking page shows it;
2. the owner withdraws consent → the purge job runs → the personal data is gone from the staff page
   and the tracking link no longer shows anything.

(tests/test_browser_owner.py covers the form's errors and the data download; not repeated here.)
Screenshots go to /work/notes/shots/jtests (override with LEGALCASES_JTESTS_SHOTS).
"""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from playwright.sync_api import Browser, Page, expect

from cases import models as m
from cases.models import AssistanceRequest
from cases.services.notifications import OWNER_STATUS_TEXT
from cases.tasks.assistance import purge_assistance_personal_data
from tests import factories as f
from tests.cases.test_public_form import png_bytes
from tests.conftest import PASSWORD, browser_second_factor
from tests.test_browser_evidence import reverify, shots_folder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
POST_URL = "https://weibo.com/77/p1"


def phone(browser: Browser) -> Page:
    """A fresh phone: its own cookies (no staff session on the owner's phone)."""
    return browser.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai").new_page()


def fits(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide on a phone"


def staff_log_in(page: Page, base: str, username: str) -> None:
    page.goto(base + reverse("accounts:login"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("form.form button[type=submit]").click()
    browser_second_factor(page, username)
    expect(page).to_have_url(base + reverse("cases:home"))


def owner_submits(owner: Page, base: str, shot_path, *, name: str, phone_number: str, link: str) -> str:
    """Fill in the public form with one screenshot; return the private tracking link."""
    owner.goto(base + reverse("cases:public-request-create"))
    owner.fill("#id_name", name)
    owner.fill("#id_phone", phone_number)
    owner.fill("#id_description", "微博上有人造谣说我的车刹车失灵出了事故，还贴出了我的车牌。")
    owner.fill("#id_links", link)
    owner.check("#id_help_types_1")
    owner.set_input_files("#id_files", str(shot_path))
    owner.check("#id_consent")
    owner.locator("form.owner-form button[type=submit]").click()
    expect(owner).to_have_url(base + reverse("cases:public-request-thanks"))
    link = owner.locator("#tracking-link").get_attribute("href")
    assert link and re.search(r"/intake/track/[A-Za-z0-9_-]{43}/$", link)
    return link


def test_the_owner_is_supported_from_submission_to_a_lawsuit_on_a_phone(
    live_server, browser: Browser, lawyer, tmp_path
):
    cache.clear()
    shots = shots_folder()
    base = live_server.url
    refused: list[str] = []
    account = f.MonitoredAccountFactory(name="汽车黑料王")
    item = f.ContentItemFactory(account=account, platform=account.platform, triage_state="suspected", url=POST_URL)
    f.AssessmentFactory(content_item=item, severity=3)
    f.EvidenceFactory(title="微博截图（监测）").content_items.add(item)
    first, more = tmp_path / "微博截图.png", tmp_path / "录屏截图.png"
    first.write_bytes(png_bytes())
    more.write_bytes(png_bytes())

    # --- the owner submits with evidence and opens the tracking page -----------------------------
    owner = phone(browser)
    owner.on("console", lambda msg: refused.append(msg.text) if "Refused to" in msg.text else None)
    track = owner_submits(owner, base, first, name="王小明", phone_number="13812345678", link=POST_URL)
    req = AssistanceRequest.objects.get()
    assert list(req.content_items.all()) == [item]
    owner.goto(track)
    expect(owner.locator(".status-now .badge")).to_have_text(req.get_status_display())
    expect(owner.get_by_text("138****5678")).to_be_visible()
    fits(owner)

    # --- the lawyer, on a phone too, screens the request and asks for more ------------------------
    staff = phone(browser)
    staff.on("console", lambda msg: refused.append(msg.text) if "Refused to" in msg.text else None)
    staff_log_in(staff, base, "lawyer")
    staff.goto(base + req.get_absolute_url())
    fits(staff)
    staff.locator(".staff-actions form[action*='screen'] button").click()
    expect(staff.locator(".messages")).to_be_visible()
    staff.fill("#id_message", "请补充原帖的录屏截图。")
    staff.locator(f'form[action="{reverse("cases:assistance-request-need-info", args=[req.pk])}"] button').click()
    expect(staff.locator(".messages")).to_be_visible()

    # --- the owner sees what is needed and uploads through the link -------------------------------
    owner.goto(track)
    expect(owner.get_by_text("请补充原帖的录屏截图。")).to_be_visible()
    fits(owner)
    owner.screenshot(path=shots / "owner-need-info-390.png", full_page=True)
    owner.set_input_files("#id_files", str(more))
    owner.locator(f'form[action="{reverse("cases:public-request-upload")}"] button').click()
    expect(owner.locator(".messages")).to_be_visible()
    req.refresh_from_db()
    assert req.status == AssistanceRequest.Status.SCREENING
    owner_files = m.Evidence.objects.filter(assistance_requests=req)
    assert owner_files.count() == 2

    # --- the lawyer exports the request's evidence package: it re-verifies -----------------------------
    staff.goto(base + req.get_absolute_url())
    with staff.expect_download() as download_info:
        staff.locator(f'form[action="{reverse("cases:assistance-evidence-package", args=[req.pk])}"] button').click()
    package = tmp_path / "request-package.zip"
    download_info.value.save_as(package)
    manifest = reverify(package)
    assert {entry["sha256"] for entry in manifest["files"]} == {ev.sha256 for ev in owner_files}

    # --- the lawyer judges it suable: every eligibility criterion ticked ------------------------------
    staff.goto(base + req.get_absolute_url())
    staff.locator(f'form[action="{reverse("cases:assistance-request-legal-review", args=[req.pk])}"] button').click()
    expect(staff.locator(".messages")).to_be_visible()
    criteria = staff.locator('input[name="criteria"]')
    expect(criteria).to_have_count(5)
    for n in range(5):
        criteria.nth(n).check()
    staff.check("#id_suable_0")
    staff.fill("#id_reasons", "侵权人可识别；传播广；损害明显；证据已固定；管辖明确。")
    staff.locator(f'form[action="{reverse("cases:assistance-request-decide", args=[req.pk])}"] button').click()
    expect(staff.locator(".messages")).to_be_visible()
    req.refresh_from_db()
    assert req.eligibility == "suable" and len(req.eligibility_checklist) == 5

    # --- litigation support: a lawsuit prepared from the request, the owner as plaintiff -------------
    prepare = f"{reverse('cases:lawsuit-prepare', args=[account.pk])}?assistance_request={req.pk}"
    staff.locator(f'a[href="{prepare}"]').click()
    expect(staff.locator(f'input[name="items"][value="{item.pk}"]')).to_be_checked()
    fits(staff)
    staff.fill("#id_damages", "50000")
    staff.locator("form.form button[type=submit]").first.click()
    expect(staff).to_have_url(re.compile(r"/lawsuits/\d+/$"))
    lawsuit = m.Lawsuit.objects.get()
    assert lawsuit.assistance_request_id == req.pk
    plaintiff = lawsuit.parties.get(role="plaintiff")
    assert plaintiff.kind == "owner" and req.reference in plaintiff.name
    assert "王小明" not in plaintiff.name  # the owner's name stays in the encrypted request
    staff.goto(base + req.get_absolute_url())
    expect(staff.locator(f'a[href="{lawsuit.get_absolute_url()}"]')).to_be_visible()
    staff.select_option("#id_outcome", "litigation")
    staff.locator(f'form[action="{reverse("cases:assistance-request-outcome", args=[req.pk])}"] button').click()
    expect(staff.locator(".messages")).to_be_visible()
    req.refresh_from_db()
    assert req.status == AssistanceRequest.Status.LITIGATION
    staff.screenshot(path=shots / "staff-request-litigation-390.png", full_page=True)

    # --- the owner's tracking page shows the outcome ---------------------------------------------------
    owner.goto(track)
    expect(owner.locator(".status-now .badge")).to_have_text(req.get_status_display())
    with translation.override("zh-hans"):
        expect(owner.locator(".status-now")).to_contain_text(str(OWNER_STATUS_TEXT[req.status]))
        expect(owner.locator(".timeline li").first).to_contain_text(str(OWNER_STATUS_TEXT[req.status]))
    expect(owner.locator(".need-info")).to_have_count(0)
    expect(owner.get_by_text(str(lawyer))).to_have_count(0)  # never who did what
    fits(owner)
    owner.screenshot(path=shots / "owner-track-outcome-390.png", full_page=True)
    assert refused == []


def test_withdrawal_then_the_purge_removes_the_personal_data(live_server, browser: Browser, lawyer, tmp_path):
    cache.clear()
    shots = shots_folder()
    base = live_server.url
    shot = tmp_path / "抖音截图.png"
    shot.write_bytes(png_bytes())

    owner = phone(browser)
    track = owner_submits(
        owner, base, shot, name="李雷", phone_number="13912345678", link="https://www.douyin.com/video/7"
    )
    req = AssistanceRequest.objects.get()

    # The lawyer sees the owner's details on the staff page before the withdrawal.
    staff = phone(browser)
    staff_log_in(staff, base, "lawyer")
    staff.goto(base + req.get_absolute_url())
    expect(staff.locator("main")).to_contain_text("李雷")
    expect(staff.locator("main")).to_contain_text("douyin.com/video/7")

    # The owner withdraws consent on the phone: the box must be ticked (the browser says so first).
    owner.goto(track)
    withdraw = owner.locator(f'form[action="{reverse("cases:public-request-withdraw")}"]')
    confirm = withdraw.locator("input[type=checkbox]")
    withdraw.locator("button").click()
    assert confirm.evaluate("box => !box.validity.valid")
    req.refresh_from_db()
    assert req.status != AssistanceRequest.Status.WITHDRAWN
    confirm.check()
    withdraw.locator("button").click()
    expect(owner.locator(".messages")).to_be_visible()
    req.refresh_from_db()
    assert req.status == AssistanceRequest.Status.WITHDRAWN
    expect(owner.locator(".status-now .badge")).to_have_text(req.get_status_display())
    fits(owner)
    owner.screenshot(path=shots / "owner-withdrawn-390.png", full_page=True)

    # The nightly purge job.
    assert purge_assistance_personal_data.delay().get() == 1
    req.refresh_from_db()
    assert req.purged_at is not None and req.owner_name == "" and req.owner_phone == ""

    # Staff page: the request remains, its personal data does not.
    staff.goto(base + req.get_absolute_url())
    main = staff.locator("main")
    expect(main).to_contain_text(req.reference)
    expect(main).not_to_contain_text("李雷")
    expect(main).not_to_contain_text("13912345678")
    expect(main).not_to_contain_text("douyin.com/video/7")
    with translation.override("zh-hans"):
        expect(main).to_contain_text(str(_("The owner's personal data has been purged.")))
    staff.screenshot(path=shots / "staff-request-purged-390.png", full_page=True)

    # The tracking link still tells the owner the request ended, but shows no personal data any more
    # and offers no download of it.
    owner.goto(track)
    main = owner.locator("main")
    expect(main).to_contain_text(req.reference)
    expect(main).not_to_contain_text("李*")
    expect(main).not_to_contain_text("139****5678")
    expect(main.locator(".notice-facts")).to_have_count(0)
    expect(owner.locator(f'form[action="{reverse("cases:public-request-export")}"]')).to_have_count(0)
    with translation.override("zh-hans"):
        expect(main).to_contain_text(str(_("Your personal information has been deleted.")))
    fits(owner)
    owner.screenshot(path=shots / "owner-purged-390.png", full_page=True)
