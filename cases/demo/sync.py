"""Write the demo rows so that running the seed again changes nothing.

Every builder computes the rows it wants (deterministically) and hands them to one of
these helpers, which compares them with what the database holds and writes only the
difference. Rows with a natural key are created or rewritten in place (ids stay stable);
rows without one are matched by their whole content inside a scope (the demo rows they
hang off): identical rows are kept, the others deleted and created afresh. Nothing here
deletes users, audit events or custody events, which the database refuses to delete.

Rows that an earlier run created and this run no longer wants (after the generator
changed, say) are found through the audit trail, which records every created row with the
run's request id (``SEED_REQUEST_PREFIX``): ``replace`` treats them as part of its scope,
and ``retire`` removes the keyed ones at the end.
"""

from __future__ import annotations

import contextvars
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.db import connection, models
from django.db.models import ProtectedError
from django.db.models.expressions import RawSQL
from django.utils import timezone

from cases.audit import apply_context

SEED_REQUEST_PREFIX = "seed-demo-"
BATCH = 1000
CHUNK = 20_000
# From this many new rows on, rows are written with COPY instead of INSERT: Django's bulk insert
# spends more time compiling the statement in Python than PostgreSQL spends on the rows.
COPY_FROM = 500
PLAIN_FIELDS = {
    models.CharField,
    models.TextField,
    models.URLField,
    models.SlugField,
    models.EmailField,
    models.BooleanField,
    models.IntegerField,
    models.BigIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.PositiveBigIntegerField,
    models.DateTimeField,
    models.DateField,
    models.DecimalField,
    models.ForeignKey,
}


# Ids of the rows earlier runs created, by model label; and the keyed rows this run no longer wants.
_owned: contextvars.ContextVar[dict[str, set[int]] | None] = contextvars.ContextVar("seed_demo_owned", default=None)
_stale: contextvars.ContextVar[dict[type[models.Model], set[int]] | None] = contextvars.ContextVar(
    "seed_demo_stale", default=None
)


@contextmanager
def ownership() -> Iterator[None]:
    """Within the block, know which rows earlier seed runs created (from the audit trail)."""
    from cases.models import AuditEvent

    owned: dict[str, set[int]] = defaultdict(set)
    created = AuditEvent.objects.filter(request_id__startswith=SEED_REQUEST_PREFIX, action="create")
    for object_type, object_id in created.values_list("object_type", "object_id").iterator(chunk_size=10_000):
        owned[object_type].add(int(object_id))
    tokens = (_owned.set(owned), _stale.set({}))
    try:
        yield
    finally:
        _owned.reset(tokens[0])
        _stale.reset(tokens[1])


def _owned_ids(model: type[models.Model]) -> list[int]:
    return sorted((_owned.get() or {}).get(model._meta.label_lower, ()))


def retire(model: type[models.Model], on_protected: Callable[[list[int]], None] | None = None) -> int:
    """Delete the keyed rows earlier runs created and this run did not want; return how many went.

    Rows something else still protects (a user's lawsuit naming a retired account, say) are
    handed to ``on_protected`` instead.
    """
    stale = sorted((_stale.get() or {}).get(model, ()))
    existing = [
        pk
        for chunk in chunks(stale)
        for pk in model._default_manager.filter(pk__in=_within(chunk)).values_list("pk", flat=True)
    ]
    protected = []
    for chunk in chunks(existing, BATCH):
        try:
            model._default_manager.filter(pk__in=chunk).delete()
        except ProtectedError:
            for pk in chunk:
                try:
                    model._default_manager.filter(pk=pk).delete()
                except ProtectedError:
                    protected.append(pk)
    if protected and on_protected:
        on_protected(protected)
    return len(existing) - len(protected)


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _freeze(value: Any) -> Any:
    """Return a hashable value that compares equal for equal database values.

    Aware datetimes, decimals and dates already hash alike when equal; only containers need work.
    """
    kind = type(value)
    if kind is list or kind is tuple:
        return tuple(_freeze(v) for v in value)
    if kind is dict:
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    return value


