"""The assistance requests' per-day rollup (reports/rollups.py, ``RequestSubmittedDay``): the same figures as a live
count, kept exact while requests arrive, change status, move day or are deleted."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from cases import models as m
from reports import breakdowns, rollups
from reports.models import RequestSubmittedDay, RollupDirtyDay
from reports.selectors import HELP_TYPES_SHOWN, Period, headline_figures, headline_figures_each, request_counts
from tests import factories as f

pytestmark = pytest.mark.django_db
MANAGES_ROLLUPS = True  # conftest: run only once, this module drives the rollups itself

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = datetime.UTC
D = datetime.date
TODAY = D(2025, 6, 30)
HELP = m.AssistanceRequest.HelpType
STATUS = m.AssistanceRequest.Status
PERIODS = [
    Period(None, None),
    Period(D(2025, 3, 1), D(2025, 3, 31)),
    Period(D(2025, 3, 2), D(2025, 3, 2)),
    Period(D(2025, 3, 1), D(2025, 3, 1)),
    Period(D(2025, 1, 1), None),
    Period(None, D(2025, 3, 1)),
    Period(D(2025, 4, 1), D(2025, 4, 30)),
]


def at(month: int, day: int, hour: int = 12, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2025, month, day, hour, minute, tzinfo=SHANGHAI)


def owners(period: Period) -> dict:
    """Every figure read from the requests: headline counts, the owners' funnel, the monthly series."""
    figures = headline_figures(date_from=period.date_from, date_to=period.date_to)
    return {
        "headline": {key: figures[key] for key in ("assistance_requests", "requests_with_evidence", "owners_suable")},
        "by_help_type": figures["requests_by_help_type"],
        "funnel": breakdowns.owner_funnel(period),
        "months": breakdowns.monthly_trends(period, TODAY)["requests"],
        "counts": request_counts(period),
    }


def live(period: Period, monkeypatch) -> dict:
    with monkeypatch.context() as patch:
        patch.setattr(rollups, "snapshot", lambda: rollups.Snapshot(False, ()))
        return owners(period)


def rollup_rows() -> list:
    return sorted(RequestSubmittedDay.objects.values_list(*(field.attname for field in RequestSubmittedDay._meta.fields
                                                            if field.name != "id")))  # fmt: skip


def request(submitted_at: datetime.datetime, **fields) -> m.AssistanceRequest:
    return f.AssistanceRequestFactory(submitted_at=submitted_at, **fields)


@pytest.fixture
def requests(lawyer):
    """Requests on both sides of Beijing midnight (16:00 UTC), in every state the figures read."""
    suable = {"eligibility": "suable", "eligibility_reasons": "可诉"}
    made = [
        # 1 March 23:59 Beijing = 1 March 15:59 UTC; 2 March 00:00 Beijing = 1 March 16:00 UTC (a UTC day would mix them)
        request(at(3, 1, 23, 59), has_evidence=True, help_types=[HELP.EVIDENCE_GUIDANCE, HELP.LAWYER_LETTER]),
        request(datetime.datetime(2025, 3, 1, 16, 0, tzinfo=UTC), status=STATUS.LITIGATION, **suable,
                help_types=[HELP.LITIGATION_SUPPORT]),
        request(at(3, 2, 9), status=STATUS.CLOSED, help_types=[HELP.POLICE_HELP]),
        request(at(3, 2, 10), status=STATUS.LETTER, has_evidence=True, help_types=[]),
        # linked to a suit / a letter while its status says neither: counted at "letter or suit" by the link
        request(at(3, 31, 23), status=STATUS.LEGAL_REVIEW, **suable),
        request(at(4, 1, 0), status=STATUS.GUIDED, help_types=[HELP.COMPLAINT_HELP, HELP.EVIDENCE_GUIDANCE]),
        request(at(2, 28, 23), status=STATUS.WITHDRAWN),
        request(at(1, 15), status=STATUS.CLOSED, has_evidence=True),
    ]  # fmt: skip
    f.LawsuitFactory(assistance_request=made[4], lawyer=lawyer)
    f.LawyerLetterFactory(assistance_request=made[5])
    f.LawyerLetterFactory(assistance_request=made[3])  # by status and by link: counted once
    return made


