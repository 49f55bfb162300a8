"""The headline cards: which figure, its label, and the filtered list behind it (docs/metrics.md)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.http import QueryDict
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts import permissions
from cases.models import (
    Assessment,
    AssistanceRequest,
    ContentItem,
    Lawsuit,
    MonitoredAccount,
)
from reports.selectors import HELP_TYPES_SHOWN, WON_OUTCOMES


def list_url(url_name: str, params: Iterable[tuple[str, Any]], *, user: Any, model: type | None) -> str | None:
    """Return a list's URL with its filters, or None when the user may not open that list."""
    if user is None or model is None or not permissions.can_view(user, model):
        return None
    query = QueryDict(mutable=True)
    for name, value in params:
        if value is not None and value != "":
            query.appendlist(name, value.isoformat() if isinstance(value, datetime.date) else str(value))
    encoded = query.urlencode()
    return reverse(url_name) + (f"?{encoded}" if encoded else "")


@dataclass(frozen=True)
class Figure:
    """One card: the figure's key, its label, and the list behind it (URL name, fixed filters, period filters)."""

    key: str
    label: Promise | str
    url_name: str | None = None
    filters: tuple[tuple[str, str], ...] = ()
    period_params: tuple[str, str] | None = None  # (from-name, to-name) in the list's FilterSet
    model: type | None = None  # whose visibility decides whether the card links
    money: bool = False
    stock: bool = False  # a current count (the same for every period): never compared


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
                stock=True,
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
    if figure.url_name is None:
        return None
    params: list[tuple[str, Any]] = list(figure.filters)
    if figure.period_params:
        params += list(zip(figure.period_params, (date_from, date_to), strict=True))
    return list_url(figure.url_name, params, user=user, model=figure.model)


def flat_values(figures: dict[str, Any]) -> dict[str, Any]:
    """The figures with the help types spread out as ``help_<type>`` keys, as the cards name them."""
    return {**figures, **{f"help_{key}": value for key, value in figures["requests_by_help_type"].items()}}


def change(value: Any, before: Any) -> dict[str, Any] | None:
    """Return the change from the previous period: difference, percentage (None from zero), direction."""
    if before is None:
        return None
    difference = value - before
    percent = None if not before else round(float(difference) * 100 / float(before), 1)
    return {
        "before": before,
        "difference": difference,
        "percent": percent,
        "direction": "up" if difference > 0 else "down" if difference < 0 else "same",
    }


def build_sections(
    figures: dict[str, Any],
    user: Any,
    date_from: datetime.date | None,
    date_to: datetime.date | None,
    previous: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Return the dashboard's sections of cards: label, value, change from the previous period, link."""
    values = flat_values(figures)
    before = flat_values(previous) if previous else {}
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
                    # A current count has no previous value: comparing it would always show "no change".
                    "change": None if figure.stock else change(values[figure.key], before.get(figure.key)),
                }
                for figure in figures_in_section
            ],
        }
        for title, figures_in_section in SECTIONS
    ]
