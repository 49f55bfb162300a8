"""Funnels, trends and breakdowns (reports/breakdowns.py) on crafted data whose answers are known by construction."""

from __future__ import annotations

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from reports import breakdowns as b
from reports.selectors import Period, headline_figures
from tests import factories as f

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
D = datetime.date
ALL = Period()
MARCH = Period(D(2025, 3, 1), D(2025, 3, 31))


def at(year: int, month: int, day: int, hour: int = 12) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, tzinfo=SHANGHAI)


@pytest.fixture
def items(analyst, lawyer):
    """Six items found in March 2025 and one in April, each one step further down the funnel."""
    weibo = f.PlatformFactory(code="weibo-x", name_zh="微博X", name_en="WeiboX")
    douyin = f.PlatformFactory(code="douyin-x", name_zh="抖音X", name_en="DouyinX")
    agency = f.AgencyFactory(name="某某传媒")
    loud = f.MonitoredAccountFactory(platform=weibo, name="汽车黑幕", agency=agency)
    quiet = f.MonitoredAccountFactory(platform=douyin, name="小号")
    march = at(2025, 3, 10)
    made = {
        "new": f.ContentItemFactory(platform=weibo, account=loud, discovered_at=march, triage_state="new"),
        "criticism": f.ContentItemFactory(platform=weibo, account=loud, discovered_at=march, assessed_at=march,
                                          conclusion="criticism", triage_state="dismissed"),
        "suspected": f.ContentItemFactory(platform=weibo, account=loud, discovered_at=march, assessed_at=march,
                                          conclusion="suspected", triage_state="fixing"),
        "acting": f.ContentItemFactory(platform=douyin, account=quiet, discovered_at=march, assessed_at=march,
                                       conclusion="serious", triage_state="acting"),
        "removed": f.ContentItemFactory(platform=weibo, account=loud, discovered_at=march, assessed_at=march,
                                        conclusion="serious", triage_state="removed"),
        "won": f.ContentItemFactory(platform=weibo, account=loud, discovered_at=march, assessed_at=march,
                                    conclusion="crime", triage_state="closed"),
        "april": f.ContentItemFactory(platform=douyin, account=quiet, discovered_at=at(2025, 4, 2),
                                      assessed_at=at(2025, 4, 2), conclusion="suspected", triage_state="suspected"),
    }
    # The "won" item was assessed twice, with the same category and type: it counts once in each.
    for _ in range(2):
        f.AssessmentFactory(content_item=made["won"], conclusion="crime", category="malicious_defamation",
                            infringement_types=["fabrication", "insult"], assessor=analyst, created_at=march)
    f.AssessmentFactory(content_item=made["removed"], conclusion="serious", category="false_advertising",
                        infringement_types=["fabrication"], assessor=analyst, created_at=march)
    f.AssessmentFactory(content_item=made["april"], conclusion="suspected", category="illegal_profit",
                        infringement_types=["extortion"], assessor=analyst, created_at=at(2025, 4, 2))
    won = f.FiledLawsuitFactory(stage="effective", outcome="won", filed_on=D(2025, 3, 15), judgment_on=D(2025, 5, 1),
                                lawyer=lawyer)
    won.content_items.add(made["won"])
    # A withdrawn suit is filed but not won.
    withdrawn = f.FiledLawsuitFactory(stage="withdrawn", outcome="withdrawn", filed_on=D(2025, 3, 20), lawyer=lawyer)
    withdrawn.content_items.add(made["acting"])
    # A suit still being prepared does not count as "in a suit".
    f.LawsuitFactory(lawyer=lawyer).content_items.add(made["removed"])
    return made


def test_the_content_funnel_follows_the_items_discovered_in_the_period(items):
    assert b.content_funnel(MARCH) == {
        "imported": 6, "assessed": 5, "infringing": 4, "acted": 3, "removed": 1, "sued": 2, "won": 1,
    }
    assert b.content_funnel(ALL)["imported"] == 7


def test_a_withdrawn_suit_is_in_a_suit_but_never_won(items):
    funnel = b.content_funnel(MARCH)
    figures = headline_figures(date_from=None, date_to=None)

    assert funnel["sued"] == 2 and funnel["won"] == 1
    assert figures["suits_won"] == 1 and figures["suits_filed"] == 2


def test_items_assessed_twice_count_once_per_category_and_type(items):
    dims = b.by_category_and_type(MARCH)

    assert dict(dims["category"]) == {"malicious_defamation": 1, "false_advertising": 1}
    assert dict(dims["type"]) == {"fabrication": 2, "insult": 1}
    assert dict(b.by_category_and_type(ALL)["category"])["illegal_profit"] == 1


def test_platforms_count_discoveries_with_infringing_and_removed(items):
    rows = {row["code"]: row for row in b.by_platform(MARCH)}

    assert (rows["weibo-x"]["items"], rows["weibo-x"]["infringing"], rows["weibo-x"]["removed"]) == (5, 3, 1)
    assert (rows["douyin-x"]["items"], rows["douyin-x"]["infringing"]) == (1, 1)