def test_the_rollup_holds_every_request_by_its_local_day(requests):
    rollups.rebuild()

    rows = {row.day: row for row in RequestSubmittedDay.objects.all()}
    assert sorted(rows) == [D(2025, 1, 15), D(2025, 2, 28), D(2025, 3, 1), D(2025, 3, 2), D(2025, 3, 31),
                            D(2025, 4, 1)]  # fmt: skip
    first, second = rows[D(2025, 3, 1)], rows[D(2025, 3, 2)]
    assert (first.requests, first.with_evidence, first.help_evidence_guidance, first.help_lawyer_letter) == (1, 1, 1, 1)
    # 16:00 UTC on 1 March is already 2 March in Beijing.
    assert (second.requests, second.suable, second.help_litigation_support) == (3, 1, 1)
    assert (second.status_letter_or_suit, second.status_closed, second.with_evidence) == (2, 1, 1)
    assert sum(row.requests for row in rows.values()) == len(requests)


def test_rebuilt_rollup_gives_exactly_the_live_figures(requests, monkeypatch):
    rollups.rebuild()

    for period in PERIODS:
        assert owners(period) == live(period, monkeypatch), period
    march = owners(PERIODS[1])
    assert march["headline"] == {"assistance_requests": 5, "requests_with_evidence": 2, "owners_suable": 2}
    assert march["funnel"] == {"requests": 5, "with_evidence": 2, "suable": 2, "letter_or_suit": 3, "resolved": 1}
    # The factory asks for evidence guidance unless told otherwise (the request of 31 March).
    assert march["by_help_type"] == {"evidence_guidance": 2, "lawyer_letter": 1, "litigation_support": 1}
    assert owners(PERIODS[6])["funnel"]["letter_or_suit"] == 1  # the request linked to a letter, submitted 1 April


def test_changed_requests_are_read_live_until_the_job_recomputes_them(requests, monkeypatch):
    rollups.rebuild()
    first, second, third = requests[0], requests[1], requests[2]
    # A status change (screening → legal review → litigation) and a new eligibility on a request of 1 March.
    m.AssistanceRequest.objects.filter(pk=first.pk).update(status=STATUS.LITIGATION, eligibility="suable",
                                                           eligibility_reasons="可诉")  # fmt: skip
    # Evidence arrives and the help asked for changes on a request of 2 March; another one moves to 5 March.
    m.AssistanceRequest.objects.filter(pk=second.pk).update(has_evidence=True, help_types=[HELP.LAWYER_LETTER])
    m.AssistanceRequest.objects.filter(pk=third.pk).update(submitted_at=at(3, 5))
    # One is deleted, a new one arrives for 10 February (just before Beijing midnight).
    requests[6].delete()
    request(at(2, 10, 23, 59), has_evidence=True, help_types=[HELP.LITIGATION_SUPPORT])
    # A change the figures do not read marks nothing.
    m.AssistanceRequest.objects.filter(pk=requests[7].pk).update(city="杭州", info_requested="请补充截图")

    dirty = set(rollups.snapshot().dirty)
    assert dirty == {D(2025, 3, 1), D(2025, 3, 2), D(2025, 3, 5), D(2025, 2, 28), D(2025, 2, 10)}
    expected = live(PERIODS[0], monkeypatch)
    with monkeypatch.context() as patch:  # the rollup alone is stale now...
        patch.setattr(rollups, "snapshot", lambda: rollups.Snapshot(True, ()))
        assert owners(PERIODS[0]) != expected
    for period in PERIODS:  # ...but the stale rollup + the changed days read live = the live figures
        assert owners(period) == live(period, monkeypatch), period

    assert rollups.refresh() == sorted(dirty)
    assert not RollupDirtyDay.objects.exists()
    for period in PERIODS:
        assert owners(period) == live(period, monkeypatch), period
    refreshed = rollup_rows()
    rollups.rebuild()
    assert rollup_rows() == refreshed  # recomputing only the changed days gives what a full rebuild gives


