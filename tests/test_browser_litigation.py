"""Journey J2 in a real browser: a lawyer opens an account with assessed infringing items, prepares
a suit, files it, records acceptance with a case number and service, sees the computed deadlines,
records a hearing and a judgment, and the appeal deadline appears. Then a lawyer letter to the same
account is drafted, approved, issued and downloaded; its PDF text holds the Chinese recipient, the
item URLs and the deadline.

Screenshots go to a temporary folder; set LEGALCASES_SCREENSHOTS=/some/dir to keep them
(lawsuit-*.png, letter-*.png and the PDF's first page, letter-pdf-1.png).
"""

from __future__ import annotations

import datetime
import os
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from cases import models as m
from cases.services import deadlines
from tests import factories as f
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 800}
REASON = "视频捏造“刹车失灵致事故”的事实，事故鉴定显示为驾驶员操作失误，属于诽谤而非正常批评。"


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.LITIGATION_HOLIDAYS = []
    settings.LITIGATION_HOME_BASIC_COURT = "北京市海淀区人民法院"
    settings.LITIGATION_COMPANY_NAME = "曜川汽车股份有限公司"


def _screens(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("LEGALCASES_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _log_in(page: Page, base: str, username: str) -> None:
    page.goto(base + reverse("accounts:login"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("form.form button[type=submit]").click()
    expect(page).to_have_url(base + reverse("cases:home"))


def _shoot(page: Page, folder: Path, name: str) -> None:
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=folder / f"{name}-desktop.png", full_page=True)
    page.set_viewport_size(PHONE)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"page is {width}px wide on a phone"
    page.screenshot(path=folder / f"{name}-mobile.png", full_page=True)
    page.set_viewport_size(DESKTOP)


def _move(page: Page, to: str, on: datetime.date, **fields: str) -> None:
    page.check(f'.move-form input[name="to"][value="{to}"]')
    page.fill(".move-form #id_on", on.isoformat())
    for name, value in fields.items():
        page.fill(f".move-form #id_{name}", value)
    page.locator(".move-form button[type=submit]").click()
    expect(page.locator(".messages .message-success")).to_be_visible()


def _days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)


def test_a_lawyer_takes_an_account_to_judgment_and_issues_a_letter(live_server, page: Page, lawyer, tmp_path):
    screens = _screens(tmp_path)
    refused: list[str] = []
    page.on("console", lambda msg: refused.append(msg.text) if "Refused to" in msg.text else None)
    account = f.MonitoredAccountFactory(name="汽车黑料王", identity_status="anonymous", followers=120_000)
    items = []
    for n in range(2):
        item = f.ContentItemFactory(
            account=account,
            platform=account.platform,
            triage_state="suspected",
            title=f"曜川Y7刹车失灵？第{n + 1}条",
            url=f"https://weibo.com/{account.platform_uid}/Post{n + 1}",
        )
        f.AssessmentFactory(content_item=item, rationale=REASON, severity=3)
        f.EvidenceFactory(title=f"微博截图 {n + 1}").content_items.add(item)
        items.append(item)
    base = live_server.url
    page.set_viewport_size(DESKTOP)
    _log_in(page, base, "lawyer")

    # --- the account page → prepare a suit -------------------------------------------------------
    page.goto(base + account.get_absolute_url())
    page.locator(f'a[href="{reverse("cases:lawsuit-prepare", args=[account.pk])}"]').click()
    for item in items:
        expect(page.locator(f'input[name="items"][value="{item.pk}"]')).to_be_checked()
    page.fill("#id_damages", "500000")
    page.fill("#id_costs", "30000")
    page.locator("form.form button[type=submit]").first.click()
    lawsuit = m.Lawsuit.objects.get()
    expect(page).to_have_url(base + lawsuit.get_absolute_url())
    assert {p.kind for p in lawsuit.parties.filter(role="defendant")} == {"account", "platform"}

    # --- filing, acceptance with a case number, service -----------------------------------------
    _move(page, "submitted", _days_ago(60))
    _move(page, "accepted", _days_ago(55), case_number="（2026）京0108民初 12345号")
    _move(page, "service", _days_ago(50))
    lawsuit.refresh_from_db()
    assert lawsuit.proceedings.get().case_number == "(2026)京0108民初12345号"
    assert lawsuit.served_on == _days_ago(50)
    answer_due = deadlines.answer_due(_days_ago(50))
    expect(page.locator("#suit-deadlines").locator("xpath=..")).to_contain_text(answer_due.isoformat())
    assert all(ev.litigation_hold for ev in m.Evidence.objects.filter(content_items__in=items))

    # --- a bad case number on the proceeding form is explained -------------------------------------
    proceeding = lawsuit.proceedings.get()
    page.goto(base + reverse("cases:proceeding-edit", args=[lawsuit.pk, proceeding.pk]))
    page.fill("#id_case_number", "京0108民初12345")
    page.fill("#id_judge", "王法官")
    page.locator("form.form button[type=submit]").click()
    expect(page.locator(".form-errors")).to_contain_text("(2025)京0491民初12345号")
    page.fill("#id_case_number", "(2026)京0108民初12345号")
    page.fill("#id_outside_counsel", "北京某某律师事务所")
    page.locator("form.form button[type=submit]").click()
    expect(page).to_have_url(base + lawsuit.get_absolute_url())

    # --- pre-trial, a hearing, the judgment and its service ------------------------------------------
    _move(page, "pretrial", _days_ago(40))
    page.locator(f'a[href="{reverse("cases:hearing-create", args=[lawsuit.pk, proceeding.pk])}"]').click()
    page.select_option("#id_kind", "hearing")
    page.fill("#id_scheduled_at", f"{_days_ago(30).isoformat()}T09:30")
    page.fill("#id_location", "第三法庭")
    page.check("#id_held")
    page.locator("form.form button[type=submit]").click()
    expect(page).to_have_url(base + lawsuit.get_absolute_url())
    expect(page.locator("#suit-proceedings").locator("xpath=..")).to_contain_text("第三法庭")
    _move(page, "hearing", _days_ago(30))
    _move(page, "judged_first", _days_ago(10))
    _move(page, "appeal_window", _days_ago(5))
    appeal_due = deadlines.appeal_due(_days_ago(5))
    deadlines_card = page.locator("#suit-deadlines").locator("xpath=..")
    expect(deadlines_card).to_contain_text(appeal_due.isoformat())
    assert lawsuit.deadlines.filter(rule="appeal_judgment", due_on=appeal_due, done_at__isnull=True).exists()
    _shoot(page, screens, "lawsuit-detail")

    # --- a lawyer letter to the same account: draft, approve, issue, download -------------------------
    page.goto(base + account.get_absolute_url())
    page.locator(f'a[href="{reverse("cases:letter-create")}?account={account.pk}"]').click()
    deadline = timezone.localdate() + datetime.timedelta(days=7)
    page.fill("#id_deadline", deadline.isoformat())
    _shoot(page, screens, "letter-form")
    page.locator("form.form button[type=submit]").click()
    letter = m.LawyerLetter.objects.get()
    expect(page).to_have_url(base + letter.get_absolute_url())
    page.locator(f'form[action="{reverse("cases:letter-approve", args=[letter.pk])}"] button').click()
    page.locator(f'form[action="{reverse("cases:letter-issue", args=[letter.pk])}"] button').click()
    expect(page.locator(".messages .message-success")).to_be_visible()
    letter.refresh_from_db()
    assert letter.status == "issued" and letter.pdf_sha256
    _shoot(page, screens, "letter-detail")
    with page.expect_download() as download_info:
        page.locator(f'a[href="{reverse("cases:evidence-download", args=[letter.pdf_evidence_id])}"]').click()
    pdf_path = screens / "letter.pdf"
    download_info.value.save_as(pdf_path)
    # Fixed binaries on a file this test wrote.
    text = subprocess.run(["/usr/bin/pdftotext", "-raw", str(pdf_path), "-"], capture_output=True, check=True).stdout  # noqa: S603
    text = text.decode()
    joined = "".join(text.split())
    assert "汽车黑料王" in text
    assert all(item.url in joined for item in items)
    assert deadline.isoformat() in text
    subprocess.run(  # noqa: S603
        ["/usr/bin/pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", str(pdf_path), str(screens / "letter-pdf")],
        check=True,
    )
    assert not refused, refused
