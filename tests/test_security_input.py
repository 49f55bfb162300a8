"""Hostile input on the staff pages (issue 9, abuse list): SQL metacharacters and NUL bytes in
every filter of every list, mass assignment through forms, oversized bodies, and WeasyPrint
never fetching local files or loopback URLs. (The API's side: tests/api/test_bad_input.py and
tests/api/test_bulk.py.)"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, get_resolver, reverse

from accounts.models import User
from cases import models as m
from cases.views.listing import FilteredListView
from tests import factories as f
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

HOSTILE_VALUES = [
    "' OR '1'='1",
    "1; DROP TABLE cases_contentitem; --",
    "\x00",
    "ab\x00cd",
    "%' AND pg_sleep(5) --",
    "\\",
    "汽车\u202e\u0000",
    "9" * 40,
    "-1",
    "me\x00",
]


def _list_views() -> list[tuple[str, type[FilteredListView]]]:
    found = []
    for pattern in get_resolver("cases.urls").url_patterns:
        view_class = getattr(getattr(pattern, "callback", None), "view_class", None)
        if (
            isinstance(pattern, URLPattern)
            and view_class
            and issubclass(view_class, FilteredListView)
            and "get" in view_class.http_method_names
            and hasattr(view_class, "get")
            and not pattern.pattern.converters
        ):
            found.append((f"cases:{pattern.name}", view_class))
    return found


LIST_VIEWS = _list_views()


def test_the_lists_are_found():
    assert {"cases:content-item-list", "cases:triage", "cases:lawsuit-list"} <= {name for name, _ in LIST_VIEWS}


@pytest.mark.parametrize(("name", "view_class"), LIST_VIEWS, ids=[name for name, _ in LIST_VIEWS])
def test_every_filter_survives_sql_metacharacters_and_nul_bytes(admin_client_, name, view_class):
    f.ContentItemFactory()
    f.LawsuitFactory()
    counts = (m.ContentItem.objects.count(), m.Lawsuit.objects.count(), User.objects.count())
    fields = list(view_class.filterset_class.base_filters)
    assert fields
    url = reverse(name)
    for field in fields:
        for value in HOSTILE_VALUES:
            response = admin_client_.get(url, {field: value, "page": value})
            assert response.status_code in (200, 400), (name, field, repr(value), response.status_code)
            assert "Traceback" not in response.content.decode()
    assert (m.ContentItem.objects.count(), m.Lawsuit.objects.count(), User.objects.count()) == counts


# --- Mass assignment --------------------------------------------------------------------------------


def test_the_password_form_does_not_take_a_role_or_superuser_flag(analyst_client, analyst):
    analyst_client.post(
        reverse("accounts:password-change"),
        {
            "old_password": PASSWORD,
            "new_password1": "plum-tractor-velvet-91",
            "new_password2": "plum-tractor-velvet-91",
            "role": "admin",
            "is_superuser": "on",
            "is_staff": "on",
        },
    )

    analyst.refresh_from_db()
    assert analyst.check_password("plum-tractor-velvet-91")  # the form itself went through
    assert (analyst.role, analyst.is_superuser, analyst.is_staff) == ("analyst", False, False)


def test_manual_entry_ignores_workflow_fields(analyst_client, lawyer):
    analyst_client.post(
        reverse("cases:content-item-create"),
        {
            "url": "https://weibo.com/77/mass",
            "triage_state": "closed",
            "severity": "5",
            "assessed_by": str(lawyer.pk),
            "assessed_at": "2020-01-01T00:00:00Z",
            "id": "1",
        },
    )

    item = m.ContentItem.objects.get(url__contains="weibo.com/77/mass")
    assert item.triage_state == m.ContentItem.TriageState.NEW
    assert item.assessed_at is None


def test_the_public_form_ignores_status_and_staff_fields(client, lawyer):
    from tests.cases.test_public_form import FORM, form_data

    client.post(FORM, form_data(status="accepted", eligibility="eligible", assigned_lawyer=str(lawyer.pk)))

    request = m.AssistanceRequest.objects.get()
    assert request.status == m.AssistanceRequest.Status.SUBMITTED
    assert request.eligibility == m.AssistanceRequest.Eligibility.UNKNOWN


# --- Oversized bodies -----------------------------------------------------------------------------------


def test_an_oversized_form_body_is_refused_with_400(settings, client):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    client = Client()

    response = client.post(reverse("accounts:login"), {"username": "x" * 4096, "password": "y"})

    assert response.status_code == 400
    assert "Traceback" not in response.content.decode()


def test_too_many_form_fields_are_refused_with_400(client):
    response = client.post(reverse("accounts:login"), {f"f{n}": "1" for n in range(1200)})

    assert response.status_code == 400


# --- WeasyPrint: no local files, no loopback ---------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:5432/",
        "http://localhost/",
        "http://[::1]/",
        "http://169.254.169.254/latest/meta-data/",
        "https://example.com/x.png",
    ],
)
def test_the_pdf_url_fetcher_refuses_everything_outside_the_document(url):
    from legalcases.pdf import refuse_url

    with pytest.raises(ValueError):
        refuse_url(url)


def test_a_pdf_with_hostile_references_fetches_nothing(monkeypatch):
    import legalcases.pdf

    asked: list[str] = []
    refuse = legalcases.pdf.refuse_url

    def watch(url):
        asked.append(url)
        refuse(url)

    monkeypatch.setattr(legalcases.pdf, "refuse_url", watch)
    html = '<link rel="stylesheet" href="http://127.0.0.1:1/x.css"><img src="file:///etc/passwd"><p>x</p>'

    pdf = legalcases.pdf.render_pdf(html)

    assert pdf.startswith(b"%PDF")
    # Every reference went to the refusing fetcher, none to WeasyPrint's own.
    assert "file:///etc/passwd" in asked and "http://127.0.0.1:1/x.css" in asked


def test_the_evidence_package_cover_escapes_titles():
    from django.template.loader import render_to_string

    html = render_to_string(
        "cases/evidence_package_cover.html",
        {"title": '<img src="file:///etc/passwd">', "rows": [{"title": "<script>x</script>"}], "generated_at": None},
    )

    assert '<img src="file:' not in html and "<script>x" not in html
    assert "&lt;img" in html and "&lt;script&gt;" in html
