"""Reads for the lawsuit pages. Every function starts from ``Lawsuit.objects.for_user(user)``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from cases.filters import LawsuitFilter
from cases.models import (
    ContentItem,
    Deadline,
    Evidence,
    Hearing,
    IdentityDisclosure,
    Lawsuit,
    LawsuitClaim,
    LawsuitParty,
    Proceeding,
)
from cases.selectors.monitoring import narrow

PERSONAL_FIELDS = ("owner_name", "owner_phone", "owner_email", "description", "content_links", "city", "vin_last6")


def lawsuit_list(*, user: Any, filters: Mapping[str, Any] | None = None) -> QuerySet:
    """Return suits grouped by stage, newest first within a stage (index cases_lawsuit_stage_idx)."""
    qs = Lawsuit.objects.for_user(user).select_related("lawyer").order_by("stage", "-created_at", "-id")
    return narrow(LawsuitFilter, qs, filters, user)


def lawsuit_detail_queryset(*, user: Any) -> QuerySet:
    """Return suits with parties, claims, proceedings (with hearings), evidence and items prefetched."""
    return (
        Lawsuit.objects.for_user(user)
        .select_related("lawyer", "campaign", "assistance_request")
        # Only the request's reference is shown (and only to roles that may open it): never load owners' data.
        .defer(*(f"assistance_request__{name}" for name in PERSONAL_FIELDS))
        .prefetch_related(
            Prefetch(
                "parties",
                queryset=LawsuitParty.objects.for_user(user)
                .select_related("monitored_account", "monitored_account__platform", "platform", "agency")
                .order_by("role", "id"),
            ),
            Prefetch("claims", queryset=LawsuitClaim.objects.for_user(user).order_by("id")),
            Prefetch(
                "proceedings",
                queryset=Proceeding.objects.for_user(user)
                .order_by("created_at")
                .prefetch_related(
                    Prefetch("hearings", queryset=Hearing.objects.for_user(user).order_by("scheduled_at"))
                ),
            ),
            Prefetch(
                "evidence",
                queryset=Evidence.objects.for_user(user).current().select_related("fixed_by").order_by("-created_at"),
            ),
            Prefetch(
                "content_items",
                queryset=ContentItem.objects.for_user(user).select_related("platform").order_by("-published_at", "id"),
            ),
            Prefetch(
                "disclosures",
                queryset=IdentityDisclosure.objects.for_user(user).select_related("account").order_by("-requested_at"),
            ),
        )
    )


def lawsuit_deadlines(*, user: Any, lawsuit: Lawsuit) -> list[Deadline]:
    """Return the deadlines of the suit and of its proceedings, earliest first."""
    return list(
        Deadline.objects.for_user(user)
        .filter(Q(lawsuit=lawsuit) | Q(proceeding__lawsuit=lawsuit))
        .select_related("responsible", "proceeding")
        .order_by("done_at", "due_on", "id")
    )
