"""Periods, the page/API agreement, charts, the PDF, the weekly email and the public statement."""

from __future__ import annotations

import datetime
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from reports import charts
from reports.pdf import render_pdf
from reports.periods import PeriodForm, ReportPeriod, read_period
from reports.report import build_report, report_data
from reports.services import page_counter_css, report_email_send, report_recipients, weekly_period
from tests import factories as f

pytestmark = pytest.mark.django_db

D = datetime.date
DASHBOARD = reverse("reports:dashboard")
PDF = reverse("reports:dashboard-pdf")
OWNER_NAME, OWNER_PHONE, OWNER_EMAIL = "欧阳娜娜", "13912345678", "owner-secret@example.com"


@pytest.fixture
def data(lawyer):
    tz = timezone.get_default_timezone()
    march = datetime.datetime(2025, 3, 10, 12, tzinfo=tz)
    for _ in range(3):
        f.ContentItemFactory(discovered_at=march, assessed_at=march, conclusion="serious", triage_state="removed")
    f.ContentItemFactory(discovered_at=march)
    f.FiledLawsuitFactory(filed_on=D(2025, 3, 2), outcome="won", stage="effective", judgment_on=D(2025, 3, 20),
                          damages_awarded=Decimal("123456"), lawyer=lawyer)
    f.FiledLawsuitFactory(filed_on=D(2025, 3, 3), outcome="withdrawn", stage="withdrawn", lawyer=lawyer)
    f.AssistanceRequestFactory(submitted_at=march, has_evidence=True, owner_name=OWNER_NAME, owner_phone=OWNER_PHONE,
                               owner_email=OWNER_EMAIL, vin_last6="XYZ789", help_types=["lawyer_letter"])


# --- periods ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("period", "expected"),
    [
        (ReportPeriod("custom", D(2025, 3, 1), D(2025, 3, 31)), (D(2025, 1, 29), D(2025, 2, 28))),
        (ReportPeriod("month", D(2025, 3, 1), D(2025, 3, 17)), (D(2025, 2, 1), D(2025, 2, 17))),
        (ReportPeriod("month", D(2025, 3, 1), D(2025, 3, 31)), (D(2025, 2, 1), D(2025, 2, 28))),
        (ReportPeriod("quarter", D(2025, 1, 1), D(2025, 2, 10)), (D(2024, 10, 1), D(2024, 11, 10))),
        (ReportPeriod("year", D(2025, 1, 1), D(2025, 8, 17)), (D(2024, 1, 1), D(2024, 8, 17))),
    ],
)
def test_the_previous_period_has_the_same_length_just_before(period, expected):
    previous = period.previous()
    assert (previous.date_from, previous.date_to) == expected


def test_open_periods_have_nothing_to_compare_with():
    assert ReportPeriod("all", None, None).previous() is None
    assert ReportPeriod("custom", D(2025, 1, 1), None).previous() is None


def test_since_the_programme_began_runs_from_the_setting_to_today(settings):
    settings.REPORTS_PROGRAM_START = "2025-06-01"
    _form, period = read_period({"period": "program"}, D(2026, 1, 5))
    assert (period.key, period.date_from, period.date_to) == ("program", D(2025, 6, 1), D(2026, 1, 5))


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"from": "2025-05-01", "to": "2025-04-01"}, "The start date is after the end date."),
        ({"from": "2005-01-01", "to": "2025-01-01"}, "A range may cover at most 10 years."),
        ({"from": "1990-01-01"}, "Dates before 2000-01-01 are not in the records."),
        ({"from": "garbage"}, "Enter the start date as YYYY-MM-DD"),
        ({"to": "2025-02-30"}, "Enter the end date as YYYY-MM-DD"),
        ({"period": "decade"}, "Unknown period."),
    ],
)
def test_bad_ranges_are_refused_with_a_clear_message(query, message):
    with translation.override("en"):
        form, period = read_period(query, D(2025, 6, 1))
        assert not form.is_valid()
        assert message in " ".join(str(error) for errors in form.errors.values() for error in errors)
    assert period == ReportPeriod("all", None, None)


