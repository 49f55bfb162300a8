"""The FilterSets behind the staff lists (and, later, the API): each filter narrows correctly,
"me" means the asking user, and bad values give a form error, never a 500."""

from __future__ import annotations

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.http import QueryDict
from django.urls import reverse

from accounts.models import User
from cases import models as m
from cases.filters import AssistanceRequestFilter, ContentItemFilter, LawsuitFilter, MonitoredAccountFilter
from cases.selectors.assistance import assistance_request_list
from cases.selectors.litigation import lawsuit_list
from cases.selectors.monitoring import content_item_list, monitored_account_list
from tests import factories as f

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime.datetime:
    """Return a Beijing-time moment (the lists' dates are local calendar days)."""
    return datetime.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def platform(code: str) -> m.Platform:
    return m.Platform.objects.get(code=code)


def ids(filterset_class, query: str, queryset, user=None) -> set[int]:
    filterset = filterset_class(QueryDict(query), queryset=queryset, user=user)
    assert filterset.is_valid(), filterset.errors
    return set(filterset.qs.values_list("pk", flat=True))


def errors(filterset_class, query: str, queryset) -> dict:
    filterset = filterset_class(QueryDict(query), queryset=queryset)
    assert not filterset.is_valid()
    assert not filterset.qs.exists(), "an invalid filter must not fall back to the unfiltered list"
    return filterset.errors


# --- content items ----------------------------------------------------------------


class TestContentItemFilter:
    @pytest.fixture
    def items(self):
        weibo, douyin = platform("weibo"), platform("douyin")
        account = f.MonitoredAccountFactory(platform=weibo)
        campaign = f.CampaignFactory()
        return {
            "pending": f.ContentItemFactory(
                platform=weibo, account=account, triage_state="pending", text="网传刹车失灵，纯属捏造",
                published_at=at(2025, 3, 1, 23, 30), discovered_at=at(2025, 3, 2, 8),
            ),
            "assessing": f.ContentItemFactory(
                platform=douyin, triage_state="assessing", text="续航虚标的测评视频", source="manual",
                published_at=at(2025, 3, 2, 0, 10), discovered_at=at(2025, 3, 3, 8), campaign=campaign,
            ),
            "suspected": f.ContentItemFactory(
                platform=douyin, triage_state="suspected", conclusion="serious", text="恶意诋毁",
                assessed_at=at(2025, 4, 10), live_status="deleted", published_at=at(2025, 4, 1),
                discovered_at=at(2025, 4, 2),
            ),
            "dismissed": f.ContentItemFactory(
                platform=weibo, triage_state="dismissed", conclusion="criticism", text="正常的用车体验吐槽",
                assessed_at=at(2025, 4, 11), published_at=None, discovered_at=at(2025, 4, 5),
                url="https://weibo.com/1234567890/NtAbCdEf",
            ),
        }

    def run(self, query: str, items) -> set[str]:
        found = ids(ContentItemFilter, query, m.ContentItem.objects.all())
        return {name for name, item in items.items() if item.pk in found}

    def test_platform_is_chosen_by_its_code(self, items):
        assert self.run("platform=weibo", items) == {"pending", "dismissed"}

    def test_triage_state_takes_several_values(self, items):
        assert self.run("triage_state=pending", items) == {"pending"}
        assert self.run("triage_state=pending&triage_state=assessing", items) == {"pending", "assessing"}

    def test_conclusion_and_assessed(self, items):
        assert self.run("conclusion=serious&conclusion=suspected&conclusion=crime", items) == {"suspected"}
        assert self.run("assessed=true", items) == {"suspected", "dismissed"}
        assert self.run("assessed=false", items) == {"pending", "assessing"}

    def test_open_means_still_someones_work(self, items):
        assert self.run("open=true", items) == {"pending", "assessing", "suspected"}
        assert self.run("open=false", items) == {"dismissed"}

    def test_source_live_status_account_and_campaign(self, items):
        assert self.run("source=manual", items) == {"assessing"}
        assert self.run("live_status=deleted", items) == {"suspected"}
        assert self.run(f"account={items['pending'].account_id}", items) == {"pending"}
        assert self.run(f"campaign={items['assessing'].campaign_id}", items) == {"assessing"}

    def test_published_range_uses_beijing_calendar_days(self, items):
        # 23:30 on 1 March in Beijing is 15:30 UTC: it belongs to 1 March, not 2 March.
        assert self.run("published_to=2025-03-01", items) == {"pending"}
        assert self.run("published_from=2025-03-02&published_to=2025-03-02", items) == {"assessing"}
        assert self.run("published_from=2025-03-02", items) == {"assessing", "suspected"}

    def test_discovered_and_assessed_ranges(self, items):
        assert self.run("discovered_from=2025-03-03&discovered_to=2025-04-02", items) == {"assessing", "suspected"}
        assert self.run("assessed_from=2025-04-11", items) == {"dismissed"}

    def test_the_last_calendar_day_is_accepted(self, items):
        assert self.run("published_to=9999-12-31", items) == {"pending", "assessing", "suspected"}

    def test_q_searches_the_text(self, items):
        assert self.run("q=刹车失灵", items) == {"pending"}
        assert self.run("q=测评", items) == {"assessing"}

    def test_q_ignores_case_and_treats_like_wildcards_literally(self, items):
        items["pending"].text = "曜川SU7 折扣100%_真实"
        items["pending"].save()
        assert self.run("q=su7", items) == {"pending"}
        assert self.run("q=100%25_", items) == {"pending"}
        assert self.run("q=%25%25", items) == set()
        assert self.run("q=__", items) == set()

    def test_q_with_a_url_matches_the_normalised_url_exactly(self, items):
        query = QueryDict(mutable=True)
        query["q"] = "https://www.weibo.com/1234567890/NtAbCdEf/?spm=a1b2#comments"
        found = ids(ContentItemFilter, query.urlencode(), m.ContentItem.objects.all())
        assert found == {items["dismissed"].pk}

    def test_the_selector_applies_filters_from_a_mapping(self, items, analyst):
        qs = content_item_list(user=analyst, filters=QueryDict("triage_state=assessing"))
        assert list(qs) == [items["assessing"]]

    @pytest.mark.parametrize(
        ("query", "field"),
        [
            ("platform=myspace", "platform"),
            ("triage_state=bogus", "triage_state"),
            ("account=abc", "account"),
            ("account=0", "account"),
            ("account=99999999999999999999999", "account"),
            ("published_from=2025-02-30", "published_from"),
            ("assessed=maybe", "assessed"),
            ("q=x", "q"),
            ("q=%00", "q"),
            ("q=ab%00cd", "q"),
        ],
    )
    def test_bad_values_are_form_errors(self, items, query, field):
        assert field in errors(ContentItemFilter, query, m.ContentItem.objects.all())