def test_top_accounts_and_agencies_rank_items_judged_infringing(items):
    accounts = b.top_accounts(MARCH)
    agencies = b.top_agencies(MARCH)

    assert [(row["name"], row["count"]) for row in accounts] == [("汽车黑幕", 3), ("小号", 1)]
    assert [(row["name"], row["count"], row["accounts"]) for row in agencies] == [("某某传媒", 3, 1)]


def test_lawsuits_by_stage_and_outcome(items):
    suits = b.lawsuits_by_stage_and_outcome(ALL)

    assert dict(suits["stages"]) == {"withdrawn": 1, "effective": 1}  # the suit in preparation is not filed
    assert dict(suits["outcomes"]) == {"won": 1, "withdrawn": 1}


def test_monthly_trends_place_each_row_in_its_local_month(items):
    trends = b.monthly_trends(Period(D(2025, 2, 1), D(2025, 4, 30)), D(2025, 6, 1))

    assert trends["months"] == [D(2025, 2, 1), D(2025, 3, 1), D(2025, 4, 1)]
    assert trends["items"] == [0, 6, 1]
    assert trends["infringing"] == [0, 4, 1]
    assert trends["suits"] == [0, 2, 0]


def test_a_trend_month_starts_at_beijing_midnight():
    f.ContentItemFactory(discovered_at=datetime.datetime(2025, 3, 31, 16, 30, tzinfo=datetime.UTC))  # 1 April, 00:30
    trends = b.monthly_trends(Period(D(2025, 3, 1), D(2025, 4, 30)), D(2025, 6, 1))
    assert trends["items"] == [0, 1]


def test_open_periods_show_the_last_two_years_of_months():
    months = b.trend_months(ALL, D(2026, 11, 30))
    assert len(months) == 24 and months[-1] == D(2026, 11, 1) and months[0] == D(2024, 12, 1)


def test_the_owner_funnel_counts_each_step_by_its_own_test(lawyer):
    march = at(2025, 3, 5)
    f.AssistanceRequestFactory(submitted_at=march, has_evidence=True, eligibility="suable", eligibility_reasons="可诉",
                               status="litigation", help_types=["lawyer_letter", "litigation_support"])
    letter_for = f.AssistanceRequestFactory(submitted_at=march, has_evidence=True, status="closed")
    f.LawyerLetterFactory(assistance_request=letter_for)
    f.AssistanceRequestFactory(submitted_at=march, status="submitted")
    f.AssistanceRequestFactory(submitted_at=at(2025, 4, 5), status="submitted")

    assert b.owner_funnel(MARCH) == {
        "requests": 3, "with_evidence": 2, "suable": 1, "letter_or_suit": 2, "resolved": 1,
    }
    # A request asking for two kinds of help counts under both.
    by_type = headline_figures(date_from=D(2025, 3, 1), date_to=D(2025, 3, 31))["requests_by_help_type"]
    assert by_type["lawyer_letter"] == 1 and by_type["litigation_support"] == 1


def test_platform_response_times_average_the_answered_complaints():
    weibo = f.PlatformFactory(code="weibo-y", name_zh="微博Y", name_en="WeiboY")
    sent = at(2025, 3, 1, 9)
    f.PlatformComplaintFactory(platform=weibo, submitted_at=sent, first_response_at=sent + datetime.timedelta(hours=10))
    f.PlatformComplaintFactory(platform=weibo, submitted_at=sent, first_response_at=sent + datetime.timedelta(hours=30))
    f.PlatformComplaintFactory(platform=weibo, submitted_at=sent)  # not answered yet
    f.PlatformComplaintFactory(platform=weibo, status="draft", submitted_at=None)  # never counts

    [row] = b.platform_response_times(MARCH)
    assert (row["complaints"], row["answered"], row["mean_hours"]) == (3, 2, 20.0)


def test_deadlines_at_risk_are_pending_and_due_soon_or_overdue():
    today = timezone.localdate()
    for days in (-2, 0, 3, 5, 9):
        f.DeadlineFactory(due_on=today + datetime.timedelta(days=days))
    f.DeadlineFactory(due_on=today - datetime.timedelta(days=1), done_at=timezone.now())  # done: not at risk

    assert b.deadlines_at_risk(today) == {"overdue": 1, "within_3_days": 2, "within_7_days": 3}


def test_damages_only_come_from_suits_won(items, lawyer):
    f.FiledLawsuitFactory(outcome="withdrawn", stage="withdrawn", damages_awarded=Decimal("999"), lawyer=lawyer,
                          judgment_on=D(2025, 5, 1))
    assert headline_figures(date_from=None, date_to=None)["damages_awarded"] == Decimal("0")