def test_exactly_ten_years_is_allowed():
    form = PeriodForm({"from": "2015-01-01", "to": "2024-12-31"})
    assert form.is_valid(), form.errors


@pytest.mark.parametrize("query", ["?from=2005-01-01&to=2025-12-31", "?period=%00", "?from=2025-01-01&to=%ff%fe",
                                   "?from=9999-12-31&to=9999-12-31", "?period=month&period=year"])
def test_the_page_never_fails_on_hostile_periods(admin_client_, data, query):
    response = admin_client_.get(DASHBOARD + query)
    assert response.status_code == 200
    response = admin_client_.get(PDF + query)
    assert response.status_code in (200, 302)
    if response.status_code == 302:  # a refused period: the dashboard explains it
        assert response["Location"].startswith(DASHBOARD + "?")
        assert admin_client_.get(response["Location"]).context["form"].errors


def test_cards_show_the_change_from_the_previous_period(admin_client_, data):
    response = admin_client_.get(DASHBOARD + "?from=2025-03-01&to=2025-03-31", HTTP_ACCEPT_LANGUAGE="en")
    cards = {card["key"]: card for section in response.context["sections"] for card in section["cards"]}

    assert cards["items_total"]["change"] == {
        "before": 0, "difference": 4, "percent": None, "direction": "up",
    }
    assert cards["accounts_monitored"]["change"] is None  # a current count is never compared
    assert "previous period 0" in response.content.decode()


# --- the page, the API, the PDF and the email agree ----------------------------------------------------------------

@pytest.mark.parametrize("query", ["", "?from=2025-03-01&to=2025-03-31", "?from=2025-04-01&to=2025-04-30"])
def test_the_api_summary_agrees_with_the_page(admin_user, data, query):
    client = Client()
    client.force_login(admin_user)
    page = client.get(DASHBOARD + query).context["figures"]
    api = client.get("/api/v1/stats/summary/" + query).json()

    assert api.pop("requests_by_help_type") == {key: page["requests_by_help_type"][key] for key in api_help_keys()}
    assert Decimal(str(api.pop("damages_awarded"))) == page["damages_awarded"]
    assert api == {key: page[key] for key in api}
    assert set(api) >= {"items_total", "items_assessed", "suits_filed", "owners_suable"}


def api_help_keys() -> list[str]:
    return ["evidence_guidance", "lawyer_letter", "litigation_support"]


def _poppler(tool: str, pdf: bytes, tmp_path, *args: str) -> str:
    """Run a poppler-utils tool (pdftotext, pdffonts) on the PDF and return what it prints."""
    path = tmp_path / f"{tool}.pdf"
    path.write_bytes(pdf)
    executable = shutil.which(tool)
    assert executable, f"{tool} (poppler-utils) is not installed"
    result = subprocess.run([executable, *args, str(path), *(["-"] if tool == "pdftotext" else [])],  # noqa: S603
                            capture_output=True, check=True, text=True)
    return result.stdout


def _pdf_text(pdf: bytes, tmp_path) -> str:
    return _poppler("pdftotext", pdf, tmp_path, "-layout")


def test_the_pdf_download_has_the_figures_page_numbers_and_embedded_chinese_fonts(executive_client, data, tmp_path):
    response = executive_client.get(PDF + "?from=2025-03-01&to=2025-03-31")

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="legalcases-report-2025-03-01-2025-03-31.pdf"'
    pdf = response.content
    text = _pdf_text(pdf, tmp_path)
    figures = report_data(ReportPeriod("custom", D(2025, 3, 1), D(2025, 3, 31)), timezone.localdate())["figures"]
    assert figures["items_total"] == 4 and figures["suits_won"] == 1
    assert "¥123,456" in text
    # The counters table: label, this period, previous period.
    with translation.override("zh-hans"):
        assert str(_label("items_total")) in text
    compact = "".join(text.split())
    assert "第1页/共" in compact or "Page1of" in compact
    fonts = _poppler("pdffonts", pdf, tmp_path)
    assert "NotoSansCJK" in fonts.replace("-", "") and " yes " in fonts