# --- monitored accounts -----------------------------------------------------------


class TestMonitoredAccountFilter:
    @pytest.fixture
    def accounts(self):
        agency = f.AgencyFactory()
        return {
            "key": f.MonitoredAccountFactory(
                platform=platform("douyin"), name="车评老司机", watch_status="key", risk_level="critical",
                identity_status="disclosed", agency=agency,
            ),
            "watching": f.MonitoredAccountFactory(name="汽车真相哥", watch_status="watching", risk_level="high"),
            "archived": f.MonitoredAccountFactory(name="老司机说车", watch_status="archived", risk_level="low"),
        }

    def run(self, query: str, accounts) -> set[str]:
        found = ids(MonitoredAccountFilter, query, m.MonitoredAccount.objects.all())
        return {name for name, account in accounts.items() if account.pk in found}

    def test_each_filter_narrows(self, accounts):
        assert self.run("platform=douyin", accounts) == {"key"}
        assert self.run("watch_status=watching&watch_status=key", accounts) == {"key", "watching"}
        assert self.run("risk_level=high", accounts) == {"watching"}
        assert self.run("identity_status=disclosed", accounts) == {"key"}
        assert self.run(f"agency={accounts['key'].agency_id}", accounts) == {"key"}

    def test_q_finds_part_of_a_name(self, accounts):
        assert self.run("q=老司机", accounts) == {"key", "archived"}
        assert self.run("q=%25%25", accounts) == set()

    def test_the_monitored_link_matches_the_querysets_definition(self, accounts, analyst):
        linked = monitored_account_list(user=analyst, filters=QueryDict("watch_status=watching&watch_status=key"))
        assert set(linked) == set(m.MonitoredAccount.objects.monitored())

    def test_bad_values_are_form_errors(self, accounts):
        assert "risk_level" in errors(MonitoredAccountFilter, "risk_level=extreme", m.MonitoredAccount.objects.all())
        assert "agency" in errors(MonitoredAccountFilter, "agency=-3", m.MonitoredAccount.objects.all())


