"""Police and administrative reports: the status moves and their refusals, role checks, the items'
estimated loss against the art. 221 threshold on the report and item pages, and query bounds."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from accounts import permissions
from cases import models as m
from cases.services import authority_reports as svc
from tests import factories as f

pytestmark = pytest.mark.django_db
S = m.AuthorityReport.Status
CREATE = reverse("cases:report-create")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def draft(actor, *items, **extra) -> m.AuthorityReport:
    items = items or (f.ContentItemFactory(),)
    return svc.report_create(actor=actor, authority_type="police", authority_name="某区公安分局网安大队", items=items, **extra)


def moves_recorded(report) -> list[tuple[str, str]]:
    return list(
        m.StateChange.objects.filter(object_type="cases.authorityreport", object_id=report.pk)
        .order_by("id")
        .values_list("from_state", "to_state")
    )


# --- service: moves and refusals -----------------------------------------------------------------


def test_a_report_walks_draft_filed_accepted_case_opened_closed(analyst):
    report = draft(analyst)
    today = timezone.localdate()
    report = svc.report_move(report=report, to=S.FILED, actor=analyst, on=today - datetime.timedelta(days=3), receipt_number="JB2026-0001")
    assert report.reported_on == today - datetime.timedelta(days=3) and report.receipt_number == "JB2026-0001"
    report = svc.report_move(report=report, to=S.ACCEPTED, actor=analyst, on=today - datetime.timedelta(days=1))
    assert report.decided_on == today - datetime.timedelta(days=1)
    report = svc.report_move(report=report, to=S.CASE_OPENED, actor=analyst, reason="立案决定书")
    report = svc.report_move(report=report, to=S.CLOSED, actor=analyst, outcome="移送起诉")
    report.refresh_from_db()
    assert report.status == S.CLOSED and report.outcome == "移送起诉"
    assert moves_recorded(report) == [
        ("draft", "filed"),
        ("filed", "accepted"),
        ("accepted", "case_opened"),
        ("case_opened", "closed"),
    ]


@pytest.mark.parametrize(
    ("path", "target"),
    [((), S.ACCEPTED), ((), S.CLOSED), ((S.FILED,), S.CASE_OPENED), ((S.FILED, S.NOT_ACCEPTED), S.CASE_OPENED)],
)
def test_a_move_that_skips_a_step_is_refused_and_changes_nothing(analyst, path, target):
    report = draft(analyst)
    for step in path:
        report = svc.report_move(report=report, to=step, actor=analyst, outcome="x")
    before = report.status
    with pytest.raises(ValidationError) as error:
        svc.report_move(report=report, to=target, actor=analyst, outcome="x", receipt_number="R1")
    assert error.value.code == "illegal_transition"
    report.refresh_from_db()
    assert report.status == before and len(moves_recorded(report)) == len(path)


def test_bad_dates_and_missing_facts_are_refused(analyst):
    report = draft(analyst)
    with pytest.raises(ValidationError):
        svc.report_move(report=report, to=S.FILED, actor=analyst, on=timezone.localdate() + datetime.timedelta(days=1))
    report = svc.report_move(report=report, to=S.FILED, actor=analyst, on=timezone.localdate())
    with pytest.raises(ValidationError) as error:
        svc.report_move(report=report, to=S.ACCEPTED, actor=analyst, on=timezone.localdate() - datetime.timedelta(days=2))
    assert error.value.message_dict.keys() == {"on"}  # the decision cannot predate the report
    report = svc.report_move(report=report, to=S.ACCEPTED, actor=analyst)
    with pytest.raises(ValidationError) as error:
        svc.report_move(report=report, to=S.CASE_OPENED, actor=analyst)
    assert "receipt_number" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        svc.report_move(report=report, to=S.CLOSED, actor=analyst, outcome="  ")
    assert "outcome" in error.value.message_dict
    report.refresh_from_db()
    assert report.status == S.ACCEPTED


def test_a_report_needs_an_item_or_an_account_and_an_authority(analyst):
    with pytest.raises(ValidationError):
        svc.report_create(actor=analyst, authority_type="police")
    with pytest.raises(ValidationError):
        svc.report_create(actor=analyst, authority_type="mayor", items=[f.ContentItemFactory()])
    assert not m.AuthorityReport.objects.exists()


def test_executives_may_read_but_not_report(executive, analyst):
    assert permissions.can_view(executive, m.AuthorityReport)
    assert not permissions.can_edit(executive, m.AuthorityReport)
    with pytest.raises(PermissionDenied):
        draft(executive)
    report = draft(analyst)
    with pytest.raises(PermissionDenied):
        svc.report_move(report=report, to=S.FILED, actor=executive)


# --- art. 221 threshold ---------------------------------------------------------------------------


def test_the_loss_summary_takes_each_items_latest_estimate(analyst):
    a, b, c = f.ContentItemFactory(), f.ContentItemFactory(), f.ContentItemFactory()
    old = f.AssessmentFactory(content_item=a, estimated_loss=Decimal("900000"))
    m.Assessment.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=5))
    f.AssessmentFactory(content_item=a, estimated_loss=Decimal("300000"))
    f.AssessmentFactory(content_item=b, estimated_loss=Decimal("250000"))
    f.AssessmentFactory(content_item=c, estimated_loss=None)
    loss = svc.loss_summary([a.pk, b.pk, c.pk])
    assert loss.total == Decimal("550000") and loss.assessed == 2 and loss.items == 3
    assert loss.threshold == Decimal("500000") and loss.above
    with override_settings(ART221_LOSS_THRESHOLD=600_000):
        loss = svc.loss_summary([a.pk, b.pk])
        assert not loss.above and loss.shortfall == Decimal("50000")
    assert not svc.loss_summary([c.pk]).known


def test_the_report_page_shows_the_loss_above_the_threshold(analyst):
    item = f.ContentItemFactory()
    f.AssessmentFactory(content_item=item, estimated_loss=Decimal("650000"))
    report = draft(analyst, item)
    page = client_for(analyst).get(report.get_absolute_url()).content.decode()
    assert 'data-threshold="above"' in page
    assert "650,000.00" in page and "500,000.00" in page


def test_the_item_page_shows_the_loss_below_the_threshold_and_links_to_a_report(analyst):
    item = f.ContentItemFactory()
    f.AssessmentFactory(content_item=item, estimated_loss=Decimal("120000"))
    page = client_for(analyst).get(item.get_absolute_url()).content.decode()
    assert 'data-threshold="below"' in page and "120,000.00" in page and "380,000.00" in page
    assert f"{CREATE}?item={item.pk}" in page


def test_the_account_page_links_to_a_report_for_editors_only(analyst, executive):
    account = f.MonitoredAccountFactory()
    assert f"{CREATE}?account={account.pk}" in client_for(analyst).get(account.get_absolute_url()).content.decode()
    assert f"{CREATE}?account={account.pk}" not in client_for(executive).get(account.get_absolute_url()).content.decode()


# --- pages ----------------------------------------------------------------------------------------


def test_a_report_is_drafted_from_an_account_page(analyst):
    account = f.MonitoredAccountFactory()
    item = f.ContentItemFactory(account=account, platform=account.platform)
    client = client_for(analyst)
    assert client.get(CREATE, {"account": account.pk}).status_code == 200
    response = client.post(
        f"{CREATE}?account={account.pk}",
        {"authority_type": "cac_12377", "authority_name": "<script>x</script>", "items": [item.pk], "summary": "造谣"},
    )
    report = m.AuthorityReport.objects.get()
    assert response.status_code == 302 and response["Location"] == report.get_absolute_url()
    assert list(report.content_items.all()) == [item] and list(report.accounts.all()) == [account]
    assert report.created_by == analyst
    page = client.get(report.get_absolute_url()).content.decode()
    assert "<script>x</script>" not in page and "&lt;script&gt;" in page


def test_the_move_form_files_the_report_and_an_illegal_post_changes_nothing(analyst):
    report = draft(analyst)
    client = client_for(analyst)
    url = reverse("cases:report-move", args=[report.pk])
    bad = client.post(url, {"to": "closed", "outcome": "x"})
    assert bad.status_code == 400
    report.refresh_from_db()
    assert report.status == S.DRAFT
    ok = client.post(url, {"to": "filed", "on": timezone.localdate().isoformat(), "receipt_number": "12377-88"})
    assert ok.status_code == 302
    report.refresh_from_db()
    assert report.status == S.FILED and report.receipt_number == "12377-88"


def test_executives_see_the_pages_but_cannot_create_or_move(executive, analyst):
    report = draft(analyst)
    client = client_for(executive)
    assert client.get(reverse("cases:report-list")).status_code == 200
    page = client.get(report.get_absolute_url())
    assert page.status_code == 200 and "move_form" not in page.context
    assert client.get(CREATE).status_code == 403
    assert client.post(reverse("cases:report-move", args=[report.pk]), {"to": "filed"}).status_code == 403
    report.refresh_from_db()
    assert report.status == S.DRAFT


def test_list_and_detail_queries_are_bounded(analyst, django_assert_max_num_queries):
    items = [f.ContentItemFactory() for _ in range(3)]
    for item in items:
        f.AssessmentFactory(content_item=item, estimated_loss=Decimal("1000"))
    reports = [draft(analyst, *items) for _ in range(6)]
    client = client_for(analyst)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("cases:report-list")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reports[0].get_absolute_url()).status_code == 200


def test_the_new_table_is_audited(analyst):
    report = draft(analyst)
    assert m.AuditEvent.objects.filter(object_type="cases.authorityreport", object_id=str(report.pk)).exists()
