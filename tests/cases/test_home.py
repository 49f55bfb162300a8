"""The staff shell (navigation per role, error pages) and the home page's open-work counts."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from cases.models import Campaign, ContentItem, Evidence, Lawsuit
from cases.selectors.work import count_all, open_work_for
from tests import factories as f
from tests.accounts.test_views import assert_csp_clean

pytestmark = pytest.mark.django_db

HOME = reverse("cases:home")

NAV_LINKS = {
    "home": reverse("cases:home"),
    "triage": reverse("cases:triage"),
    "monitored_accounts": reverse("cases:monitored-account-list"),
    "content": reverse("cases:content-item-list"),
    "lawsuits": reverse("cases:lawsuit-list"),
    "assistance": reverse("cases:assistance-request-list"),
    "dashboard": reverse("reports:dashboard"),
    "admin": reverse("admin:index"),
}
EXPECTED_NAV = {
    "analyst": {"home", "triage", "monitored_accounts", "content", "lawsuits", "assistance", "dashboard"},
    "lawyer": set(NAV_LINKS),
    "executive": {"home", "monitored_accounts", "content", "lawsuits", "dashboard"},
    "admin": set(NAV_LINKS),
}


def _nav_html(html: str) -> str:
    match = re.search(r'<nav class="app-nav".*?</nav>', html, re.S)
    assert match, "no staff navigation"
    return match.group(0)


def _card_values(response) -> dict[str, int]:
    return {card["name"]: card["value"] for section in response.context["sections"] for card in section["cards"]}


class TestShell:
    def test_anonymous_users_are_sent_to_login(self, client):
        response = client.get(HOME)

        assert response.status_code == 302
        assert response["Location"] == f"{reverse('accounts:login')}?next={HOME}"

    def test_a_user_without_a_role_gets_403_in_the_app_look(self, client, outsider, settings):
        # The default backend refuses inactive users outright; this one lets the role check speak.
        settings.AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.AllowAllUsersModelBackend"]
        client.force_login(outsider)

        response = client.get(HOME)

        assert response.status_code == 403
        html = response.content.decode()
        assert 'class="card error-page"' in html
        assert 'class="app-nav"' not in html

    @pytest.mark.parametrize("role", ["analyst", "lawyer", "executive", "admin"])
    def test_each_role_sees_only_its_navigation(self, client, role_users, role):
        client.force_login(role_users[role])

        nav = _nav_html(client.get(HOME).content.decode())

        shown = {name for name, url in NAV_LINKS.items() if f'href="{url}"' in nav}
        assert shown == EXPECTED_NAV[role]

    def test_the_current_section_is_marked(self, lawyer_client):
        nav = _nav_html(lawyer_client.get(HOME).content.decode())

        assert re.findall(r'href="([^"]+)" aria-current="page"', nav) == [HOME]

    def test_the_header_names_the_user_and_role(self, lawyer_client, lawyer):
        html = lawyer_client.get(HOME).content.decode()

        assert f'<span class="user-name">{lawyer}</span>' in html
        assert f'<span class="user-role">{User.Role.LAWYER.label}</span>' in html
        assert f'href="{reverse("accounts:password-change")}"' in html
        assert 'href="#main"' in html  # skip link

    def test_staff_pages_use_no_inline_styles_or_scripts(self, admin_client_):
        assert_csp_clean(admin_client_.get(HOME).content.decode())

    def test_unknown_pages_get_the_404_page(self, lawyer_client):
        response = lawyer_client.get("/no-such-page/")

        assert response.status_code == 404
        html = response.content.decode()
        assert 'class="card error-page"' in html
        assert f'href="{HOME}"' in html

    def test_pagination_keeps_the_filters_in_its_links(self, rf):
        request = rf.get("/lawsuits/?stage=accepted&page=3")
        page_obj = Paginator(range(100), 10).page(3)

        html = render_to_string("includes/_pagination.html", {"page_obj": page_obj}, request=request)

        links = re.findall(r'href="([^"]+)"', html)
        assert links == [
            "?stage=accepted&amp;page=1",
            "?stage=accepted&amp;page=2",
            "?stage=accepted&amp;page=4",
            "?stage=accepted&amp;page=10",
        ]
        assert 'aria-current="page"' in html

    def test_the_500_page_renders_without_a_request(self):
        html = render_to_string("500.html")

        assert "500" in html
        assert "app.css" in html
        assert_csp_clean(html)


class TestHomeCounts:
    def test_an_analyst_sees_the_assessment_work(self, analyst_client, analyst):
        for state in ["new", "pending", "pending", "assessing", "suspected", "closed"]:
            f.ContentItemFactory(triage_state=state)
        f.CampaignFactory(status=Campaign.Status.DETECTED)
        f.CampaignFactory(status=Campaign.Status.CONFIRMED)
        f.EvidenceFactory(integrity=Evidence.Integrity.MISMATCH)
        f.EvidenceFactory(integrity=Evidence.Integrity.OK)

        response = analyst_client.get(HOME)

        assert response.status_code == 200
        assert _card_values(response) == {
            "items_awaiting": 4,
            "items_assessing": 1,
            "campaigns_detected": 1,
            "evidence_attention": 1,
        }
        html = response.content.decode()
        assert f'href="{reverse("cases:triage")}"' in html
        assert f'href="{reverse("cases:content-item-list")}?triage_state=assessing"' in html

    def test_a_lawyer_sees_their_own_cases_and_deadlines(self, lawyer_client, lawyer):
        other = f.UserFactory(role=User.Role.LAWYER)
        today = timezone.localdate()
        mine = f.LawsuitFactory.create_batch(2, lawyer=lawyer)
        f.FiledLawsuitFactory(lawyer=lawyer, stage=Lawsuit.Stage.WITHDRAWN)
        f.LawsuitFactory(lawyer=other)
        f.DeadlineFactory(lawsuit=mine[0], responsible=lawyer, due_on=today + datetime.timedelta(days=3))
        f.DeadlineFactory(lawsuit=mine[0], responsible=lawyer, due_on=today + datetime.timedelta(days=30))
        f.DeadlineFactory(lawsuit=mine[0], responsible=lawyer, due_on=today - datetime.timedelta(days=1))
        f.DeadlineFactory(
            lawsuit=mine[0], responsible=lawyer, due_on=today - datetime.timedelta(days=1), done_at=timezone.now()
        )
        f.DeadlineFactory(lawsuit=mine[1], responsible=other, due_on=today)
        f.AssistanceRequestFactory(assigned_lawyer=lawyer)
        f.AssistanceRequestFactory(assigned_lawyer=lawyer, status="closed")
        f.AssistanceRequestFactory(assigned_lawyer=other)
        f.AssessmentFactory()  # escalation, not reviewed yet
        f.AssessmentFactory(reviewer=other)
        f.AssessmentFactory(conclusion="criticism")

        response = lawyer_client.get(HOME)

        assert _card_values(response) == {
            "escalations_unreviewed": 1,
            "my_lawsuits_open": 2,
            "my_deadlines_due_soon": 1,
            "my_deadlines_overdue": 1,
            "my_requests_open": 1,
        }
        html = response.content.decode()
        assert f'href="{reverse("cases:lawsuit-list")}?lawyer=me&amp;open=true"' in html
        assert f'href="{reverse("cases:assistance-request-list")}?assigned=me&amp;open=true"' in html
        assert "stat stat-danger" in html  # the overdue deadline stands out

    def test_an_executive_sees_headline_figures_and_no_personal_data_lists(self, executive_client):
        f.MonitoredAccountFactory()
        f.MonitoredAccountFactory(watch_status="archived")
        archived = {"defendant__monitored_account__watch_status": "archived"}
        f.FiledLawsuitFactory(**archived)
        f.FiledLawsuitFactory(our_role=Lawsuit.OurRole.SUPPORTING_OWNER, **archived)
        f.LawsuitFactory()
        f.AssistanceRequestFactory()

        response = executive_client.get(HOME)

        assert _card_values(response) == {
            "accounts_monitored": 1,
            "lawsuits_open": 3,
            "suits_filed": 2,
            "suits_supporting_owners": 1,
        }
        html = response.content.decode()
        assert 'id="home-dashboard"' in html  # the way on to the dashboard
        assert reverse("cases:assistance-request-list") not in html

    def test_an_admin_sees_every_group(self, admin_user):
        counts = open_work_for(admin_user)

        assert {"items_awaiting", "deadlines_overdue", "requests_open", "escalations_unreviewed"} <= set(counts)
        assert {"accounts_monitored", "suits_filed"} <= set(counts)
        assert not any(name.startswith("my_") for name in counts)

    def test_nobody_without_a_role_gets_counts(self, outsider):
        assert open_work_for(outsider) == {}

    def test_the_page_costs_the_same_few_queries_whatever_the_data(self, admin_client_, admin_user):
        def make_data() -> None:
            lawsuit = f.LawsuitFactory(lawyer=admin_user)
            f.DeadlineFactory(lawsuit=lawsuit, responsible=admin_user)
            f.ContentItemFactory(triage_state="pending")
            f.AssessmentFactory()
            f.EvidenceFactory(integrity=Evidence.Integrity.MISSING)
            f.AssistanceRequestFactory(assigned_lawyer=admin_user)
            f.CampaignFactory()

        make_data()
        with CaptureQueriesContext(connection) as small:
            assert admin_client_.get(HOME).status_code == 200
        for _ in range(5):
            make_data()
        with CaptureQueriesContext(connection) as large:
            assert admin_client_.get(HOME).status_code == 200

        # Session, user, and one statement for every count on the page.
        assert len(large) == len(small) <= 4

    def test_the_lawyer_page_stays_within_the_query_budget(self, lawyer_client, lawyer, django_assert_max_num_queries):
        f.LawsuitFactory.create_batch(3, lawyer=lawyer)
        f.ContentItemFactory.create_batch(3, triage_state=ContentItem.TriageState.PENDING)

        with django_assert_max_num_queries(4):
            lawyer_client.get(HOME)


class TestCountAll:
    def test_it_counts_several_querysets_in_one_statement(self, django_assert_num_queries):
        f.ContentItemFactory.create_batch(2, triage_state="pending")
        f.CampaignFactory()

        with django_assert_num_queries(1):
            counts = count_all(
                {
                    "pending": ContentItem.objects.filter(triage_state="pending"),
                    "campaigns": Campaign.objects.all(),
                    "lawsuits": Lawsuit.objects.all(),
                }
            )

        assert counts == {"pending": 2, "campaigns": 1, "lawsuits": 0}

    def test_empty_querysets_count_as_zero_without_a_query(self, django_assert_num_queries):
        with django_assert_num_queries(0):
            assert count_all({"none": ContentItem.objects.none()}) == {"none": 0}
