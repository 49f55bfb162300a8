"""CSV and XLSX exports of the staff lists (cases/exports.py): same rows and filters as the
list, visibility and role rules, formula injection, the XLSX row cap, the audit record and a
number of queries that does not grow with the rows."""

from __future__ import annotations

import csv
import io

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import User
from cases import models as m
from cases.exports import neutralise
from tests import factories as f

pytestmark = pytest.mark.django_db

LISTS = {
    "content": "cases:content-item-list",
    "triage": "cases:triage",
    "accounts": "cases:monitored-account-list",
    "campaigns": "cases:campaign-list",
    "evidence": "cases:evidence-list",
    "lawsuits": "cases:lawsuit-list",
    "deadlines": "cases:deadline-list",
    "requests": "cases:assistance-request-list",
    "imports": "cases:import-job-list",
}
EXECUTIVE_DENIED = {"evidence", "requests"}
HOSTILE = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


def client_for(user: User) -> Client:
    """A logged-in client whose pages and files are in English (the UI default is Chinese)."""
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def xlsx_rows(response) -> list[list]:
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


def make_rows(kind: str, n: int) -> None:
    if kind in ("content", "triage", "accounts"):
        f.ContentItemFactory.create_batch(n)
    elif kind == "campaigns":
        f.CampaignFactory.create_batch(n)
    elif kind == "evidence":
        f.EvidenceFactory.create_batch(n)
    elif kind == "lawsuits":
        f.LawsuitFactory.create_batch(n)
    elif kind == "deadlines":
        f.DeadlineFactory.create_batch(n)
    elif kind == "requests":
        f.AssistanceRequestFactory.create_batch(n)
    elif kind == "imports":
        f.ImportJobFactory.create_batch(n)


@pytest.mark.parametrize("kind", LISTS)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_every_list_exports_the_rows_it_shows(analyst, kind, fmt):
    make_rows(kind, 3)
    client = client_for(analyst)
    page = client.get(reverse(LISTS[kind]))
    shown = page.context["object_list"]

    response = client.get(reverse(LISTS[kind]), {"export": fmt})

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    rows = csv_rows(response) if fmt == "csv" else xlsx_rows(response)
    assert len(rows) == 1 + len(shown)
    exported_ids = sorted(int(row[0]) for row in rows[1:])
    assert exported_ids == sorted(obj.pk for obj in shown)


@pytest.mark.parametrize("kind", LISTS)
def test_export_control_is_on_every_list(analyst, kind):
    make_rows(kind, 1)
    html = client_for(analyst).get(reverse(LISTS[kind])).content.decode()
    assert 'data-export="csv"' in html and 'data-export="xlsx"' in html
    assert "export=csv" in html


def test_export_keeps_the_list_filters(analyst):
    kept = f.ContentItemFactory(triage_state=m.ContentItem.TriageState.PENDING)
    f.ContentItemFactory(triage_state=m.ContentItem.TriageState.CLOSED)

    response = client_for(analyst).get(
        reverse("cases:content-item-list"), {"triage_state": "pending", "export": "csv", "page": "3"}
    )

    rows = csv_rows(response)
    assert [int(row[0]) for row in rows[1:]] == [kept.pk]


def test_invalid_filters_export_nothing(analyst):
    f.ContentItemFactory()
    rows = csv_rows(
        client_for(analyst).get(
            reverse("cases:content-item-list"), {"lawyer": "x", "platform": "no"} | {"export": "csv"}
        )
    )
    assert rows[1:] == []


@pytest.mark.parametrize("kind", sorted(EXECUTIVE_DENIED))
def test_executives_cannot_export_lists_they_cannot_see(executive, kind):
    make_rows(kind, 1)
    assert client_for(executive).get(reverse(LISTS[kind]), {"export": "csv"}).status_code == 403
    assert not m.AuditEvent.objects.filter(action="export").exists()


def test_anonymous_export_goes_to_login(client):
    response = client.get(reverse("cases:content-item-list"), {"export": "csv"})
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_executives_get_figures_not_free_text(executive, analyst):
    item = f.ContentItemFactory(title="某博主的标题")
    exec_rows = csv_rows(client_for(executive).get(reverse("cases:content-item-list"), {"export": "csv"}))
    analyst_rows = csv_rows(client_for(analyst).get(reverse("cases:content-item-list"), {"export": "csv"}))
    assert "title" in analyst_rows[0] and item.title in analyst_rows[1]
    assert "title" not in exec_rows[0] and item.url not in exec_rows[1]
    assert "views" in exec_rows[0] and str(item.views) in exec_rows[1]


