"""Template helpers of the reports: table cells and changes from the previous period."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from cases.templatetags.listing import figure

register = template.Library()


@register.filter
def cell(value: Any) -> str:
    """A table cell: whole numbers grouped (16,465), fractions with one decimal, text as it is."""
    if isinstance(value, bool) or value is None:
        return "—" if value is None else str(value)
    if isinstance(value, int):
        return figure(value)
    if isinstance(value, float | Decimal):
        return f"{value:,.1f}"
    return str(value)


@register.filter
def signed(value: Any) -> str:
    """A difference with its sign: +12, −3, 0 (grouped)."""
    if value is None:
        return ""
    number = Decimal(str(value))
    grouped = figure(abs(number))
    return f"+{grouped}" if number > 0 else f"−{grouped}" if number < 0 else "0"