# --- lawsuits -----------------------------------------------------------------------


class TestLawsuitFilter:
    @pytest.fixture
    def suits(self, lawyer):
        other = f.UserFactory(username="other-lawyer", role=User.Role.LAWYER)
        return {
            "preparing": f.LawsuitFactory(lawyer=lawyer, cause="network_tort"),
            "accepted": f.FiledLawsuitFactory(lawyer=other, filed_on=datetime.date(2025, 3, 1)),
            "won": f.FiledLawsuitFactory(
                lawyer=lawyer, stage="effective", outcome="won", our_role="supporting_owner",
                filed_on=datetime.date(2025, 5, 1), judgment_on=datetime.date(2025, 9, 1),
                damages_awarded=Decimal("50000"),
            ),
            "closed": f.FiledLawsuitFactory(lawyer=other, stage="closed", outcome="lost",
                                            filed_on=datetime.date(2024, 12, 31)),
        }

    def run(self, query: str, suits, user=None) -> set[str]:
        found = ids(LawsuitFilter, query, m.Lawsuit.objects.all(), user=user)
        return {name for name, suit in suits.items() if suit.pk in found}

    def test_stage_takes_several_values(self, suits):
        assert self.run("stage=preparing", suits) == {"preparing"}
        assert self.run("stage=accepted&stage=closed", suits) == {"accepted", "closed"}

    def test_role_cause_outcome(self, suits):
        assert self.run("our_role=supporting_owner", suits) == {"won"}
        assert self.run("cause=network_tort", suits) == {"preparing"}
        assert self.run("outcome=won&outcome=partly_won", suits) == {"won"}

    def test_filed_means_past_preparation_like_the_queryset(self, suits):
        assert self.run("filed=true", suits) == {"accepted", "won", "closed"}
        assert {s.pk for s in m.Lawsuit.objects.filed()} == {suits[n].pk for n in ("accepted", "won", "closed")}
        assert self.run("filed=false", suits) == {"preparing"}

    def test_open_excludes_finished_suits(self, suits):
        assert self.run("open=true", suits) == {"preparing", "accepted", "won"}
        assert self.run("open=false", suits) == {"closed"}

    def test_filed_and_judgment_ranges_include_both_days(self, suits):
        assert self.run("filed_from=2025-03-01&filed_to=2025-05-01", suits) == {"accepted", "won"}
        assert self.run("filed_to=2024-12-31", suits) == {"closed"}
        assert self.run("judged_from=2025-09-01&judged_to=2025-09-01", suits) == {"won"}

    def test_lawyer_me_is_the_asking_user(self, suits, lawyer):
        assert self.run("lawyer=me", suits, user=lawyer) == {"preparing", "won"}

    def test_lawyer_by_id(self, suits):
        other = User.objects.get(username="other-lawyer")
        assert self.run(f"lawyer={other.pk}", suits) == {"accepted", "closed"}

    def test_lawyer_me_without_a_user_gives_nothing(self, suits):
        assert self.run("lawyer=me", suits) == set()

    def test_bad_values_are_form_errors(self, suits, analyst):
        # An analyst is not a lawyer: their id is not a choice.
        assert "lawyer" in errors(LawsuitFilter, f"lawyer={analyst.pk}", m.Lawsuit.objects.all())
        assert "stage" in errors(LawsuitFilter, "stage='; DROP TABLE cases_lawsuit; --", m.Lawsuit.objects.all())
        assert "filed_from" in errors(LawsuitFilter, "filed_from=yesterday", m.Lawsuit.objects.all())

    def test_the_selector_reads_me_from_the_user(self, suits, lawyer):
        assert set(lawsuit_list(user=lawyer, filters=QueryDict("lawyer=me"))) == {suits["preparing"], suits["won"]}


# --- assistance requests ------------------------------------------------------------


