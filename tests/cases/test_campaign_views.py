"""Campaign pages: list, detail with evidence, and the analyst's decisions (cases/views/campaigns.py)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import models as m
from cases.services import campaigns
from tests import factories as f
from tests.cases.test_campaign_detection import make_j5

pytestmark = pytest.mark.django_db

REASON = "三百条内容几乎一字不差，两天内由一百二十个账号集中发布，捏造“刹车失灵致事故”的事实，并非正常批评。"


def detail_url(campaign: m.Campaign) -> str:
    return reverse("cases:campaign-detail", args=[campaign.pk])


def action_url(name: str, campaign: m.Campaign) -> str:
    return reverse(f"cases:campaign-{name}", args=[campaign.pk])


@pytest.fixture
def j5_campaign() -> m.Campaign:
    make_j5()
    [campaign] = campaigns.detect_campaigns()
    return campaign


def test_the_list_shows_campaigns_with_counts_and_filters_by_status(analyst_client):
    found = f.CampaignFactory(name="“刹车失灵”集中传播", status="detected", item_count=300, account_count=120)
    f.CampaignFactory(name="已驳回的聚类", status="rejected")
    response = analyst_client.get(reverse("cases:campaign-list"))
    assert response.status_code == 200
    assert list(response.context["campaigns"])[1] == found  # newest first
    page = response.content.decode()
    assert "“刹车失灵”集中传播" in page and "300" in page and "120" in page
    response = analyst_client.get(reverse("cases:campaign-list"), {"status": "rejected"})
    assert [c.name for c in response.context["campaigns"]] == ["已驳回的聚类"]
    # An unknown status shows everything rather than an error.
    assert len(analyst_client.get(reverse("cases:campaign-list"), {"status": "bogus"}).context["campaigns"]) == 2


def test_the_campaign_page_shows_accounts_agency_items_similarity_and_timeline(analyst_client, j5_campaign):
    response = analyst_client.get(detail_url(j5_campaign))
    assert response.status_code == 200
    context = response.context
    assert len(context["accounts"]) == 120
    evidence = context["evidence"]
    assert len(evidence.rows) == 300 and not evidence.truncated
    assert evidence.lowest >= 50 and evidence.median >= 70
    assert sum(row.items for row in context["timeline"].rows) == 300
    assert len(context["timeline"].rows) >= 46  # one row per hour over two days, gaps included
    page = response.content.decode()
    assert "深圳流量魔方营销策划有限公司" in page
    assert page.count("<meter") >= 300
    assert "Run detection now" not in page  # that button lives on the list


def test_the_campaign_page_query_count_does_not_grow_with_its_size(analyst_client, j5_campaign):
    small = f.CampaignFactory(status="confirmed")
    items = [f.ContentItemFactory(campaign=small) for _ in range(3)]
    small.accounts.set([item.account for item in items])
    campaigns.campaign_refresh_counts([small.pk])
    counts = []
    for campaign in (small, j5_campaign):
        with CaptureQueriesContext(connection) as queries:
            assert analyst_client.get(detail_url(campaign)).status_code == 200
        counts.append(len(queries))
    assert counts[1] <= 15 and counts[1] == counts[0], counts


def test_assessing_the_campaign_in_one_step_assesses_all_300_posts(analyst, analyst_client, j5_campaign):
    response = analyst_client.post(
        action_url("assess", j5_campaign),
        {
            "assess-conclusion": "suspected",
            "assess-severity": "4",
            "assess-category": "malicious_defamation",
            "assess-infringement_types": ["fabrication", "troll_amplification"],
            "assess-recommended_actions": ["fix_evidence", "complaint"],
            "assess-rationale": REASON,
        },
    )
    assert response.status_code == 302
    j5_campaign.refresh_from_db()
    assert (j5_campaign.status, j5_campaign.category) == ("assessed", "malicious_defamation")
    items = m.ContentItem.objects.filter(campaign=j5_campaign)
    assert items.count() == 300
    assert set(items.values_list("triage_state", "conclusion", "severity")) == {("suspected", "suspected", 4)}
    assert m.Assessment.objects.filter(campaign=j5_campaign, content_item__isnull=False).count() == 300
    assert m.StateChange.objects.filter(
        object_type="cases.campaign", object_id=j5_campaign.pk, to_state="assessed", actor=analyst
    ).exists()
    page = analyst_client.get(response.url).content.decode()
    assert "300" in page and REASON in page


def test_escalating_without_a_reason_shows_the_error_and_assesses_nothing(analyst_client, j5_campaign):
    response = analyst_client.post(
        action_url("assess", j5_campaign),
        {"assess-conclusion": "serious", "assess-severity": "5", "assess-rationale": "  "},
    )
    assert response.status_code == 200
    form = response.context["assess_form"]
    assert "rationale" in form.errors
    page = response.content.decode()
    assert 'role="alert"' in page and 'href="#id_assess-rationale"' in page
    assert not m.Assessment.objects.exists()
    j5_campaign.refresh_from_db()
    assert j5_campaign.status == "detected"


def test_confirm_and_dismiss_through_the_page(analyst_client):
    first = f.CampaignFactory(status="detected")
    assert analyst_client.post(action_url("confirm", first)).status_code == 302
    first.refresh_from_db()
    assert first.status == "confirmed"
    # Confirming twice is refused with a message, not a crash.
    response = analyst_client.post(action_url("confirm", first), follow=True)
    assert response.status_code == 200 and first.__class__.objects.get(pk=first.pk).status == "confirmed"
    assert any(message.level_tag == "error" for message in response.context["messages"])

    response = analyst_client.post(action_url("dismiss", first), {"dismiss-reason": ""})
    assert response.status_code == 200 and "reason" in response.context["dismiss_form"].errors
    response = analyst_client.post(action_url("dismiss", first), {"dismiss-reason": "正常的新闻转发，不是水军"})
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.status == "rejected"
    page = analyst_client.get(detail_url(first)).content.decode()
    assert "正常的新闻转发，不是水军" in page  # in the history
    assert action_url("dismiss", first) not in page  # no more decisions offered


def test_linking_an_agency_through_the_page(analyst_client, j5_campaign):
    agency = f.AgencyFactory(name="广州众声网络科技有限公司")
    free = list(j5_campaign.accounts.filter(agency__isnull=True).values_list("pk", flat=True)[:2])
    response = analyst_client.post(
        action_url("link-agency", j5_campaign), {"agency-agency": agency.pk, "agency-accounts": free}
    )
    assert response.status_code == 302
    assert set(m.MonitoredAccount.objects.filter(agency=agency).values_list("pk", flat=True)) == set(free)
    assert agency in j5_campaign.agencies.all()
    response = analyst_client.post(action_url("link-agency", j5_campaign), {"agency-agency": ""})
    assert response.status_code == 200 and "agency" in response.context["agency_form"].errors


def test_run_detection_now_finds_the_campaign(analyst_client):
    make_j5(posts=30, accounts=12)
    response = analyst_client.post(reverse("cases:campaign-detect"), follow=True)
    assert response.status_code == 200
    assert m.Campaign.objects.get().item_count == 30
    assert [c.item_count for c in response.context["campaigns"]] == [30]


def test_executives_see_campaigns_but_cannot_act(executive_client):
    campaign = f.CampaignFactory(status="detected")
    assert executive_client.get(reverse("cases:campaign-list")).status_code == 200
    response = executive_client.get(detail_url(campaign))
    assert response.status_code == 200
    page = response.content.decode()
    assert action_url("confirm", campaign) not in page and action_url("assess", campaign) not in page
    for name in ("confirm", "dismiss", "assess", "link-agency"):
        assert executive_client.post(action_url(name, campaign), {"dismiss-reason": "不是水军"}).status_code == 403
    assert executive_client.post(reverse("cases:campaign-detect")).status_code == 403
    campaign.refresh_from_db()
    assert campaign.status == "detected" and not m.StateChange.objects.exists()


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    campaign = f.CampaignFactory()
    for url in (reverse("cases:campaign-list"), detail_url(campaign)):
        response = client.get(url)
        assert response.status_code == 302 and reverse("accounts:login") in response.url
    response = client.post(action_url("confirm", campaign))
    assert response.status_code == 302 and reverse("accounts:login") in response.url


def test_the_decision_urls_refuse_get(analyst_client):
    campaign = f.CampaignFactory()
    for name in ("confirm", "dismiss", "assess", "link-agency"):
        assert analyst_client.get(action_url(name, campaign)).status_code == 405
    assert analyst_client.get(reverse("cases:campaign-detect")).status_code == 405
