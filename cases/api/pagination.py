"""Page-number pagination that never counts a million rows on every page.

``COUNT(*)`` over a million content items costs 26-42 ms per request and made a DRF list
4.7-6.4x slower (PERFORMANCE.md §e). So:

- a page fetches ``page_size + 1`` rows: the extra row says whether a next page exists,
  and a first page that holds everything needs no count at all;
- otherwise ``count`` is exact up to ``EXACT_COUNT_LIMIT`` rows (a ``LIMIT``-ed count);
- past that it is an estimate, flagged by ``"count_is_estimate": true``: for an unfiltered list,
  PostgreSQL's ``pg_class.reltuples`` for the table; for a filtered one, the planner's row
  estimate for the query (``EXPLAIN``, nothing executed). A filtered list the planner expects
  to hold more than ``ESTIMATE_FIRST_FACTOR`` times the limit is not counted at all: the bounded
  count would read 10,000 index entries on every page (20-40 ms at a million rows, measured by
  ``make bench``) only to be replaced by the estimate;
- pages after the first select the page's ids first and then those rows (a "deferred join"):
  sorting every matching row with all its columns and joins spilled to disk on deep pages;
- pages deeper than ``MAX_PAGE`` are refused (an ``OFFSET`` of 50,000+ rows costs more than a
  page is worth): narrow the list with filters, e.g. a date range.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

EXACT_COUNT_LIMIT = 10_000
MAX_PAGE = 1_000
# A filtered list estimated above this many times EXACT_COUNT_LIMIT rows skips the bounded count.
ESTIMATE_FIRST_FACTOR = 4


def table_estimate(queryset: QuerySet) -> int | None:
    """Return the planner's estimate of the table's rows, or None if it was never analysed."""
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
            [connections[queryset.db].ops.quote_name(queryset.model._meta.db_table)],
        )
        row = cursor.fetchone()
    if row is None or row[0] is None or row[0] < 0:
        return None
    return int(row[0])


# The planner's estimates, per query, for ESTIMATE_TTL seconds: an estimate changes slowly, and
# planning the query on every page cost a round trip and a sixth of the page query's database time.
ESTIMATE_TTL = 60.0
ESTIMATE_CACHE_SIZE = 512
_estimates: OrderedDict[tuple[str, str, tuple[Any, ...]], tuple[float, int | None]] = OrderedDict()
_estimates_lock = threading.Lock()


def query_estimate(queryset: QuerySet) -> int | None:
    """Return the planner's estimate of the rows the query selects (EXPLAIN: the query is not run).

    Remembered per process for ``ESTIMATE_TTL`` seconds, keyed by the query's SQL and parameters.
    """
    # Only the primary key: the same rows, without planning the joins of select_related.
    ids = queryset.order_by().values("pk")
    try:
        sql, params = ids.query.sql_with_params()
    except EmptyResultSet:
        return 0
    key = (ids.db, sql, tuple(params))
    now = time.monotonic()
    with _estimates_lock:
        cached = _estimates.get(key)
        if cached is not None and now - cached[0] < ESTIMATE_TTL:
            _estimates.move_to_end(key)
            return cached[1]
    try:
        plan = json.loads(ids.explain(format="json"))
        estimate: int | None = int(plan[0]["Plan"]["Plan Rows"])
    except (ValueError, KeyError, IndexError, TypeError):
        estimate = None
    with _estimates_lock:
        _estimates[key] = (now, estimate)
        _estimates.move_to_end(key)
        while len(_estimates) > ESTIMATE_CACHE_SIZE:
            _estimates.popitem(last=False)
    return estimate


def is_unfiltered(queryset: QuerySet) -> bool:
    query = queryset.query
    return not query.where and not query.distinct and query.combinator is None


def fast_count(queryset: QuerySet, limit: int = EXACT_COUNT_LIMIT) -> tuple[int, bool]:
    """Return (rows, is_estimate) without scanning more than ``limit`` rows."""
    if queryset.query.is_empty():
        return 0, False
    if is_unfiltered(queryset):
        estimate = table_estimate(queryset)
        if estimate is not None and estimate > limit:
            return estimate, True
    else:
        estimate = query_estimate(queryset)
        if estimate is not None and estimate > limit * ESTIMATE_FIRST_FACTOR:
            return estimate, True
    bounded = queryset.order_by()[: limit + 1].count()
    if bounded <= limit:
        return bounded, False
    estimate = table_estimate(queryset) if is_unfiltered(queryset) else query_estimate(queryset)
    return max(bounded, estimate or 0), True


def page_rows(
    queryset: QuerySet | list[Any],
    offset: int,
    limit: int,
    fields: tuple[str, ...] = (),
    expressions: dict[str, Any] | None = None,
) -> list[Any]:
    """Return ``limit`` rows from ``offset``; past the first page, by ids first (see the module docstring).

    With ``fields`` (and ``expressions``, named expressions) the rows are ``.values(*fields,
    **expressions)`` dicts; ``fields`` must include the primary key's column.
    """
    if not isinstance(queryset, QuerySet):
        return list(queryset[offset : offset + limit])
    expressions = expressions or {}
    if offset == 0:
        return list((queryset.values(*fields, **expressions) if fields else queryset)[:limit])
    ids = list(queryset.values_list("pk", flat=True)[offset : offset + limit])
    rows = queryset.order_by().filter(pk__in=ids)
    if fields:
        pk_name = queryset.model._meta.pk.attname
        by_id = {row[pk_name]: row for row in rows.values(*fields, **expressions)}
    else:
        by_id = {row.pk: row for row in rows}
    return [by_id[pk] for pk in ids if pk in by_id]


class FastPageNumberPagination(BasePagination):
    """``?page=N&page_size=M`` with a cheap ``count``; see the module docstring."""

    page_size = 50
    max_page_size = 200
    page_query_param = "page"
    page_size_query_param = "page_size"
    # Set by a view that renders ``.values()`` rows (ContentItemViewSet): the columns to select,
    # and named expressions to select with them.
    values_fields: tuple[str, ...] = ()
    values_expressions: dict[str, Any] | None = None

    def _int_param(self, request: Request, name: str, default: int, maximum: int) -> int:
        raw = request.query_params.get(name)
        if not raw:  # absent or empty
            return default
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 9 or not 1 <= int(raw) <= maximum:
            raise ValidationError({name: [_("Enter a whole number from 1 to %(max)d.") % {"max": maximum}]})
        return int(raw)

    def paginate_queryset(self, queryset: QuerySet, request: Request, view: Any = None) -> list[Any]:
        self.request = request
        self.page_number = self._int_param(request, self.page_query_param, 1, MAX_PAGE)
        self.size = self._int_param(request, self.page_size_query_param, self.page_size, self.max_page_size)
        offset = (self.page_number - 1) * self.size
        rows = page_rows(queryset, offset, self.size + 1, self.values_fields, self.values_expressions)
        self.has_next = len(rows) > self.size
        rows = rows[: self.size]
        if not rows and self.page_number > 1:
            raise NotFound(_("This page is past the end of the list."))
        if self.page_number == 1 and not self.has_next:
            self.count, self.count_is_estimate = len(rows), False
        else:
            count, estimate = fast_count(queryset)
            # An estimate may undercount what we can see for certain.
            self.count = max(count, offset + len(rows) + (1 if self.has_next else 0))
            self.count_is_estimate = estimate
        return rows

    def _link(self, number: int | None) -> str | None:
        if number is None:
            return None
        url = self.request.build_absolute_uri()
        if number == 1:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, number)

    def envelope(self) -> OrderedDict[str, Any]:
        """Everything of the paginated response but the results."""
        next_page = self.page_number + 1 if self.has_next and self.page_number < MAX_PAGE else None
        previous_page = self.page_number - 1 if self.page_number > 1 else None
        return OrderedDict(
            [
                ("count", self.count),
                ("count_is_estimate", self.count_is_estimate),
                ("next", self._link(next_page)),
                ("previous", self._link(previous_page)),
            ]
        )

    def get_paginated_response(self, data: list[Any]) -> Response:
        return Response(OrderedDict([*self.envelope().items(), ("results", data)]))

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["count", "count_is_estimate", "results"],
            "properties": {
                "count": {
                    "type": "integer",
                    "description": "Rows in the list: exact up to 10,000, else an estimate (see count_is_estimate).",
                    "example": 123,
                },
                "count_is_estimate": {"type": "boolean", "description": "True when count is the planner's estimate."},
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": f"Page number, 1 to {MAX_PAGE}.",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Rows per page (default {self.page_size}, at most {self.max_page_size}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]
