"""The triage screens: assessing from the item page and in bulk from the queue, a lawyer's sign-off,
the gate before any action, what each role sees, bad input, and the queries each page costs."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.messages import get_messages
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from cases import models as m
from cases.forms.triage import TAMPERED
from cases.services import triage
from cases.services.triage import AssessmentInput
from tests import factories as f
from tests.accounts.test_views import assert_csp_clean

pytestmark = pytest.mark.django_db

REASON = "视频声称“刹车失灵致事故”，但事故鉴定显示为驾驶员操作失误，系捏造事实，并非正常批评。"
TRIAGE = reverse("cases:triage")
BULK = reverse("cases:content-item-bulk-assess")


def english(client: Client) -> Client:
    """Ask for English pages so messages and errors can be compared with the source strings."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return english(client)


def assess_url(item: m.ContentItem) -> str:
    return reverse("cases:content-item-assess", args=[item.pk])


def assessment_post(**overrides) -> dict:
    return {
        "conclusion": "suspected",
        "severity": "4",
        "rationale": REASON,
        "infringement_types": ["fabrication", "insult"],
        "recommended_actions": ["fix_evidence", "complaint"],
        "statement_type": "fact",
        "estimated_loss": "12000.50",
        "target_identifiable": "on",
        "falsity_provable": "on",
        **overrides,
    }


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def moves(item: m.ContentItem) -> list[tuple[str, str]]:
    return list(
        m.StateChange.objects.filter(object_type="cases.contentitem", object_id=item.pk)
        .order_by("id")
        .values_list("from_state", "to_state")
    )


def serious_assessment(item: m.ContentItem, assessor: User) -> m.Assessment:
    data = AssessmentInput(conclusion="serious", rationale=REASON, severity=5)
    return triage.content_item_assess(item=item, assessor=assessor, data=data)


# --- assessing one item --------------------------------------------------------------------


def test_assessing_an_item_saves_the_assessment_and_moves_the_item(analyst, analyst_client):
    item = f.ContentItemFactory(triage_state="new")

    response = english(analyst_client).post(assess_url(item), assessment_post())

    assert response.status_code == 302 and response["Location"] == item.get_absolute_url()
    item.refresh_from_db()
    assert (item.triage_state, item.conclusion, item.severity) == ("suspected", "suspected", 4)
    assessment = item.assessments.get()
    assert assessment.assessor == analyst and assessment.rationale == REASON
    assert assessment.infringement_types == ["fabrication", "insult"]
    assert str(assessment.estimated_loss) == "12000.50" and assessment.falsity_provable
    assert not assessment.insulting_language and assessment.target_identifiable
    assert moves(item)[-1] == ("assessing", "suspected")
    assert messages_of(response) == ["Assessment saved: “Suspected infringement”."]


def test_escalating_without_a_reason_shows_the_error_and_changes_nothing(analyst_client):
    item = f.ContentItemFactory(triage_state="pending")

    response = analyst_client.post(assess_url(item), assessment_post(conclusion="serious", rationale="  "))

    assert response.status_code == 200
    form = response.context["assessment_form"]
    assert list(form.errors) == ["rationale"]
    assert 'aria-invalid="true"' in response.content.decode()
    item.refresh_from_db()
    assert item.triage_state == "pending" and not item.assessments.exists() and not moves(item)


@pytest.mark.parametrize("severity", ["0", "6", "99", "-1", "四"])
def test_a_severity_outside_one_to_five_is_refused(analyst_client, severity):
    item = f.ContentItemFactory()

    response = english(analyst_client).post(assess_url(item), assessment_post(severity=severity))

    assert response.status_code == 200
    assert response.context["assessment_form"].errors["severity"] == ["Severity runs from 1 to 5."]
    assert not m.Assessment.objects.exists()


def test_an_unknown_conclusion_or_negative_loss_is_refused(analyst_client):
    item = f.ContentItemFactory()

    response = analyst_client.post(assess_url(item), assessment_post(conclusion="guilty", estimated_loss="-5"))

    assert set(response.context["assessment_form"].errors) == {"conclusion", "estimated_loss"}
    assert not m.Assessment.objects.exists()