def test_assistance_export_never_contains_owners_contact_data(lawyer):
    req = f.AssistanceRequestFactory(owner_name="王小明", owner_phone="13812345678", owner_email="w@example.com")

    for fmt in ("csv", "xlsx"):
        response = client_for(lawyer).get(reverse("cases:assistance-request-list"), {"export": fmt})
        rows = csv_rows(response) if fmt == "csv" else xlsx_rows(response)
        text = repr(rows)
        assert req.reference in text
        for secret in ("王小明", "13812345678", "5678", "w@example.com", req.description):
            assert secret not in text


def test_formula_injection_is_neutralised_in_csv_and_xlsx(analyst):
    for title in HOSTILE:
        f.ContentItemFactory(title=title)

    csv_out = csv_rows(client_for(analyst).get(reverse("cases:content-item-list"), {"export": "csv"}))
    xlsx_out = xlsx_rows(client_for(analyst).get(reverse("cases:content-item-list"), {"export": "xlsx"}))

    column = csv_out[0].index("title")
    assert sorted(row[column] for row in csv_out[1:]) == sorted("'" + title for title in HOSTILE)
    column = xlsx_out[0].index("title")
    # XML reads a carriage return back as a line feed; what matters is the apostrophe before it.
    expected = sorted(("'" + title).replace("\r", "\n") for title in HOSTILE)
    assert sorted(row[column] for row in xlsx_out[1:]) == expected


def test_xlsx_cells_are_strings_never_formulas(analyst):
    f.ContentItemFactory(title="=1+1")
    response = client_for(analyst).get(reverse("cases:content-item-list"), {"export": "xlsx"})
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    cells = [cell for row in workbook.worksheets[0].iter_rows() for cell in row if cell.value == "'=1+1"]
    assert cells and all(cell.data_type == "s" for cell in cells)


def test_neutralise_leaves_ordinary_text_alone():
    assert neutralise("正常的标题 = 好") == "正常的标题 = 好"
    assert neutralise("") == ""
    assert neutralise("-") == "'-"


def test_xlsx_refuses_more_rows_than_its_cap_with_a_message(analyst, settings):
    settings.EXPORT_XLSX_MAX_ROWS = 2
    f.ContentItemFactory.create_batch(3)
    client = client_for(analyst)

    response = client.get(reverse("cases:content-item-list"), {"export": "xlsx", "q": ""}, follow=True)

    assert response.redirect_chain[0][0].startswith(reverse("cases:content-item-list"))
    assert "export=" not in response.redirect_chain[0][0]
    assert "more than 2 rows" in response.content.decode()
    assert not m.AuditEvent.objects.filter(action="export").exists()
    # CSV has no cap.
    assert len(csv_rows(client.get(reverse("cases:content-item-list"), {"export": "csv"}))) == 4


def test_unknown_format_is_refused_with_a_message(analyst):
    response = client_for(analyst).get(reverse("cases:lawsuit-list"), {"export": "pdf", "stage": "filed"})
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:lawsuit-list") + "?stage=filed"
    assert not m.AuditEvent.objects.filter(action="export").exists()


def test_every_export_is_audited_with_its_filters(analyst):
    f.ContentItemFactory()
    response = client_for(analyst).get(
        reverse("cases:content-item-list"), {"export": "csv", "triage_state": "new", "page": "2"}
    )
    b"".join(response.streaming_content)

    event = m.AuditEvent.objects.get(action="export")
    assert event.actor == analyst and event.object_type == "cases.contentitem" and event.object_id == "list"
    assert event.diff["format"] == "csv" and event.diff["filters"] == {"triage_state": ["new"]}
    assert event.request_id


def test_a_search_on_requests_is_audited_without_its_value(lawyer):
    f.AssistanceRequestFactory()
    response = client_for(lawyer).get(
        reverse("cases:assistance-request-list"), {"export": "csv", "q": "13812345678", "status": "submitted"}
    )
    b"".join(response.streaming_content)
    event = m.AuditEvent.objects.get(action="export")
    assert event.diff["filters"] == {"q": ["***"], "status": ["submitted"]}
    assert "13812345678" not in str(event.diff)


def _queries_for_export(client: Client, url: str, fmt: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, {"export": fmt})
        b"".join(response.streaming_content)
    return len(ctx.captured_queries)


@pytest.mark.parametrize("kind", ["content", "lawsuits", "requests", "deadlines"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_queries_do_not_grow_with_rows(analyst, kind, fmt, django_assert_max_num_queries):
    client = client_for(analyst)
    url = reverse(LISTS[kind])
    make_rows(kind, 2)
    few = _queries_for_export(client, url, fmt)
    make_rows(kind, 25)
    many = _queries_for_export(client, url, fmt)

    assert few == many
    with django_assert_max_num_queries(8):
        b"".join(client.get(url, {"export": fmt}).streaming_content)
