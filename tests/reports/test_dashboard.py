"""The executive dashboard: who may open it, the period chooser, and figures that open the list behind them."""

from __future__ import annotations

import datetime
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import resolve, reverse
from django.utils import timezone

from cases.models import MonitoredAccount
from reports.periods import preset_bounds
from tests import factories as f
from tests.accounts.test_views import assert_csp_clean

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("reports:dashboard")
D = datetime.date


def cards(response) -> dict[str, dict]:
    return {card["key"]: card for section in response.context["sections"] for card in section["cards"]}


@pytest.fixture
def data(lawyer):
    """A little of everything, with dates inside and outside March 2025 (Beijing time)."""
    tz = timezone.get_default_timezone()
    march, april = datetime.datetime(2025, 3, 10, 12, tzinfo=tz), datetime.datetime(2025, 4, 10, 12, tzinfo=tz)
    f.ContentItemFactory(discovered_at=march, assessed_at=march, conclusion="suspected", triage_state="removed")
    f.ContentItemFactory(discovered_at=april, assessed_at=april, conclusion="watch", triage_state="watch")
    f.ContentItemFactory(discovered_at=april)
    f.MonitoredAccountFactory(watch_status="key")
    f.PlatformComplaintFactory(submitted_at=march)
    f.FiledLawsuitFactory(filed_on=D(2025, 3, 2), lawyer=lawyer)
    f.FiledLawsuitFactory(filed_on=D(2025, 4, 2), our_role="supporting_owner", outcome="won",
                          judgment_on=D(2025, 4, 20), damages_awarded=Decimal("1234567.89"), stage="effective")
    f.AssistanceRequestFactory(submitted_at=march, has_evidence=True, help_types=["lawyer_letter"],
                               owner_name="赵敏", owner_phone="13700001111")
    f.AssistanceRequestFactory(submitted_at=april, eligibility="suable", eligibility_reasons="可诉",
                               help_types=["litigation_support", "evidence_guidance"])


@pytest.mark.parametrize("role", ["analyst", "lawyer", "executive", "admin"])
def test_every_staff_role_sees_the_dashboard(role_users, role, data):
    client = Client()
    client.force_login(role_users[role])
    response = client.get(DASHBOARD)

    assert response.status_code == 200
    assert_csp_clean(response.content.decode())


def test_anonymous_users_are_sent_to_log_in(client):
    response = client.get(DASHBOARD)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_all_time_figures_are_shown_with_thousands_separators(admin_client_, data):
    response = admin_client_.get(DASHBOARD)
    shown = cards(response)
    html = response.content.decode()

    assert response.context["period"].key == "all"
    assert {key: card["value"] for key, card in shown.items() if key != "damages_awarded"} == {
        "items_total": 3, "items_assessed": 2, "items_infringing": 1, "items_removed": 1,
        "accounts_monitored": MonitoredAccount.objects.monitored().count(),
        "complaints_submitted": 1, "suits_filed": 1, "suits_supporting_owners": 1, "suits_won": 1,
        "assistance_requests": 2, "requests_with_evidence": 1, "help_evidence_guidance": 1,
        "help_lawyer_letter": 1, "help_litigation_support": 1, "owners_suable": 1,
    }
    assert "¥1,234,568" in html


def test_a_custom_range_filters_every_period_bound_figure(admin_client_, data):
    response = admin_client_.get(DASHBOARD + "?from=2025-03-01&to=2025-03-31")
    shown = cards(response)

    assert response.context["period"].key == "custom"
    assert shown["items_total"]["value"] == 1
    assert shown["suits_filed"]["value"] == 1
    assert shown["suits_supporting_owners"]["value"] == 0
    assert shown["assistance_requests"]["value"] == 1
    # A current count, whatever the period: the key account plus every factory-made (watching) account.
    assert shown["accounts_monitored"]["value"] == MonitoredAccount.objects.monitored().count() == 6


@pytest.mark.parametrize("role", ["admin", "analyst"])
def test_each_linked_figure_opens_a_list_with_the_same_count(role_users, data, role):
    """The list behind a figure uses the same definition: following the link finds as many rows."""
    client = Client()
    client.force_login(role_users[role])
    for query in ("", "?from=2025-03-01&to=2025-03-31", "?from=2025-04-01"):
        for key, card in cards(client.get(DASHBOARD + query)).items():
            if key == "complaints_submitted":
                assert card["url"] is None  # no complaint list yet
                continue
            assert card["url"], key
            response = client.get(card["url"])
            assert response.status_code == 200, key
            assert not response.context["filter"].errors, (key, card["url"])
            if key == "damages_awarded":
                continue  # a sum of money: its link is the list of the suits won
            assert response.context["page_obj"].paginator.count == card["value"], (key, query, card["url"])


