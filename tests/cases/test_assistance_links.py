"""An owner's reported links on the monitoring side: matched items and accounts, repeat trolls, adding to monitoring."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from cases.models import AssistanceRequest, ContentItem, MonitoredAccount
from cases.services import assistance, assistance_links
from tests.factories import ContentItemFactory, MonitoredAccountFactory, PlatformFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def submit(links: list[str], phone: str = "13712345678") -> AssistanceRequest:
    return assistance.assistance_request_submit(
        name="韩梅梅",
        phone=phone,
        description="有人造谣我的车。",
        links=links,
        help_types=["lawyer_letter"],
        files=[],
    ).assistance_request


def detail(client, req: AssistanceRequest):
    with translation.override("en"):
        return client.get(req.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")


def test_owner_links_in_any_spelling_find_the_monitored_post_and_its_account():
    item = ContentItemFactory(url="https://weibo.com/123/abc")
    profile = MonitoredAccountFactory(profile_url="https://weibo.com/u/777")

    req = submit(["http://www.weibo.com/123/abc/?utm_source=wechat#top", "https://m.weibo.com/u/777/"])

    assert list(req.content_items.all()) == [item]
    assert set(req.reported_accounts.all()) == {item.account, profile}


def test_screening_links_posts_monitoring_found_after_the_request_came_in(analyst):
    req = submit(["https://weibo.com/123/later"])
    assert not req.content_items.exists()
    item = ContentItemFactory(url="https://weibo.com/123/later")

    assistance.assistance_request_screen(assistance_request=req, actor=analyst)

    assert list(req.content_items.all()) == [item]
    assert list(req.reported_accounts.all()) == [item.account]


def test_the_staff_page_shows_monitored_posts_accounts_risk_and_repeat_owners(
    lawyer_client, django_assert_max_num_queries
):
    troll = MonitoredAccountFactory(name="汽车黑幕哥", risk_score=87, risk_level=MonitoredAccount.RiskLevel.HIGH)
    items = [ContentItemFactory(url=f"https://weibo.com/9/p{n}", account=troll, title=f"造谣帖{n}") for n in range(5)]
    for n, item in enumerate(items[1:], start=1):  # four other owners reported the same troll's posts
        submit([item.url], phone=f"1390000000{n}")
    req = submit([items[0].url, "https://weibo.com/9/unknown"])

    with django_assert_max_num_queries(25):
        response = detail(lawyer_client, req)

    html = response.content.decode()
    monitoring = response.context["monitoring"]
    assert [link.account for link in monitoring.accounts] == [troll]
    assert monitoring.accounts[0].other_requests == 4
    assert monitoring.unmatched == ["https://weibo.com/9/unknown"]
    assert items[0].get_absolute_url() in html and troll.get_absolute_url() in html
    assert "汽车黑幕哥" in html and "87" in html
    assert "often the same troll accounts" in html
    assert reverse("cases:assistance-request-add-to-monitoring", args=[req.pk]) in html


def test_the_page_query_count_does_not_grow_with_the_links(lawyer_client, django_assert_num_queries):
    def count_for(links: int) -> int:
        accounts = [MonitoredAccountFactory() for _ in range(links)]
        urls = [ContentItemFactory(account=account).url for account in accounts]
        req = submit(urls, phone=f"1380000{links:04d}")
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            detail(lawyer_client, req)
        return len(queries)

    assert count_for(1) == count_for(12)


def test_add_to_monitoring_creates_owner_items_once_and_links_them(analyst_client):
    PlatformFactory(domains=["weibo.com"])  # weibo.com → Weibo
    req = submit(["https://weibo.com/55/new-post?share_token=abc", "https://unknown-site.example/x"])
    add = reverse("cases:assistance-request-add-to-monitoring", args=[req.pk])

    with translation.override("en"):
        first = analyst_client.post(add, follow=True, HTTP_ACCEPT_LANGUAGE="en")
        second = analyst_client.post(add, follow=True, HTTP_ACCEPT_LANGUAGE="en")

    item = ContentItem.objects.get(url="https://weibo.com/55/new-post")
    assert item.source == ContentItem.Source.OWNER
    assert ContentItem.objects.count() == 1  # the second click created nothing
    assert list(req.content_items.all()) == [item]
    texts = [str(m) for m in first.context["messages"]]
    assert any("1 link is now monitored" in t for t in texts)
    assert any("unknown-site.example" in t and "Not added" in t for t in texts)
    assert not any("now monitored" in str(m) for m in second.context["messages"])


def test_add_to_monitoring_is_post_only_and_closed_to_executives(executive_client, analyst_client):
    req = submit(["https://weibo.com/55/p"])
    add = reverse("cases:assistance-request-add-to-monitoring", args=[req.pk])

    assert analyst_client.get(add).status_code == 405
    assert executive_client.post(add).status_code in (403, 404)
    assert ContentItem.objects.count() == 0


def test_add_to_monitoring_refuses_a_purged_request(analyst):
    req = submit(["https://weibo.com/55/p"])
    AssistanceRequest.objects.filter(pk=req.pk).update(purged_at="2026-01-01T00:00:00Z", content_links=[])
    req.refresh_from_db()

    with translation.override("en"), pytest.raises(Exception, match="purged"):
        assistance_links.assistance_request_add_to_monitoring(assistance_request=req, actor=analyst)


def test_normalized_links_drop_repeats_and_keep_order():
    assert assistance_links.normalized_links(
        ["https://www.douyin.com/video/1?utm_source=x", "https://douyin.com/video/1", "https://weibo.com/a"]
    ) == ["https://douyin.com/video/1", "https://weibo.com/a"]