def _within(values: Sequence[Any]) -> RawSQL:
    """Return ``IN (…)``'s right-hand side as one array parameter, so a long list costs one bound value."""
    cast = "bigint[]" if all(type(v) is int for v in values) else "text[]"
    return RawSQL(f"SELECT unnest(%s::{cast})", (list(values),))  # noqa: S611 - fixed SQL, values bound


def _field_names(model: type[models.Model], names: Iterable[str]) -> list[str]:
    """Map attribute names (``account_id``) to field names (``account``) for bulk_create."""
    return [model._meta.get_field(name).name for name in names]


def create(model: type[models.Model], rows: list[dict[str, Any]]) -> list[int]:
    """Insert rows and return their new ids, through COPY for many rows.

    The audit triggers fire for COPY as for INSERT; the audit context is pushed first because
    COPY bypasses the execute wrapper that normally does it (cases/audit.py).
    """
    if len(rows) < COPY_FROM:
        return [obj.pk for obj in model._default_manager.bulk_create([model(**row) for row in rows], batch_size=BATCH)]
    fields = [f for f in model._meta.concrete_fields if not f.primary_key and not f.generated]
    now = timezone.now()
    convert = []
    for f in fields:
        if getattr(f, "auto_now", False):
            convert.append(lambda row, f=f: row.get(f.attname, now))
        elif type(f) in PLAIN_FIELDS or isinstance(f, ArrayField):
            # psycopg adapts these Python values as they are; Django's conversion would be a no-op.
            convert.append(lambda row, f=f: row[f.attname] if f.attname in row else f.get_default())
        else:
            # Encrypted text, JSON, …: let the field prepare the value (encrypts, wraps JSON).
            convert.append(
                lambda row, f=f: f.get_db_prep_save(row[f.attname] if f.attname in row else f.get_default(), connection)
            )
    table = model._meta.db_table
    quote = connection.ops.quote_name
    apply_context(connection)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, len(rows)]
        )
        ids = [pk for (pk,) in cursor.fetchall()]
        columns = ", ".join(quote(c) for c in ["id", *(f.column for f in fields)])
        with cursor.cursor.copy(f"COPY {quote(table)} ({columns}) FROM STDIN") as copy:
            for pk, row in zip(ids, rows, strict=True):
                copy.write_row([pk, *(c(row) for c in convert)])
    return ids


def upsert(model: type[models.Model], rows: list[dict[str, Any]], key: tuple[str, ...]) -> list[int]:
    """Make the table hold these rows, matched on a unique key; return their ids in row order.

    ``key[-1]`` must be selective on its own: it is the column looked up in bulk.
    """
    if not rows:
        return []
    fields = list(rows[0])
    existing: dict[tuple, dict[str, Any]] = {}
    lookup = key[-1]
    for chunk in chunks(list({row[lookup] for row in rows})):
        for match in model._default_manager.filter(**{f"{lookup}__in": _within(chunk)}).values("pk", *fields):
            existing[tuple(match[k] for k in key)] = match
    ids: dict[tuple, int] = {}
    missing: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for row in rows:
        row_key = tuple(row[k] for k in key)
        found = existing.get(row_key)
        if found is None:
            missing.append(row)
            continue
        ids[row_key] = found["pk"]
        if any(found[name] != row[name] and _freeze(found[name]) != _freeze(row[name]) for name in fields):
            changed.append(row)
    for pk, row in zip(create(model, missing), missing, strict=True):
        ids[tuple(row[k] for k in key)] = pk
    stale = _stale.get()
    if stale is not None:
        stale.setdefault(model, set()).update(set(_owned_ids(model)) - set(ids.values()))
    if changed:
        # An upsert on the unique key rewrites the changed rows in place and keeps their ids.
        others = [name for name in fields if name not in key]
        has_updated_at = any(f.name == "updated_at" for f in model._meta.concrete_fields)
        model._default_manager.bulk_create(
            [model(**row) for row in changed],
            batch_size=BATCH,
            update_conflicts=True,
            unique_fields=_field_names(model, key),
            update_fields=_field_names(model, others) + (["updated_at"] if has_updated_at else []),
        )
    return [ids[tuple(row[k] for k in key)] for row in rows]


