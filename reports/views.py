"""The executive dashboard: the headline figures for a period, each linking to the list behind it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django import forms
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from accounts import permissions
from accounts.permissions import RoleRequiredMixin
from cases.models import (
    Assessment,
    AssistanceRequest,
    ContentItem,
    Lawsuit,
    MonitoredAccount,
)
from reports.selectors import HELP_TYPES_SHOWN, WON_OUTCOMES, headline_figures

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PeriodForm(forms.Form):
    """``?period=month|quarter|year|all`` or a custom ``?from=YYYY-MM-DD&to=YYYY-MM-DD`` (which wins)."""

    PERIODS = (
        ("all", _("All time")),
        ("year", _("This year")),
        ("quarter", _("This quarter")),
        ("month", _("This month")),
    )
    # Query-string names of the fields ("from" is a Python keyword, so the fields are date_from/date_to).
    PARAM_NAMES = {"date_from": "from", "date_to": "to"}

    period = forms.ChoiceField(label=_("Period"), choices=PERIODS, required=False)
    date_from = forms.DateField(
        label=_("From"),
        required=False,
        widget=DATE_WIDGET,
        error_messages={"invalid": _("Enter the start date as YYYY-MM-DD, e.g. 2025-01-31.")},
    )
    date_to = forms.DateField(
        label=_("To"),
        required=False,
        widget=DATE_WIDGET,
        error_messages={"invalid": _("Enter the end date as YYYY-MM-DD, e.g. 2025-12-31.")},
    )

    def add_prefix(self, field_name: str) -> str:
        return self.PARAM_NAMES.get(field_name, field_name)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The start date is after the end date."), code="reversed")
        return data

    def bounds(self, today: datetime.date) -> tuple[datetime.date | None, datetime.date | None, str]:
        """Return (date_from, date_to, period key) for valid data; "custom" when dates were given."""
        data = self.cleaned_data
        if data.get("date_from") or data.get("date_to"):
            return data.get("date_from"), data.get("date_to"), "custom"
        return (*period_bounds(data.get("period") or "all", today), data.get("period") or "all")


def period_bounds(period: str, today: datetime.date) -> tuple[datetime.date | None, datetime.date | None]:
    """Return the first and last day of a named period up to today: the month, quarter or year to date."""
    if period == "month":
        return today.replace(day=1), today
    if period == "quarter":
        return today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1), today
    if period == "year":
        return today.replace(month=1, day=1), today
    return None, None


@dataclass(frozen=True)
class Figure:
    """One card: the figure's key, its label, and the list behind it (URL name, fixed filters, period filters)."""

    key: str
    label: Promise
    url_name: str | None = None
    filters: tuple[tuple[str, str], ...] = ()
    period_params: tuple[str, str] | None = None  # (from-name, to-name) in the list's FilterSet
    model: type | None = None  # whose visibility decides whether the card links
    money: bool = False


ITEMS_FILTERS = ("discovered_from", "discovered_to")
ASSESSED_FILTERS = ("assessed_from", "assessed_to")
FILED_FILTERS = ("filed_from", "filed_to")
JUDGED_FILTERS = ("judged_from", "judged_to")
SUBMITTED_FILTERS = ("submitted_from", "submitted_to")
ITEMS, ACCOUNTS = "cases:content-item-list", "cases:monitored-account-list"
SUITS, REQUESTS = "cases:lawsuit-list", "cases:assistance-request-list"
WON_FILTERS = tuple(("outcome", str(outcome)) for outcome in WON_OUTCOMES)

