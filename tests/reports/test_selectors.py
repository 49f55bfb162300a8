"""The headline figures: each definition of docs/metrics.md, on a small data set built with factories."""

from __future__ import annotations

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from cases import models as m
from reports.selectors import headline_figures
from tests import factories as f

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
D = datetime.date


def at(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def all_time() -> dict:
    return headline_figures(date_from=None, date_to=None)


def in_march() -> dict:
    return headline_figures(date_from=D(2025, 3, 1), date_to=D(2025, 3, 31))


class TestItemFigures:
    @pytest.fixture(autouse=True)
    def items(self):
        # discovered in March, assessed in March as serious: counts everywhere in March
        f.ContentItemFactory(discovered_at=at(2025, 3, 1, 0, 5), assessed_at=at(2025, 3, 5), conclusion="serious",
                             triage_state="suspected")
        # discovered in February, assessed in March as criticism (assessed, not infringing)
        f.ContentItemFactory(discovered_at=at(2025, 2, 28, 23, 50), assessed_at=at(2025, 3, 31, 23, 59),
                             conclusion="criticism", triage_state="dismissed")
        # discovered in March, assessed in April as a crime, since removed
        f.ContentItemFactory(discovered_at=at(2025, 3, 20), assessed_at=at(2025, 4, 1, 0, 1), conclusion="crime",
                             triage_state="removed")
        # discovered in March, never assessed
        f.ContentItemFactory(discovered_at=at(2025, 3, 31, 23, 59), triage_state="new")

    def test_all_time(self):
        figures = all_time()
        assert figures["items_total"] == 4
        assert figures["items_assessed"] == 3
        assert figures["items_infringing"] == 2
        assert figures["items_removed"] == 1

    def test_a_period_counts_discoveries_and_assessments_by_their_own_dates(self):
        figures = in_march()
        assert figures["items_total"] == 3  # discovered_at, Beijing days: 28 Feb 23:50 is outside
        assert figures["items_assessed"] == 2  # assessed_at: 1 April 00:01 is outside
        assert figures["items_infringing"] == 1
        assert figures["items_removed"] == 1  # removed items among those discovered in the period

    def test_the_definitions_match_the_querysets(self):
        figures = all_time()
        assert figures["items_assessed"] == m.ContentItem.objects.assessed().count()
        assert figures["items_infringing"] == m.ContentItem.objects.infringing().count()


def test_accounts_monitored_is_a_current_count_that_ignores_the_period():
    f.MonitoredAccountFactory(watch_status="watching", created_at=at(2020, 1, 1))
    f.MonitoredAccountFactory(watch_status="key")
    f.MonitoredAccountFactory(watch_status="archived")
    f.MonitoredAccountFactory(watch_status="not_watched")

    assert all_time()["accounts_monitored"] == 2 == m.MonitoredAccount.objects.monitored().count()
    assert in_march()["accounts_monitored"] == 2


def test_complaints_submitted_are_counted_by_submission_time_and_drafts_never():
    f.PlatformComplaintFactory(submitted_at=at(2025, 3, 10))
    f.PlatformComplaintFactory(submitted_at=at(2025, 4, 1, 0, 0))
    f.PlatformComplaintFactory(status="draft", submitted_at=None)

    assert all_time()["complaints_submitted"] == 2
    assert in_march()["complaints_submitted"] == 1


class TestLawsuitFigures:
    @pytest.fixture(autouse=True)
    def suits(self):
        f.LawsuitFactory()  # preparing: never counted as filed
        f.FiledLawsuitFactory(filed_on=D(2025, 3, 1))
        f.FiledLawsuitFactory(filed_on=D(2025, 2, 28), stage="closed", outcome="lost")
        f.FiledLawsuitFactory(our_role="supporting_owner", filed_on=D(2025, 3, 31), stage="effective",
                              outcome="won", judgment_on=D(2025, 3, 20), damages_awarded=Decimal("80000.50"))
        f.FiledLawsuitFactory(filed_on=D(2024, 6, 1), stage="effective", outcome="partly_won",
                              judgment_on=D(2025, 4, 2), damages_awarded=Decimal("20000"))
        f.FiledLawsuitFactory(filed_on=D(2024, 6, 1), stage="mediated", outcome="mediated",
                              judgment_on=D(2025, 3, 3), damages_awarded=Decimal("5000"))

    def test_all_time(self):
        figures = all_time()
        assert figures["suits_filed"] == 4 == m.Lawsuit.objects.by_company().filed().count()
        assert figures["suits_supporting_owners"] == 1 == m.Lawsuit.objects.supporting_owners().filed().count()
        assert figures["suits_won"] == 2
        assert figures["damages_awarded"] == Decimal("100000.50")

    def test_suits_by_filing_date_wins_and_damages_by_judgment_date(self):
        figures = in_march()
        assert figures["suits_filed"] == 1
        assert figures["suits_supporting_owners"] == 1
        assert figures["suits_won"] == 1
        assert figures["damages_awarded"] == Decimal("80000.50")


def test_damages_are_zero_not_none_when_nothing_was_won():
    assert all_time()["damages_awarded"] == Decimal("0")


class TestRequestFigures:
    @pytest.fixture(autouse=True)
    def requests_(self):
        f.AssistanceRequestFactory(submitted_at=at(2025, 3, 1, 0, 1), has_evidence=True,
                                   help_types=["evidence_guidance", "lawyer_letter"])
        f.AssistanceRequestFactory(submitted_at=at(2025, 3, 31, 23, 59), eligibility="suable",
                                   eligibility_reasons="证据充分", help_types=["litigation_support"])
        f.AssistanceRequestFactory(submitted_at=at(2025, 2, 28, 23, 59), has_evidence=True, eligibility="suable",
                                   eligibility_reasons="证据充分", help_types=["lawyer_letter", "litigation_support"])
        f.AssistanceRequestFactory(submitted_at=at(2025, 4, 1), help_types=[])

    def test_all_time(self):
        figures = all_time()
        assert figures["assistance_requests"] == 4
        assert figures["requests_with_evidence"] == 2 == m.AssistanceRequest.objects.with_evidence().count()
        assert figures["owners_suable"] == 2 == m.AssistanceRequest.objects.suable().count()
        assert figures["requests_by_help_type"] == {
            "evidence_guidance": 1, "lawyer_letter": 2, "litigation_support": 2,
        }
        for help_type, count in figures["requests_by_help_type"].items():
            assert m.AssistanceRequest.objects.asking_for(help_type).count() == count

    def test_a_period_counts_requests_by_submission_time(self):
        figures = in_march()
        assert figures["assistance_requests"] == 2
        assert figures["requests_with_evidence"] == 1
        assert figures["owners_suable"] == 1
        assert figures["requests_by_help_type"] == {
            "evidence_guidance": 1, "lawyer_letter": 1, "litigation_support": 1,
        }


def test_open_ended_periods():
    f.AssistanceRequestFactory(submitted_at=at(2025, 3, 1))
    f.AssistanceRequestFactory(submitted_at=at(2025, 5, 1))

    assert headline_figures(date_from=D(2025, 4, 1), date_to=None)["assistance_requests"] == 1
    assert headline_figures(date_from=None, date_to=D(2025, 4, 1))["assistance_requests"] == 1
    assert headline_figures(date_from=D(1, 1, 1), date_to=D(9999, 12, 31))["assistance_requests"] == 2


def test_every_figure_costs_six_queries_in_all(django_assert_num_queries):
    f.ContentItemFactory()
    f.FiledLawsuitFactory()
    f.AssistanceRequestFactory()
    with django_assert_num_queries(7):  # the six figures, and the rollups' state (reports/rollups.py)
        figures = headline_figures(date_from=D(2025, 1, 1), date_to=D(2025, 12, 31))

    assert set(figures) == {
        "items_total", "items_assessed", "items_infringing", "items_removed", "accounts_monitored",
        "complaints_submitted", "suits_filed", "suits_supporting_owners", "suits_won", "damages_awarded",
        "assistance_requests", "requests_with_evidence", "requests_by_help_type", "owners_suable",
    }
