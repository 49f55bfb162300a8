"""The staff list and detail pages: who may open them, what they show, and that their cost in
queries does not grow with the number of rows."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from cases import models as m
from cases.views.listing import CheapPaginator, page_number_from
from tests import factories as f
from tests.accounts.test_views import assert_csp_clean

pytestmark = pytest.mark.django_db

LISTS = {
    "content": "cases:content-item-list",
    "triage": "cases:triage",
    "accounts": "cases:monitored-account-list",
    "lawsuits": "cases:lawsuit-list",
    "requests": "cases:assistance-request-list",
}
# Pages per list whose rows the executive may not see at all.
EXECUTIVE_DENIED = {"requests"}
ROLES = ["analyst", "lawyer", "executive", "admin"]


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def make_rows(kind: str, count: int) -> list:
    """Create ``count`` rows of one list, each with the related rows its page shows."""
    lawyer = f.UserFactory(username=f"rows-lawyer-{kind}-{count}", role=User.Role.LAWYER)
    agency = f.AgencyFactory()
    if kind in {"content", "triage"}:
        return [f.ContentItemFactory(triage_state="pending", severity=i % 6) for i in range(count)]
    if kind == "accounts":
        return [f.MonitoredAccountFactory(agency=agency, risk_score=i % 100) for i in range(count)]
    if kind == "lawsuits":
        return [f.FiledLawsuitFactory(lawyer=lawyer) for _ in range(count)]
    return [f.AssistanceRequestFactory(assigned_lawyer=lawyer, help_types=["lawyer_letter"]) for _ in range(count)]


# --- access ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("kind", LISTS)
def test_each_staff_role_opens_the_lists_it_may_see(role_users, role, kind):
    make_rows(kind, 2)
    response = client_for(role_users[role]).get(reverse(LISTS[kind]))

    expected = 403 if role == "executive" and kind in EXECUTIVE_DENIED else 200
    assert response.status_code == expected
    if expected == 200:
        assert len(response.context["page_obj"].object_list) == 2
        assert_csp_clean(response.content.decode())


@pytest.mark.parametrize("kind", LISTS)
def test_anonymous_users_are_sent_to_the_login_page(client, kind):
    url = reverse(LISTS[kind])
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("kind", LISTS)
def test_deactivated_staff_cannot_open_lists(outsider, kind):
    client = Client()
    client.force_login(outsider)
    assert client.get(reverse(LISTS[kind])).status_code == 302


def detail_urls() -> dict[str, str]:
    item = f.ContentItemFactory()
    suit = f.FiledLawsuitFactory()
    req = f.AssistanceRequestFactory()
    return {
        "content": reverse("cases:content-item-detail", args=[item.pk]),
        "accounts": reverse("cases:monitored-account-detail", args=[item.account_id]),
        "lawsuits": reverse("cases:lawsuit-detail", args=[suit.pk]),
        "requests": reverse("cases:assistance-request-detail", args=[req.pk]),
    }


@pytest.mark.parametrize("role", ROLES)
def test_detail_pages_follow_the_same_rules(role_users, role):
    client = client_for(role_users[role])
    for kind, url in detail_urls().items():
        response = client.get(url)
        expected = 403 if role == "executive" and kind in EXECUTIVE_DENIED else 200
        assert response.status_code == expected, (kind, response.status_code)
        if expected == 200:
            assert_csp_clean(response.content.decode())


def test_a_missing_object_is_404(analyst_client):
    for name in ("cases:content-item-detail", "cases:monitored-account-detail", "cases:lawsuit-detail",
                 "cases:assistance-request-detail"):
        assert analyst_client.get(reverse(name, args=[987654])).status_code == 404


# --- what the lists show -----------------------------------------------------------------


def test_content_list_is_newest_first_and_links_each_item(analyst_client):
    now = timezone.now()
    old = f.ContentItemFactory(published_at=now - datetime.timedelta(days=9), title="旧帖子")
    new = f.ContentItemFactory(published_at=now - datetime.timedelta(hours=1), title="新帖子")

    response = analyst_client.get(reverse("cases:content-item-list"))

    assert list(response.context["page_obj"].object_list) == [new, old]
    html = response.content.decode()
    assert new.get_absolute_url() in html and new.account.get_absolute_url() in html


def test_triage_queue_holds_only_waiting_items_most_severe_first(analyst_client):
    mild = f.ContentItemFactory(triage_state="new", severity=1)
    severe = f.ContentItemFactory(triage_state="assessing", severity=5)
    f.ContentItemFactory(triage_state="dismissed", severity=5)
    f.ContentItemFactory(triage_state="suspected", severity=5)

    response = analyst_client.get(reverse("cases:triage"))

    assert list(response.context["page_obj"].object_list) == [severe, mild]


def test_triage_queue_breaks_severity_ties_by_reach(analyst_client):
    small = f.ContentItemFactory(triage_state="pending", severity=3, views=10, shares=0)
    wide = f.ContentItemFactory(triage_state="pending", severity=3, views=90_000, shares=0)

    response = analyst_client.get(reverse("cases:triage"))

    assert list(response.context["page_obj"].object_list) == [wide, small]


def test_accounts_are_ranked_by_risk(analyst_client):
    low = f.MonitoredAccountFactory(risk_score=10)
    high = f.MonitoredAccountFactory(risk_score=90)

    response = analyst_client.get(reverse("cases:monitored-account-list"))

    assert list(response.context["page_obj"].object_list) == [high, low]


def test_lawyer_me_lists_the_lawyers_own_suits(lawyer_client, lawyer):
    mine = f.FiledLawsuitFactory(lawyer=lawyer)
    f.FiledLawsuitFactory()

    response = lawyer_client.get(reverse("cases:lawsuit-list") + "?lawyer=me")

    assert list(response.context["page_obj"].object_list) == [mine]


def test_request_list_masks_owner_names_even_for_lawyers(lawyer_client):
    req = f.AssistanceRequestFactory(owner_name="张三丰", owner_phone="13812345678")

    html = lawyer_client.get(reverse("cases:assistance-request-list") + "?assigned=").content.decode()

    assert "张**" in html
    assert "张三丰" not in html and "13812345678" not in html
    assert req.reference in html


# --- pagination without COUNT(*) over the table ---------------------------------------------


def test_pages_hold_fifty_rows_and_report_an_exact_small_total(analyst_client):
    make_rows("content", 55)
    url = reverse("cases:content-item-list")

    first = analyst_client.get(url).context["page_obj"]
    second = analyst_client.get(url + "?page=2").context["page_obj"]

    assert len(first.object_list) == 50 and first.has_next()
    assert len(second.object_list) == 5 and not second.has_next() and second.has_previous()
    assert first.paginator.count == 55 and first.paginator.num_pages == 2


@pytest.mark.parametrize(("raw", "number"), [("abc", 1), ("", 1), ("-4", 1), ("0", 1), ("3", 3), ("10**9", 1),
                                             ("99999999", 1000), ("\x00", 1)])
def test_page_numbers_are_read_leniently(raw, number):
    assert page_number_from(raw) == number


def test_a_page_past_the_end_is_empty_with_a_way_back(analyst_client):
    make_rows("content", 3)
    response = analyst_client.get(reverse("cases:content-item-list") + "?page=999999&triage_state=pending")

    assert response.status_code == 200
    page = response.context["page_obj"]
    assert page.object_list == [] and page.number == 1000
    assert "?page=1&amp;triage_state=pending" in response.content.decode()


def test_large_results_are_not_counted_past_the_limit(analyst):
    make_rows("content", 8)
    filtered = m.ContentItem.objects.for_user(analyst).filter(triage_state="pending")

    paginator = CheapPaginator(filtered, per_page=5, count_limit=5)

    assert paginator.count is None and paginator.num_pages is None and paginator.count_display is None
    assert paginator.page(1).has_next() and not paginator.page(2).has_next()


def test_an_unfiltered_large_table_shows_the_planners_estimate(analyst):
    make_rows("content", 8)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_contentitem")

    paginator = CheapPaginator(m.ContentItem.objects.for_user(analyst), per_page=5, count_limit=5)

    assert paginator.count_is_estimate and paginator.count_display == 8 and paginator.count is None


def test_a_list_page_never_counts_the_whole_table(analyst_client, django_assert_max_num_queries):
    from django.test.utils import CaptureQueriesContext

    make_rows("content", 3)
    with CaptureQueriesContext(connection) as queries:
        analyst_client.get(reverse("cases:content-item-list"))

    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counts and all("LIMIT 1001" in sql for sql in counts)


# --- query counts do not grow with rows ------------------------------------------------------

LIST_QUERY_BOUND = 9


@pytest.mark.parametrize("kind", LISTS)
def test_list_queries_are_bounded_whatever_the_row_count(admin_client_, django_assert_max_num_queries, kind):
    url = reverse(LISTS[kind])
    for count in (3, 30):
        make_rows(kind, count - (3 if count == 30 else 0))
        with django_assert_max_num_queries(LIST_QUERY_BOUND):
            response = admin_client_.get(url)
        assert len(response.context["page_obj"].object_list) == count


@pytest.mark.parametrize("query", ["?lawyer=me&stage=accepted", "?platform=weibo&q=刹车&triage_state=pending"])
def test_filtered_lists_stay_within_the_bound(admin_client_, django_assert_max_num_queries, query):
    make_rows("lawsuits", 30)
    make_rows("content", 30)
    url = reverse("cases:lawsuit-list" if "lawyer" in query else "cases:content-item-list") + query
    with django_assert_max_num_queries(LIST_QUERY_BOUND):
        assert admin_client_.get(url).status_code == 200


def populate_item(item: m.ContentItem, count: int, assessor: User) -> None:
    for _ in range(count):
        f.AssessmentFactory(content_item=item, assessor=assessor, reviewer=assessor)
        f.EvidenceFactory(fixed_by=assessor).content_items.add(item)
        f.PlatformComplaintFactory(platform=item.platform).content_items.add(item)
        f.LawyerLetterFactory().content_items.add(item)
        f.FiledLawsuitFactory().content_items.add(item)


def populate_account(account: m.MonitoredAccount, count: int, assessor: User) -> None:
    for _ in range(count):
        f.ContentItemFactory(account=account, platform=account.platform)
        f.CampaignFactory().accounts.add(account)
        f.LawsuitPartyFactory(lawsuit=f.FiledLawsuitFactory(), monitored_account=account)
        f.IdentityDisclosureFactory(account=account, lawsuit=f.FiledLawsuitFactory())


def populate_lawsuit(suit: m.Lawsuit, count: int, assessor: User) -> None:
    for _ in range(count):
        f.LawsuitPartyFactory(lawsuit=suit)
        f.LawsuitClaimFactory(lawsuit=suit)
        proceeding = f.ProceedingFactory(lawsuit=suit)
        f.HearingFactory(proceeding=proceeding)
        f.DeadlineFactory(lawsuit=suit)
        f.DeadlineFactory(lawsuit=None, proceeding=proceeding)
        f.EvidenceFactory().lawsuits.add(suit)
        suit.content_items.add(f.ContentItemFactory())
        f.IdentityDisclosureFactory(lawsuit=suit)


def populate_request(req: m.AssistanceRequest, count: int, assessor: User) -> None:
    for _ in range(count):
        f.ConsentRecordFactory(assistance_request=req)
        f.LawyerLetterFactory(assistance_request=req)
        f.FiledLawsuitFactory(assistance_request=req, our_role="supporting_owner")
        req.content_items.add(f.ContentItemFactory())
        f.EvidenceFactory().assistance_requests.add(req)


DETAILS: dict[str, tuple[str, Callable[[], object], Callable]] = {
    "content": ("cases:content-item-detail", f.ContentItemFactory, populate_item),
    "accounts": ("cases:monitored-account-detail", f.MonitoredAccountFactory, populate_account),
    "lawsuits": ("cases:lawsuit-detail", f.FiledLawsuitFactory, populate_lawsuit),
    "requests": ("cases:assistance-request-detail", f.AssistanceRequestFactory, populate_request),
}
DETAIL_QUERY_BOUND = 18  # the request page: + the monitoring links (4 queries, whatever their number)


@pytest.mark.parametrize("kind", DETAILS)
def test_detail_queries_are_bounded_whatever_the_related_rows(admin_client_, admin_user,
                                                              django_assert_max_num_queries, kind):
    url_name, factory, populate = DETAILS[kind]
    for count in (3, 30):
        obj = factory()
        populate(obj, count, admin_user)
        with django_assert_max_num_queries(DETAIL_QUERY_BOUND):
            response = admin_client_.get(reverse(url_name, args=[obj.pk]))
        assert response.status_code == 200


# --- detail pages ---------------------------------------------------------------------------


def test_content_item_page_shows_assessments_evidence_and_actions(analyst_client, analyst):
    item = f.ContentItemFactory(title="造谣刹车失灵视频")
    f.AssessmentFactory(content_item=item, assessor=analyst, rationale="捏造事实，不属于正常批评")
    f.EvidenceFactory(title="录屏证据一号").content_items.add(item)
    f.PlatformComplaintFactory(platform=item.platform, ticket_number="TS-778899").content_items.add(item)
    suit = f.FiledLawsuitFactory(title="诉造谣者名誉权纠纷")
    suit.content_items.add(item)

    html = analyst_client.get(item.get_absolute_url()).content.decode()

    for text in ("造谣刹车失灵视频", "捏造事实，不属于正常批评", str(analyst), "录屏证据一号", "TS-778899",
                 suit.get_absolute_url(), item.account.get_absolute_url()):
        assert text in html


def test_executives_see_items_without_evidence(executive_client):
    item = f.ContentItemFactory()
    f.EvidenceFactory(title="录屏证据二号").content_items.add(item)

    response = executive_client.get(item.get_absolute_url())

    assert response.status_code == 200
    assert "录屏证据二号" not in response.content.decode()


def test_account_page_shows_at_most_twenty_latest_items(analyst_client):
    account = f.MonitoredAccountFactory()
    now = timezone.now()
    items = [f.ContentItemFactory(account=account, platform=account.platform,
                                  published_at=now - datetime.timedelta(hours=i)) for i in range(25)]

    response = analyst_client.get(account.get_absolute_url())

    assert response.context["recent_items"] == items[:20]
    assert f"?account={account.pk}" in response.content.decode()


def test_account_page_lists_the_suits_it_is_party_to(analyst_client):
    party = f.LawsuitPartyFactory(lawsuit=f.FiledLawsuitFactory(title="诉汽车真相号名誉权纠纷"))
    f.FiledLawsuitFactory(title="无关的案件")

    html = analyst_client.get(party.monitored_account.get_absolute_url()).content.decode()

    assert "诉汽车真相号名誉权纠纷" in html and "无关的案件" not in html


def test_lawsuit_page_shows_claims_proceedings_and_overdue_deadlines(analyst_client):
    suit = f.FiledLawsuitFactory(damages_awarded=Decimal("120000"), outcome="won", court_fee=Decimal("1300"))
    f.LawsuitClaimFactory(lawsuit=suit, amount=Decimal("500000"))
    proceeding = f.ProceedingFactory(lawsuit=suit, case_number="(2025)京0491民初12345号")
    f.HearingFactory(proceeding=proceeding)
    late = f.DeadlineFactory(lawsuit=suit, title="上诉期届满", due_on=timezone.localdate() - datetime.timedelta(days=2))

    response = analyst_client.get(suit.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()

    assert "¥500,000.00" in html and "¥120,000.00" in html and "¥1,300.00" in html
    assert "(2025)京0491民初12345号" in html
    assert late in response.context["deadlines"] and late.is_overdue
    assert 'badge-danger">Overdue' in html


def test_lawsuit_page_hides_the_owner_request_from_executives(executive_client, lawyer_client):
    req = f.AssistanceRequestFactory()
    suit = f.FiledLawsuitFactory(assistance_request=req, our_role="supporting_owner")

    assert req.reference not in executive_client.get(suit.get_absolute_url()).content.decode()
    assert req.reference in lawyer_client.get(suit.get_absolute_url()).content.decode()


class TestOwnerContact:
    @pytest.fixture
    def req(self):
        return f.AssistanceRequestFactory(owner_name="李小龙", owner_phone="13912345678", owner_email="lxl@example.com")

    def views_recorded(self, req) -> list[m.AuditEvent]:
        return list(m.AuditEvent.objects.filter(action="view", object_type="cases.assistancerequest",
                                                object_id=str(req.pk)))

    def test_analysts_see_it_masked_and_nothing_is_recorded(self, analyst_client, req):
        html = analyst_client.get(req.get_absolute_url()).content.decode()

        assert "139****5678" in html and "李**" in html and "l***@example.com" in html
        assert "13912345678" not in html and "李小龙" not in html
        assert self.views_recorded(req) == []

    def test_lawyers_see_it_and_each_view_is_audited(self, lawyer_client, lawyer, req):
        html = lawyer_client.get(req.get_absolute_url()).content.decode()
        lawyer_client.get(req.get_absolute_url())

        assert "13912345678" in html and "李小龙" in html and "lxl@example.com" in html
        events = self.views_recorded(req)
        assert len(events) == 2
        assert {event.actor_id for event in events} == {lawyer.pk}
        assert events[0].actor_type == "user" and events[0].request_id

    def test_executives_cannot_open_requests(self, executive_client, req):
        assert executive_client.get(req.get_absolute_url()).status_code == 403
        assert self.views_recorded(req) == []

    def test_the_page_shows_help_types_and_the_evidence_count(self, analyst_client, req):
        req.help_types = ["lawyer_letter", "litigation_support"]
        req.save()
        f.EvidenceFactory().assistance_requests.add(req)
        deleted = f.EvidenceFactory(is_deleted=True, deleted_reason="重复上传", deleted_at=timezone.now())
        deleted.assistance_requests.add(req)

        response = analyst_client.get(req.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")

        assert response.context["evidence_count"] == 1
        assert "Lawyer letter" in response.content.decode()


# --- number formatting ------------------------------------------------------------------------


def test_figures_group_thousands_with_commas_in_every_language():
    from django.utils import translation

    from cases.templatetags.listing import badge, figure, yuan

    with translation.override("zh-hans"):  # Django's zh_Hans format would print 16465
        assert figure(16465) == "16,465"
        assert yuan(Decimal("1234567.5")) == "¥1,234,567.50"
        assert yuan(Decimal("1234567.5"), 0) == "¥1,234,568"
    assert yuan(None) == "" and figure(None) == ""
    assert badge("suspected", "triage") == "danger" and badge("whatever", "triage") == "neutral"