SECTIONS: tuple[tuple[Promise, tuple[Figure, ...]], ...] = (
    (
        _("Monitoring and takedowns"),
        (
            Figure("items_total", _("Items discovered"), ITEMS, (), ITEMS_FILTERS, ContentItem),
            Figure(
                "items_assessed", _("Items assessed"), ITEMS, (("assessed", "true"),), ASSESSED_FILTERS, ContentItem
            ),
            Figure(
                "items_infringing",
                _("Items judged infringing"),
                ITEMS,
                tuple(("conclusion", str(value)) for value in Assessment.INFRINGING),
                ASSESSED_FILTERS,
                ContentItem,
            ),
            Figure(
                "items_removed", _("Items removed"), ITEMS, (("triage_state", "removed"),), ITEMS_FILTERS, ContentItem
            ),
            Figure(
                "accounts_monitored",
                _("Accounts monitored"),
                ACCOUNTS,
                tuple(("watch_status", str(value)) for value in MonitoredAccount.MONITORED_STATUSES),
                None,
                MonitoredAccount,
            ),
            # No complaint list exists yet: the card does not link.
            Figure("complaints_submitted", _("Platform complaints submitted")),
        ),
    ),
    (
        _("Litigation"),
        (
            Figure(
                "suits_filed",
                _("Suits filed by the company"),
                SUITS,
                (("our_role", Lawsuit.OurRole.PLAINTIFF), ("filed", "true")),
                FILED_FILTERS,
                Lawsuit,
            ),
            Figure(
                "suits_supporting_owners",
                _("Owner suits supported"),
                SUITS,
                (("our_role", Lawsuit.OurRole.SUPPORTING_OWNER), ("filed", "true")),
                FILED_FILTERS,
                Lawsuit,
            ),
            Figure("suits_won", _("Suits won"), SUITS, WON_FILTERS, JUDGED_FILTERS, Lawsuit),
            Figure("damages_awarded", _("Damages awarded"), SUITS, WON_FILTERS, JUDGED_FILTERS, Lawsuit, money=True),
        ),
    ),
    (
        _("Owner assistance"),
        (
            Figure("assistance_requests", _("Assistance requests"), REQUESTS, (), SUBMITTED_FILTERS, AssistanceRequest),
            Figure(
                "requests_with_evidence",
                _("Requests with evidence"),
                REQUESTS,
                (("has_evidence", "true"),),
                SUBMITTED_FILTERS,
                AssistanceRequest,
            ),
            *(
                Figure(
                    f"help_{help_type}",
                    AssistanceRequest.HelpType(help_type).label,
                    REQUESTS,
                    (("help_type", str(help_type)),),
                    SUBMITTED_FILTERS,
                    AssistanceRequest,
                )
                for help_type in HELP_TYPES_SHOWN
            ),
            Figure(
                "owners_suable",
                _("Owners with a suable case"),
                REQUESTS,
                (("eligibility", "suable"),),
                SUBMITTED_FILTERS,
                AssistanceRequest,
            ),
        ),
    ),
)


def figure_url(figure: Figure, user: Any, date_from: datetime.date | None, date_to: datetime.date | None) -> str | None:
    """Return the filtered list behind a figure, or None when there is none or the user may not open it."""
    if figure.url_name is None or figure.model is None or not permissions.can_view(user, figure.model):
        return None
    query = QueryDict(mutable=True)
    for name, value in figure.filters:
        query.appendlist(name, value)
    if figure.period_params:
        for name, day in zip(figure.period_params, (date_from, date_to), strict=True):
            if day is not None:
                query[name] = day.isoformat()
    encoded = query.urlencode()
    return reverse(figure.url_name) + (f"?{encoded}" if encoded else "")


def build_sections(
    figures: dict[str, Any], user: Any, date_from: datetime.date | None, date_to: datetime.date | None
) -> list[dict[str, Any]]:
    """Return the dashboard's sections of cards: label, value, link (None when not linkable)."""
    values = {**figures, **{f"help_{key}": value for key, value in figures["requests_by_help_type"].items()}}
    return [
        {
            "title": title,
            "cards": [
                {
                    "key": figure.key,
                    "label": figure.label,
                    "value": values[figure.key],
                    "money": figure.money,
                    "url": figure_url(figure, user, date_from, date_to),
                }
                for figure in figures_in_section
            ],
        }
        for title, figures_in_section in SECTIONS
    ]


class DashboardView(RoleRequiredMixin, TemplateView):
    """Headline figures for any staff role; executives included (counts only, no personal data)."""

    template_name = "reports/dashboard.html"

    def has_role_permission(self, user: Any) -> bool:
        return permissions.can_view_dashboard(user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        form = PeriodForm(self.request.GET or None)
        if form.is_bound and form.is_valid():
            date_from, date_to, period = form.bounds(today)
        else:
            # Bad dates: say so next to the form and show all-time figures rather than nothing.
            date_from, date_to, period = None, None, "all"
        figures = headline_figures(date_from=date_from, date_to=date_to)
        context.update(
            form=form,
            period=period,
            date_from=date_from,
            date_to=date_to,
            figures=figures,
            sections=build_sections(figures, self.request.user, date_from, date_to),
            period_links=[(key, label) for key, label in PeriodForm.PERIODS],
        )
        return context
