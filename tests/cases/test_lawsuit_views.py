"""Lawsuit pages: prepare from an account, the detail page with its legal moves, the deadline list,
what each role may do, escaping, and the queries the detail page costs."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from cases import models as m
from tests import factories as f
from tests.accounts.test_views import assert_csp_clean

pytestmark = pytest.mark.django_db
DEADLINES = reverse("cases:deadline-list")


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.LITIGATION_HOLIDAYS = []
    settings.LITIGATION_HOME_BASIC_COURT = "北京市海淀区人民法院"
    settings.LITIGATION_HOME_COURT = "北京互联网法院"


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def actionable_item(account: m.MonitoredAccount) -> m.ContentItem:
    item = f.ContentItemFactory(account=account, platform=account.platform, triage_state="suspected")
    f.EvidenceFactory().content_items.add(item)
    return item


def messages_of(response) -> list[str]:
    return [str(msg) for msg in get_messages(response.wsgi_request)]


# --- Prepare ---------------------------------------------------------------------------------


def test_the_prepare_page_shows_the_suggested_courts_and_preselects_actionable_items(lawyer):
    account = f.MonitoredAccountFactory(name="汽车黑料王")
    item = actionable_item(account)
    response = client_for(lawyer).get(reverse("cases:lawsuit-prepare", args=[account.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "北京市海淀区人民法院" in html and "北京互联网法院" in html
    assert response.context["form"].initial["items"] == [item.pk]
    assert_csp_clean(html)


def test_preparing_from_an_account_creates_the_draft_and_opens_it(lawyer):
    account = f.MonitoredAccountFactory(identity_status="anonymous")
    item = actionable_item(account)
    response = client_for(lawyer).post(
        reverse("cases:lawsuit-prepare", args=[account.pk]),
        {"items": [item.pk], "cause": "reputation", "damages": "200000", "costs": "20000", "apology_days": "30"},
    )
    lawsuit = m.Lawsuit.objects.get()
    assert response.status_code == 302 and response["Location"] == lawsuit.get_absolute_url()
    assert lawsuit.court_name == "北京市海淀区人民法院"
    assert {p.kind for p in lawsuit.parties.filter(role="defendant")} == {"account", "platform"}


def test_preparing_on_items_without_fixed_evidence_shows_the_reason_on_the_form(lawyer):
    account = f.MonitoredAccountFactory()
    item = f.ContentItemFactory(account=account, platform=account.platform, triage_state="suspected")
    response = client_for(lawyer).post(
        reverse("cases:lawsuit-prepare", args=[account.pk]),
        {"items": [item.pk], "cause": "reputation", "damages": "0", "costs": "0", "apology_days": "30"},
    )
    assert response.status_code == 200
    assert "Fix evidence first" in " ".join(response.context["form"].non_field_errors())
    assert not m.Lawsuit.objects.exists()


@pytest.mark.parametrize("role", ["analyst", "executive"])
def test_only_lawyers_may_open_the_prepare_page(role, role_users):
    account = f.MonitoredAccountFactory()
    response = client_for(role_users[role]).get(reverse("cases:lawsuit-prepare", args=[account.pk]))
    assert response.status_code == 403


# --- Detail and moves ------------------------------------------------------------------------


def suit(lawyer: User, **extra) -> m.Lawsuit:
    return f.FiledLawsuitFactory(lawyer=lawyer, **extra)


def test_the_detail_page_offers_only_the_legal_moves(lawyer):
    lawsuit = suit(lawyer, stage="submitted", filed_on=datetime.date(2025, 3, 3))
    response = client_for(lawyer).get(lawsuit.get_absolute_url())
    assert response.status_code == 200
    offered = [value for value, _label in response.context["move_form"].fields["to"].choices]
    assert offered == ["pre_mediation", "rejected", "accepted"]
    html = response.content.decode()
    assert 'value="accepted"' in html and 'value="judged_first"' not in html
    assert_csp_clean(html)


def test_a_lawyer_moves_a_suit_with_the_event_date_and_case_number(lawyer):
    lawsuit = suit(lawyer, stage="submitted", filed_on=datetime.date(2025, 3, 3))
    response = client_for(lawyer).post(
        reverse("cases:lawsuit-move", args=[lawsuit.pk]),
        {"to": "accepted", "on": "2025-03-10", "case_number": "(2025)京0108民初1234号", "reason": "已立案"},
    )
    assert response.status_code == 302
    lawsuit.refresh_from_db()
    assert lawsuit.stage == "accepted" and lawsuit.accepted_on == datetime.date(2025, 3, 10)
    assert lawsuit.proceedings.get().case_number == "(2025)京0108民初1234号"


def test_a_bad_case_number_is_explained_and_nothing_changes(lawyer):
    lawsuit = suit(lawyer, stage="submitted", filed_on=datetime.date(2025, 3, 3))
    response = client_for(lawyer).post(
        reverse("cases:lawsuit-move", args=[lawsuit.pk]),
        {"to": "accepted", "on": "2025-03-10", "case_number": "京0108民初1234"},
    )
    assert response.status_code == 302
    assert any("official format" in msg for msg in messages_of(response))
    lawsuit.refresh_from_db()
    assert lawsuit.stage == "submitted"


def test_a_move_that_skips_a_stage_is_refused(lawyer):
    lawsuit = suit(lawyer, stage="submitted", filed_on=datetime.date(2025, 3, 3))
    response = client_for(lawyer).post(
        reverse("cases:lawsuit-move", args=[lawsuit.pk]), {"to": "judged_first", "on": "2025-03-10"}
    )
    assert response.status_code == 302
    assert any("Select a valid choice" in msg for msg in messages_of(response))
    lawsuit.refresh_from_db()
    assert lawsuit.stage == "submitted"


@pytest.mark.parametrize("role", ["analyst", "executive"])
def test_analysts_and_executives_see_the_suit_but_cannot_move_it(role, role_users):
    lawsuit = suit(f.UserFactory(role="lawyer"), stage="accepted")
    client = client_for(role_users[role])
    response = client.get(lawsuit.get_absolute_url())
    assert response.status_code == 200
    assert "move_form" not in response.context
    assert reverse("cases:lawsuit-move", args=[lawsuit.pk]) not in response.content.decode()
    response = client.post(reverse("cases:lawsuit-move", args=[lawsuit.pk]), {"to": "service", "on": "2025-03-10"})
    assert response.status_code == 403
    lawsuit.refresh_from_db()
    assert lawsuit.stage == "accepted"


def test_titles_parties_and_claims_with_html_are_escaped(lawyer):
    lawsuit = suit(lawyer, stage="accepted", title="<script>alert(1)</script>诉讼")
    f.LawsuitPartyFactory(lawsuit=lawsuit, monitored_account=None, kind="person", name="<b>张三</b>")
    f.LawsuitClaimFactory(lawsuit=lawsuit, description="<img src=x onerror=alert(1)>")
    html = client_for(lawyer).get(lawsuit.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "<b>张三</b>" not in html and "<img src=x" not in html
    assert_csp_clean(html)


def test_the_detail_page_shows_countdowns_and_the_no_limitation_note(lawyer):
    lawsuit = suit(lawyer, stage="appeal_window")
    today = timezone.localdate()
    f.DeadlineFactory(lawsuit=lawsuit, due_on=today + datetime.timedelta(days=5), title="上诉期届满")
    f.DeadlineFactory(lawsuit=lawsuit, due_on=today - datetime.timedelta(days=2), title="答辩期届满", rule="answer")
    html = client_for(lawyer).get(lawsuit.get_absolute_url()).content.decode()
    assert "5 days left" in html and "Overdue by 2 days" in html
    assert "No limitation deadline" in html


def test_the_detail_page_costs_a_fixed_number_of_queries(lawyer):
    client = client_for(lawyer)

    def build(n: int) -> m.Lawsuit:
        lawsuit = suit(lawyer, stage="hearing")
        for i in range(n):
            f.LawsuitPartyFactory(lawsuit=lawsuit)
            f.LawsuitClaimFactory(lawsuit=lawsuit)
            proceeding = f.ProceedingFactory(lawsuit=lawsuit, instance="first" if i == 0 else "second")
            f.HearingFactory(proceeding=proceeding)
            f.DeadlineFactory(lawsuit=lawsuit, responsible=lawyer)
            item = f.ContentItemFactory()
            lawsuit.content_items.add(item)
            f.EvidenceFactory().lawsuits.add(lawsuit)
        return lawsuit

    small, large = build(1), build(6)
    client.get(small.get_absolute_url())  # warm the session and caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(small.get_absolute_url()).status_code == 200
    with CaptureQueriesContext(connection) as many:
        assert client.get(large.get_absolute_url()).status_code == 200
    assert len(many) == len(few)
    assert len(many) <= 20


# --- Deadlines -------------------------------------------------------------------------------


def test_the_deadline_list_shows_overdue_first_then_the_next_30_days(analyst):
    today = timezone.localdate()
    lawsuit = suit(f.UserFactory(role="lawyer"), stage="appeal_window", title="诉汽车黑料王")
    late = f.DeadlineFactory(lawsuit=lawsuit, due_on=today - datetime.timedelta(days=3), title="已逾期")
    soon = f.DeadlineFactory(lawsuit=lawsuit, due_on=today + datetime.timedelta(days=2), title="即将到期")
    f.DeadlineFactory(lawsuit=lawsuit, due_on=today + datetime.timedelta(days=45), title="很久以后")
    f.DeadlineFactory(
        lawsuit=lawsuit, due_on=today + datetime.timedelta(days=1), title="已完成", done_at=timezone.now()
    )
    response = client_for(analyst).get(DEADLINES)
    assert response.status_code == 200
    assert response.context["overdue"] == [late] and response.context["upcoming"] == [soon]
    html = response.content.decode()
    assert html.index("已逾期") < html.index("即将到期")
    assert "很久以后" not in html and "已完成" not in html
    assert reverse("cases:deadline-done", args=[soon.pk]) not in html  # analysts cannot mark done
    assert_csp_clean(html)


def test_a_lawyer_marks_a_deadline_done_and_an_analyst_cannot(lawyer, analyst):
    deadline = f.DeadlineFactory(lawsuit=suit(lawyer, stage="appeal_window"))
    url = reverse("cases:deadline-done", args=[deadline.pk])
    assert client_for(analyst).post(url).status_code == 403
    deadline.refresh_from_db()
    assert deadline.done_at is None
    response = client_for(lawyer).post(url, {"next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == DEADLINES
    deadline.refresh_from_db()
    assert deadline.done_at is not None


def test_executives_can_view_the_deadline_list(executive):
    assert client_for(executive).get(DEADLINES).status_code == 200


def test_the_limitation_note_names_the_damages_rule_when_money_is_claimed(lawyer):
    lawsuit = suit(lawyer, stage="accepted", damages_claimed=Decimal("1000"))
    html = client_for(lawyer).get(lawsuit.get_absolute_url()).content.decode()
    assert "3-year limitation" in html


def outcome_post(**overrides) -> dict[str, str]:
    data = {
        "outcome": "won",
        "damages_awarded": "313800",
        "damages_collected": "0",
        "content_deleted": "on",
        "apology_pin_days": "30",
        "court_fee": "4437",
        "notary_fee": "3000",
        "lawyer_fee": "50000",
        **overrides,
    }
    return {f"outcome-{k}": v for k, v in data.items()}


def test_a_lawyer_records_the_outcome_and_remedies(lawyer):
    lawsuit = suit(lawyer, stage="effective", judgment_on=datetime.date(2025, 6, 2))
    response = client_for(lawyer).post(reverse("cases:lawsuit-outcome", args=[lawsuit.pk]), outcome_post())
    assert response.status_code == 302
    lawsuit.refresh_from_db()
    assert (lawsuit.outcome, lawsuit.damages_awarded, lawsuit.lawyer_fee) == (
        "won",
        Decimal("313800"),
        Decimal("50000"),
    )
    assert lawsuit.content_deleted and not lawsuit.apology_published


def test_collecting_more_than_awarded_is_explained_and_nothing_changes(lawyer):
    lawsuit = suit(lawyer, stage="effective", judgment_on=datetime.date(2025, 6, 2))
    response = client_for(lawyer).post(
        reverse("cases:lawsuit-outcome", args=[lawsuit.pk]), outcome_post(damages_collected="400000")
    )
    assert any("cannot exceed" in msg for msg in messages_of(response))
    lawsuit.refresh_from_db()
    assert lawsuit.outcome == "pending" and lawsuit.damages_awarded == 0


def test_an_executive_cannot_record_an_outcome(executive):
    lawsuit = suit(f.UserFactory(role="lawyer"), stage="effective", judgment_on=datetime.date(2025, 6, 2))
    response = client_for(executive).post(reverse("cases:lawsuit-outcome", args=[lawsuit.pk]), outcome_post())
    assert response.status_code == 403