class TestAssistanceRequestFilter:
    @pytest.fixture
    def requests_(self, lawyer):
        return {
            "new": f.AssistanceRequestFactory(
                reference="YZ-2025-000101", help_types=["lawyer_letter"], submitted_at=at(2025, 6, 1, 23, 59),
            ),
            "mine": f.AssistanceRequestFactory(
                status="legal_review", assigned_lawyer=lawyer, has_evidence=True, eligibility="suable",
                eligibility_reasons="证据充分，侵权事实清楚", help_types=["litigation_support", "lawyer_letter"],
                submitted_at=at(2025, 6, 2, 0, 1),
            ),
            "closed": f.AssistanceRequestFactory(status="closed", help_types=[], submitted_at=at(2025, 7, 1)),
        }

    def run(self, query: str, reqs, user=None) -> set[str]:
        found = ids(AssistanceRequestFilter, query, m.AssistanceRequest.objects.all(), user=user)
        return {name for name, req in reqs.items() if req.pk in found}

    def test_each_filter_narrows(self, requests_):
        assert self.run("status=legal_review&status=closed", requests_) == {"mine", "closed"}
        assert self.run("eligibility=suable", requests_) == {"mine"}
        assert self.run("has_evidence=true", requests_) == {"mine"}
        assert self.run("has_evidence=false", requests_) == {"new", "closed"}
        assert self.run("open=true", requests_) == {"new", "mine"}

    def test_help_type_is_array_containment(self, requests_):
        assert self.run("help_type=lawyer_letter", requests_) == {"new", "mine"}
        assert self.run("help_type=litigation_support", requests_) == {"mine"}

    def test_assigned_me(self, requests_, lawyer):
        assert self.run("assigned=me", requests_, user=lawyer) == {"mine"}

    def test_submitted_range_uses_beijing_days(self, requests_):
        assert self.run("submitted_to=2025-06-01", requests_) == {"new"}
        assert self.run("submitted_from=2025-06-02&submitted_to=2025-06-30", requests_) == {"mine"}

    def test_q_is_the_reference_in_any_case(self, requests_):
        assert self.run("q=yz-2025-000101", requests_) == {"new"}
        assert self.run("q=YZ-2025", requests_) == set()

    def test_the_selector_never_loads_contact_details(self, requests_, analyst):
        row = assistance_request_list(user=analyst).first()
        assert {"owner_phone", "owner_email"} <= row.get_deferred_fields()

    def test_bad_values_are_form_errors(self, requests_):
        assert "help_type" in errors(AssistanceRequestFilter, "help_type=money", m.AssistanceRequest.objects.all())
        assert "assigned" in errors(AssistanceRequestFilter, "assigned=you", m.AssistanceRequest.objects.all())


# --- through the pages: bad input never breaks a list -------------------------------

LISTS = ["cases:content-item-list", "cases:triage", "cases:monitored-account-list", "cases:lawsuit-list",
         "cases:assistance-request-list"]
HOSTILE = [
    "q=%00",
    "q=%27%3B%20DROP%20TABLE%20cases_contentitem%3B%20--",
    "platform=%00&status=%00&stage=%00&watch_status=%00",
    "account=1%00&agency=1e9&lawyer=%00&assigned=me%00",
    "published_from=2025-13-45&filed_from=0000-00-00&submitted_to=%00&discovered_to=99999-01-01",
    "page=abc",
    "page=999999",
    "page=-1",
    "page=%00",
    "triage_state=pending&triage_state=%27%20OR%201%3D1",
]


@pytest.mark.parametrize("url_name", LISTS)
@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_query_strings_give_a_page_not_an_error(admin_client_, url_name, query):
    f.ContentItemFactory(triage_state="pending")
    response = admin_client_.get(f"{reverse(url_name)}?{query}")

    assert response.status_code == 200
    assert response.context["filter"].form.is_bound


def test_an_invalid_filter_shows_the_error_and_no_rows(admin_client_):
    f.ContentItemFactory(triage_state="pending")
    response = admin_client_.get(reverse("cases:content-item-list") + "?triage_state=bogus",
                                 HTTP_ACCEPT_LANGUAGE="en")

    assert response.context["filter"].errors
    assert list(response.context["page_obj"].object_list) == []
    assert 'class="form-errors"' in response.content.decode()
