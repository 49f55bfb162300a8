"""Writing one import batch: accounts, items and historical assessments, in a fixed number of queries.

Called by cases/services/intake.py inside the batch's transaction. Rows arrive grouped by the
item they name (platform, normalised URL), in order; within a group later values win. Stored
values are fetched once (locked), merged in Python, and only rows that change are written, with
one ``INSERT … ON CONFLICT DO UPDATE`` per table (``upsert``): re-sending unchanged data writes nothing at all (no
``updated_at`` bump, no audit events). The audit triggers record every write made here.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import BooleanField, GeneratedField, Model
from django.db.models.expressions import RawSQL
from django.utils import timezone

from cases.meta import concrete_field
from cases.models import Assessment, ContentItem, MonitoredAccount, StateChange
from cases.services.intake_rows import CleanAccount, CleanRow
from cases.services.triage import PATH_TO_ASSESSING, STATE_FOR_CONCLUSION

Key = tuple[int, str]
Groups = Mapping[Key, list[CleanRow]]

# What a re-sent row may change on an existing item (never its triage state or who found it).
ITEM_FIELDS = (
    "platform_content_id", "account_id", "content_type", "title", "text", "published_at",
    "views", "likes", "shares", "comments", "live_status", "ai_label_present",
)  # fmt: skip
ACCOUNT_FIELDS = (
    "name", "former_names", "followers", "profile_url", "ip_location", "verification",
    "first_seen_at", "last_seen_at",
)  # fmt: skip
_ITEM_DEFAULTS = {name: concrete_field(ContentItem, name).get_default() for name in ITEM_FIELDS}


@dataclass
class Written:
    ids: dict[Key, int]  # every group's item id
    existed: set[Key]  # the groups whose item was stored before this batch


def pairs_in(table: str, column: str, keys: Iterable[Key]) -> RawSQL:
    """Return a filter "(platform_id, column) is one of keys" that probes the unique index once per key.

    An OR of ``platform_id = … AND column IN (…)`` let the planner choose a bitmap scan over every
    row of those platforms (measured), which grows with the table; a join on unnest does not.
    ``table`` and ``column`` are constants of this module; the keys are bound parameters.
    """
    keys = list(keys)
    sql = f'("{table}"."platform_id", "{table}"."{column}") IN (SELECT * FROM unnest(%s::bigint[], %s::text[]))'  # noqa: S608
    params = ([platform_id for platform_id, _value in keys], [value for _platform_id, value in keys])
    return RawSQL(sql, params, output_field=BooleanField())  # noqa: S611


def existing_item_ids(keys: Iterable[Key]) -> dict[Key, int]:
    """Return the ids of the stored items among ``keys`` (one query; a preview's only read)."""
    found = ContentItem.objects.filter(pairs_in(ContentItem._meta.db_table, "url", keys))
    return {(platform_id, url): pk for pk, platform_id, url in found.values_list("pk", "platform_id", "url")}


def write_groups(groups: Groups, *, actor: Any, item_source: str) -> Written:
    """Upsert the batch's accounts, items and assessments; return each group's item id."""
    now = timezone.now()
    existing = {
        (values["platform_id"], values["url"]): values
        for values in ContentItem.objects.filter(pairs_in(ContentItem._meta.db_table, "url", groups))
        .select_for_update()
        .values("pk", "platform_id", "url", "triage_state", "assessed_at", *ITEM_FIELDS)
    }
    account_ids = _upsert_accounts(groups, existing, now)
    to_write: list[dict[str, Any]] = []
    merged: dict[Key, dict[str, Any]] = {}
    for key, rows in groups.items():
        old = existing.get(key)
        values = {name: old[name] for name in ITEM_FIELDS} if old else dict(_ITEM_DEFAULTS)
        for row in rows:
            values.update(row.fields)
            if row.account is not None:
                values["account_id"] = account_ids[(row.platform_id, row.account.platform_uid)]
        merged[key] = values
        if old is None or any(values[name] != old[name] for name in ITEM_FIELDS):
            to_write.append({"platform_id": key[0], "url": key[1], "source": item_source, **values})
    ids = {key: old["pk"] for key, old in existing.items()}
    ids.update(_upsert_items(to_write, now))
    _record_assessments(groups, existing, ids, merged, actor=actor, now=now)
    return Written(ids=ids, existed=set(existing))


def _upsert_items(rows: list[dict[str, Any]], now: datetime.datetime) -> dict[Key, int]:
    """Insert new items and update changed ones in one statement; return their ids by key."""
    return upsert(ContentItem, rows, key_field="url", update_fields=ITEM_FIELDS, now=now)


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"Cannot send {type(value).__name__} as an import value")


