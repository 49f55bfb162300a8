"""The executive report for a period: its numbers (cached), and the same numbers dressed for a reader.

``report_data`` gathers every figure of the dashboard in a fixed, small number of queries and
keeps the result in the cache for ``REPORTS_CACHE_SECONDS`` (the figures are at most that old;
the page says when they were computed). ``present`` adds labels, charts, changes from the
previous period and, for a user, the filtered list behind each figure. The dashboard page, the
PDF and the weekly email all go through ``build_report``, so they cannot disagree.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cases.models import (
    Assessment,
    AssistanceRequest,
    Campaign,
    ContentItem,
    Deadline,
    Lawsuit,
    MonitoredAccount,
)
from reports import breakdowns, charts, rollups
from reports.figures import ASSESSED_FILTERS, ITEMS_FILTERS, SUBMITTED_FILTERS, build_sections, list_url
from reports.periods import ReportPeriod
from reports.selectors import WON_OUTCOMES, Period, headline_figures_each

ITEMS, ACCOUNTS = "cases:content-item-list", "cases:monitored-account-list"
SUITS, REQUESTS = "cases:lawsuit-list", "cases:assistance-request-list"
INFRINGING_PARAMS = [("conclusion", str(value)) for value in Assessment.INFRINGING]
CACHE_VERSION = 1


def report_data(period: ReportPeriod, today: datetime.date, *, refresh: bool = False) -> dict[str, Any]:
    """Return every number of the report for the period: figures, previous figures, funnels, breakdowns.

    Served from the cache when computed less than ``REPORTS_CACHE_SECONDS`` ago; ``refresh`` recomputes
    (the warm-up job does, so readers of the presets never wait for the full computation).
    """
    seconds = int(getattr(settings, "REPORTS_CACHE_SECONDS", 0) or 0)
    key = f"reports:data:v{CACHE_VERSION}:{period.date_from}:{period.date_to}:{today.isoformat()}"
    if seconds > 0 and not refresh and (cached := cache.get(key)) is not None:
        return cached
    with rollups.reading():
        data = _compute(period, today)
    if seconds > 0:
        cache.set(key, data, seconds)
    return data


def _compute(period: ReportPeriod, today: datetime.date) -> dict[str, Any]:
    bounds = Period(period.date_from, period.date_to)
    previous = period.previous()
    content_funnel, platforms = breakdowns.content_overview(bounds)
    top_accounts, top_agencies = breakdowns.top_infringers(bounds)
    # The period's and the previous period's headline figures in the same queries (one FILTER per period).
    figures = headline_figures_each([bounds, *([Period(previous.date_from, previous.date_to)] if previous else [])])
    return {
        "content_funnel": content_funnel,
        "platforms": platforms,
        "figures": figures[0],
        "previous": figures[1] if previous else None,
        "previous_from": previous.date_from if previous else None,
        "previous_to": previous.date_to if previous else None,
        "owner_funnel": breakdowns.owner_funnel(bounds),
        "trends": breakdowns.monthly_trends(bounds, today),
        "dimensions": breakdowns.by_category_and_type(bounds),
        "top_accounts": top_accounts,
        "top_agencies": top_agencies,
        "lawsuits": breakdowns.lawsuits_by_stage_and_outcome(bounds),
        "response_times": breakdowns.platform_response_times(bounds),
        "deadlines": breakdowns.deadlines_at_risk(today),
        "computed_at": timezone.now(),
    }


def _platform_name(row: dict[str, Any], prefix: str = "name") -> str:
    english = (get_language() or "").startswith("en")
    return row[f"{prefix}_en"] if english else row[f"{prefix}_zh"]


def _choice_label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _content_funnel(data: dict[str, Any], period: ReportPeriod, user: Any) -> charts.Chart:
    funnel = data["content_funnel"]
    found = list(zip(ITEMS_FILTERS, (period.date_from, period.date_to), strict=True))
    acted = [("triage_state", str(state)) for state in breakdowns.ACTED_STATES]
    assessed_infringing = [("assessed", "true"), *INFRINGING_PARAMS]
    filed = [("filed", "true")]
    won = [("outcome", str(outcome)) for outcome in WON_OUTCOMES]
    steps = [
        (_("Items discovered"), funnel["imported"], list_url(ITEMS, found, user=user, model=ContentItem)),
        (
            _("Assessed"),
            funnel["assessed"],
            list_url(ITEMS, [("assessed", "true"), *found], user=user, model=ContentItem),
        ),
        (
            _("Judged infringing"),
            funnel["infringing"],
            list_url(ITEMS, [*assessed_infringing, *found], user=user, model=ContentItem),
        ),
        (
            _("Acted on"),
            funnel["acted"],
            list_url(ITEMS, [*assessed_infringing, *acted, *found], user=user, model=ContentItem),
        ),
        (
            _("Removed"),
            funnel["removed"],
            list_url(ITEMS, [*assessed_infringing, ("triage_state", "removed"), *found], user=user, model=ContentItem),
        ),
        # Items have no "sued" filter: these two open the suits themselves.
        (_("In a suit"), funnel["sued"], list_url(SUITS, filed, user=user, model=Lawsuit)),
        (_("In a suit won"), funnel["won"], list_url(SUITS, won, user=user, model=Lawsuit)),
    ]
    return charts.funnel_chart(
        _("Content funnel (items discovered in the period)"),
        [(label, value) for label, value, _url in steps],
        label_header=_("Step"),
        value_header=_("Items"),
        share_header=_("Share of discovered"),
        links=[url for _label, _value, url in steps],
    )


def _owner_funnel(data: dict[str, Any], period: ReportPeriod, user: Any) -> charts.Chart:
    funnel = data["owner_funnel"]
    sent = list(zip(SUBMITTED_FILTERS, (period.date_from, period.date_to), strict=True))
    model = AssistanceRequest
    steps = [
        (_("Requests"), funnel["requests"], list_url(REQUESTS, sent, user=user, model=model)),
        (
            _("With evidence"),
            funnel["with_evidence"],
            list_url(REQUESTS, [("has_evidence", "true"), *sent], user=user, model=model),
        ),
        (_("Suable"), funnel["suable"], list_url(REQUESTS, [("eligibility", "suable"), *sent], user=user, model=model)),
        (
            _("Lawyer letter or suit"),
            funnel["letter_or_suit"],
            list_url(REQUESTS, [("status", "letter"), ("status", "litigation"), *sent], user=user, model=model),
        ),
        (_("Resolved"), funnel["resolved"], list_url(REQUESTS, [("status", "closed"), *sent], user=user, model=model)),
    ]
    return charts.funnel_chart(
        _("Owners' funnel (requests submitted in the period)"),
        [(label, value) for label, value, _url in steps],
        label_header=_("Step"),
        value_header=_("Requests"),
        share_header=_("Share of requests"),
        links=[url for _label, _value, url in steps],
    )


def _month_end(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)


def _trend_chart(data: dict[str, Any], user: Any) -> charts.Chart:
    trends = data["trends"]
    labels = [month.strftime("%Y-%m") for month in trends["months"]]
    links = [
        list_url(
            ITEMS, [("discovered_from", month), ("discovered_to", _month_end(month))], user=user, model=ContentItem
        )
        for month in trends["months"]
    ]
    return charts.line_chart(
        _("Month by month"),
        labels,
        [
            (_("Items discovered"), trends["items"]),
            (_("Judged infringing"), trends["infringing"]),
            (_("Assistance requests"), trends["requests"]),
            (_("Suits filed"), trends["suits"]),
        ],
        label_header=_("Month"),
        links=links,
    )


def _platform_chart(data: dict[str, Any], period: ReportPeriod, user: Any) -> charts.Chart:
    found = list(zip(ITEMS_FILTERS, (period.date_from, period.date_to), strict=True))
    rows = data["platforms"]
    chart = charts.bar_chart(
        _("Items discovered by platform"),
        [(_platform_name(row), row["items"]) for row in rows],
        label_header=_("Platform"),
        value_header=_("Items"),
        links=[list_url(ITEMS, [("platform", row["code"]), *found], user=user, model=ContentItem) for row in rows],
    )
    chart.headers += [_("Judged infringing"), _("Removed")]
    for table_row, row in zip(chart.rows, rows, strict=True):
        table_row += [row["infringing"], row["removed"]]
    return chart


def _dimension_charts(data: dict[str, Any]) -> tuple[charts.Chart, charts.Chart]:
    dims = data["dimensions"]
    category = charts.bar_chart(
        _("Items by campaign category"),
        [(_choice_label(Campaign.Category, value), count) for value, count in dims["category"]],
        label_header=_("Campaign category"),
        value_header=_("Items"),
        color=charts.PALETTE[1],
    )
    kinds = charts.bar_chart(
        _("Items by infringement type"),
        [(_choice_label(Assessment.InfringementType, value), count) for value, count in dims["type"]],
        label_header=_("Infringement type"),
        value_header=_("Items"),
        color=charts.PALETTE[3],
    )
    return category, kinds


def _lawsuit_charts(data: dict[str, Any], period: ReportPeriod, user: Any) -> tuple[charts.Chart, charts.Chart]:
    filed = [("filed", "true"), ("filed_from", period.date_from), ("filed_to", period.date_to)]
    stages, outcomes = data["lawsuits"]["stages"], data["lawsuits"]["outcomes"]
    by_stage = charts.bar_chart(
        _("Suits filed in the period, by current stage"),
        [(_choice_label(Lawsuit.Stage, value), count) for value, count in stages],
        label_header=_("Stage"),
        value_header=_("Suits"),
        links=[list_url(SUITS, [("stage", value), *filed], user=user, model=Lawsuit) for value, _n in stages],
        color=charts.PALETTE[2],
    )
    by_outcome = charts.bar_chart(
        _("Suits filed in the period, by outcome"),
        [(_choice_label(Lawsuit.Outcome, value), count) for value, count in outcomes],
        label_header=_("Outcome"),
        value_header=_("Suits"),
        links=[list_url(SUITS, [("outcome", value), *filed], user=user, model=Lawsuit) for value, _n in outcomes],
        color=charts.PALETTE[4],
    )
    return by_stage, by_outcome


def _top_lists(data: dict[str, Any], period: ReportPeriod, user: Any) -> dict[str, list[dict[str, Any]]]:
    assessed = list(zip(ASSESSED_FILTERS, (period.date_from, period.date_to), strict=True))
    accounts = [
        {
            "name": row["name"],
            "platform": _platform_name(row, "platform"),
            "count": row["count"],
            "url": list_url(
                ITEMS, [("account", row["id"]), *INFRINGING_PARAMS, *assessed], user=user, model=ContentItem
            ),
        }
        for row in data["top_accounts"]
    ]
    agencies = [
        {
            "name": row["name"],
            "count": row["count"],
            "accounts": row["accounts"],
            "url": list_url(ACCOUNTS, [("agency", row["id"])], user=user, model=MonitoredAccount),
        }
        for row in data["top_agencies"]
    ]
    return {"accounts": accounts, "agencies": agencies}


def statement(data: dict[str, Any], period: ReportPeriod, today: datetime.date) -> str:
    """The public-statement paragraph in Chinese, from the same figures (templates/reports/statement.txt)."""
    figures = data["figures"]
    with translation.override("zh-hans"):
        text = render_to_string(
            "reports/statement.txt",
            {"figures": figures, "period": period, "today": today, "damages": int(figures["damages_awarded"])},
        )
    # One paragraph: after full-width punctuation (Chinese) no space, after English punctuation one.
    paragraph = ""
    for line in (line.strip() for line in text.splitlines()):
        if line:
            paragraph += ("" if not paragraph or paragraph[-1] in "，。；：" else " ") + line
    return paragraph


def build_report(period: ReportPeriod, *, user: Any, today: datetime.date | None = None) -> dict[str, Any]:
    """Return the report's context: cards, funnels, charts, top lists, deadlines and the statement.

    ``user`` decides which figures link to their list (None: no links, as in the PDF and the email).
    """
    today = today or timezone.localdate()
    data = report_data(period, today)
    category, kinds = _dimension_charts(data)
    by_stage, by_outcome = _lawsuit_charts(data, period, user)
    deadlines = data["deadlines"]
    return {
        "data": data,
        "figures": data["figures"],
        "period": period,
        "today": today,
        "sections": build_sections(data["figures"], user, period.date_from, period.date_to, data["previous"]),
        "funnels": [
            charts.as_context(_content_funnel(data, period, user)),
            charts.as_context(_owner_funnel(data, period, user)),
        ],
        "trend": charts.as_context(_trend_chart(data, user)),
        "breakdowns": [
            charts.as_context(_platform_chart(data, period, user)),
            charts.as_context(category),
            charts.as_context(kinds),
            charts.as_context(by_stage),
            charts.as_context(by_outcome),
        ],
        "top": _top_lists(data, period, user),
        "response_times": [{**row, "platform": _platform_name(row)} for row in data["response_times"]],
        "deadlines": deadlines,
        "deadlines_url": list_url("cases:deadline-list", [], user=user, model=Deadline),
        "statement": statement(data, period, today),
        "computed_at": data["computed_at"],
    }
