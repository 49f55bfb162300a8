"""The audit trail's plumbing.

Writes are audited by PostgreSQL statement-level triggers (one per table and
operation, with transition tables) that insert into ``cases_auditevent`` in the
same transaction, so ORM saves, ``QuerySet.update()``, bulk creates and raw SQL
are all caught. The triggers learn who acts from three session settings
(``legalcases.actor_id``, ``.actor_type``, ``.ip``, ``.request_id``), which a
database execute-wrapper sets just before a write whenever the current audit
context differs from what the connection last saw.

Code that writes through a raw psycopg cursor (COPY) must call
``apply_context(connection)`` first.
"""

from __future__ import annotations

import contextvars
import ipaddress
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connection as default_connection
from django.db.backends.signals import connection_created

_WRITE_RE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|MERGE|COPY)\b", re.IGNORECASE)
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


@dataclass(frozen=True)
class AuditContext:
    actor_id: int | None = None
    actor_type: str = "system"
    ip: str = ""
    request_id: str = ""

    def as_settings(self) -> tuple[str, str, str, str]:
        return (str(self.actor_id or ""), self.actor_type, self.ip, self.request_id)


_SYSTEM = AuditContext()
# Either a fixed context or a callable that resolves it lazily (request.user is only
# known after authentication, which for the API happens inside the view).
_current: contextvars.ContextVar[AuditContext | Callable[[], AuditContext]] = contextvars.ContextVar(
    "legalcases_audit_context", default=_SYSTEM
)


def current_context() -> AuditContext:
    value = _current.get()
    return value() if callable(value) else value


@contextmanager
def audit_context(
    *, actor: Any = None, actor_type: str | None = None, ip: str = "", request_id: str = ""
) -> Iterator[None]:
    """Attribute the writes made inside the block (management commands, Celery tasks, tests)."""
    actor_id = getattr(actor, "pk", None)
    context = AuditContext(
        actor_id=actor_id,
        actor_type=actor_type or ("user" if actor_id else "system"),
        ip=ip,
        request_id=request_id or uuid.uuid4().hex,
    )
    token = _current.set(context)
    try:
        yield
    finally:
        _current.reset(token)


def _settings_in_force(connection: Any, values: tuple[str, str, str, str]) -> bool:
    """Tell whether the session settings last pushed on this connection are still ``values``.

    PostgreSQL undoes a set_config() made inside a transaction or savepoint that rolls back,
    so a cached value is trusted only while nothing may have undone it. Settings made outside a
    transaction last for the session. Settings made inside one are trusted while Django's
    ``run_on_commit`` list is the same object: Django replaces that list on every commit,
    rollback and savepoint rollback (after a commit this costs one needless set_config).
    """
    cached = getattr(connection, "_legalcases_audit", None)
    if cached is None or cached[0] != values:
        return False
    transaction_marker = cached[1]
    return transaction_marker is None or transaction_marker is connection.run_on_commit


def apply_context(connection: Any = default_connection, cursor: Any = None) -> None:
    """Push the current audit context into the connection's session settings if it changed."""
    values = current_context().as_settings()
    if _settings_in_force(connection, values):
        return
    sql = (
        "SELECT set_config('legalcases.actor_id', %s, false), set_config('legalcases.actor_type', %s, false), "
        "set_config('legalcases.ip', %s, false), set_config('legalcases.request_id', %s, false)"
    )
    if cursor is None:
        with connection.cursor() as own_cursor:
            own_cursor.execute(sql, values)
    else:
        cursor.execute(sql, values)
    if connection.in_atomic_block:
        connection._legalcases_audit = (values, connection.run_on_commit)
    elif connection.get_autocommit():
        connection._legalcases_audit = (values, None)
    else:
        # Manual transaction management: nothing tells us about a rollback, so set it every time.
        connection._legalcases_audit = None


def _execute_wrapper(execute, sql, params, many, context):
    if isinstance(sql, str) and _WRITE_RE.match(sql):
        conn = context["connection"]
        apply_context(conn, context["cursor"])
    return execute(sql, params, many, context)


def _on_connection_created(sender, connection, **kwargs) -> None:
    # A new server session knows nothing yet: force the next write to set the context.
    connection._legalcases_audit = None
    if _execute_wrapper not in connection.execute_wrappers:
        connection.execute_wrappers.append(_execute_wrapper)


def install() -> None:
    connection_created.connect(_on_connection_created, dispatch_uid="legalcases-audit")


def client_ip(request: Any) -> str:
    """Return the client address. Proxy headers are not trusted here (see docs/deployment.md)."""
    address = request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return ""


def request_id_for(request: Any) -> str:
    supplied = request.headers.get("X-Request-ID", "")
    return supplied if _REQUEST_ID_RE.match(supplied) else uuid.uuid4().hex


class AuditContextMiddleware:
    """Attribute every write made while serving a request to its user, IP and request id."""

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = request_id_for(request)
        ip = client_ip(request)

        def resolve() -> AuditContext:
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                actor_type = "token" if getattr(request, "auth", None) is not None else "user"
                return AuditContext(actor_id=user.pk, actor_type=actor_type, ip=ip, request_id=request.request_id)
            return AuditContext(actor_type="owner", ip=ip, request_id=request.request_id)

        token = _current.set(resolve)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response["X-Request-ID"] = request.request_id
        return response