def test_links_use_the_list_filter_names(admin_client_, data):
    shown = cards(admin_client_.get(DASHBOARD + "?period=year&from=2025-01-01&to=2025-06-30"))

    url = urlsplit(shown["items_assessed"]["url"])
    assert resolve(url.path).view_name == "cases:content-item-list"
    assert parse_qs(url.query) == {"assessed": ["true"], "assessed_from": ["2025-01-01"], "assessed_to": ["2025-06-30"]}
    assert parse_qs(urlsplit(shown["accounts_monitored"]["url"]).query) == {"watch_status": ["watching", "key"]}
    assert parse_qs(urlsplit(shown["suits_filed"]["url"]).query) == {
        "our_role": ["plaintiff"], "filed": ["true"], "filed_from": ["2025-01-01"], "filed_to": ["2025-06-30"],
    }
    assert parse_qs(urlsplit(shown["help_lawyer_letter"]["url"]).query)["help_type"] == ["lawyer_letter"]


def test_executives_see_request_counts_without_links_or_personal_data(executive_client, data):
    response = executive_client.get(DASHBOARD)
    shown = cards(response)
    html = response.content.decode()

    assert shown["assistance_requests"]["value"] == 2 and shown["assistance_requests"]["url"] is None
    assert shown["owners_suable"]["url"] is None
    assert shown["suits_filed"]["url"]  # lawsuits are theirs to read
    assert reverse("cases:assistance-request-list") not in html
    assert "赵敏" not in html and "赵*" not in html and "13700001111" not in html


@pytest.mark.parametrize(
    "query",
    ["?from=2025-13-01", "?to=yesterday", "?from=2025-02-30&to=2025-03-01", "?from=%00", "?period=decade",
     "?from=2025-05-01&to=2025-04-01", "?from=99999-01-01"],
)
def test_bad_dates_give_a_clear_error_and_all_time_figures(admin_client_, data, query):
    response = admin_client_.get(DASHBOARD + query, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert response.context["form"].errors
    assert response.context["period"].key == "all"
    assert cards(response)["items_total"]["value"] == 3
    assert 'class="form-errors"' in response.content.decode()


def test_reversed_dates_say_which_is_wrong(admin_client_):
    html = admin_client_.get(DASHBOARD + "?from=2025-05-01&to=2025-04-01", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The start date is after the end date." in html


def test_bad_dates_are_explained_in_chinese_by_default(admin_client_):
    html = admin_client_.get(DASHBOARD + "?from=2025-13-01").content.decode()
    assert "2025-01-31" in html  # the example in the error message


@pytest.mark.parametrize(
    ("period", "today", "expected"),
    [
        ("month", D(2025, 8, 17), (D(2025, 8, 1), D(2025, 8, 17))),
        ("quarter", D(2025, 8, 17), (D(2025, 7, 1), D(2025, 8, 17))),
        ("quarter", D(2025, 3, 31), (D(2025, 1, 1), D(2025, 3, 31))),
        ("year", D(2025, 8, 17), (D(2025, 1, 1), D(2025, 8, 17))),
        ("all", D(2025, 8, 17), (None, None)),
    ],
)
def test_named_periods_run_to_today(period, today, expected):
    assert preset_bounds(period, today) == expected


def test_named_periods_reach_the_page(admin_client_):
    response = admin_client_.get(DASHBOARD + "?period=month")
    today = timezone.localdate()
    assert response.context["period"].key == "month"
    assert (response.context["date_from"], response.context["date_to"]) == (today.replace(day=1), today)


@pytest.mark.parametrize("query", ["", "?period=year", "?from=2025-03-01&to=2025-03-31"])
def test_the_whole_dashboard_costs_a_bounded_number_of_queries(admin_client_, data, django_assert_max_num_queries,
                                                               query):
    # session + user + the second factor's device (django-otp) + the headline aggregates of the period and the
    # previous one (read together: items and requests per period when live, accounts, complaints, suits once),
    # 2 funnels, 4 trend series, platforms, categories and types, top accounts, top agencies, suits, response
    # times, deadlines; and the rollups' state, read once for the whole report (reports/rollups.py); the owners'
    # funnel's "letter or suit" step adds the requests linked to a letter or a suit from the link tables.
    with django_assert_max_num_queries(26):
        response = admin_client_.get(DASHBOARD + query)
    assert response.status_code == 200
