"""A list page's rows as JSON text built by PostgreSQL (``json_build_object``), for the largest list.

The content-item list returned ``.values()`` rows that Python turned into dicts, re-formatted four
timestamps each and encoded as JSON: about half of the request's CPU at 50 rows a page. Here the
page query selects one JSON text per row; the view joins them into the response unchanged. The
keys, their order and the values are those of ``ContentItemSerializer`` (``content_item_row``);
tests/api/test_json_rows.py compares both for awkward text, missing relations and time zones.

The row is one expression whose SQL is written once per set of join aliases and then reused:
compiling the same fifty-odd ORM expressions on every request cost more than it saved.
"""

from __future__ import annotations

import datetime
import functools
import json
import zoneinfo
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db.models import F, TextField
from django.db.models.expressions import Expression
from django.http import HttpResponse

# (key, column of the item's own table, or a related field through a join, or a timestamp).
_OWN, _RELATED, _TIME = "own", "related", "time"
CONTENT_ITEM_KEYS: tuple[tuple[str, str, str], ...] = (
    ("id", _OWN, "id"), ("platform", _RELATED, "platform__code"), ("url", _OWN, "url"),
    ("platform_content_id", _OWN, "platform_content_id"), ("account", "account", "account_id"),
    ("content_type", _OWN, "content_type"), ("title", _OWN, "title"), ("text", _OWN, "text"),
    ("published_at", _TIME, "published_at"), ("discovered_at", _TIME, "discovered_at"),
    ("views", _OWN, "views"), ("likes", _OWN, "likes"), ("shares", _OWN, "shares"),
    ("comments", _OWN, "comments"), ("reach", _OWN, "reach"), ("source", _OWN, "source"),
    ("triage_state", _OWN, "triage_state"), ("severity", _OWN, "severity"), ("conclusion", _OWN, "conclusion"),
    ("assessed_at", _TIME, "assessed_at"), ("campaign", _OWN, "campaign_id"), ("live_status", _OWN, "live_status"),
    ("ai_label_present", _OWN, "ai_label_present"), ("created_at", _TIME, "created_at"),
    ("updated_at", _TIME, "updated_at"),
)  # fmt: skip
_RELATED_FIELDS = ("platform__code", "account__platform_uid", "account__name")
_templates: dict[tuple[str, ...], str] = {}
# A date no timestamp reaches: "the offset has never been fixed".
NEVER = datetime.datetime.max.replace(tzinfo=datetime.UTC)


def _offset_text(offset: datetime.timedelta) -> str:
    """An offset as ``isoformat()`` writes it (``Z`` for zero, as ``serializers._iso`` does)."""
    if not offset:
        return "Z"
    return datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone(offset)).isoformat()[19:]


@functools.cache
def fixed_offset(zone_name: str) -> tuple[datetime.datetime, str]:
    """Return (since, offset): the zone's UTC offset is ``offset`` from ``since`` on, as far as the
    time zone database knows (two years ahead are checked); ``NEVER`` for a zone that still
    changes its clocks. Exact to the second: the day of the last change is searched hour by hour,
    then second by second."""
    zone = zoneinfo.ZoneInfo(zone_name)
    now = datetime.datetime.now(datetime.UTC).replace(minute=0, second=0, microsecond=0)

    def offset_at(moment: datetime.datetime) -> datetime.timedelta | None:
        return moment.astimezone(zone).utcoffset()

    current = offset_at(now)
    if current is None or any(offset_at(now + datetime.timedelta(days=d)) != current for d in range(0, 731, 7)):
        return NEVER, ""
    since = now
    step = datetime.timedelta(days=1)
    floor = datetime.datetime(1900, 1, 1, tzinfo=datetime.UTC)
    while since - step >= floor and offset_at(since - step) == current:
        since -= step
    if since - step < floor:
        return floor, _offset_text(current)  # unchanged since 1900 (earlier times: the general formula)
    for step in (datetime.timedelta(hours=1), datetime.timedelta(minutes=1), datetime.timedelta(seconds=1)):
        while offset_at(since - step) == current:
            since -= step
    return since, _offset_text(current)


class ContentItemJson(Expression):
    """A content item's API representation as JSON text (see the module docstring)."""

    output_field = TextField()

    def __init__(self) -> None:
        super().__init__(output_field=TextField())
        self.cols: list[Any] = []
        self.base_alias = ""

    def get_source_expressions(self) -> list[Any]:
        return self.cols

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        self.cols = list(exprs)

    def resolve_expression(self, query: Any = None, allow_joins: bool = True, reuse: Any = None,
                           summarize: bool = False, for_save: bool = False) -> ContentItemJson:  # fmt: skip
        resolved = self.copy()
        # Resolving the related fields adds their joins (LEFT OUTER for the optional account).
        resolved.cols = [F(name).resolve_expression(query, allow_joins, reuse, summarize) for name in _RELATED_FIELDS]
        resolved.base_alias = query.get_initial_alias()
        return resolved

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        related = [compiler.compile(col)[0] for col in self.cols]
        key = (connection.ops.quote_name(self.base_alias), *related)
        template = _templates.get(key)
        if template is None:
            template = _templates[key] = _content_item_sql(*key)
        since, offset = fixed_offset(settings.TIME_ZONE)
        times = sum(kind == _TIME for _key, kind, _f in CONTENT_ITEM_KEYS)
        return template, [settings.TIME_ZONE, since, offset] * times


def _content_item_sql(table: str, platform_code: str, account_uid: str, account_name: str) -> str:
    related = {"platform__code": platform_code}
    parts = []
    for key, kind, field in CONTENT_ITEM_KEYS:
        own = f'{table}."{field}"'
        if kind == _OWN:
            value = own
        elif kind == _RELATED:
            value = related[field]
        elif kind == _TIME:
            value = f"lc_iso_datetime({own}, %s, %s, %s)"
        else:  # the account: null, or its id, handle and name
            value = (f"CASE WHEN {own} IS NULL THEN NULL ELSE json_build_object('id', {own}, "
                     f"'platform_uid', {account_uid}, 'name', {account_name}) END")  # fmt: skip
        parts.append(f"'{key}', {value}")
    # As text: psycopg would otherwise parse every row back into a dict.
    return f"json_build_object({', '.join(parts)})::text"


def json_list_response(envelope: dict[str, Any], rows: list[str], status: int = 200) -> HttpResponse:
    """``envelope`` with ``"results"``: the rows' JSON texts, joined as they are."""
    head = json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))
    body = head[:-1] + ("," if envelope else "") + '"results":[' + ",".join(rows) + "]}"
    return HttpResponse(body.encode(), status=status, content_type="application/json")
