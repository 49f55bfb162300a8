"""The breakdown by campaign category and infringement type from its rollup (reports/rollups.py,
``AssessmentValueDay``): exactly the live distinct counts ("an item assessed twice counts once") for every period,
kept exact while assessments arrive, move, change category or type, change item or are deleted."""

from __future__ import annotations

import datetime
import itertools
import random
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from cases import models as m
from reports import breakdowns, rollups
from reports.models import AssessmentValueDay, RollupDirtyDay
from reports.selectors import Period
from tests import factories as f

pytestmark = pytest.mark.django_db
MANAGES_ROLLUPS = True  # conftest: run only once, this module drives the rollups itself

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = datetime.UTC
D = datetime.date
PERIODS = [
    Period(None, None),
    Period(D(2025, 3, 1), D(2025, 3, 31)),
    Period(D(2025, 3, 1), D(2025, 3, 1)),
    Period(D(2025, 3, 2), D(2025, 3, 2)),
    Period(D(2025, 3, 2), D(2025, 3, 20)),
    Period(D(2025, 3, 21), D(2025, 4, 30)),
    Period(D(2025, 1, 1), None),
    Period(None, D(2025, 3, 1)),
    Period(D(2025, 4, 1), D(2025, 4, 30)),
]


def at(month: int, day: int, hour: int = 12, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2025, month, day, hour, minute, tzinfo=SHANGHAI)


def dims(period: Period) -> dict:
    return breakdowns.by_category_and_type(period)


def live(period: Period, monkeypatch) -> dict:
    with monkeypatch.context() as patch:
        patch.setattr(rollups, "snapshot", lambda: rollups.Snapshot(False, ()))
        return dims(period)


def stale(period: Period, monkeypatch) -> dict:
    """The rollup alone, ignoring the changed days."""
    with monkeypatch.context() as patch:
        patch.setattr(rollups, "snapshot", lambda: rollups.Snapshot(True, ()))
        return dims(period)


def rollup_rows() -> list:
    return sorted(AssessmentValueDay.objects.values_list("day", "dim", "value", "prev_day", "items"),
                  key=lambda row: (row[0], row[1], row[2], row[3] or D(1, 1, 1), row[4]))  # fmt: skip


@pytest.fixture
def assess(lawyer):
    def make(item: m.ContentItem | None, created_at: datetime.datetime, category: str = "", types: list | None = None,
             **fields) -> m.Assessment:  # fmt: skip
        return f.AssessmentFactory(content_item=item, created_at=created_at, category=category,
                                   infringement_types=types or [], assessor=lawyer, **fields)  # fmt: skip

    return make


@pytest.fixture
def items(assess):
    """Items assessed once, twice on both sides of Beijing midnight, twice on one day, re-assessed weeks later into
    another category, plus a campaign's assessment and one without category or type (both never counted)."""
    made = {name: f.ContentItemFactory() for name in ("midnight", "moved", "old", "same_day", "edge", "plain")}
    # 1 March 23:59 Beijing, then 2 March 00:00 Beijing (= 1 March 16:00 UTC: a UTC day would mix them).
    assess(made["midnight"], at(3, 1, 23, 59), "malicious_defamation", ["fabrication", "insult"])
    assess(made["midnight"], datetime.datetime(2025, 3, 1, 16, 0, tzinfo=UTC), "malicious_defamation", ["fabrication"])
    # Re-assessed into another category, then back; the last with a type twice in its list.
    assess(made["moved"], at(3, 1, 9), "false_advertising", ["misleading"])
    assess(made["moved"], at(3, 20), "malicious_defamation", ["fabrication"])
    assess(made["moved"], at(4, 5), "false_advertising", ["misleading", "misleading"])
    assess(made["old"], at(1, 15), "illegal_profit", ["extortion"])
    assess(made["same_day"], at(3, 10, 9), "malicious_defamation", ["distortion"])
    assess(made["same_day"], at(3, 10, 17), "malicious_defamation", ["distortion", "insult"])
    assess(made["edge"], at(2, 28, 23), "false_advertising", ["misleading"])
    assess(made["edge"], at(3, 1, 1), "false_advertising", ["distortion"])
    assess(made["plain"], at(3, 3), conclusion="criticism", rationale="")
    assess(None, at(3, 4), "malicious_defamation", ["fabrication"], campaign=f.CampaignFactory())
    return made