def record(
    *, action: str, obj: Any, diff: dict | None = None, context: AuditContext | None = None
) -> None:
    """Record an audited act that is not a write (a read of personal data, an export, a download)."""
    from cases.models import AuditEvent

    ctx = context or current_context()
    AuditEvent.objects.create(
        actor_id=ctx.actor_id,
        actor_type=ctx.actor_type,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        diff=diff or {},
        ip_address=ctx.ip or None,
        request_id=ctx.request_id,
    )


# --- SQL used by the migrations ---------------------------------------------

FUNCTIONS_SQL = r"""
CREATE OR REPLACE FUNCTION legalcases_audit_mask(j jsonb, masked text[]) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(jsonb_object_agg(key, CASE WHEN key = ANY(masked) AND value <> '""'::jsonb
                                               THEN '"***"'::jsonb ELSE value END), '{}'::jsonb)
    FROM jsonb_each(j)
$$;

CREATE OR REPLACE FUNCTION legalcases_audit_changes() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    object_type text := TG_ARGV[0];
    masked text[] := string_to_array(coalesce(TG_ARGV[1], ''), ',');
    actor bigint := nullif(current_setting('legalcases.actor_id', true), '')::bigint;
    actor_kind text := coalesce(nullif(current_setting('legalcases.actor_type', true), ''), 'system');
    client inet := nullif(current_setting('legalcases.ip', true), '')::inet;
    req text := coalesce(current_setting('legalcases.request_id', true), '');
BEGIN
    IF TG_OP = 'INSERT' AND cardinality(masked) = 0 THEN
        -- Fast path for the many tables with nothing to mask (bulk imports land here).
        INSERT INTO cases_auditevent (at, actor_id, actor_type, action, object_type, object_id, diff, ip_address, request_id)
        SELECT now(), actor, actor_kind, 'create', object_type, n.id::text,
               to_jsonb(n) - 'created_at' - 'updated_at', client, req
        FROM new_rows n;
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO cases_auditevent (at, actor_id, actor_type, action, object_type, object_id, diff, ip_address, request_id)
        SELECT now(), actor, actor_kind, 'create', object_type, (to_jsonb(n) ->> 'id'),
               legalcases_audit_mask(to_jsonb(n) - 'created_at' - 'updated_at', masked), client, req
        FROM new_rows n;
    ELSIF TG_OP = 'UPDATE' THEN
        -- EXECUTE plans on every call: a plan cached from a small first update would join the
        -- transition tables with a nested loop and make a large update quadratic.
        EXECUTE $sql$
            WITH pairs AS MATERIALIZED (
                SELECT to_jsonb(n) AS nj, to_jsonb(o) AS oj
                FROM new_rows n JOIN old_rows o ON o.id = n.id
            ), changed AS MATERIALIZED (
                SELECT nj ->> 'id' AS id,
                       (SELECT jsonb_object_agg(e.key,
                                   CASE WHEN e.key = ANY($6) THEN '["***", "***"]'::jsonb
                                        ELSE jsonb_build_array(oj -> e.key, e.value) END)
                        FROM jsonb_each(nj) AS e
                        WHERE e.key <> 'updated_at' AND (oj -> e.key) IS DISTINCT FROM e.value) AS diff
                FROM pairs
            )
            INSERT INTO cases_auditevent (at, actor_id, actor_type, action, object_type, object_id, diff, ip_address, request_id)
            SELECT now(), $1, $2, 'update', $3, changed.id, changed.diff, $4, $5
            FROM changed WHERE changed.diff IS NOT NULL
        $sql$ USING actor, actor_kind, object_type, client, req, masked;
    ELSE
        INSERT INTO cases_auditevent (at, actor_id, actor_type, action, object_type, object_id, diff, ip_address, request_id)
        SELECT now(), actor, actor_kind, 'delete', object_type, (to_jsonb(o) ->> 'id'),
               legalcases_audit_mask(to_jsonb(o) - 'created_at' - 'updated_at', masked), client, req
        FROM old_rows o;
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION legalcases_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
"""

DROP_FUNCTIONS_SQL = """
DROP FUNCTION IF EXISTS legalcases_audit_changes() CASCADE;
DROP FUNCTION IF EXISTS legalcases_audit_mask(jsonb, text[]);
DROP FUNCTION IF EXISTS legalcases_refuse_change() CASCADE;
"""


def track_sql(table: str, object_type: str, masked: tuple[str, ...] = ()) -> str:
    """Return the SQL that attaches the audit triggers to one table."""
    args = f"'{object_type}', '{','.join(masked)}'"
    parts = []
    for op, ref in (
        ("INSERT", "NEW TABLE AS new_rows"),
        ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
        ("DELETE", "OLD TABLE AS old_rows"),
    ):
        name = f"{table}_audit_{op.lower()}"
        parts.append(
            f"DROP TRIGGER IF EXISTS {name} ON {table};\n"
            f"CREATE TRIGGER {name} AFTER {op} ON {table} REFERENCING {ref} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION legalcases_audit_changes({args});"
        )
    return "\n".join(parts)


def untrack_sql(table: str) -> str:
    return "\n".join(f"DROP TRIGGER IF EXISTS {table}_audit_{op} ON {table};" for op in ("insert", "update", "delete"))


def append_only_sql(table: str) -> str:
    """Return the SQL that makes a table refuse UPDATE and DELETE."""
    return (
        f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};\n"
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION legalcases_refuse_change();"
    )
