"""Chain of custody: append-only, hash-chained links per evidence file, and the verifier.

Each link's ``hash`` is SHA-256 over the previous link's hash followed by a canonical JSON
of this link's fields (evidence, sequence, action, actor, time, details, and the recorded
IP and actor label). Editing any of those fields, removing a link or reordering links
breaks the chain from that point on, and ``verify_chain`` names the first broken link.
The database itself refuses UPDATE and DELETE on the table (migration trigger); the
hashes catch what someone with enough privilege to disable that trigger could still do.

Removing the *last* links leaves a chain that is consistent in itself, so the evidence row
keeps the chain head (``Evidence.custody_head_hash``), written in the same transaction as
each append. A new link chains to that head, not to whatever row happens to be last, so a
truncated chain stays broken even after more links are added.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from cases.models import CustodyEvent, Evidence

GENESIS_HASH = ""


def _iso(at: datetime.datetime) -> str:
    # Always UTC with microseconds: what PostgreSQL stores and gives back, so the hash round-trips.
    return at.astimezone(datetime.UTC).isoformat(timespec="microseconds")


def canonical_payload(
    *,
    evidence_id: int,
    sequence: int,
    action: str,
    actor_id: int | None,
    at: datetime.datetime,
    details: dict[str, Any],
    ip_address: str | None = None,
    actor_label: str = "",
) -> str:
    """Return the canonical JSON hashed for one link (sorted keys, no spaces, UTF-8 kept)."""
    return json.dumps(
        {
            "evidence_id": evidence_id,
            "sequence": sequence,
            "action": action,
            "actor_id": actor_id,
            "actor_label": actor_label,
            "at": _iso(at),
            "details": details,
            "ip_address": ip_address or None,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )


def link_hash(prev_hash: str, payload: str) -> str:
    return hashlib.sha256((prev_hash + payload).encode("utf-8")).hexdigest()


def event_hash(event: CustodyEvent) -> str:
    """Recompute a stored link's hash from its fields and its recorded previous hash."""
    payload = canonical_payload(
        evidence_id=event.evidence_id,
        sequence=event.sequence,
        action=event.action,
        actor_id=event.actor_id,
        at=event.at,
        details=event.details,
        ip_address=event.ip_address,
        actor_label=event.actor_label,
    )
    return link_hash(event.prev_hash, payload)


def _actor_label(actor: Any) -> str:
    if actor is None or not getattr(actor, "pk", None):
        return "system"
    return (getattr(actor, "display_name", "") or actor.get_username())[:100]


@transaction.atomic
def custody_append(
    *,
    evidence: Evidence,
    action: str,
    actor: Any = None,
    ip: str = "",
    details: dict[str, Any] | None = None,
) -> CustodyEvent:
    """Append one link to the evidence's chain.

    The evidence row is locked first, so two writers appending at once queue up instead of
    both reading the same last link and forking the chain (the unique constraint on
    (evidence, sequence) would refuse the second anyway; the lock avoids the error).
    """
    if action not in CustodyEvent.Action.values:
        raise ValueError(f"Unknown custody action {action!r}")
    head = Evidence.objects.select_for_update().only("pk", "custody_head_hash").get(pk=evidence.pk)
    last = CustodyEvent.objects.filter(evidence_id=evidence.pk).order_by("-sequence").only("sequence", "hash").first()
    sequence = last.sequence + 1 if last else 1
    # The recorded head is authoritative: after a truncation the new link does not fit the rows left.
    prev_hash = head.custody_head_hash or (last.hash if last else GENESIS_HASH)
    # Round-trip the details through JSON now so that what is hashed is what jsonb stores.
    clean_details = json.loads(json.dumps(details or {}, ensure_ascii=False, default=str))
    actor_id = getattr(actor, "pk", None)
    label = _actor_label(actor)
    at = timezone.now()
    payload = canonical_payload(
        evidence_id=evidence.pk,
        sequence=sequence,
        action=action,
        actor_id=actor_id,
        at=at,
        details=clean_details,
        ip_address=ip or None,
        actor_label=label,
    )
    event = CustodyEvent.objects.create(
        evidence_id=evidence.pk,
        sequence=sequence,
        action=action,
        actor_id=actor_id,
        actor_label=label,
        at=at,
        ip_address=ip or None,
        details=clean_details,
        prev_hash=prev_hash,
        hash=link_hash(prev_hash, payload),
    )
    Evidence.objects.filter(pk=evidence.pk).update(custody_head_hash=event.hash)
    evidence.custody_head_hash = event.hash
    return event


def verify_chain(evidence: Evidence, events: Iterable[CustodyEvent] | None = None) -> int | None:
    """Return the sequence number of the first broken link, or None when the chain verifies.

    A link is broken when its sequence skips (a deleted link: the missing number is named),
    when it does not point at the previous link's hash, or when its own hash does not match
    its fields. When the last link is not the recorded head (links removed from the end),
    the number after the last remaining link is named. Without ``events`` (the links in sequence order, e.g. already loaded for a
    page) links are streamed from the database, so a long chain is never loaded whole.
    """
    if events is None:
        events = CustodyEvent.objects.filter(evidence_id=evidence.pk).order_by("sequence").iterator(chunk_size=500)
    expected_sequence = 1
    prev_hash = GENESIS_HASH
    for event in events:
        if event.sequence != expected_sequence:
            return expected_sequence
        if event.prev_hash != prev_hash or event_hash(event) != event.hash:
            return event.sequence
        prev_hash = event.hash
        expected_sequence += 1
    head = evidence.custody_head_hash  # the caller's row: loaded with the evidence, kept fresh by custody_append
    if head and head != prev_hash:
        return expected_sequence
    return None
