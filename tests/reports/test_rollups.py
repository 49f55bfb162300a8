"""Per-day rollups (reports/rollups.py): the same figures as a live count, kept exact while days change."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum

from cases import models as m
from reports import breakdowns, rollups
from reports.models import (
    InfringingAccountDay,
    InfringingAccountMonth,
    ItemAssessedDay,
    ItemDiscoveredDay,
    RollupDirtyDay,
)
from reports.selectors import Period, headline_figures
from reports.tasks import refresh_rollups
from tests import factories as f

pytestmark = pytest.mark.django_db
MANAGES_ROLLUPS = True  # conftest: run only once, this module drives the rollups itself

SHANGHAI = ZoneInfo("Asia/Shanghai")
D = datetime.date
TODAY = D(2025, 6, 30)
PERIODS = [
    Period(None, None),
    Period(D(2025, 3, 1), D(2025, 3, 31)),
    Period(D(2025, 3, 2), D(2025, 3, 2)),
    Period(D(2025, 1, 1), None),
    Period(None, D(2025, 3, 1)),
    Period(D(2025, 2, 15), D(2025, 4, 10)),  # whole March from the monthly rollup, the edges from the days
    Period(D(2025, 3, 1), D(2025, 4, 30)),
    Period(None, D(2025, 3, 31)),
]


def at(month: int, day: int, hour: int = 12) -> datetime.datetime:
    return datetime.datetime(2025, month, day, hour, tzinfo=SHANGHAI)


def everything(period: Period) -> dict:
    funnel, platforms = breakdowns.content_overview(period)
    accounts, agencies = breakdowns.top_infringers(period)
    trends = breakdowns.monthly_trends(period, TODAY)
    return {
        "figures": headline_figures(date_from=period.date_from, date_to=period.date_to),
        "funnel": funnel,
        "platforms": platforms,
        "accounts": accounts,
        "agencies": agencies,
        "trends": (trends["items"], trends["infringing"]),
    }


def live(period: Period, monkeypatch) -> dict:
    with monkeypatch.context() as patch:
        patch.setattr(rollups, "snapshot", lambda: rollups.Snapshot(False, ()))
        return everything(period)


def rollup_rows() -> tuple:
    return (
        sorted(ItemDiscoveredDay.objects.values_list("day", "platform_id", "imported", "assessed", "infringing",
                                                     "acted", "removed", "removed_any")),
        sorted(ItemAssessedDay.objects.values_list("day", "assessed", "infringing")),
        sorted(InfringingAccountDay.objects.values_list("day", "account_id", "infringing")),
        sorted(InfringingAccountMonth.objects.values_list("month", "account_id", "infringing")),
    )  # fmt: skip


@pytest.fixture
def items():
    """Items on both sides of local midnight (16:00 UTC), on two platforms, some judged, acted on or removed."""
    weibo = f.PlatformFactory(code="weibo")
    douyin = f.PlatformFactory(code="douyin", name_zh="抖音", name_en="Douyin")
    agency = f.AgencyFactory()
    loud = f.MonitoredAccountFactory(platform=weibo, agency=agency)
    quiet = f.MonitoredAccountFactory(platform=douyin)
    state = m.ContentItem.TriageState
    made = [
        # discovered just before and just after local midnight of 1/2 March
        f.ContentItemFactory(platform=weibo, account=loud, discovered_at=at(3, 1, 23)),
        f.ContentItemFactory(platform=weibo, account=loud, discovered_at=at(3, 2, 0),
                             assessed_at=at(3, 2, 9), conclusion="serious", triage_state=state.REMOVED),
        f.ContentItemFactory(platform=douyin, account=quiet, discovered_at=at(3, 2, 10),
                             assessed_at=at(4, 1, 0), conclusion="suspected", triage_state=state.ACTING),
        f.ContentItemFactory(platform=douyin, account=None, discovered_at=at(2, 28, 23),
                             assessed_at=at(3, 1, 1), conclusion="crime", triage_state=state.CLOSED),
        f.ContentItemFactory(platform=weibo, account=loud, discovered_at=at(3, 31, 23),
                             assessed_at=at(3, 31, 23), conclusion="none", triage_state=state.REMOVED),
        f.ContentItemFactory(platform=douyin, account=quiet, discovered_at=at(1, 15), triage_state=state.REMOVED),
    ]  # fmt: skip
    return made


def test_rebuilt_rollups_give_exactly_the_live_figures(items, monkeypatch):
    rollups.rebuild()

    assert not RollupDirtyDay.objects.exists()
    # The rollups hold the data: 6 items over 5 discovery days, 4 judged, infringing per account.
    assert sum(row.imported for row in ItemDiscoveredDay.objects.all()) == 6
    assert sorted(ItemAssessedDay.objects.values_list("day", "infringing")) == [
        (D(2025, 3, 1), 1), (D(2025, 3, 2), 1), (D(2025, 3, 31), 0), (D(2025, 4, 1), 1)]  # fmt: skip
    for period in PERIODS:
        rolled = everything(period)
        assert rolled == live(period, monkeypatch), period
    march = everything(Period(D(2025, 3, 1), D(2025, 3, 31)))["figures"]
    assert (march["items_total"], march["items_assessed"], march["items_infringing"], march["items_removed"]) == (
        4, 3, 2, 2)  # fmt: skip


def test_changed_days_are_read_live_until_the_job_recomputes_them(items, monkeypatch):
    rollups.rebuild()
    first, second, third = items[0], items[1], items[2]
    # Re-assess: the item leaves 2 March (its old assessment day) for 5 March.
    m.ContentItem.objects.filter(pk=second.pk).update(assessed_at=at(3, 5), conclusion="none")
    # A takedown lands on an item found on 1 March; another item is deleted; a late item arrives for 10 February.
    m.ContentItem.objects.filter(pk=first.pk).update(triage_state=m.ContentItem.TriageState.REMOVED)
    third.delete()
    f.ContentItemFactory(platform=first.platform, account=first.account, discovered_at=at(2, 10),
                         assessed_at=at(2, 11), conclusion="serious")  # fmt: skip
    # A change the figures do not read marks nothing.
    m.ContentItem.objects.filter(pk=items[4].pk).update(title="新标题")

    dirty = set(rollups.snapshot().dirty)
    assert dirty == {D(2025, 3, 1), D(2025, 3, 2), D(2025, 3, 5), D(2025, 4, 1), D(2025, 2, 10), D(2025, 2, 11)}
    expected = live(PERIODS[0], monkeypatch)
    with monkeypatch.context() as patch:  # the rollups alone are stale now...
        patch.setattr(rollups, "snapshot", lambda: rollups.Snapshot(True, ()))
        assert everything(PERIODS[0]) != expected
    for period in PERIODS:  # ...but stale rollups + the changed days read live = the live figures
        assert everything(period) == live(period, monkeypatch), period

    assert rollups.refresh() == sorted(dirty)
    assert not RollupDirtyDay.objects.exists()
    for period in PERIODS:
        assert everything(period) == live(period, monkeypatch), period
    refreshed = rollup_rows()
    rollups.rebuild()
    assert rollup_rows() == refreshed  # recomputing only the changed days gives what a full rebuild gives


def test_the_job_is_idempotent(items, monkeypatch):
    assert refresh_rollups() == 0  # never built: the first run builds everything
    built = rollup_rows()
    assert built[0]
    assert refresh_rollups() == 0
    assert rollups.refresh() == []
    assert rollup_rows() == built
    rollups.rebuild()
    rollups.rebuild()
    assert rollup_rows() == built
    m.ContentItem.objects.filter(pk=items[0].pk).update(triage_state=m.ContentItem.TriageState.REMOVED)
    assert refresh_rollups() == 1
    assert refresh_rollups() == 0
    assert everything(PERIODS[0]) == live(PERIODS[0], monkeypatch)


def test_before_the_first_build_everything_is_read_live(items):
    assert rollups.snapshot() == rollups.Snapshot(False, rollups.snapshot().dirty)
    figures = headline_figures(date_from=None, date_to=None)
    assert figures["items_total"] == 6
    assert not ItemDiscoveredDay.objects.exists()


def test_the_rebuild_command(items):
    call_command("rebuild_rollups", verbosity=0)
    assert sum(ItemDiscoveredDay.objects.values_list("imported", flat=True)) == 6
    m.ContentItem.objects.filter(pk=items[0].pk).delete()
    call_command("rebuild_rollups", "--changed", verbosity=0)
    assert sum(ItemDiscoveredDay.objects.values_list("imported", flat=True)) == 5


def test_headline_figures_from_rollups_cost_no_more_queries(items, django_assert_num_queries):
    rollups.rebuild()
    with django_assert_num_queries(7):  # state + 2 rollup sums + accounts, complaints, suits, requests
        headline_figures(date_from=D(2025, 3, 1), date_to=D(2025, 3, 31))
    m.ContentItem.objects.filter(pk=items[0].pk).update(triage_state=m.ContentItem.TriageState.REMOVED)
    with django_assert_num_queries(10):  # + the changed day read live: items by discovery and by assessment, requests
        headline_figures(date_from=D(2025, 3, 1), date_to=D(2025, 3, 31))
    with django_assert_num_queries(7):  # the changed day lies outside this period
        headline_figures(date_from=D(2025, 4, 1), date_to=D(2025, 4, 30))


def test_the_triggers_exist_on_the_items_table():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'cases_contentitem'::regclass AND tgname LIKE 'reports_%%'"
        )
        assert sorted(row[0] for row in cursor.fetchall()) == [
            "reports_dirty_delete", "reports_dirty_insert", "reports_dirty_update"]  # fmt: skip


@pytest.mark.parametrize("dirty", [[], [D(2025, 2, 10)], [D(2025, 1, 1), D(2025, 2, 10), D(2025, 3, 31)],
                                   [D(2025, 6, 30), D(2024, 12, 31)], [D(2025, 2, 1), D(2025, 3, 1)]])  # fmt: skip
def test_months_days_and_dirty_days_split_every_period_exactly(dirty):
    """Each day of a period is read once: from a whole month, from its day, or live (dirty)."""
    account = f.MonitoredAccountFactory()
    first, last = D(2024, 12, 1), D(2025, 6, 30)
    days = [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]
    InfringingAccountDay.objects.bulk_create(
        InfringingAccountDay(day=day, account=account, infringing=day.day) for day in days
    )
    with connection.cursor() as cursor:
        rollups._compute_months(cursor, None)
    assert InfringingAccountMonth.objects.filter(month=D(2025, 2, 1)).get().infringing == sum(range(1, 29))
    periods = [(None, None), (D(2025, 1, 1), D(2025, 3, 31)), (D(2025, 1, 15), D(2025, 3, 31)),
               (D(2025, 1, 1), D(2025, 3, 30)), (D(2025, 1, 15), D(2025, 1, 20)), (D(2025, 2, 1), D(2025, 2, 28)),
               (None, D(2025, 3, 15)), (D(2025, 3, 15), None), (D(2025, 2, 2), D(2025, 3, 31)),
               (D(2025, 1, 31), D(2025, 2, 1)), (None, D(2025, 2, 28))]  # fmt: skip
    for date_from, date_to in periods:
        months, on_days = rollups.month_split(date_from, date_to, dirty)
        total = 0
        if months is not None:
            total += InfringingAccountMonth.objects.filter(months).aggregate(n=Sum("infringing"))["n"] or 0
        if on_days is not None:
            total += InfringingAccountDay.objects.filter(on_days).aggregate(n=Sum("infringing"))["n"] or 0
        inside = [
            day for day in days if (date_from is None or day >= date_from) and (date_to is None or day <= date_to)
        ]
        assert total + sum(day.day for day in inside if day in dirty) == sum(day.day for day in inside), (
            date_from, date_to)  # fmt: skip