def test_criticism_needs_no_reason_and_dismisses_the_item(analyst_client):
    item = f.ContentItemFactory(triage_state="new")

    analyst_client.post(assess_url(item), {"conclusion": "criticism", "severity": "1"})

    item.refresh_from_db()
    assert item.triage_state == "dismissed"


def test_an_item_past_assessment_is_not_offered_the_form_and_a_post_is_refused(analyst_client, settings):
    settings.LANGUAGE_CODE = "en"  # the message is checked in its English wording
    item = f.ContentItemFactory(triage_state="dismissed")

    page = analyst_client.get(item.get_absolute_url())
    response = analyst_client.post(assess_url(item), assessment_post())

    assert "assessment_form" not in page.context and 'id="assess-form"' not in page.content.decode()
    assert response.status_code == 302
    assert "cannot be assessed now" in messages_of(response)[0]
    assert not m.Assessment.objects.exists()


def test_save_and_next_opens_the_next_item_in_queue_order(analyst_client):
    first = f.ContentItemFactory(triage_state="new", views=900, shares=0)
    second = f.ContentItemFactory(triage_state="new", views=500, shares=0)
    f.ContentItemFactory(triage_state="dismissed", views=700, shares=0)

    page = analyst_client.get(first.get_absolute_url())
    response = analyst_client.post(assess_url(first), assessment_post(then="next"))

    assert page.context["neighbours"].next_id == second.pk
    assert response["Location"] == second.get_absolute_url()
    second_page = analyst_client.get(second.get_absolute_url())
    # The first item left the queue: nothing waits before the second any more.
    assert second_page.context["neighbours"].previous_id is None


def test_the_item_page_links_its_queue_neighbours_for_n_and_p(analyst_client):
    high = f.ContentItemFactory(triage_state="new", severity=3)
    middle = f.ContentItemFactory(triage_state="pending", severity=2)
    low = f.ContentItemFactory(triage_state="assessing", severity=1)

    html = analyst_client.get(middle.get_absolute_url()).content.decode()

    assert f'rel="prev" href="{high.get_absolute_url()}"' in html
    assert f'rel="next" href="{low.get_absolute_url()}"' in html
    assert 'src="/static/js/triage.js"' in html


def test_queue_neighbours_follow_the_queue_order_through_ties_and_states(analyst):
    from cases.selectors.triage import queue_neighbours

    specs = [
        ("new", 3, 100),
        ("pending", 3, 100),
        ("assessing", 3, 100),
        ("new", 3, 50),
        ("pending", 5, 10),
        ("assessing", 0, 0),
        ("new", 0, 0),
        ("pending", 0, 999),
        ("assessing", 5, 10),
    ]
    for state, severity, views in specs:
        f.ContentItemFactory(triage_state=state, severity=severity, views=views, shares=0)
    f.ContentItemFactory(triage_state="dismissed", severity=3, views=100, shares=0)  # not in the queue
    order = list(m.ContentItem.objects.triage_queue().values_list("pk", flat=True))

    for index, pk in enumerate(order):
        neighbours = queue_neighbours(user=analyst, item=m.ContentItem.objects.get(pk=pk))
        assert neighbours.previous_id == (order[index - 1] if index else None)
        assert neighbours.next_id == (order[index + 1] if index + 1 < len(order) else None)


# --- roles ----------------------------------------------------------------------------------


