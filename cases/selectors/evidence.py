"""Reads for the evidence pages. Every function starts from ``<Model>.objects.for_user(user)``."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from cases.models import AssistanceRequest, ContentItem, CustodyEvent, Evidence, Lawsuit

# Versions are few (a correction or two); this bounds the walk should data ever loop.
MAX_VERSIONS_SHOWN = 50


def evidence_list(*, user: Any, include_deleted: bool = False) -> QuerySet:
    """Return the current versions the user may see, newest first."""
    qs = Evidence.objects.for_user(user)
    if not include_deleted:
        qs = qs.current()
    return qs.select_related("platform", "fixed_by").order_by("-created_at", "-id")


def evidence_failed_count(*, user: Any) -> int:
    """How many current files failed their last integrity check (partial index cases_evidence_bad_idx)."""
    return (
        Evidence.objects.for_user(user)
        .current()
        .filter(integrity__in=[Evidence.Integrity.MISMATCH, Evidence.Integrity.MISSING])
        .count()
    )


def evidence_detail_queryset(*, user: Any) -> QuerySet:
    """Return evidence with everything its page shows loaded in a fixed number of queries."""
    return (
        Evidence.objects.for_user(user)
        .select_related("platform", "account", "account__platform", "fixed_by", "previous_version", "next_version")
        .prefetch_related(
            Prefetch(
                "content_items",
                queryset=ContentItem.objects.for_user(user).select_related("platform").order_by("-published_at"),
            ),
            Prefetch("lawsuits", queryset=Lawsuit.objects.for_user(user).only("id", "title", "stage").order_by("-id")),
            Prefetch(
                "assistance_requests",
                # Only the reference is shown: never load the owner's personal data.
                queryset=AssistanceRequest.objects.for_user(user).only("id", "reference", "status").order_by("-id"),
            ),
        )
    )


def evidence_custody_chain(*, user: Any, evidence: Evidence) -> QuerySet:
    return (
        CustodyEvent.objects.for_user(user).filter(evidence_id=evidence.pk).select_related("actor").order_by("sequence")
    )


def evidence_versions(*, user: Any, evidence: Evidence) -> list[Evidence]:
    """Return the whole version chain, oldest first, in one query per version step (few in practice)."""
    visible = Evidence.objects.for_user(user).only(
        "id", "title", "sha256", "created_at", "is_deleted", "previous_version_id", "fixed_by_id"
    )
    chain: list[Evidence] = [evidence]
    seen = {evidence.pk}
    older = evidence.previous_version_id
    while older and older not in seen and len(chain) < MAX_VERSIONS_SHOWN:
        row = visible.filter(pk=older).first()
        if row is None:
            break
        chain.insert(0, row)
        seen.add(row.pk)
        older = row.previous_version_id
    newer = visible.filter(previous_version_id=evidence.pk).first()
    while newer and newer.pk not in seen and len(chain) < MAX_VERSIONS_SHOWN:
        chain.append(newer)
        seen.add(newer.pk)
        newer = visible.filter(previous_version_id=newer.pk).first()
    return chain


def evidence_for_package(*, user: Any, subject: Lawsuit | AssistanceRequest) -> QuerySet:
    """Return the current evidence linked to a lawsuit or request, oldest first (the package's numbering)."""
    relation = "lawsuits" if isinstance(subject, Lawsuit) else "assistance_requests"
    return Evidence.objects.for_user(user).current().filter(**{relation: subject}).order_by("created_at", "id")
