"""Reads for the assistance-request pages.

Every function starts from ``AssistanceRequest.objects.for_user(user)`` (executives get
nothing). Lists never load the encrypted phone and email: only the name is decrypted,
to be shown masked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from accounts import permissions
from cases import audit
from cases.filters import AssistanceRequestFilter
from cases.models import (
    AssistanceRequest,
    ConsentRecord,
    ContentItem,
    Evidence,
    Lawsuit,
    LawyerLetter,
    MonitoredAccount,
)
from cases.selectors.monitoring import narrow
from cases.services.assistance_links import normalized_links


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
    """Return requests with their consents, letters and lawsuits prefetched (reported items: monitoring_links)."""
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
    if req.purged_at is not None:
        # Nothing personal is left to read: no audit row claiming a read of personal data.
        return OwnerContact("", "", "", masked=False)
    if not permissions.can_see_personal_data(user):
        return OwnerContact(req.masked_name, req.masked_phone, req.masked_email, masked=True)
    audit.record(action="view", obj=req, diff={"fields": ["owner_name", "owner_phone", "owner_email"]})
    return OwnerContact(req.owner_name, req.owner_phone, req.owner_email, masked=False)


# --- The request's links on the monitoring side -------------------------------------------------


@dataclass(frozen=True)
class AccountLink:
    account: MonitoredAccount
    other_requests: int  # other owners' requests pointing at the same account


@dataclass(frozen=True)
class MonitoringLinks:
    items: list[ContentItem]
    accounts: list[AccountLink]
    unmatched: list[str]

    @property
    def repeat_accounts(self) -> list[AccountLink]:
        return [link for link in self.accounts if link.other_requests]


def monitoring_links(*, user: Any, assistance_request: AssistanceRequest) -> MonitoringLinks:
    """What monitoring already knows of the request's links; four queries, whatever the number of links."""
    req = assistance_request
    urls = normalized_links(req.content_links)
    items = list(
        ContentItem.objects.for_user(user)
        .filter(Q(url__in=urls) | Q(assistance_requests=req))
        .select_related("platform", "account")
        .distinct()
        .order_by("-reach", "id")
    )
    item_accounts = {item.account_id for item in items if item.account_id}
    accounts = list(
        MonitoredAccount.objects.for_user(user)
        .filter(Q(profile_url__in=urls) | Q(pk__in=item_accounts) | Q(assistance_requests=req))
        .select_related("platform")
        .distinct()
        .order_by("-risk_score", "id")
    )
    others = _other_requests(req, [account.pk for account in accounts])
    known = {item.url for item in items} | {account.profile_url for account in accounts}
    return MonitoringLinks(
        items=items,
        accounts=[AccountLink(account, len(others.get(account.pk, ()))) for account in accounts],
        unmatched=[url for url in urls if url not in known],
    )


def _other_requests(req: AssistanceRequest, account_ids: list[int]) -> dict[int, set[int]]:
    """Per account, the other requests that report it or one of its items (two queries)."""
    others: dict[int, set[int]] = {}
    if not account_ids:
        return others
    reported = AssistanceRequest.reported_accounts.through.objects.filter(monitoredaccount_id__in=account_ids).exclude(
        assistancerequest_id=req.pk
    )
    via_items = AssistanceRequest.content_items.through.objects.filter(contentitem__account_id__in=account_ids).exclude(
        assistancerequest_id=req.pk
    )
    pairs = list(reported.values_list("monitoredaccount_id", "assistancerequest_id")) + list(
        via_items.values_list("contentitem__account_id", "assistancerequest_id")
    )
    for account_id, request_id in pairs:
        others.setdefault(account_id, set()).add(request_id)
    return others