def test_executives_see_no_forms_and_get_403_on_every_triage_post(executive_client, lawyer, analyst):
    item = f.ContentItemFactory(triage_state="new")
    escalated = f.ContentItemFactory(triage_state="new")
    assessment = serious_assessment(escalated, analyst)

    detail = executive_client.get(item.get_absolute_url()).content.decode()
    queue = executive_client.get(TRIAGE).content.decode()
    posts = {
        assess_url(item): assessment_post(),
        BULK: {"items": [item.pk], "conclusion": "watch", "severity": "1", "scope": "selected"},
        reverse("cases:assessment-sign-off", args=[assessment.pk]): {},
        reverse("cases:content-item-start-action", args=[escalated.pk]): {},
    }

    assert 'id="assess-form"' not in detail and 'name="items"' not in queue and "bulk-assess" not in queue
    for url, data in posts.items():
        assert executive_client.post(url, data).status_code == 403, url
    item.refresh_from_db()
    assessment.refresh_from_db()
    assert item.triage_state == "new" and assessment.reviewer is None
    assert m.Assessment.objects.count() == 1


def test_every_triage_post_needs_a_csrf_token(analyst):
    client = Client(enforce_csrf_checks=True)
    client.force_login(analyst)
    item = f.ContentItemFactory()

    for url in (assess_url(item), BULK, reverse("cases:content-item-start-action", args=[item.pk])):
        assert client.post(url, assessment_post(items=[item.pk])).status_code == 403
    assert not m.Assessment.objects.exists()


def test_the_triage_actions_refuse_get(analyst_client):
    item = f.ContentItemFactory()
    for url in (assess_url(item), BULK, reverse("cases:content-item-start-action", args=[item.pk])):
        assert analyst_client.get(url).status_code == 405


def test_anonymous_posts_go_to_the_login_page(client):
    item = f.ContentItemFactory()
    response = client.post(assess_url(item), assessment_post())
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    assert not m.Assessment.objects.exists()


# --- lawyer's sign-off ----------------------------------------------------------------------


def test_a_serious_escalation_is_signed_off_by_a_second_person_who_is_a_lawyer(analyst, lawyer):
    item = f.ContentItemFactory(triage_state="new")
    analyst_client, lawyer_client = client_for(analyst), client_for(lawyer)
    analyst_client.post(assess_url(item), assessment_post(conclusion="serious"))
    assessment = item.assessments.get()
    sign_off = reverse("cases:assessment-sign-off", args=[assessment.pk])

    analyst_page = analyst_client.get(item.get_absolute_url())
    lawyer_page = lawyer_client.get(item.get_absolute_url())

    assert analyst_page.context["action_block"] == "needs_sign_off"
    assert sign_off not in analyst_page.content.decode()
    assert sign_off in lawyer_page.content.decode()
    assert analyst_client.post(sign_off).status_code == 403

    response = lawyer_client.post(sign_off)

    assert response.status_code == 302 and response["Location"] == item.get_absolute_url()
    assessment.refresh_from_db()
    assert assessment.reviewer == lawyer and assessment.reviewed_at is not None
    assert messages_of(response) == ["Signed off. Action may start once evidence is fixed."]
    page = lawyer_client.get(item.get_absolute_url())
    assert page.context["action_block"] == "no_fixed_evidence" and sign_off not in page.content.decode()


def test_a_lawyer_cannot_sign_off_their_own_assessment(lawyer):
    item = f.ContentItemFactory(triage_state="new")
    assessment = serious_assessment(item, lawyer)
    client = client_for(lawyer)

    page = client.get(item.get_absolute_url())
    response = client.post(reverse("cases:assessment-sign-off", args=[assessment.pk]))

    assert reverse("cases:assessment-sign-off", args=[assessment.pk]) not in page.content.decode()
    assert messages_of(response) == ["A second person must sign off: you made this assessment."]
    assessment.refresh_from_db()
    assert assessment.reviewer is None


def test_signing_off_a_campaign_assessment_returns_to_the_campaign(analyst, lawyer_client):
    campaign = f.CampaignFactory()
    f.ContentItemFactory(campaign=campaign, triage_state="new")
    data = AssessmentInput(conclusion="crime", rationale=REASON, severity=5)
    result = triage.campaign_assess(campaign=campaign, assessor=analyst, data=data)

    response = lawyer_client.post(reverse("cases:assessment-sign-off", args=[result.assessment.pk]))

    assert response["Location"] == reverse("cases:campaign-detail", args=[campaign.pk])
    result.assessment.refresh_from_db()
    assert result.assessment.reviewer is not None