def upsert(
    model: type[Model], rows: list[dict[str, Any]], *, key_field: str, update_fields: Iterable[str], now: datetime.datetime
) -> dict[Key, int]:
    """Insert rows or update them on (platform, ``key_field``) in one statement; return ids by key.

    The rows travel as one JSON document read by ``json_to_recordset``: binding an array per column
    (``unnest``) spent a fifth of a 5,000-item batch in psycopg's Python array dumper, and
    ``bulk_create(update_conflicts=True)`` built a model instance and bound ~22 parameters per row
    (``make bench``, docs/benchmarks.md). ``json.dumps`` runs in C. Columns the rows do not carry get
    the model's defaults, as ``bulk_create`` would give them; a conflict updates ``update_fields`` and
    ``updated_at`` only. Every row must carry the same keys.
    """
    if not rows:
        return {}
    meta = model._meta
    quote = connection.ops.quote_name
    carried, columns, definitions, selected, params = [], [], [], [], []
    for f in meta.concrete_fields:
        if f.primary_key or isinstance(f, GeneratedField):
            continue
        columns.append(quote(f.column))
        if f.attname in rows[0]:
            carried.append(f)
            definitions.append(f"{quote(f.column)} {f.db_type(connection)}")
            selected.append(f"r.{quote(f.column)}")
        else:
            default = now if getattr(f, "auto_now", False) or f.default is timezone.now else f.get_default()
            selected.append(f"%s::{f.db_type(connection)}")
            params.append(f.get_db_prep_value(default, connection, prepared=False))
    if all(f.column == f.attname for f in carried):
        payload: list[dict[str, Any]] = rows  # json_to_recordset reads the columns it names, ignores the rest
    else:
        payload = [{f.column: row[f.attname] for f in carried} for row in rows]
    document = json.dumps(payload, ensure_ascii=False, default=_json_value)
    params.append(document)
    updates = [quote(concrete_field(model, name).column) for name in (*update_fields, "updated_at")]
    key_column = quote(concrete_field(model, key_field).column)
    sql = (
        f"INSERT INTO {meta.db_table} ({', '.join(columns)}) "  # noqa: S608 — model metadata only
        f"SELECT {', '.join(selected)} FROM json_to_recordset(%s::json) AS r({', '.join(definitions)}) "
        f'ON CONFLICT ("platform_id", {key_column}) DO UPDATE SET '
        + ", ".join(f"{column} = EXCLUDED.{column}" for column in updates)
        + f' RETURNING "id", "platform_id", {key_column}'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {(platform_id, key): pk for pk, platform_id, key in cursor.fetchall()}


def _upsert_accounts(groups: Groups, existing_items: Mapping[Key, Mapping[str, Any]], now: datetime.datetime) -> dict[Key, int]:
    """Upsert the batch's accounts; return their ids by (platform, uid). Two queries at most."""
    wanted: dict[Key, CleanAccount] = {}
    seen_at: dict[Key, list[datetime.datetime]] = {}
    for key, rows in groups.items():
        item = existing_items.get(key)
        for row in rows:
            if row.account is None:
                continue
            account_key = (row.platform_id, row.account.platform_uid)
            account = wanted.setdefault(account_key, CleanAccount(platform_uid=row.account.platform_uid, names=[]))
            account.names.extend(row.account.names)
            account.attrs.update(row.account.attrs)
            # Seen when it posted: a re-import of the same posts then changes nothing.
            when = row.fields.get("published_at") or (item and item["published_at"]) or now
            seen_at.setdefault(account_key, []).append(when)
    if not wanted:
        return {}
    old_rows = {
        (values["platform_id"], values["platform_uid"]): values
        for values in MonitoredAccount.objects.filter(pairs_in(MonitoredAccount._meta.db_table, "platform_uid", wanted))
        .select_for_update()
        .values("pk", "platform_id", "platform_uid", *ACCOUNT_FIELDS)
    }
    to_write = []
    for account_key, account in wanted.items():
        old = old_rows.get(account_key)
        values = _account_values(account, old, seen_at[account_key])
        if old is None or any(values[name] != old[name] for name in ACCOUNT_FIELDS):
            to_write.append({"platform_id": account_key[0], "platform_uid": account_key[1], **values})
    ids = {account_key: old["pk"] for account_key, old in old_rows.items()}
    ids.update(upsert(MonitoredAccount, to_write, key_field="platform_uid", update_fields=ACCOUNT_FIELDS, now=now))
    return ids


def _account_values(account: CleanAccount, old: Mapping[str, Any] | None, seen: list[datetime.datetime]) -> dict[str, Any]:
    """Merge an account's new values into its stored ones; a changed name goes to former_names."""
    chain = ([old["name"]] if old else []) + account.names
    former = list(old["former_names"]) if old else []
    for previous, current in zip(chain, chain[1:], strict=False):
        if previous != current and previous not in former:
            former.append(previous)
    values: dict[str, Any] = {
        "name": chain[-1] if chain else account.platform_uid,
        "former_names": former,
        "followers": old["followers"] if old else 0,
        "profile_url": old["profile_url"] if old else "",
        "ip_location": old["ip_location"] if old else "",
        "verification": old["verification"] if old else MonitoredAccount.Verification.NONE,
        "first_seen_at": min([*seen, old["first_seen_at"]]) if old else min(seen),
        "last_seen_at": max([*seen, old["last_seen_at"]]) if old else max(seen),
    }
    values.update(account.attrs)
    return values


def _record_assessments(
    groups: Groups,
    existing: Mapping[Key, Mapping[str, Any]],
    ids: Mapping[Key, int],
    values: Mapping[Key, Mapping[str, Any]],
    *,
    actor: Any,
    now: datetime.datetime,
) -> None:
    """Store historical assessments as campaign_assess does: rows, state moves and item fields in bulk.

    Only items never assessed take one: on re-import the item is already assessed, so
    nothing changes, and a vendor's old label never overrides the department's own assessment.
    """
    assessments, moves, items = [], [], []
    for key, rows in groups.items():
        row = next((r for r in reversed(rows) if r.assessment is not None), None)
        old = existing.get(key)
        state = old["triage_state"] if old else ContentItem.TriageState.NEW
        if row is None or row.assessment is None or (old and old["assessed_at"]) or state not in PATH_TO_ASSESSING:
            continue
        data, when = row.assessment, row.assessed_at or now
        counts = values[key]
        reach = counts["views"] + counts["likes"] + counts["shares"] * 10 + counts["comments"] * 5
        assessments.append(
            Assessment(content_item_id=ids[key], assessor=actor, reach=reach, created_at=when, **data.model_fields())
        )
        target = STATE_FOR_CONCLUSION[data.conclusion]
        previous = state
        for step in (*PATH_TO_ASSESSING[state], target):
            moves.append(
                StateChange(object_type="cases.contentitem", object_id=ids[key], field=ContentItem.STATE_FIELD,
                            from_state=previous, to_state=step, actor_id=actor.pk, at=now,
                            reason=data.rationale if step == target else "")
            )  # fmt: skip
            previous = step
        items.append((ids[key], target, data.severity, data.conclusion, when))
    if assessments:
        Assessment.objects.bulk_create(assessments)
        StateChange.objects.bulk_create(moves)
        _set_assessed(items, now)


def _set_assessed(items: list[tuple[int, str, int, str, datetime.datetime]], now: datetime.datetime) -> None:
    """Set each item's state and latest-assessment fields in one statement.

    ``bulk_update`` would send a CASE with a branch and parameters per row for every field;
    joining five arrays through unnest takes six parameters and stays linear.
    """
    item_ids, states, severities, conclusions, times = (list(column) for column in zip(*items, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_contentitem AS item SET triage_state = v.state, severity = v.severity, "
            "conclusion = v.conclusion, assessed_at = v.assessed_at, updated_at = %s "
            "FROM unnest(%s::bigint[], %s::text[], %s::smallint[], %s::text[], %s::timestamptz[]) "
            "AS v(id, state, severity, conclusion, assessed_at) WHERE item.id = v.id",
            [now, item_ids, states, severities, conclusions, times],
        )
