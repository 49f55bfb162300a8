"""Template filters for the staff lists, detail pages and dashboard.

``figure`` and ``yuan`` group thousands with commas in every language: Django's zh_Hans
format uses no separator at all, while the department's published figures read "16,465".
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django import template
from django.utils.numberformat import format as number_format

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

register = template.Library()

# Which .badge-<variant> a state value gets, per kind of state. Unknown values are neutral.
BADGES: dict[str, dict[str, str]] = {
    "triage": {
        "new": "info",
        "pending": "info",
        "assessing": "info",
        "watch": "warn",
        "suspected": "danger",
        "fixing": "warn",
        "fixed": "warn",
        "acting": "warn",
        "removed": "success",
    },
    "conclusion": {
        "criticism": "success",
        "watch": "warn",
        "suspected": "danger",
        "serious": "danger",
        "crime": "danger",
    },
    "live": {"live": "danger", "deleted": "success"},
    "watch": {"watching": "info", "key": "danger"},
    "risk": {"medium": "info", "high": "warn", "critical": "danger"},
    "identity": {"disclosure_requested": "warn", "disclosed": "success"},
    "stage": {
        "submitted": "info",
        "pre_mediation": "info",
        "accepted": "info",
        "service": "info",
        "pretrial": "info",
        "hearing": "warn",
        "judged_first": "warn",
        "appeal_window": "warn",
        "appeal": "warn",
        "judged_second": "warn",
        "effective": "success",
        "performed": "success",
        "enforcing": "warn",
        "enforced": "success",
        "suspended": "danger",
        "mediated": "success",
    },
    "outcome": {"won": "success", "partly_won": "success", "lost": "danger", "mediated": "info"},
    "request": {
        "submitted": "info",
        "screening": "info",
        "need_info": "warn",
        "legal_review": "info",
        "guided": "success",
        "letter": "success",
        "litigation": "success",
        "police": "success",
    },
    "eligibility": {"suable": "success", "not_suable": "neutral"},
    "complaint": {
        "submitted": "info",
        "in_review": "info",
        "actioned": "success",
        "rejected": "danger",
        "need_info": "warn",
        "counter_noticed": "warn",
        "kept": "success",
        "restored": "danger",
    },
    "letter": {"issued": "info", "delivered": "info", "responded": "warn"},
    "disclosure": {"requested": "info", "disclosed": "success", "refused": "danger"},
    "authority_report": {"filed": "info", "accepted": "info", "case_opened": "success", "not_accepted": "danger"},
    "integrity": {"ok": "success", "mismatch": "danger", "missing": "danger", "chain_broken": "danger"},
}


@register.filter
def badge(value: Any, kind: str) -> str:
    """Return the badge variant for a state value: ``{{ item.triage_state|badge:"triage" }}``."""
    return BADGES.get(kind, {}).get(str(value), "neutral")


def _grouped(value: Any, decimals: int | None) -> str:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return "" if value is None else str(value)
    if decimals is not None and number.is_finite():
        # numberformat truncates extra digits; money is rounded half up, as accountants do.
        number = number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return number_format(number, ".", decimal_pos=decimals, grouping=3, thousand_sep=",", force_grouping=True)


@register.filter
def figure(value: Any) -> str:
    """Return a whole number with comma thousands separators: 16465 → "16,465"."""
    if type(value) is int:  # the common case (counts, reach), without the Decimal round trip
        return f"{value:,}"
    return _grouped(value, 0)


@register.filter
def yuan(value: Any, decimals: int = 2) -> str:
    """Return an amount in CNY: 1234567.5 → "¥1,234,567.50" (``|yuan:0`` → "¥1,234,568"); empty for None."""
    if value is None or value == "":
        return ""
    return "¥" + _grouped(value, int(decimals))


@register.filter
def conclusion_label(value: str) -> StrOrPromise:
    """Return the label of an assessment conclusion stored without choices (ContentItem.conclusion)."""
    from cases.models import Assessment

    return Assessment.Conclusion(value).label if value in Assessment.Conclusion.values else value


@register.filter
def array_labels(values: list[str], model_field: str) -> list[str]:
    """Return the labels of an ArrayField's choice values: ``{{ a.infringement_types|array_labels:"Assessment.infringement_types" }}``."""
    from django.apps import apps

    model_name, field_name = model_field.split(".")
    field = apps.get_model("cases", model_name)._meta.get_field(field_name)
    mapping = dict(field.base_field.choices or [])
    return [mapping.get(value, value) for value in values or []]