def test_signing_off_a_missing_assessment_is_404(lawyer_client):
    assert lawyer_client.post(reverse("cases:assessment-sign-off", args=[987654])).status_code == 404


# --- the gate before any action -------------------------------------------------------------


def test_action_cannot_start_without_fixed_evidence_and_starts_with_it(analyst, analyst_client):
    item = f.ContentItemFactory(triage_state="new")
    triage.content_item_assess(
        item=item, assessor=analyst, data=AssessmentInput(conclusion="suspected", rationale=REASON, severity=3)
    )
    start = reverse("cases:content-item-start-action", args=[item.pk])
    client = english(analyst_client)

    page = client.get(item.get_absolute_url())
    refused = client.post(start)

    assert start not in page.content.decode()
    assert f"{reverse('cases:evidence-create')}?item={item.pk}" in page.content.decode()
    assert "Fix evidence first" in page.context["action_blocked"]
    assert refused.status_code == 302
    assert messages_of(refused) == [
        "Fix evidence first: no complaint, letter or suit may start before the item has fixed evidence."
    ]
    item.refresh_from_db()
    assert item.triage_state == "suspected"

    f.EvidenceFactory(status=m.Evidence.Status.FIXED).content_items.add(item)
    ready = client.get(item.get_absolute_url())
    started = client.post(start)

    assert start in ready.content.decode() and ready.context["can_start_action"]
    assert started.status_code == 302
    item.refresh_from_db()
    assert item.triage_state == "acting"
    assert moves(item)[-3:] == [("suspected", "fixing"), ("fixing", "fixed"), ("fixed", "acting")]


def test_the_item_timeline_shows_who_moved_it_when_and_why(analyst, analyst_client):
    item = f.ContentItemFactory(triage_state="new")
    analyst_client.post(assess_url(item), assessment_post())

    response = analyst_client.get(item.get_absolute_url())

    timeline = response.context["timeline"]
    assert [(e.from_state, e.to_state) for e in timeline] == [
        ("new", "pending"),
        ("pending", "assessing"),
        ("assessing", "suspected"),
    ]
    assert all(entry.actor == analyst for entry in timeline) and timeline[-1].reason == REASON
    html = response.content.decode()
    assert html.count(REASON) >= 2  # in the assessment history and as the reason of the last move
    assert_csp_clean(html)


# --- bulk assessment from the queue -----------------------------------------------------------


def test_bulk_assessment_assesses_the_checked_items_and_reports_the_skipped_ones(analyst, analyst_client):
    waiting = [f.ContentItemFactory(triage_state=state) for state in ("new", "pending", "assessing")]
    gone = f.ContentItemFactory(triage_state="dismissed")  # assessed by someone else meanwhile
    untouched = f.ContentItemFactory(triage_state="new")

    response = english(analyst_client).post(
        BULK + "?platform=weibo&ordering=-reach",
        {
            "scope": "selected",
            "items": [item.pk for item in [*waiting, gone]],
            "conclusion": "suspected",
            "severity": "3",
            "category": "malicious_defamation",
            "rationale": REASON,
        },
    )

    assert response.status_code == 302
    assert response["Location"] == TRIAGE + "?platform=weibo&ordering=-reach"
    assert messages_of(response) == ["3 assessed, 1 skipped. Skipped items were no longer waiting for assessment."]
    for item in waiting:
        item.refresh_from_db()
        assert (item.triage_state, item.severity, item.conclusion) == ("suspected", 3, "suspected")
        assert item.assessed_at is not None and moves(item)[-1] == ("assessing", "suspected")
        assessment = item.assessments.get()
        assert assessment.category == "malicious_defamation" and assessment.assessor == analyst
    gone.refresh_from_db()
    untouched.refresh_from_db()
    assert gone.triage_state == "dismissed" and not gone.assessments.exists()
    assert untouched.triage_state == "new"
    last = m.StateChange.objects.filter(to_state="suspected").first()
    assert last.reason == REASON and last.actor == analyst


