"""Reads for the monitoring pages: content items, the triage queue and monitored accounts.

Every function starts from ``Model.objects.for_user(user)``; list orderings are the ones
the models' indexes serve (named next to each).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Model, Prefetch, QuerySet
from django.db.models.base import ModelState
from django.utils.translation import gettext_lazy as _

from cases.filters import ContentItemFilter, MonitoredAccountFilter, StaffFilterSet
from cases.models import (
    Assessment,
    AuthorityReport,
    Campaign,
    ContentItem,
    Evidence,
    IdentityDisclosure,
    Lawsuit,
    LawyerLetter,
    MonitoredAccount,
    Platform,
    PlatformComplaint,
)
from cases.services import risk

# How many of an account's items its page shows (newest first); the full list is a link.
ACCOUNT_RECENT_ITEMS = 20


def narrow(
    filterset_class: type[StaffFilterSet], qs: QuerySet, filters: Mapping[str, Any] | None, user: Any
) -> QuerySet:
    """Apply a FilterSet to ``qs`` when filter values are given; invalid values give no rows."""
    if filters is None:
        return qs
    return filterset_class(filters, queryset=qs, user=user).qs


def content_item_list(*, user: Any, filters: Mapping[str, Any] | None = None) -> QuerySet:
    """Return the items the user may see, newest first (index cases_item_published_idx)."""
    qs = ContentItem.objects.for_user(user).select_related("platform", "account").order_by("-published_at", "id")
    return narrow(ContentItemFilter, qs, filters, user)


def triage_queue(*, user: Any, filters: Mapping[str, Any] | None = None) -> QuerySet:
    """Return items waiting for assessment, most severe and widest reach first (cases_item_queue_idx)."""
    qs = ContentItem.objects.for_user(user).triage_queue().select_related("platform", "account")
    return narrow(ContentItemFilter, qs, filters, user)


# The columns the item tables show (cases/templatetags/item_rows.py reads nothing else), and the
# platform's and account's, which str(platform) and the account cell need.
ITEM_ROW_COLUMNS = (
    "id", "title", "text", "url", "content_type", "published_at", "discovered_at", "triage_state", "conclusion",
    "severity", "reach", "live_status", "platform_id", "account_id",
)  # fmt: skip
_PLATFORM_COLUMNS = ("platform__name_zh", "platform__name_en")
_ACCOUNT_COLUMNS = ("account__name", "account__followers")


def _loaded(model: type[Model], values: dict[str, Any], db: str) -> Any:
    """An instance as the ORM loads it (``Model.from_db``), holding only ``values``: any other field is
    deferred and would be read on access. Without ``Model.__init__``'s pass over every field."""
    instance = model.__new__(model)
    instance.__dict__.update(values)
    instance._state = ModelState()
    instance._state.adding = False
    instance._state.db = db
    return instance


def content_item_rows(queryset: QuerySet) -> list[ContentItem]:
    """Return the items of ``queryset`` (filtered, ordered, sliced) for an item table in one query:
    ``ITEM_ROW_COLUMNS`` with the platform and account attached, as ``select_related`` would.

    The tables show 50 rows per page; building them from ``values_list`` costs about a third of the
    ORM's model instances (tests/cases/test_triage_page_speed.py holds both equal)."""
    db = queryset.db
    platforms: dict[int, Platform] = {}
    platform_field = ContentItem._meta.get_field("platform")
    account_field = ContentItem._meta.get_field("account")
    items = []
    width = len(ITEM_ROW_COLUMNS)
    for row in queryset.values_list(*ITEM_ROW_COLUMNS, *_PLATFORM_COLUMNS, *_ACCOUNT_COLUMNS):
        item = _loaded(ContentItem, dict(zip(ITEM_ROW_COLUMNS, row[:width], strict=True)), db)
        platform_id, account_id = item.platform_id, item.account_id
        platform = platforms.get(platform_id)
        if platform is None:
            platform = platforms[platform_id] = _loaded(
                Platform, {"id": platform_id, "name_zh": row[width], "name_en": row[width + 1]}, db
            )
        platform_field.set_cached_value(item, platform)
        account = None
        if account_id is not None:
            account = _loaded(
                MonitoredAccount, {"id": account_id, "name": row[width + 2], "followers": row[width + 3]}, db
            )
        account_field.set_cached_value(item, account)
        items.append(item)
    return items


def content_item_detail_queryset(*, user: Any) -> QuerySet:
    """Return items with everything their page shows, fetched in a fixed number of queries."""
    return (
        ContentItem.objects.for_user(user)
        .select_related("platform", "account", "account__platform", "account__agency", "campaign")
        .prefetch_related(
            Prefetch(
                "assessments",
                queryset=Assessment.objects.for_user(user)
                .select_related("assessor", "reviewer")
                .order_by("-created_at"),
            ),
            Prefetch(
                "evidence",
                queryset=Evidence.objects.for_user(user).current().select_related("fixed_by").order_by("-created_at"),
            ),
            Prefetch(
                "complaints",
                queryset=PlatformComplaint.objects.for_user(user).select_related("platform").order_by("-created_at"),
            ),
            Prefetch(
                "letters",
                queryset=LawyerLetter.objects.for_user(user)
                .select_related("recipient_account", "recipient_agency")
                .order_by("-created_at"),
            ),
            Prefetch("lawsuits", queryset=Lawsuit.objects.for_user(user).order_by("-created_at")),
            Prefetch("authority_reports", queryset=AuthorityReport.objects.for_user(user).order_by("-created_at")),
        )
    )


