"""J5 in a real browser: detection finds 300 near-identical posts from 120 accounts in 48 hours as one
campaign (an unrelated post stays out), the analyst confirms it and assesses the whole campaign in one step.

Screenshots go to a temporary folder; set LEGALCASES_SCREENSHOTS=/some/dir to keep them (j5-*.png).
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from cases import models as m
from tests.cases.test_campaign_detection import make_j5
from tests.test_browser_triage import DESKTOP, _log_in, _screens, _shoot, _watch_csp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REASON = "三百条内容文字几乎相同，48 小时内由一百余个账号集中发布，捏造“刹车失灵”事实，系有组织的诋毁而非个人批评。"


def test_j5_detect_confirm_and_assess_a_campaign_in_one_step(live_server, page: Page, analyst, tmp_path):
    screens = _screens(tmp_path)
    refused = _watch_csp(page)
    j5 = make_j5()
    base = live_server.url
    page.set_viewport_size(DESKTOP)
    _log_in(page, base, "analyst")

    # --- run detection on demand: exactly one campaign ------------------------------------------------------
    page.goto(base + reverse("cases:campaign-list"))
    page.locator("form[action$='/campaigns/detect/'] button[type=submit]").click()
    expect(page.locator(".messages .message-success")).to_be_visible(timeout=60_000)
    campaign = m.Campaign.objects.get()
    assert (campaign.item_count, campaign.account_count) == (300, 120)
    assert not m.ContentItem.objects.filter(pk__in=j5.unrelated_items + j5.spam_items, campaign__isnull=False).exists()
    rows = page.locator("table.data tbody tr")
    expect(rows).to_have_count(1)
    _shoot(page, screens, "j5-campaign-list")

    # --- the campaign page: confirm, then assess the whole campaign ------------------------------------------
    page.locator(f"a[href='{reverse('cases:campaign-detail', args=[campaign.pk])}']").first.click()
    page.locator(f"form[action='{reverse('cases:campaign-confirm', args=[campaign.pk])}'] button").click()
    expect(page.locator(".messages .message-success")).to_be_visible()
    campaign.refresh_from_db()
    assert campaign.status == "confirmed"
    page.check('#assess input[name="assess-conclusion"][value="suspected"]')
    page.fill("#assess #id_assess-rationale", REASON)
    page.fill("#assess #id_assess-severity", "4")
    page.locator("#assess form button[type=submit]").click()
    expect(page.locator(".messages .message-success")).to_be_visible()
    campaign.refresh_from_db()
    assert campaign.status == "assessed"
    states = set(m.ContentItem.objects.filter(pk__in=j5.campaign_items).values_list("triage_state", flat=True))
    assert states == {"suspected"}
    assert set(m.ContentItem.objects.filter(pk__in=j5.unrelated_items).values_list("triage_state", flat=True)) == {"new"}
    # Every troll account now carries the campaign's posts in its risk score.
    assert not m.MonitoredAccount.objects.filter(pk__in=[a.pk for a in j5.accounts], risk_score=0).exists()
    _shoot(page, screens, "j5-campaign-assessed")
    assert refused == []
