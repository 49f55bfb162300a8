"""Campaign detection over the newest 100,000 items × scale (rolled back, so the run can be repeated)."""

from __future__ import annotations

import math

from django.db import connection, transaction
from django.utils import timezone

from bench.common import Figure, log, scaled, timed
from bench.data import DataSet

ITEMS = 100_000
SECONDS_LIMIT = 60.0


class _Rollback(Exception):
    pass


def run(data: DataSet) -> list[Figure]:
    from cases.audit import audit_context
    from cases.services.campaigns import detect_campaigns_report

    wanted = scaled(ITEMS, 1000)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT published_at FROM cases_contentitem WHERE published_at <= now() "
            "ORDER BY published_at DESC OFFSET %s LIMIT 1",
            [wanted - 1],
        )
        row = cursor.fetchone()
    oldest = row[0] if row else None
    hours = max(1, math.ceil((timezone.now() - oldest).total_seconds() / 3600)) if oldest else 24 * 365 * 3
    log(f"campaigns: detection over the posts of the last {hours} h (about {wanted} items)")
    report = None
    seconds = 0.0
    try:
        with audit_context(), transaction.atomic():
            seconds, report = timed(lambda: detect_campaigns_report(lookback_hours=hours))
            raise _Rollback
    except _Rollback:
        pass
    assert report is not None
    scanned = report.scanned
    # The limit is for 100,000 items; a smaller scan is held to the same rate.
    limit = SECONDS_LIMIT * scanned / ITEMS if scanned else SECONDS_LIMIT
    return [
        Figure("campaigns", "campaign detection (s)", seconds, "s", limit, f"{SECONDS_LIMIT:.0f} s per 100k items",
               seconds / limit, f"< {SECONDS_LIMIT:.0f} s per 100k", seconds < limit,
               {"scanned": scanned, "created": len(report.created), "extended": len(report.extended),
                "items_linked": report.items_linked, "lower_is_better": True}),
    ]  # fmt: skip