def test_rebuilt_rollup_gives_exactly_the_live_counts(items, monkeypatch):
    rollups.rebuild()

    for period in PERIODS:
        assert dims(period) == live(period, monkeypatch), period
    march = dims(PERIODS[1])
    assert dict(march["category"]) == {"malicious_defamation": 3, "false_advertising": 2}
    assert dict(march["type"]) == {"fabrication": 2, "insult": 2, "misleading": 1, "distortion": 2}
    # 2 March: the midnight item's second assessment only; 1 March: its first one (Beijing days).
    assert dims(PERIODS[3]) == {"category": [("malicious_defamation", 1)], "type": [("fabrication", 1)]}
    assert dict(dims(PERIODS[2])["category"]) == {"false_advertising": 2, "malicious_defamation": 1}
    # 21 March – 30 April: the moved item is back under false advertising, counted once although listed twice.
    assert dims(PERIODS[5]) == {"category": [("false_advertising", 1)], "type": [("misleading", 1)]}


def test_the_rollup_counts_each_item_on_its_first_day_in_a_period(items):
    rollups.rebuild()

    rows = set(AssessmentValueDay.objects.filter(dim="category").values_list("day", "value", "prev_day", "items"))
    assert (D(2025, 3, 2), "malicious_defamation", D(2025, 3, 1), 1) in rows  # after the day before
    assert (D(2025, 4, 5), "false_advertising", D(2025, 3, 1), 1) in rows  # the previous one of the same value
    assert (D(2025, 3, 10), "malicious_defamation", None, 1) in rows  # twice on one day: one row, one item
    assert not AssessmentValueDay.objects.filter(day__in=[D(2025, 3, 3), D(2025, 3, 4)]).exists()


def test_changed_assessments_are_read_live_until_the_job_recomputes_them(items, assess, lawyer, monkeypatch):
    rollups.rebuild()
    expected_before = live(PERIODS[0], monkeypatch)
    # Re-assessed after new evidence into another category, between two earlier assessments (7 March).
    assess(items["moved"], at(3, 7), "illegal_profit", ["paid_deletion"])
    # A category and the types corrected; an assessment moved from 10 March to 12 March; one moved to another item.
    same_day = m.Assessment.objects.filter(content_item=items["same_day"]).order_by("created_at")
    m.Assessment.objects.filter(pk=same_day[0].pk).update(category="false_advertising", infringement_types=["fake_review"])
    m.Assessment.objects.filter(pk=same_day[1].pk).update(created_at=at(3, 12))
    m.Assessment.objects.filter(content_item=items["old"]).update(content_item=items["plain"])
    # One deleted; an item deleted with its assessments; a change the breakdown does not read marks nothing.
    m.Assessment.objects.filter(content_item=items["edge"], created_at=at(2, 28, 23)).delete()
    items["midnight"].delete()
    m.Assessment.objects.filter(content_item=items["moved"], created_at=at(4, 5)).update(rationale="补充证据后维持")

    dirty = set(rollups.snapshot().dirty)
    # The moved item's every assessment day (its previous days change), the days of the others.
    assert {D(2025, 3, 1), D(2025, 3, 7), D(2025, 3, 20), D(2025, 4, 5), D(2025, 3, 10), D(2025, 3, 12),
            D(2025, 1, 15), D(2025, 3, 3), D(2025, 2, 28), D(2025, 3, 2)} <= dirty  # fmt: skip
    assert live(PERIODS[0], monkeypatch) != expected_before
    assert stale(PERIODS[0], monkeypatch) == expected_before  # the rollup alone is stale now...
    for period in PERIODS:  # ...but the rollup + the changed days read live = the live counts
        assert dims(period) == live(period, monkeypatch), period
    assert dict(dims(PERIODS[1])["category"])["illegal_profit"] == 1

    assert rollups.refresh() == sorted(dirty)
    assert not RollupDirtyDay.objects.exists()
    for period in PERIODS:
        assert dims(period) == live(period, monkeypatch), period
    refreshed = rollup_rows()
    rollups.rebuild()
    assert rollup_rows() == refreshed  # recomputing only the changed days gives what a full rebuild gives


