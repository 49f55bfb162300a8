"""The audit log's hash chain: the verifier (``manage.py verify_audit_chain``, ``verify_integrity``).

The database chains every row when the transaction that inserted it commits (cases/audit_chain_sql.py):
``seq`` numbers the rows 1, 2, 3… without gaps, ``prev_hash`` is the previous row's ``hash``, and ``hash`` is SHA-256
over ``prev_hash`` followed by the row's payload, like the evidence chain of custody
(cases/services/custody.py). The payload is a JSON array of the row's fields in a fixed order::

    [seq, id, "at as YYYY-MM-DDTHH:MM:SS.ffffffZ (UTC)", actor_id, "actor_type", "action",
     "object_type", "object_id", diff, "ip address" or null, "request_id"]

written the way PostgreSQL writes jsonb (``", "`` between items, strings escaped as ``json.dumps``
with ``ensure_ascii=False`` does, ``diff`` as ``diff::text``). This module rebuilds it from the
columns and hashes it in Python, so a changed trigger function does not change what is checked.

The head row (``AuditChainHead``) holds the last chained position and hash, so removing the newest
rows is caught; its anchor is the last row removed by the retention purge, where the chain now
starts, and the newest ``purge`` event (itself chained) must name the same anchor. A committed row
left unchained (``seq`` NULL: only possible if inserted with the chain triggers disabled, e.g. by a
superuser) is reported as a break: nothing chains it later.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

GENESIS_HASH = ""
CHUNK = 2000

_ROWS_SQL = """
SELECT id, seq, prev_hash, hash, at, actor_id, actor_type, action, object_type, object_id,
       diff::text, host(ip_address), request_id
FROM cases_auditevent WHERE seq > %s ORDER BY seq
"""


@dataclass(frozen=True)
class ChainBreak:
    """Where the chain first fails: the row id (None when rows are missing at the end) and why."""

    row_id: int | None
    seq: int
    reason: str

    def __str__(self) -> str:
        where = f"row id {self.row_id}" if self.row_id is not None else "the end of the log"
        return f"audit chain broken at {where} (position {self.seq}): {self.reason}"


@dataclass(frozen=True)
class ChainReport:
    checked: int
    head_seq: int
    head_hash: str
    anchor_seq: int
    broken: ChainBreak | None

    @property
    def ok(self) -> bool:
        return self.broken is None

    def as_dict(self) -> dict[str, Any]:
        return {
            "audit_events_checked": self.checked,
            "audit_head_seq": self.head_seq,
            "audit_head_hash": self.head_hash,
            "audit_anchor_seq": self.anchor_seq,
            "audit_chain_ok": self.ok,
        }


def _iso(at: datetime.datetime) -> str:
    return at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _text(value: str | None) -> str:
    return "null" if value is None else json.dumps(value, ensure_ascii=False)


def _number(value: int | None) -> str:
    return "null" if value is None else str(int(value))


def canonical_payload(
    *,
    seq: int,
    row_id: int,
    at: datetime.datetime,
    actor_id: int | None,
    actor_type: str,
    action: str,
    object_type: str,
    object_id: str,
    diff_text: str,
    ip: str | None,
    request_id: str,
) -> str:
    """Return the payload the database hashed for one row (see the module docstring)."""
    parts = [
        _number(seq),
        _number(row_id),
        _text(_iso(at)),
        _number(actor_id),
        _text(actor_type),
        _text(action),
        _text(object_type),
        _text(object_id),
        diff_text,
        _text(ip),
        _text(request_id),
    ]
    return "[" + ", ".join(parts) + "]"


def link_hash(prev_hash: str, payload: str) -> str:
    return hashlib.sha256((prev_hash + payload).encode("utf-8")).hexdigest()


def _row_hash(row: tuple) -> str:
    row_id, seq, prev_hash, _hash, at, actor_id, actor_type, action, object_type, object_id, diff, ip, req = row
    payload = canonical_payload(
        seq=seq,
        row_id=row_id,
        at=at,
        actor_id=actor_id,
        actor_type=actor_type,
        action=action,
        object_type=object_type,
        object_id=object_id,
        diff_text=diff,
        ip=ip,
        request_id=req,
    )
    return link_hash(prev_hash, payload)


def _check_anchor(cursor: Any, anchor_seq: int, anchor_hash: str) -> ChainBreak | None:
    """The newest purge event (chained, so not forgeable) must name the head's anchor."""
    cursor.execute(
        "SELECT id, diff ->> 'anchor_seq', diff ->> 'anchor_hash' FROM cases_auditevent "
        "WHERE action = 'purge' AND seq IS NOT NULL ORDER BY seq DESC LIMIT 1"
    )
    purge = cursor.fetchone()
    if anchor_seq == 0 and purge is None:
        return None
    if purge is None or (purge[1], purge[2]) != (str(anchor_seq), anchor_hash):
        return ChainBreak(purge[0] if purge else None, anchor_seq, "the anchor is not the one the last purge recorded")
    return None