def test_a_status_change_through_the_model_marks_its_day(requests, monkeypatch):
    rollups.rebuild()
    item = requests[5]
    item.status = STATUS.CLOSED
    item.save()

    assert set(rollups.snapshot().dirty) == {D(2025, 4, 1)}
    assert owners(PERIODS[6])["funnel"]["resolved"] == 1
    assert owners(PERIODS[6]) == live(PERIODS[6], monkeypatch)


def test_a_link_to_a_suit_or_letter_counts_at_once_without_a_changed_day(requests, monkeypatch):
    rollups.rebuild()
    before = owners(PERIODS[1])["funnel"]["letter_or_suit"]
    f.LawyerLetterFactory(assistance_request=requests[0])  # 1 March, status "submitted"

    assert not rollups.snapshot().dirty
    assert owners(PERIODS[1])["funnel"]["letter_or_suit"] == before + 1
    assert owners(PERIODS[1]) == live(PERIODS[1], monkeypatch)


def test_the_rollup_has_a_column_for_each_help_type_shown():
    assert {f"help_{help_type}" for help_type in HELP_TYPES_SHOWN} == set(rollups.HELP_COLUMNS)


def test_request_figures_from_the_rollup_cost_no_more_queries(requests, django_assert_num_queries):
    rollups.rebuild()
    with rollups.reading(), django_assert_num_queries(1):  # a report reads the rollups' state once, before
        request_counts(PERIODS[1])
    m.AssistanceRequest.objects.filter(pk=requests[0].pk).update(status=STATUS.CLOSED)
    with rollups.reading(), django_assert_num_queries(2):  # the rollup + the changed day read live
        request_counts(PERIODS[1])
    with rollups.reading(), django_assert_num_queries(1):  # the changed day lies outside this period
        request_counts(PERIODS[6])


def test_the_triggers_exist_on_the_requests_table():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'cases_assistancerequest'::regclass AND tgname LIKE 'reports_%%'"
        )
        assert sorted(row[0] for row in cursor.fetchall()) == [
            "reports_request_dirty_delete", "reports_request_dirty_insert", "reports_request_dirty_update"]  # fmt: skip


def test_the_figures_of_several_periods_come_from_the_same_queries(requests, monkeypatch, django_assert_num_queries):
    """A report's period and the previous one are read together (one FILTER per period): the same figures as
    one period at a time, live or from the rollups, with or without changed days."""
    platform = f.PlatformFactory(code="weibo")
    for hour in (8, 23):  # items too, on both sides of Beijing midnight
        f.ContentItemFactory(platform=platform, discovered_at=at(3, 1, hour), assessed_at=at(3, 2, hour),
                             conclusion="serious")  # fmt: skip
    f.FiledLawsuitFactory(filed_on=D(2025, 3, 3), outcome="won", judgment_on=D(2025, 4, 2), damages_awarded=5000)
    rollups.rebuild()

    def separately() -> list:
        return [headline_figures(date_from=period.date_from, date_to=period.date_to) for period in PERIODS]

    with rollups.reading(), django_assert_num_queries(6):  # 2 item rollups, accounts, complaints, suits, requests
        together = headline_figures_each(PERIODS)
    assert together == separately()
    assert together[1]["items_total"] == 2 and together[1]["suits_filed"] + together[1]["suits_supporting_owners"] == 1
    assert together[6]["damages_awarded"] == 5000 and together[1]["damages_awarded"] == 0
    with monkeypatch.context() as patch:
        patch.setattr(rollups, "snapshot", lambda: rollups.Snapshot(False, ()))
        assert headline_figures_each(PERIODS) == separately() == together
    m.AssistanceRequest.objects.filter(pk=requests[0].pk).update(status=STATUS.CLOSED, has_evidence=False)
    m.ContentItem.objects.filter(discovered_at=at(3, 1, 8)).delete()
    rolled = headline_figures_each(PERIODS)  # the stale rollups + the changed days read live
    assert rolled == separately() != together
    with monkeypatch.context() as patch:
        patch.setattr(rollups, "snapshot", lambda: rollups.Snapshot(False, ()))
        assert headline_figures_each(PERIODS) == rolled