def _label(key: str):
    from reports.figures import SECTIONS

    return next(figure.label for _title, figures in SECTIONS for figure in figures if figure.key == key)


def test_the_pdf_footer_counts_pages_in_chinese():
    with translation.override("zh-hans"):
        css = page_counter_css()
    with translation.override("en"):
        english = page_counter_css()
    assert english == '"Page " counter(page) " of " counter(pages)'
    assert "counter(page)" in css and "counter(pages)" in css


def test_the_pdf_fetches_no_file_or_network_url(tmp_path, settings, caplog):
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"\x89PNG\r\n\x1a\n")
    settings.TEMPLATES = [{
        **django_settings.TEMPLATES[0],
        "DIRS": [*django_settings.TEMPLATES[0]["DIRS"], tmp_path],
    }]
    (tmp_path / "probe.html").write_text(
        f'<img src="file://{secret}"><img src="http://127.0.0.1:9/x.png">'
        '<link rel="stylesheet" href="https://example.com/x.css">'
        '<img src="data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22/%3E">'
    )
    with caplog.at_level("WARNING", logger="reports.pdf"):
        pdf = render_pdf("probe.html", {})
    assert pdf.startswith(b"%PDF")
    refused = [record.getMessage() for record in caplog.records if "refused" in record.getMessage()]
    assert any("file://" in message for message in refused)
    assert any("http://127.0.0.1:9" in message for message in refused)
    assert any("https://example.com" in message for message in refused)
    assert not any("data:" in message for message in refused)


def test_the_weekly_email_goes_to_executives_and_the_configured_list_with_the_pdf(data, settings, executive,
                                                                                  tmp_path):
    settings.REPORTS_EXTRA_RECIPIENTS = ["board@example.com", executive.email.upper() or "x@example.com"]
    executive.email = executive.email or "exec@example.com"
    executive.save()
    f.UserFactory(role="executive", email="former@example.com", is_active=False)
    f.UserFactory(role="analyst", email="analyst@example.com")

    sent = report_email_send(today=D(2025, 3, 12))

    [message] = mail.outbox
    assert sent == len(message.bcc) and message.to == []
    assert "board@example.com" in message.bcc and executive.email in message.bcc
    assert "former@example.com" not in message.bcc and "analyst@example.com" not in message.bcc
    assert "2025-03-03" in message.subject and "2025-03-09" in message.subject
    [(name, pdf, kind)] = message.attachments
    assert kind == "application/pdf" and name == "legalcases-report-2025-03-03-2025-03-09.pdf"
    assert pdf.startswith(b"%PDF")
    # Counts only: no owner's personal data in the body or the PDF.
    text = message.body + _pdf_text(pdf, tmp_path)
    for secret in (OWNER_NAME, OWNER_PHONE, OWNER_EMAIL, "XYZ789", OWNER_NAME[0] + "*"):
        assert secret not in text


def test_no_recipients_means_no_email(settings):
    settings.REPORTS_EXTRA_RECIPIENTS = []
    assert report_recipients() == [] and report_email_send(today=D(2025, 3, 12)) == 0
    assert mail.outbox == []


def test_the_week_is_the_last_full_monday_to_sunday():
    assert weekly_period(D(2025, 3, 10)) == ReportPeriod("custom", D(2025, 3, 3), D(2025, 3, 9))  # a Monday
    assert weekly_period(D(2025, 3, 16)) == ReportPeriod("custom", D(2025, 3, 3), D(2025, 3, 9))  # a Sunday


def test_the_weekly_report_is_in_the_beat_schedule():
    entry = django_settings.CELERY_BEAT_SCHEDULE["weekly-executive-report"]
    assert entry["task"] == "reports.send_weekly_report"
    from legalcases.celery import app

    app.loader.import_default_modules()
    assert "reports.send_weekly_report" in app.tasks