def _check_unchained(cursor: Any) -> ChainBreak | None:
    """A committed row nobody chained (inserted with the triggers disabled) is an anomaly to report."""
    cursor.execute("SELECT id FROM cases_auditevent WHERE seq IS NULL ORDER BY id LIMIT 1")
    row = cursor.fetchone()
    if row is None:
        return None
    return ChainBreak(row[0], 0, "it was never chained (inserted with the chain triggers disabled)")


def _walk(cursor: Any, anchor_seq: int, anchor_hash: str) -> tuple[int, int, str, ChainBreak | None]:
    """Stream the rows after the anchor; return (rows checked, last seq, last hash, first break)."""
    expected, prev, checked = anchor_seq + 1, anchor_hash, 0
    cursor.execute(_ROWS_SQL, [anchor_seq])
    while rows := cursor.fetchmany(CHUNK):
        for row in rows:
            row_id, seq, prev_hash, stored_hash = row[0], row[1], row[2], row[3]
            checked += 1
            if seq != expected:
                return checked, expected - 1, prev, ChainBreak(row_id, expected, f"position {expected} is missing")
            if prev_hash != prev:
                return checked, seq, prev, ChainBreak(row_id, seq, "it does not point at the previous row's hash")
            if _row_hash(row) != stored_hash:
                return checked, seq, prev, ChainBreak(row_id, seq, "its content does not match its hash")
            prev, expected = stored_hash, expected + 1
    return checked, expected - 1, prev, None


def verify_audit_chain() -> ChainReport:
    """Verify the whole audit chain in one consistent snapshot; name the first broken row."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            if len(connection.atomic_blocks) == 1:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            # Rows this transaction inserted (a caller's, a test's) are chained only at commit: now.
            cursor.execute("SET CONSTRAINTS cases_auditevent_chain_at_commit IMMEDIATE")
            cursor.execute("SET CONSTRAINTS cases_auditevent_chain_at_commit DEFERRED")
            broken = _check_unchained(cursor)
            if broken is not None:
                return ChainReport(0, 0, "", 0, broken)
            cursor.execute("SELECT seq, hash, anchor_seq, anchor_hash FROM cases_auditchainhead WHERE id = 1")
            head = cursor.fetchone()
            if head is None:
                cursor.execute("SELECT count(*) FROM cases_auditevent")
                if cursor.fetchone()[0]:
                    return ChainReport(0, 0, "", 0, ChainBreak(None, 0, "the chain head is missing"))
                return ChainReport(0, 0, GENESIS_HASH, 0, None)
            head_seq, head_hash, anchor_seq, anchor_hash = head
            broken = _check_anchor(cursor, anchor_seq, anchor_hash)
        if broken is None:
            with connection.chunked_cursor() as rows_cursor:
                checked, last_seq, last_hash, broken = _walk(rows_cursor, anchor_seq, anchor_hash)
            if broken is None and (last_seq, last_hash) != (head_seq, head_hash):
                broken = ChainBreak(
                    None, last_seq + 1, f"the head is position {head_seq}: rows after {last_seq} are missing"
                )
        else:
            checked = 0
    return ChainReport(checked, head_seq, head_hash, anchor_seq, broken)
