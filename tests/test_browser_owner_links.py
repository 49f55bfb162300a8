"""Staff page of an owner's request: the reported posts and accounts on the monitoring side.

Screenshots go to /work/notes/shots/owner2 (override with LEGALCASES_OWNER2_SHOTS).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core.cache import cache
from django.urls import reverse
from playwright.sync_api import Page, expect

from cases.models import ContentItem, MonitoredAccount
from cases.services import assistance
from tests.factories import ContentItemFactory, MonitoredAccountFactory, PlatformFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _submit(links: list[str], phone: str):
    return assistance.assistance_request_submit(
        name="韩梅梅",
        phone=phone,
        description="微博上有人说我的车是事故车，还贴出了我的车牌。",
        links=links,
        help_types=["lawyer_letter", "litigation_support"],
        files=[],
    ).assistance_request


def test_the_staff_page_shows_the_same_troll_accounts_and_adds_the_rest_to_monitoring(live_server, page: Page, lawyer):
    from tests.conftest import PASSWORD, browser_second_factor

    cache.clear()
    shots = Path(os.environ.get("LEGALCASES_OWNER2_SHOTS") or "/work/notes/shots/owner2")
    shots.mkdir(parents=True, exist_ok=True)
    weibo = PlatformFactory(domains=["weibo.com"])
    troll = MonitoredAccountFactory(
        platform=weibo, name="汽车黑幕哥", risk_score=87, risk_level=MonitoredAccount.RiskLevel.HIGH
    )
    helper = MonitoredAccountFactory(
        platform=weibo,
        name="真相小分队",
        risk_score=41,
        risk_level=MonitoredAccount.RiskLevel.MEDIUM,
        profile_url="https://weibo.com/u/5550001",
    )
    posts = [
        ContentItemFactory(
            platform=weibo, account=troll, url=f"https://weibo.com/77/p{n}", title=f"某品牌车主自燃真相{n}"
        )
        for n in range(4)
    ]
    for n, post in enumerate(posts[1:], start=1):
        _submit([post.url], phone=f"1390000000{n}")
    req = _submit(
        [posts[0].url + "?share_token=x", "https://weibo.com/u/5550001", "https://weibo.com/77/new-one"],
        phone="13712345678",
    )
    assert req.reported_accounts.count() == 2 and helper in req.reported_accounts.all()

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + reverse("accounts:login"))
    page.fill("#id_username", "lawyer")
    page.fill("#id_password", PASSWORD)
    page.locator("form.form button[type=submit]").click()
    browser_second_factor(page, "lawyer")
    page.goto(live_server.url + req.get_absolute_url())

    section = page.locator("#monitoring-links")
    expect(section.locator(".alert-warn")).to_be_visible()
    expect(section.get_by_role("link", name="汽车黑幕哥")).to_have_attribute("href", troll.get_absolute_url())
    expect(section.get_by_role("link", name="真相小分队")).to_be_visible()
    expect(section.locator(".monitored-accounts li").first).to_contain_text("3")
    expect(section.get_by_text("https://weibo.com/77/new-one")).to_be_visible()
    section.scroll_into_view_if_needed()
    page.screenshot(path=shots / "staff-request-monitoring.png", full_page=True)

    section.locator("form button").click()
    expect(page.locator(".messages")).to_be_visible()
    assert ContentItem.objects.filter(url="https://weibo.com/77/new-one", source="owner").count() == 1
    expect(page.locator("#monitoring-links form")).to_have_count(0)  # nothing left to add
    page.screenshot(path=shots / "staff-request-monitoring-added.png", full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.locator("#monitoring-links").screenshot(path=shots / "staff-request-monitoring-phone.png")