def replace(
    model: type[models.Model],
    rows: list[dict[str, Any]],
    *,
    scope_field: str,
    scope_values: Sequence[Any],
    extra: dict[str, Any] | None = None,
) -> list[int]:
    """Make the rows whose ``scope_field`` is in ``scope_values`` equal ``rows``; return ids in row order.

    Rows have no natural key: an existing row is kept when all its values match a wanted row.
    """
    fields = list(rows[0]) if rows else ["pk"]
    pool: dict[tuple, list[int]] = defaultdict(list)
    seen: set[int] = set()
    # The scope, plus whatever earlier runs created here and the scope no longer reaches.
    lookups = [(f"{scope_field}__in", chunk) for chunk in chunks(list(dict.fromkeys(scope_values)))]
    lookups += [("pk__in", chunk) for chunk in chunks(_owned_ids(model))]
    for lookup, chunk in lookups:
        for found in model._default_manager.filter(**{lookup: _within(chunk)}, **(extra or {})).values("pk", *fields):
            if found["pk"] not in seen:
                seen.add(found["pk"])
                pool[tuple(_freeze(found[name]) for name in fields)].append(found["pk"])
    ids: list[int] = []
    missing: list[tuple[int, dict[str, Any]]] = []
    for index, row in enumerate(rows):
        matches = pool.get(tuple(_freeze(row[name]) for name in fields))
        if matches:
            ids.append(matches.pop())
        else:
            ids.append(0)
            missing.append((index, row))
    stale = sorted(pk for pks in pool.values() for pk in pks)
    for chunk in chunks(stale, BATCH):
        model._default_manager.filter(pk__in=chunk).delete()
    for (index, _), pk in zip(missing, create(model, [row for _, row in missing]), strict=True):
        ids[index] = pk
    return ids


def sync_m2m(relation: Any, pairs: Iterable[tuple[int, int]], source_ids: Sequence[int]) -> int:
    """Make the many-to-many links of ``source_ids`` exactly ``pairs`` (source id, target id)."""
    field = relation.field
    through = field.remote_field.through
    source = f"{field.m2m_field_name()}_id"
    target = f"{field.m2m_reverse_field_name()}_id"
    wanted = set(pairs)
    stale: list[int] = []
    for chunk in chunks(list(dict.fromkeys(source_ids))):
        for pk, left, right in through.objects.filter(**{f"{source}__in": _within(chunk)}).values_list(
            "pk", source, target
        ):
            if (left, right) in wanted:
                wanted.discard((left, right))
            else:
                stale.append(pk)
    for chunk in chunks(stale, BATCH):
        through.objects.filter(pk__in=chunk).delete()
    through.objects.bulk_create(
        [through(**{source: left, target: right}) for left, right in sorted(wanted)], batch_size=BATCH
    )
    return len(wanted) + len(stale)


def linked_ids(relation: Any, target_ids: Sequence[int]) -> list[int]:
    """Return the ids of the rows that a many-to-many ``relation`` links to any of ``target_ids``."""
    field = relation.field
    through = field.remote_field.through
    source = f"{field.m2m_field_name()}_id"
    target = f"{field.m2m_reverse_field_name()}_id"
    found: set[int] = set()
    for chunk in chunks(list(target_ids)):
        found.update(through.objects.filter(**{f"{target}__in": _within(chunk)}).values_list(source, flat=True))
    return sorted(found)
