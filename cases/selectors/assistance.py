"""Reads for the assistance-request pages.

Every function starts from ``AssistanceRequest.objects.for_user(user)`` (executives get
nothing). Lists never load the encrypted phone and email: only the name is decrypted,
to be shown masked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet

from accounts import permissions
from cases import audit
from cases.filters import AssistanceRequestFilter
from cases.models import AssistanceRequest, ConsentRecord, ContentItem, Evidence, Lawsuit, LawyerLetter
from cases.selectors.monitoring import narrow


def assistance_request_list(*, user: Any, filters: Mapping[str, Any] | None = None) -> QuerySet:
    """Return requests newest first (index cases_assist_submitted_idx)."""
    qs = (
        AssistanceRequest.objects.for_user(user)
        .select_related("assigned_lawyer")
        .defer("owner_phone", "owner_email", "description", "eligibility_reasons", "info_requested")
        .order_by("-submitted_at", "-id")
    )
    return narrow(AssistanceRequestFilter, qs, filters, user)


def assistance_request_detail_queryset(*, user: Any) -> QuerySet:
    """Return requests with their consents, letters, lawsuits and reported items prefetched."""
    return (
        AssistanceRequest.objects.for_user(user)
        .select_related("assigned_lawyer")
        .prefetch_related(
            Prefetch("consents", queryset=ConsentRecord.objects.for_user(user).order_by("-granted_at")),
            Prefetch(
                "letters",
                queryset=LawyerLetter.objects.for_user(user)
                .select_related("recipient_account", "recipient_agency")
                .order_by("-created_at"),
            ),
            Prefetch("lawsuits", queryset=Lawsuit.objects.for_user(user).order_by("-created_at")),
            Prefetch(
                "content_items",
                queryset=ContentItem.objects.for_user(user).select_related("platform").order_by("-published_at", "id"),
            ),
        )
    )


def assistance_request_evidence_count(*, user: Any, assistance_request: AssistanceRequest) -> int:
    """Return how many current evidence files the request has (the files are on the evidence pages)."""
    return Evidence.objects.for_user(user).current().filter(assistance_requests=assistance_request).count()


@dataclass(frozen=True)
class OwnerContact:
    name: str
    phone: str
    email: str
    masked: bool


def assistance_request_contact(*, user: Any, assistance_request: AssistanceRequest) -> OwnerContact:
    """Return the owner's contact details: plaintext for roles that may see personal data, else masked.

    Writes an audit row (action "view") whenever plaintext is returned: every read of an
    owner's personal data is recorded (DESIGN.md §6).
    """
    req = assistance_request
    if not permissions.can_see_personal_data(user):
        return OwnerContact(req.masked_name, req.masked_phone, req.masked_email, masked=True)
    audit.record(action="view", obj=req, diff={"fields": ["owner_name", "owner_phone", "owner_email"]})
    return OwnerContact(req.owner_name, req.owner_phone, req.owner_email, masked=False)
