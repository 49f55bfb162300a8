"""Report jobs: the PDF of a period and the weekly email to executives (tasks in reports/tasks.py)."""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from reports.pdf import render_pdf
from reports.periods import PRESETS, ReportPeriod, preset_bounds
from reports.report import build_report, report_data

logger = logging.getLogger(__name__)


def page_counter_css() -> str:
    """The CSS ``content`` value of the page footer: "第 N 页 / 共 M 页" with CSS counters."""
    text = _("Page %(page)s of %(pages)s")
    pieces = []
    for chunk in text.replace("%(pages)s", "\0pages\0").replace("%(page)s", "\0page\0").split("\0"):
        if chunk in ("page", "pages"):
            pieces.append(f"counter({chunk})")
        elif chunk:
            pieces.append('"' + chunk.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return " ".join(pieces)


def report_pdf(period: ReportPeriod, *, today: datetime.date | None = None, language: str = "zh-hans") -> bytes:
    """Render the report of a period as a PDF (no links, no personal data): cover, figures, charts, lists."""
    with translation.override(language):
        context = build_report(period, user=None, today=today)
        context["page_counter"] = page_counter_css()
        context["running_title"] = _("Legal department report")
        return render_pdf("reports/pdf/report.html", context)


def report_filename(period: ReportPeriod, today: datetime.date) -> str:
    start = period.date_from.isoformat() if period.date_from else "all"
    end = (period.date_to or today).isoformat()
    return f"legalcases-report-{start}-{end}.pdf"


def report_recipients() -> list[str]:
    """Active executives with an email address, plus ``REPORTS_EXTRA_RECIPIENTS``; each address once."""
    found = (
        User.objects.filter(is_active=True, role=User.Role.EXECUTIVE).exclude(email="").values_list("email", flat=True)
    )
    seen: dict[str, str] = {}
    for address in [*found, *getattr(settings, "REPORTS_EXTRA_RECIPIENTS", [])]:
        address = address.strip()
        if address and address.lower() not in seen:
            seen[address.lower()] = address
    return sorted(seen.values())


def weekly_period(today: datetime.date) -> ReportPeriod:
    """The last full week, Monday to Sunday, before ``today``."""
    end = today - datetime.timedelta(days=today.weekday() + 1)
    return ReportPeriod("custom", end - datetime.timedelta(days=6), end)


def report_email_send(*, today: datetime.date | None = None) -> int:
    """Email last week's report (PDF attached) to the executives; return how many recipients it went to."""
    today = today or timezone.localdate()
    recipients = report_recipients()
    if not recipients:
        logger.info("Weekly report: no recipients configured")
        return 0
    period = weekly_period(today)
    pdf = report_pdf(period, today=today)
    with translation.override("zh-hans"):
        context = build_report(period, user=None, today=today)
        subject = " ".join(render_to_string("emails/weekly-report-subject.txt", context).split())
        body = render_to_string("emails/weekly-report-body.txt", context)
    message = EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, bcc=recipients)
    message.attach(report_filename(period, today), pdf, "application/pdf")
    message.send()
    logger.info("Weekly report sent to %d recipients", len(recipients))
    return len(recipients)


def dashboard_warm(*, today: datetime.date | None = None) -> int:
    """Recompute the figures of every preset period into the cache; return how many were computed.

    With a shared cache (``CACHE_URL``, Redis) every web process then serves the presets from it.
    """
    today = today or timezone.localdate()
    for key, _label in PRESETS:
        report_data(ReportPeriod(key, *preset_bounds(key, today)), today, refresh=True)
    return len(PRESETS)