def test_executives_see_no_personal_data_on_the_page_or_in_the_pdf(executive_client, data, tmp_path):
    html = executive_client.get(DASHBOARD).content.decode()
    pdf_text = _pdf_text(executive_client.get(PDF).content, tmp_path)
    for text in (html, pdf_text):
        for secret in (OWNER_NAME, OWNER_PHONE, OWNER_EMAIL, "XYZ789", OWNER_NAME[0] + "*", "138****"):
            assert secret not in text
    assert reverse("cases:assistance-request-list") not in html


# --- statement, charts, cache -----------------------------------------------------------------------------------------

def test_the_public_statement_uses_the_same_figures(data):
    with translation.override("en"):
        report = build_report(ReportPeriod("custom", D(2025, 3, 1), D(2025, 3, 31)), user=None, today=D(2025, 6, 1))
    text = report["statement"]
    figures = report["figures"]
    for value in (figures["items_total"], figures["items_assessed"], figures["suits_filed"],
                  figures["assistance_requests"], figures["requests_with_evidence"]):
        assert str(value) in text
    assert "123,456" in text and "2025" in text


def test_charts_are_accessible_svg_with_escaped_labels_and_a_table():
    chart = charts.bar_chart("<b>标题</b>", [("微博<script>", 3), ("抖音", 1)], label_header="平台",
                             value_header="数量", links=["/x?a=1&b=2", None])
    svg = str(chart.svg)

    assert svg.startswith("<svg") and 'role="img"' in svg and "<title" in svg and "<desc" in svg
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "&lt;b&gt;" in svg
    assert 'href="/x?a=1&amp;b=2"' in svg
    assert chart.rows == [["微博<script>", 3], ["抖音", 1]]
    line = charts.line_chart("趋势", ["2025-01", "2025-02"], [("舆情", [1, 5])], label_header="月份")
    assert 'role="img"' in str(line.svg) and line.rows == [["2025-01", 1], ["2025-02", 5]]


def test_the_page_draws_the_charts_with_table_fallbacks(admin_client_, data):
    html = admin_client_.get(DASHBOARD).content.decode()
    assert html.count('role="img"') >= 8
    assert html.count("<details class=\"chart-table\">") >= 8


def test_figures_are_cached_per_period_when_configured(settings, data, django_assert_max_num_queries):
    settings.REPORTS_CACHE_SECONDS = 60
    period = ReportPeriod("custom", D(2025, 3, 1), D(2025, 3, 31))
    first = report_data(period, D(2025, 6, 1))
    with django_assert_max_num_queries(0):
        again = report_data(period, D(2025, 6, 1))
    assert again == first


def test_the_warm_up_job_recomputes_every_preset_into_the_cache(settings, data, django_assert_max_num_queries):
    from reports.periods import PRESETS, preset_bounds
    from reports.tasks import warm_dashboard

    settings.REPORTS_CACHE_SECONDS = 60
    assert warm_dashboard.delay().get() == len(PRESETS)
    today = timezone.localdate()
    with django_assert_max_num_queries(0):
        for key, _label in PRESETS:
            report_data(ReportPeriod(key, *preset_bounds(key, today)), today)
    assert django_settings.CELERY_BEAT_SCHEDULE["warm-dashboard"]["task"] == "reports.warm_dashboard"


def test_each_month_of_the_trend_opens_the_items_discovered_that_month(admin_client_, data):
    trend = admin_client_.get(DASHBOARD + "?from=2025-02-01&to=2025-03-31").context["trend"]
    [february, march] = trend["rows"]
    assert march["cells"][:2] == ["2025-03", 4]
    response = admin_client_.get(march["url"])
    assert response.context["page_obj"].paginator.count == 4
    assert "discovered_from=2025-02-01" in february["url"] and "discovered_to=2025-02-28" in february["url"]