def test_bulk_assessment_can_apply_to_every_item_on_the_page(analyst_client):
    items = [f.ContentItemFactory(triage_state="new") for _ in range(3)]

    response = analyst_client.post(
        BULK,
        {"scope": "page", "page_items": [i.pk for i in items], "conclusion": "watch", "severity": "2"},
    )

    assert response.status_code == 302
    assert sorted(m.ContentItem.objects.values_list("triage_state", flat=True)) == ["watch"] * 3


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"conclusion": "serious", "rationale": ""}, "rationale"),
        ({"conclusion": "crime", "rationale": "太短了"}, "rationale"),
        ({"severity": "7"}, "severity"),
        ({"conclusion": ""}, "conclusion"),
        ({"items": []}, "items"),
        ({"category": "gossip"}, "category"),
    ],
)
def test_bad_bulk_input_comes_back_with_the_error_and_changes_nothing(analyst_client, data, field):
    items = [f.ContentItemFactory(triage_state="new") for _ in range(2)]
    post = {
        "scope": "selected",
        "items": [i.pk for i in items],
        "conclusion": "suspected",
        "severity": "3",
        "rationale": REASON,
        **data,
    }

    response = analyst_client.post(BULK, post)

    assert response.status_code == 200
    assert field in response.context["bulk_form"].errors
    assert len(response.context["page_obj"].object_list) == 2  # the queue is shown again
    assert 'aria-current="page">' in response.content.decode() and response.context["nav_current"] == "triage"
    assert not m.Assessment.objects.exists() and not m.StateChange.objects.exists()
    assert set(m.ContentItem.objects.values_list("triage_state", flat=True)) == {"new"}
    if data.get("items") != []:
        # The rows the analyst had checked are still checked.
        html = response.content.decode()
        assert all(f'name="items" value="{i.pk}" checked>' in html for i in items)


@pytest.mark.parametrize("tampered", [987654321, "abc", "1 OR 1=1", 2**70])
def test_tampered_item_ids_are_refused_and_nothing_changes(analyst_client, tampered):
    item = f.ContentItemFactory(triage_state="new")

    response = english(analyst_client).post(
        BULK,
        {"scope": "selected", "items": [item.pk, tampered], "conclusion": "watch", "severity": "1"},
    )

    assert response.status_code == 200
    assert response.context["bulk_form"].errors["items"] == [str(TAMPERED)]
    item.refresh_from_db()
    assert item.triage_state == "new" and not m.Assessment.objects.exists()


def test_a_bulk_selection_is_limited_in_size(analyst_client):
    response = analyst_client.post(
        BULK, {"scope": "selected", "items": list(range(1, 300)), "conclusion": "watch", "severity": "1"}
    )
    assert response.status_code == 200 and "items" in response.context["bulk_form"].errors


def test_bulk_assessment_writes_in_a_fixed_number_of_queries(analyst, django_assert_num_queries):
    from cases.services.triage_bulk import content_items_assess_bulk

    data = AssessmentInput(conclusion="suspected", rationale=REASON, severity=3)
    few = [f.ContentItemFactory(triage_state="new") for _ in range(2)]
    many = [f.ContentItemFactory(triage_state="new") for _ in range(20)]
    with CaptureQueriesContext(connection) as small:
        content_items_assess_bulk(items=few, assessor=analyst, data=data)
    with CaptureQueriesContext(connection) as large:
        content_items_assess_bulk(items=many, assessor=analyst, data=data)
    assert len(small) == len(large)


# --- the queue page ---------------------------------------------------------------------------


def test_queue_rows_show_account_platform_reach_and_age(analyst_client):
    account = f.MonitoredAccountFactory(name="汽车黑料王", followers=12345)
    f.ContentItemFactory(
        triage_state="new",
        account=account,
        platform=account.platform,
        views=1_234_567,
        shares=0,
        published_at=timezone.now() - datetime.timedelta(hours=3),
    )

    response = english(analyst_client).get(TRIAGE)

    html = response.content.decode()
    for text in ("汽车黑料王", "12,345 followers", "Weibo", "1,234,567", "3\xa0hours ago"):
        assert text in html, text
    assert 'name="items"' in html and "data-select-all" in html and "data-shortcuts-help" in html
    assert_csp_clean(html)