def monitored_account_list(*, user: Any, filters: Mapping[str, Any] | None = None) -> QuerySet:
    """Return accounts by risk, highest first (cases_macct_risk_idx serves the monitored ones)."""
    qs = MonitoredAccount.objects.for_user(user).select_related("platform", "agency").order_by("-risk_score", "id")
    return narrow(MonitoredAccountFilter, qs, filters, user)


def monitored_account_detail_queryset(*, user: Any) -> QuerySet:
    """Return accounts with their agency, campaigns and disclosures prefetched."""
    return (
        MonitoredAccount.objects.for_user(user)
        .select_related("platform", "agency")
        .prefetch_related(
            Prefetch("campaigns", queryset=Campaign.objects.for_user(user).order_by("-created_at")),
            Prefetch(
                "disclosures",
                queryset=IdentityDisclosure.objects.for_user(user).select_related("lawsuit").order_by("-requested_at"),
            ),
        )
    )


def monitored_account_recent_items(
    *, user: Any, account: MonitoredAccount, limit: int = ACCOUNT_RECENT_ITEMS
) -> list[ContentItem]:
    """Return the account's newest items, at most ``limit`` (index cases_item_account_idx)."""
    return list(
        ContentItem.objects.for_user(user)
        .filter(account=account)
        .select_related("platform")
        .order_by("-published_at", "-id")[:limit]
    )


# How many of an account's complaints and letters its page lists (newest first).
ACCOUNT_RECENT_ACTIONS = 20


def monitored_account_complaints(
    *, user: Any, account: MonitoredAccount, limit: int = ACCOUNT_RECENT_ACTIONS
) -> list[PlatformComplaint]:
    """Return the newest complaints naming any of the account's items (one query)."""
    return list(
        PlatformComplaint.objects.for_user(user)
        .filter(content_items__account=account)
        .select_related("platform")
        .distinct()
        .order_by("-created_at", "-id")[:limit]
    )


def monitored_account_letters(
    *, user: Any, account: MonitoredAccount, limit: int = ACCOUNT_RECENT_ACTIONS
) -> list[LawyerLetter]:
    """Return the newest lawyer letters addressed to the account (one query)."""
    return list(
        LawyerLetter.objects.for_user(user)
        .filter(recipient_account=account)
        .select_related("recipient_account", "recipient_agency")
        .order_by("-created_at", "-id")[:limit]
    )


def monitored_account_lawsuits(*, user: Any, account: MonitoredAccount) -> list[Lawsuit]:
    """Return the suits in which the account is a party (index cases_party_account_idx)."""
    return list(
        Lawsuit.objects.for_user(user)
        .filter(parties__monitored_account=account)
        .select_related("lawyer")
        .distinct()
        .order_by("-created_at")
    )


@dataclass(frozen=True)
class RiskFactorRow:
    """One line of an account's risk breakdown: what was counted, its weight and the points it gave."""

    key: str
    label: str
    value: int
    weight: int
    cap: int
    points: int
    explanation: str


RISK_FACTOR_TEXT: dict[str, tuple[Any, Any]] = {
    "confirmed": (
        _("Confirmed infringements"),
        _("Items whose latest assessment found suspected or serious infringement or a suspected crime."),
    ),
    "reach": (
        _("Reach of the infringing items"),
        _("Orders of magnitude of their total reach: 1,000 counts 3, 100,000 counts 5."),
    ),
    "repeat": (
        _("Repeat offences"),
        _("Days with infringing posts after the first: an account that comes back scores higher."),
    ),
    "letters": (_("Lawyer letters received"), _("Letters already addressed to this account.")),
    "suits": (_("Lawsuits naming the account"), _("Suits in which this account is a party.")),
}


def monitored_account_risk_breakdown(*, account: MonitoredAccount) -> list[RiskFactorRow]:
    """Return the stored factors behind the account's risk score, one row per factor (no query).

    The points add up to ``account.risk_score``: both come from cases/services/risk.py.
    """
    stored = account.risk_factors or {}
    rows = []
    for factor in risk.FACTORS:
        value = int(stored.get(factor.key, 0) or 0)
        label, explanation = RISK_FACTOR_TEXT[factor.key]
        rows.append(
            RiskFactorRow(
                key=factor.key,
                label=str(label),
                value=value,
                weight=factor.weight,
                cap=factor.cap,
                points=factor.points(value),
                explanation=str(explanation),
            )
        )
    return rows
