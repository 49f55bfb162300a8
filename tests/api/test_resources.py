"""The API's resources: what they show (and hide), bounded queries, shared filters, ordering,
pagination with a cheap count, workflow actions and the headline figures."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases import models as m
from cases.api.pagination import fast_count
from reports.selectors import headline_figures
from tests import factories as f

pytestmark = pytest.mark.django_db

API = "/api/v1"
REASON = "视频捏造“刹车失灵致事故”的事实，无任何检测依据，不属于正常批评。"


def count_queries(client, url: str) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries), response


def _make_rows(resource: str, n: int) -> None:
    """n rows of the resource, each with the related rows its serializer reads."""
    for _ in range(n):
        if resource == "content-items":
            f.ContentItemFactory(campaign=f.CampaignFactory())
        elif resource == "lawsuits":
            suit = f.FiledLawsuitFactory()
            f.LawsuitClaimFactory(lawsuit=suit)
            f.HearingFactory(proceeding=f.ProceedingFactory(lawsuit=suit))
        elif resource == "campaigns":
            campaign = f.CampaignFactory()
            campaign.accounts.add(f.MonitoredAccountFactory())
            campaign.agencies.add(f.AgencyFactory())
        elif resource == "evidence":
            evidence = f.EvidenceFactory(platform=f.PlatformFactory(), account=f.MonitoredAccountFactory())
            evidence.content_items.add(f.ContentItemFactory())
        elif resource == "assessments":
            f.AssessmentFactory(reviewer=f.UserFactory(role="lawyer"))
        elif resource == "platform-complaints":
            complaint = f.PlatformComplaintFactory(created_by=f.UserFactory())
            complaint.content_items.add(f.ContentItemFactory())
        elif resource == "lawyer-letters":
            letter = f.LawyerLetterFactory(lawyer=f.UserFactory(role="lawyer"))
            letter.content_items.add(f.ContentItemFactory())
        elif resource == "assistance-requests":
            f.AssistanceRequestFactory(assigned_lawyer=f.UserFactory(role="lawyer"))
        elif resource == "monitored-accounts":
            f.MonitoredAccountFactory(agency=f.AgencyFactory())
        elif resource == "agencies":
            f.AgencyFactory()
        elif resource == "import-jobs":
            f.ImportJobFactory()


@pytest.mark.parametrize(
    "resource",
    [
        "content-items",
        "lawsuits",
        "campaigns",
        "evidence",
        "assessments",
        "platform-complaints",
        "lawyer-letters",
        "assistance-requests",
        "monitored-accounts",
        "agencies",
        "import-jobs",
    ],
)
def test_a_page_costs_the_same_queries_for_2_rows_as_for_12(resource, admin_client_):
    _make_rows(resource, 2)
    few, _ = count_queries(admin_client_, f"{API}/{resource}/?page_size=5")
    _make_rows(resource, 10)
    many, response = count_queries(admin_client_, f"{API}/{resource}/?page_size=20")
    assert response.json()["count"] >= 12
    # Both pages hold every row, so neither needs a count: any difference is a query per row.
    assert many == few, f"{resource}: {few} queries for 2 rows, {many} for 12 (N+1?)"


def test_content_items_show_the_platform_code_and_the_account(analyst_client):
    item = f.ContentItemFactory(platform_content_id="Pc1")
    data = analyst_client.get(f"{API}/content-items/{item.pk}/").json()
    assert data["platform"] == "weibo"
    assert data["account"] == {"id": item.account_id, "platform_uid": item.account.platform_uid, "name": item.account.name}
    assert data["url"] == item.url and data["reach"] == item.reach


def test_platforms_are_listed_by_code_with_their_names(analyst_client):
    data = analyst_client.get(f"{API}/platforms/").json()
    codes = [row["code"] for row in data["results"]]
    assert {"weibo", "douyin", "xiaohongshu", "autohome", "other"} <= set(codes)
    weibo = analyst_client.get(f"{API}/platforms/weibo/").json()
    assert (weibo["name_zh"], weibo["name_en"]) == ("微博", "Weibo")


def test_evidence_shows_metadata_and_never_the_file(analyst_client):
    evidence = f.EvidenceFactory()
    data = analyst_client.get(f"{API}/evidence/{evidence.pk}/").json()
    assert data["sha256"] == evidence.sha256 and data["size"] == evidence.size
    assert "file" not in data
    assert evidence.file.name not in str(data)


def test_lawsuits_nest_parties_claims_and_proceedings_with_hearings(lawyer_client):
    suit = f.FiledLawsuitFactory()
    claim = f.LawsuitClaimFactory(lawsuit=suit)
    proceeding = f.ProceedingFactory(lawsuit=suit)
    hearing = f.HearingFactory(proceeding=proceeding)
    data = lawyer_client.get(f"{API}/lawsuits/{suit.pk}/").json()
    assert [p["role"] for p in data["parties"]] == ["defendant"]
    assert data["claims"][0]["id"] == claim.pk and data["claims"][0]["amount"] == "500000.00"
    assert data["proceedings"][0]["case_number"] == proceeding.case_number
    assert data["proceedings"][0]["hearings"][0]["id"] == hearing.pk


def test_owner_party_names_are_masked_for_executives_only(executive_client, lawyer_client):
    suit = f.LawsuitFactory(our_role="supporting_owner")
    f.LawsuitPartyFactory(lawsuit=suit, role="plaintiff", kind="owner", monitored_account=None, name="张三丰")
    names = {c: [p["name"] for p in c.get(f"{API}/lawsuits/{suit.pk}/").json()["parties"]]
             for c in (executive_client, lawyer_client)}  # fmt: skip
    assert names[executive_client] == ["张**"]
    assert names[lawyer_client] == ["张三丰"]


def test_a_letter_or_suit_hides_the_owners_request_from_roles_that_cannot_open_requests(executive_client, lawyer_client):
    request = f.AssistanceRequestFactory()
    suit = f.LawsuitFactory(assistance_request=request)
    assert executive_client.get(f"{API}/lawsuits/{suit.pk}/").json()["assistance_request"] is None
    assert lawyer_client.get(f"{API}/lawsuits/{suit.pk}/").json()["assistance_request"] == request.pk


# --- personal data -------------------------------------------------------------------------------------------


def test_request_lists_mask_the_owner_and_read_no_contact(lawyer_client):
    request = f.AssistanceRequestFactory(owner_name="李小龙", owner_phone="13812345678")
    row = lawyer_client.get(f"{API}/assistance-requests/").json()["results"][0]
    assert row["owner_name_masked"] == "李**"
    assert "13812345678" not in str(row) and "contact" not in row
    assert not m.AuditEvent.objects.filter(action="view", object_id=str(request.pk)).exists()


def test_an_analyst_sees_one_requests_contact_masked_and_no_read_is_audited(analyst_client):
    request = f.AssistanceRequestFactory(owner_name="李小龙", owner_phone="13812345678")
    contact = analyst_client.get(f"{API}/assistance-requests/{request.pk}/").json()["contact"]
    assert contact == {"name": "李**", "phone": "138****5678", "email": contact["email"], "masked": True}
    assert not m.AuditEvent.objects.filter(action="view").exists()


def test_a_lawyer_sees_the_contact_plain_and_the_read_is_audited(lawyer_client, lawyer):
    request = f.AssistanceRequestFactory(owner_name="李小龙", owner_phone="13812345678")
    contact = lawyer_client.get(f"{API}/assistance-requests/{request.pk}/").json()["contact"]
    assert (contact["name"], contact["phone"], contact["masked"]) == ("李小龙", "13812345678", False)
    event = m.AuditEvent.objects.get(action="view", object_type="cases.assistancerequest")
    assert (event.object_id, event.actor_id, event.actor_type) == (str(request.pk), lawyer.pk, "user")


def test_a_token_read_of_personal_data_is_audited_as_the_token(make_token, lawyer):
    from tests.api.conftest import token_client

    request = f.AssistanceRequestFactory()
    _token, key = make_token(user=lawyer, scopes=["read"])
    assert token_client(key).get(f"{API}/assistance-requests/{request.pk}/").json()["contact"]["masked"] is False
    event = m.AuditEvent.objects.get(action="view", object_type="cases.assistancerequest")
    assert (event.actor_id, event.actor_type) == (lawyer.pk, "token")


# --- filters, ordering, pagination -------------------------------------------------------------------------


def test_content_items_use_the_staff_lists_filters(analyst_client):
    douyin = m.Platform.objects.get(code="douyin")
    wanted = f.ContentItemFactory(platform=douyin, url="https://www.douyin.com/video/1", triage_state="pending")
    f.ContentItemFactory(platform=douyin, url="https://www.douyin.com/video/2", triage_state="dismissed")
    f.ContentItemFactory(triage_state="pending")
    rows = analyst_client.get(f"{API}/content-items/?platform=douyin&triage_state=pending&triage_state=new").json()
    assert [row["id"] for row in rows["results"]] == [wanted.pk]


def test_an_invalid_filter_value_is_a_400_naming_the_filter(analyst_client):
    response = analyst_client.get(f"{API}/content-items/?platform=myspace&published_from=2025-02-30")
    assert response.status_code == 400
    assert set(response.json()) >= {"platform", "published_from"}


def test_assessments_filter_those_waiting_for_sign_off(lawyer_client):
    waiting = f.AssessmentFactory(conclusion="serious")
    f.AssessmentFactory(conclusion="serious", reviewer=f.UserFactory(role="lawyer"), reviewed_at=timezone.now())
    f.AssessmentFactory(conclusion="suspected")
    rows = lawyer_client.get(f"{API}/assessments/?needs_sign_off=true").json()["results"]
    assert [row["id"] for row in rows] == [waiting.pk]
    assert rows[0]["needs_sign_off"] is True


def test_ordering_is_limited_to_indexed_fields_and_always_stable(analyst_client):
    now = timezone.now()
    old = f.ContentItemFactory(published_at=now - datetime.timedelta(days=3))
    new = f.ContentItemFactory(published_at=now - datetime.timedelta(days=1))
    default = [r["id"] for r in analyst_client.get(f"{API}/content-items/").json()["results"]]
    ascending = [r["id"] for r in analyst_client.get(f"{API}/content-items/?ordering=published_at").json()["results"]]
    ignored = [r["id"] for r in analyst_client.get(f"{API}/content-items/?ordering=text").json()["results"]]
    assert default == [new.pk, old.pk] and ascending == [old.pk, new.pk] and ignored == default


def test_pages_link_to_each_other_and_a_page_past_the_end_is_404(analyst_client):
    for _ in range(5):
        f.ContentItemFactory()
    first = analyst_client.get(f"{API}/content-items/?page_size=2").json()
    assert (first["count"], first["count_is_estimate"], first["previous"]) == (5, False, None)
    second = analyst_client.get(first["next"]).json()
    third = analyst_client.get(second["next"]).json()
    assert len(third["results"]) == 1 and third["next"] is None
    seen = [r["id"] for page in (first, second, third) for r in page["results"]]
    assert len(set(seen)) == 5
    assert analyst_client.get(f"{API}/content-items/?page_size=2&page=4").status_code == 404


def test_the_count_is_estimated_past_the_exact_limit():
    for _ in range(5):
        f.ContentItemFactory()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_contentitem")
    everything = m.ContentItem.objects.all()
    assert fast_count(everything, limit=10) == (5, False)
    assert fast_count(everything, limit=2) == (5, True)  # pg_class.reltuples after ANALYZE
    count, estimate = fast_count(everything.filter(views__gte=0), limit=2)
    assert estimate is True and count >= 3  # the planner's estimate, never below what was counted
    assert fast_count(m.ContentItem.objects.none()) == (0, False)


def test_a_list_of_a_big_table_never_runs_an_unbounded_count(analyst_client):
    for _ in range(3):
        f.ContentItemFactory()
    with CaptureQueriesContext(connection) as ctx:
        analyst_client.get(f"{API}/content-items/?page_size=1&page=2")
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counts and all("LIMIT" in sql.upper() for sql in counts)


# --- workflow actions ----------------------------------------------------------------------------------------


def test_assessing_an_item_records_the_assessment_and_moves_the_item(analyst_client, analyst, lawyer):
    item = f.ContentItemFactory()
    body = {"conclusion": "suspected", "rationale": REASON, "severity": 4, "infringement_types": ["fabrication"],
            "assessor": lawyer.pk, "reviewer": lawyer.pk, "id": 999999}  # fmt: skip
    response = analyst_client.post(f"{API}/content-items/{item.pk}/assess/", body, content_type="application/json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["assessor"]["id"] == analyst.pk and data["reviewer"] is None  # mass assignment ignored
    assert data["id"] != 999999 and data["severity"] == 4
    item.refresh_from_db()
    assert (item.triage_state, item.conclusion) == ("suspected", "suspected")


def test_escalating_without_a_reason_is_a_400_on_the_rationale(analyst_client):
    item = f.ContentItemFactory()
    response = analyst_client.post(
        f"{API}/content-items/{item.pk}/assess/", {"conclusion": "serious"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "rationale" in response.json()
    assert not m.Assessment.objects.exists()


def test_assessing_an_item_past_assessment_is_a_409(analyst_client):
    item = f.ContentItemFactory(triage_state="dismissed")
    response = analyst_client.post(
        f"{API}/content-items/{item.pk}/assess/", {"conclusion": "none"}, content_type="application/json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "not_assessable"


def test_sign_off_needs_a_second_person_who_is_a_lawyer_and_happens_once(lawyer_client, analyst_client, lawyer):
    own = f.AssessmentFactory(conclusion="serious", assessor=lawyer)
    other = f.AssessmentFactory(conclusion="serious")
    assert analyst_client.post(f"{API}/assessments/{other.pk}/sign-off/").status_code == 403
    same = lawyer_client.post(f"{API}/assessments/{own.pk}/sign-off/")
    assert same.status_code == 400 and same.json()["code"] == "same_person"
    ok = lawyer_client.post(f"{API}/assessments/{other.pk}/sign-off/")
    assert ok.status_code == 200 and ok.json()["reviewer"]["id"] == lawyer.pk
    again = lawyer_client.post(f"{API}/assessments/{other.pk}/sign-off/")
    assert again.status_code == 409 and again.json()["code"] == "already_signed"


def test_no_action_starts_before_evidence_is_fixed(analyst_client):
    item = f.ContentItemFactory(triage_state="suspected")
    refused = analyst_client.post(f"{API}/content-items/{item.pk}/start-action/")
    assert refused.status_code == 409 and refused.json()["code"] == "no_fixed_evidence"
    f.EvidenceFactory().content_items.add(item)
    started = analyst_client.post(f"{API}/content-items/{item.pk}/start-action/")
    assert started.status_code == 200 and started.json()["triage_state"] == "acting"


def test_a_campaign_is_assessed_in_one_step(analyst_client):
    campaign = f.CampaignFactory()
    waiting = [f.ContentItemFactory(campaign=campaign) for _ in range(3)]
    f.ContentItemFactory(campaign=campaign, triage_state="removed")
    response = analyst_client.post(
        f"{API}/campaigns/{campaign.pk}/assess/", {"conclusion": "suspected", "rationale": REASON},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    assert (response.json()["assessed"], response.json()["skipped"]) == (3, 1)
    assert {i.triage_state for i in m.ContentItem.objects.filter(pk__in=[w.pk for w in waiting])} == {"suspected"}


def test_an_action_on_an_invisible_or_missing_object_is_a_json_404(analyst_client):
    response = analyst_client.post(f"{API}/content-items/987654321/assess/", {"conclusion": "none"},
                                   content_type="application/json")  # fmt: skip
    assert response.status_code == 404 and response.json()["code"] == "not_found"


# --- headline figures ----------------------------------------------------------------------------------------

SUMMARY_KEYS = {
    "items_total", "items_assessed", "items_infringing", "accounts_monitored", "suits_filed",
    "suits_supporting_owners", "assistance_requests", "requests_with_evidence", "requests_by_help_type",
    "owners_suable", "complaints_submitted", "items_removed", "suits_won", "damages_awarded",
}  # fmt: skip


def test_the_summary_has_the_designs_keys_and_the_dashboards_numbers(executive_client):
    f.ContentItemFactory()
    f.FiledLawsuitFactory(outcome="won", judgment_on=datetime.date(2025, 3, 1), damages_awarded=Decimal("1234.50"))
    f.AssistanceRequestFactory(help_types=["lawyer_letter", "litigation_support"])
    response = executive_client.get(f"{API}/stats/summary/?from=2025-01-01&to=2025-12-31")
    assert response.status_code == 200
    data = response.json()
    assert set(data) == SUMMARY_KEYS
    assert set(data["requests_by_help_type"]) == {"evidence_guidance", "lawyer_letter", "litigation_support"}
    expected = headline_figures(date_from=datetime.date(2025, 1, 1), date_to=datetime.date(2025, 12, 31))
    assert data["suits_won"] == expected["suits_won"] == 1
    assert Decimal(data["damages_awarded"]) == expected["damages_awarded"] == Decimal("1234.50")
    everything = executive_client.get(f"{API}/stats/summary/").json()
    assert everything["items_total"] == 1 and everything["requests_by_help_type"]["lawyer_letter"] == 1


@pytest.mark.parametrize(
    "query", ["from=2025-02-30", "from=yesterday", "to=2025-1-1x", "from=2025-06-01&to=2025-01-01", "from=%00"]
)
def test_bad_summary_dates_are_a_400(query, executive_client):
    response = executive_client.get(f"{API}/stats/summary/?{query}")
    assert response.status_code == 400
    assert set(response.json()) & {"from", "to"}
