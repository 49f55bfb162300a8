"""In a real browser: an administrator exports a filtered list as CSV and XLSX, then finds the
export in the auditor view. Screenshots go to LEGALCASES_SCREENSHOTS (or a temporary folder)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests import factories as f
from tests.conftest import PASSWORD, browser_second_factor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _screens(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("LEGALCASES_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_an_admin_exports_a_list_and_finds_it_in_the_audit_log(live_server, page: Page, admin_user, tmp_path):
    screens = _screens(tmp_path)
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text) if "Refused to" in message.text else None)
    f.ContentItemFactory(title='=HYPERLINK("http://evil","点我")')
    f.ContentItemFactory.create_batch(4)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(live_server.url + reverse("accounts:login"))
    page.fill("#id_username", admin_user.username)
    page.fill("#id_password", PASSWORD)
    page.locator("form.form button[type=submit]").click()
    browser_second_factor(page, admin_user.username)

    page.goto(live_server.url + reverse("cases:content-item-list") + "?triage_state=new")
    links = page.locator(".export-links")
    expect(links).to_be_visible()
    page.screenshot(path=screens / "exports-content-list.png", full_page=False)

    with page.expect_download() as download_info:
        links.locator('a[data-export="csv"]').click()
    body = Path(download_info.value.path()).read_bytes()
    assert download_info.value.suggested_filename.endswith(".csv")
    assert body.startswith("\ufeff".encode())
    assert "'=HYPERLINK" in body.decode("utf-8")

    with page.expect_download() as download_info:
        links.locator('a[data-export="xlsx"]').click()
    workbook = load_workbook(io.BytesIO(Path(download_info.value.path()).read_bytes()), read_only=True)
    assert len(list(workbook.worksheets[0].iter_rows(values_only=True))) == 6

    page.locator(f'nav.app-nav a[href="{reverse("cases:audit-event-list")}"]').click()
    expect(page.locator("table.data")).to_be_visible()
    checkbox = page.locator('input[name="action"][value="export"]')
    summary = page.locator("details.multi-select", has=checkbox).locator("summary")
    summary.click()
    checkbox.check()
    summary.click()
    page.locator("form.filters button[type=submit]").click()
    rows = page.locator("table.data tbody tr")
    expect(rows).to_have_count(2)
    rows.first.locator("details.audit-diff summary").click()
    expect(rows.first.locator("details.audit-diff pre")).to_contain_text("triage_state")
    page.screenshot(path=screens / "exports-audit-log.png", full_page=True)
    assert refused == []


def test_an_admin_adds_a_webhook_subscription_and_reads_the_delivery_log(
    live_server, page: Page, admin_user, tmp_path, settings
):
    from cases import models as m

    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    screens = _screens(tmp_path)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + reverse("accounts:login"))
    page.fill("#id_username", admin_user.username)
    page.fill("#id_password", PASSWORD)
    page.locator("form.form button[type=submit]").click()
    browser_second_factor(page, admin_user.username)

    page.goto(live_server.url + reverse("admin:cases_webhooksubscription_add"))
    page.fill("#id_name", "安全运营中心")
    page.fill("#id_url", "http://127.0.0.1:9/hooks/legalcases")
    page.fill("#id_secret", "a-long-shared-secret-123")
    page.locator('input[name="events"][value="lawsuit.stage_changed"]').check()
    page.locator('input[name="events"][value="deadline.due"]').check()
    page.screenshot(path=screens / "webhooks-admin-add.png", full_page=True)
    page.locator('input[name="_save"]').click()
    expect(page.locator("#result_list")).to_contain_text("安全运营中心")

    subscription = m.WebhookSubscription.objects.get()
    assert subscription.secret == "a-long-shared-secret-123"
    assert subscription.events == ["lawsuit.stage_changed", "deadline.due"]
    f.WebhookDeliveryFactory(
        subscription=subscription, status="failed", attempts=6, response_status=500, last_error="HTTP 500 try later"
    )
    f.WebhookDeliveryFactory(subscription=subscription, status="succeeded", attempts=1, response_status=200)
    page.goto(live_server.url + reverse("admin:cases_webhookdelivery_changelist"))
    expect(page.locator("#result_list tbody tr")).to_have_count(2)
    page.screenshot(path=screens / "webhooks-admin-deliveries.png", full_page=True)