def test_a_new_assessment_marks_its_day_and_the_later_assessment_days_of_its_item(items, assess, monkeypatch):
    rollups.rebuild()
    assess(items["moved"], at(4, 10), "malicious_defamation", ["insult"])  # the latest: no later day changes

    assert rollups.snapshot().dirty == (D(2025, 4, 10),)
    assess(items["moved"], at(3, 15), "false_advertising", ["misleading"])  # before its assessments of 20 March…

    assert rollups.snapshot().dirty == (D(2025, 3, 15), D(2025, 3, 20), D(2025, 4, 5), D(2025, 4, 10))
    for period in PERIODS:
        assert dims(period) == live(period, monkeypatch), period


def test_a_change_the_breakdown_does_not_read_marks_nothing(items):
    rollups.rebuild()
    m.Assessment.objects.filter(content_item=items["moved"]).update(rationale="补充证据后维持", severity=5)
    m.Assessment.objects.filter(campaign__isnull=False).update(created_at=at(3, 9))  # a campaign's: no item

    assert not rollups.snapshot().dirty


def test_random_histories_match_the_live_counts_for_every_period(assess, monkeypatch):
    """Random assessments and changes over two weeks: every window of days, every value, rollup = live."""
    rng = random.Random(20250301)  # noqa: S311 (test data)
    pool = [f.ContentItemFactory() for _ in range(6)]
    categories, types = ["malicious_defamation", "false_advertising", ""], ["fabrication", "insult", "misleading"]

    def moment() -> datetime.datetime:
        return at(3, rng.randint(1, 14), rng.choice([0, 8, 23]), rng.choice([0, 59]))

    def random_assessment() -> m.Assessment:
        return assess(rng.choice(pool), moment(), rng.choice(categories), rng.sample(types, rng.randint(0, 2)))

    made = [random_assessment() for _ in range(25)]
    rollups.rebuild()
    for step in range(4):
        for _ in range(3):
            made.append(random_assessment())
            victim = made.pop(rng.randrange(len(made)))
            m.Assessment.objects.filter(pk=made[rng.randrange(len(made))].pk).update(
                created_at=moment(), category=rng.choice(categories), content_item=rng.choice(pool)
            )
            victim.delete()
        if step % 2:
            rollups.refresh()
        days = [D(2025, 2, 28) + datetime.timedelta(days=n) for n in range(17)]
        for first, last in itertools.combinations_with_replacement(days, 2):
            period = Period(first, last)
            assert dims(period) == live(period, monkeypatch), (step, period)
        for period in (Period(None, None), Period(D(2025, 3, 5), None), Period(None, D(2025, 3, 5))):
            assert dims(period) == live(period, monkeypatch), (step, period)


def test_the_breakdown_from_the_rollup_is_one_query(items, django_assert_num_queries):
    rollups.rebuild()
    with rollups.reading(), django_assert_num_queries(1):  # a report reads the rollups' state once, before
        dims(PERIODS[1])
    m.Assessment.objects.filter(content_item=items["same_day"]).update(category="illegal_profit")
    with rollups.reading(), django_assert_num_queries(1):  # the changed day is computed in the same query
        dims(PERIODS[1])


def test_the_triggers_exist_on_the_assessments_table():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'cases_assessment'::regclass AND tgname LIKE 'reports_%%'"
        )
        assert sorted(row[0] for row in cursor.fetchall()) == [
            "reports_assessment_dirty_delete", "reports_assessment_dirty_insert", "reports_assessment_dirty_update"]  # fmt: skip
