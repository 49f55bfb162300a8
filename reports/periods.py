"""Report periods: the presets, a custom range, the previous period to compare with, and bad input.

A period is a range of local (Beijing) calendar days, both ends included (docs/metrics.md).
``PeriodForm`` reads ``?period=…`` or ``?from=…&to=…`` from the query string and never raises:
bad input becomes a translated form error, and the caller shows all-time figures beside it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# The longest custom range: ten years of days (leap days included).
MAX_RANGE_DAYS = 3653
# Dates before this are refused as typos (the department did not exist).
EARLIEST_DAY = datetime.date(2000, 1, 1)
# … and dates after this one as typos too (9999-12-31 would overflow the month arithmetic).
LATEST_DAY = datetime.date(2099, 12, 31)


def program_start() -> datetime.date:
    """Return the day the department's programme began (setting ``REPORTS_PROGRAM_START``)."""
    value = getattr(settings, "REPORTS_PROGRAM_START", None) or "2025-06-01"
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value))


@dataclass(frozen=True)
class ReportPeriod:
    """The period shown: its key (a preset, ``custom`` or ``all``) and its inclusive bounds (None = open)."""

    key: str
    date_from: datetime.date | None
    date_to: datetime.date | None

    @property
    def is_bounded(self) -> bool:
        return self.date_from is not None and self.date_to is not None

    def previous(self) -> ReportPeriod | None:
        """Return the period of the same length just before this one; None when this one is open-ended."""
        if not self.is_bounded:
            return None
        assert self.date_from is not None and self.date_to is not None
        length = (self.date_to - self.date_from).days + 1
        if self.key in ("month", "quarter", "year"):
            # "This month to date" compares with the same days of the previous month (quarter, year).
            months = {"month": 1, "quarter": 3, "year": 12}[self.key]
            start = _shift_back(self.date_from, months)
            end = min(_shift_back(self.date_to, months), self.date_from - datetime.timedelta(days=1))
            return ReportPeriod("previous", start, end)
        end = self.date_from - datetime.timedelta(days=1)
        start = end - datetime.timedelta(days=length - 1)
        if start < datetime.date.min + datetime.timedelta(days=1):
            return None
        return ReportPeriod("previous", start, end)

    def query(self) -> str:
        """Return the query string that selects this period on the dashboard."""
        if self.key in PRESET_KEYS:
            return f"period={self.key}"
        parts = []
        if self.date_from:
            parts.append(f"from={self.date_from.isoformat()}")
        if self.date_to:
            parts.append(f"to={self.date_to.isoformat()}")
        return "&".join(parts)


def _shift_back(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` earlier, or the last day of that month when it is shorter (31 March → 28 Feb)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = index // 12, index % 12 + 1
    next_month = datetime.date(year + (month == 12), month % 12 + 1, 1)
    return min(
        day.replace(year=year, month=month, day=1) + datetime.timedelta(days=day.day - 1),
        next_month - datetime.timedelta(days=1),
    )


def preset_bounds(key: str, today: datetime.date) -> tuple[datetime.date | None, datetime.date | None]:
    """Return the first and last day of a preset: month, quarter or year to date, or since the programme began."""
    if key == "month":
        return today.replace(day=1), today
    if key == "quarter":
        return today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1), today
    if key == "year":
        return today.replace(month=1, day=1), today
    if key == "program":
        return min(program_start(), today), today
    return None, None


PRESETS = (
    ("all", _("All time")),
    ("program", _("Since the programme began")),
    ("year", _("This year")),
    ("quarter", _("This quarter")),
    ("month", _("This month")),
)
PRESET_KEYS = {key for key, _label in PRESETS}


class PeriodForm(forms.Form):
    """``?period=all|program|year|quarter|month`` or a custom ``?from=YYYY-MM-DD&to=YYYY-MM-DD`` (which wins)."""

    # Query-string names of the fields ("from" is a Python keyword, so the fields are date_from/date_to).
    PARAM_NAMES = {"date_from": "from", "date_to": "to"}

    period = forms.ChoiceField(
        label=_("Period"),
        choices=PRESETS,
        required=False,
        error_messages={"invalid_choice": _("Unknown period. Choose one of the buttons, or enter two dates.")},
    )
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
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        for day in (start, end):
            if day is not None and day < EARLIEST_DAY:
                raise forms.ValidationError(
                    _("Dates before %(day)s are not in the records."), code="too_early", params={"day": EARLIEST_DAY}
                )
            if day is not None and day > LATEST_DAY:
                raise forms.ValidationError(
                    _("Dates after %(day)s are not in the records."), code="too_late", params={"day": LATEST_DAY}
                )
        if start and end and start > end:
            raise forms.ValidationError(_("The start date is after the end date."), code="reversed")
        if start and end and (end - start).days + 1 > MAX_RANGE_DAYS:
            raise forms.ValidationError(
                _("A range may cover at most 10 years. Shorten it, or choose “All time”."), code="too_long"
            )
        return data

    def chosen_period(self, today: datetime.date) -> ReportPeriod:
        """Return the chosen period for valid data; a range with dates given is "custom"."""
        data = self.cleaned_data
        if data.get("date_from") or data.get("date_to"):
            return ReportPeriod("custom", data.get("date_from"), data.get("date_to"))
        key = data.get("period") or "all"
        return ReportPeriod(key, *preset_bounds(key, today))


def read_period(query: Any, today: datetime.date) -> tuple[PeriodForm, ReportPeriod]:
    """Bind the form to the query string; bad input gives the form's errors and the all-time period."""
    form = PeriodForm(query or None)
    if form.is_bound and form.is_valid():
        return form, form.chosen_period(today)
    return form, ReportPeriod("all", None, None)