def test_queue_filters_by_severity_category_and_account(analyst_client):
    campaign = f.CampaignFactory(category="false_advertising")
    target = f.ContentItemFactory(triage_state="pending", severity=4, campaign=campaign)
    f.ContentItemFactory(triage_state="pending", severity=4)
    f.ContentItemFactory(triage_state="pending", severity=1, campaign=campaign)

    def rows(query: str) -> list:
        return list(analyst_client.get(TRIAGE + query).context["page_obj"].object_list)

    assert rows("?severity=4&category=false_advertising") == [target]
    assert rows(f"?account={target.account_id}") == [target]
    assert rows(f"?campaign={campaign.pk}&severity=4") == [target]


def test_queue_sorts_by_reach_or_recency_and_refuses_other_orders(analyst_client):
    now = timezone.now()
    severe_small = f.ContentItemFactory(
        triage_state="new", severity=5, views=10, shares=0, published_at=now - datetime.timedelta(days=3)
    )
    mild_wide = f.ContentItemFactory(
        triage_state="new", severity=1, views=90_000, shares=0, published_at=now - datetime.timedelta(days=5)
    )
    newest = f.ContentItemFactory(
        triage_state="new", severity=2, views=500, shares=0, published_at=now - datetime.timedelta(hours=1)
    )

    def rows(query: str) -> list:
        return list(analyst_client.get(TRIAGE + query).context["page_obj"].object_list)

    assert rows("") == [severe_small, newest, mild_wide]
    assert rows("?ordering=-reach") == [mild_wide, newest, severe_small]
    assert rows("?ordering=-published_at") == [newest, severe_small, mild_wide]
    assert rows("?ordering=title") == []


def _queue_queries(client: Client, count: int) -> int:
    m.ContentItem.objects.all().delete()
    campaign = f.CampaignFactory()
    for index in range(count):
        f.ContentItemFactory(triage_state="new", campaign=campaign if index % 2 else None)
    caches["template_fragments"].clear()  # both measured cold: the filter bar reads the platforms
    with CaptureQueriesContext(connection) as queries:
        response = client.get(TRIAGE + "?severity=0&severity=1&ordering=-reach")
    assert len(response.context["page_obj"].object_list) == count
    return len(queries)


def test_the_queue_page_costs_the_same_queries_for_5_or_50_rows(analyst_client):
    assert _queue_queries(analyst_client, 5) == _queue_queries(analyst_client, 50)


def test_the_queue_page_never_counts_the_whole_table(analyst_client):
    f.ContentItemFactory(triage_state="new")
    with CaptureQueriesContext(connection) as queries:
        analyst_client.get(TRIAGE)
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counts and all("LIMIT 1001" in sql for sql in counts)


def _detail_queries(client: Client, user: User, count: int) -> int:
    item = f.ContentItemFactory(triage_state="new")
    for _ in range(count):
        f.ContentItemFactory(triage_state="new")
        f.StateChangeFactory(object_id=item.pk, actor=user, reason="补充证据")
        f.AssessmentFactory(content_item=item, conclusion="serious", assessor=f.UserFactory(role="analyst"))
        f.EvidenceFactory(fixed_by=user).content_items.add(item)
    m.ContentItem.objects.filter(pk=item.pk).update(triage_state="suspected")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(item.get_absolute_url())
    assert response.status_code == 200 and len(response.context["assessment_rows"]) == count
    return len(queries)


def test_the_item_page_costs_the_same_queries_whatever_its_history(lawyer, lawyer_client):
    few, many = _detail_queries(lawyer_client, lawyer, 2), _detail_queries(lawyer_client, lawyer, 25)
    assert few == many
    assert many <= 16
