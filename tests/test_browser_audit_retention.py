"""Browser walk of the audit log retention page: from the auditor view, a value below the floor is
refused, a valid one is saved with its reason and shows in the history; screenshots on desktop and
phone (set LEGALCASES_SCREENSHOTS to keep them)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from cases.models import AuditEvent, AuditRetention
from tests.test_browser_litigation import DESKTOP, _log_in, _screens, _shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_administrator_sets_the_retention_from_the_audit_log(live_server, page: Page, admin_user, tmp_path):
    screens = _screens(tmp_path)
    base = live_server.url
    page.set_viewport_size(DESKTOP)
    _log_in(page, base, "admin")
    page.goto(base + reverse("cases:audit-event-list"))
    page.locator(f'a[href="{reverse("cases:audit-retention")}"]').click()
    expect(page).to_have_url(base + reverse("cases:audit-retention"))

    page.fill("#id_days", "30")
    page.fill("#id_reason", "节省磁盘空间")
    page.locator("form.form button[type=submit]").click()
    expect(page.locator("#id_days")).to_have_attribute("aria-invalid", "true")
    assert not AuditRetention.objects.exists()
    _shoot(page, screens, "audit-retention-refused")

    page.fill("#id_days", "1095")
    page.fill("#id_reason", "法务部决定：审计日志保留三年（诉讼时效）")
    page.locator("form.form button[type=submit]").click()
    expect(page.locator(".messages")).to_be_visible()
    expect(page.locator("table.data tbody tr")).to_have_count(1)
    expect(page.locator("table.data tbody")).to_contain_text("法务部决定：审计日志保留三年（诉讼时效）")
    setting = AuditRetention.objects.get()
    assert (setting.days, setting.previous_days, setting.set_by_id) == (1095, None, admin_user.pk)
    event = AuditEvent.objects.get(object_type="cases.auditretention")
    assert event.actor_id == admin_user.pk and event.diff["days"] == 1095
    _shoot(page, screens, "audit-retention")
