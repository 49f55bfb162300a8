"""Account risk score (cases/services/risk.py): values known by construction, stored, shown, refreshed."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from cases import models as m
from cases.selectors.monitoring import monitored_account_risk_breakdown
from cases.services import risk, triage
from cases.services.triage import AssessmentInput
from cases.tasks.risk import refresh_account_risk
from tests import factories as f

pytestmark = pytest.mark.django_db

REASON = "视频捏造“刹车失灵致事故”的事实，无任何检测依据，不属于正常批评。"
DAY = datetime.timedelta(days=1)


def infringing(account, *, day: int, views: int, conclusion: str = "suspected") -> m.ContentItem:
    """An item assessed as infringing, published ``day`` days ago, whose reach is exactly ``views``."""
    published = timezone.now().replace(hour=3) - day * DAY
    return f.ContentItemFactory(
        account=account, platform=account.platform, views=views, likes=0, shares=0, comments=0,
        published_at=published, conclusion=conclusion, assessed_at=published, triage_state="suspected",
    )


def test_score_is_the_sum_of_capped_factor_points():
    assert risk.score_for({}) == 0
    # 2 confirmed (16) + reach 10^4 (16) + 1 repeat day (5) + 1 letter (5) + 0 suits = 42
    assert risk.score_for({"confirmed": 2, "reach": 4, "repeat": 1, "letters": 1}) == 42
    # Every factor past its cap: 40 + 20 + 20 + 10 + 10 = 100
    assert risk.score_for({"confirmed": 50, "reach": 9, "repeat": 30, "letters": 7, "suits": 3}) == 100
    assert [risk.reach_tens(n) for n in (0, 9, 10, 999, 1000, 123_456)] == [0, 0, 1, 2, 3, 5]
    assert [risk.level_for(n) for n in (0, 24, 25, 49, 50, 74, 75, 100)] == [
        "low", "low", "medium", "medium", "high", "high", "critical", "critical",
    ]  # fmt: skip


def test_refresh_stores_known_values_for_an_account():
    account = f.MonitoredAccountFactory()
    infringing(account, day=10, views=6_000)
    infringing(account, day=10, views=3_000, conclusion="serious")
    infringing(account, day=3, views=1_000, conclusion="crime")
    # Not counted: a dismissed item and an item of another account.
    f.ContentItemFactory(account=account, platform=account.platform, views=10**8, conclusion="criticism")
    infringing(f.MonitoredAccountFactory(), day=1, views=10**8)
    f.LawyerLetterFactory(recipient_account=account)
    suit = f.LawsuitFactory()
    f.LawsuitPartyFactory(lawsuit=suit, monitored_account=account, role="defendant", kind="account")
    f.LawsuitPartyFactory(lawsuit=suit, monitored_account=account, role="third_party", kind="account")

    assert risk.accounts_refresh_risk([account.pk, None]) == 1
    account.refresh_from_db()
    # confirmed 3 → 24; reach 10,000 → 4 tens → 16; 2 days → 1 repeat → 5; 1 letter → 5; 1 suit → 10
    assert account.risk_factors == {
        "confirmed": 3, "reach": 4, "reach_total": 10_000, "repeat": 1, "letters": 1, "suits": 1,
    }  # fmt: skip
    assert account.risk_score == 60 and account.risk_level == "high"
    assert account.risk_scored_at is not None
    rows = monitored_account_risk_breakdown(account=account)
    assert [(r.key, r.value, r.weight, r.points) for r in rows] == [
        ("confirmed", 3, 8, 24), ("reach", 4, 4, 16), ("repeat", 1, 5, 5), ("letters", 1, 5, 5), ("suits", 1, 10, 10),
    ]  # fmt: skip
    assert sum(r.points for r in rows) == account.risk_score
    # Nothing changed: a second refresh writes nothing.
    assert risk.accounts_refresh_risk([account.pk]) == 0


def test_assessing_an_item_raises_its_accounts_score(analyst):
    account = f.MonitoredAccountFactory()
    item = f.ContentItemFactory(account=account, platform=account.platform, views=100, likes=0, shares=0)
    triage.content_item_assess(
        item=item, assessor=analyst, data=AssessmentInput(conclusion="suspected", rationale=REASON, severity=3)
    )
    account.refresh_from_db()
    # 1 confirmed → 8; reach 100 → 2 tens → 8; one day → no repeat.
    assert account.risk_score == 16 and account.risk_factors["confirmed"] == 1


def test_nightly_job_recomputes_and_brings_stale_scores_back_to_zero():
    stale = f.MonitoredAccountFactory(risk_score=90, risk_level="critical")
    account = f.MonitoredAccountFactory()
    for day in (1, 2, 3, 4, 5, 6):
        infringing(account, day=day, views=1)
    untouched = f.MonitoredAccountFactory()
    result = refresh_account_risk.delay().get()
    assert result == {"accounts": 2, "changed": 2}
    stale.refresh_from_db()
    account.refresh_from_db()
    assert (stale.risk_score, stale.risk_level) == (0, "low")
    # 6 confirmed → 40 (cap); reach 6 → 0; 5 repeat days → 20 (cap)
    assert account.risk_score == 60
    untouched.refresh_from_db()
    assert untouched.risk_scored_at is None


def test_refresh_costs_a_fixed_number_of_queries(django_assert_max_num_queries):
    accounts = [f.MonitoredAccountFactory() for _ in range(5)]
    for index, account in enumerate(accounts):
        for day in range(index + 1):
            infringing(account, day=day, views=10**index)
    with django_assert_max_num_queries(8):
        assert risk.accounts_refresh_risk(a.pk for a in accounts) == 5


def test_account_page_shows_each_factor(analyst_client, django_assert_max_num_queries):
    account = f.MonitoredAccountFactory()
    item = infringing(account, day=2, views=50_000)
    for _ in range(3):
        f.PlatformComplaintFactory().content_items.add(item)
        f.LawyerLetterFactory(recipient_account=account)
    risk.accounts_refresh_risk([account.pk])
    account.refresh_from_db()
    with translation.override("en"):
        url = reverse("cases:monitored-account-detail", args=[account.pk])
        with django_assert_max_num_queries(12):
            response = analyst_client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert response.status_code == 200
    assert f'data-risk-score="{account.risk_score}"' in body
    for key in risk.FACTOR_KEYS:
        assert f'data-factor="{key}"' in body
    # 1 confirmed (8) + reach 50,000 → 4 tens (16) + 3 letters (15, capped at 10)
    assert account.risk_score == 8 + 16 + 10
    for complaint in m.PlatformComplaint.objects.all():
        assert reverse("cases:complaint-detail", args=[complaint.pk]) in body


def test_account_list_sorts_by_risk_both_ways(analyst_client):
    low = f.MonitoredAccountFactory(risk_score=5)
    high = f.MonitoredAccountFactory(risk_score=80)
    url = reverse("cases:monitored-account-list")
    default = analyst_client.get(url).content.decode()
    assert default.index(high.get_absolute_url()) < default.index(low.get_absolute_url())
    ascending = analyst_client.get(url, {"ordering": "risk_score"}).content.decode()
    assert ascending.index(low.get_absolute_url()) < ascending.index(high.get_absolute_url())
