"""Dashboard: GET /reports/dashboard/?period=year vs hand-written SQL for the same headline counters."""

from __future__ import annotations

import datetime
import statistics
import time

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.common import Figure, log, median_ms
from bench.data import DataSet
from bench.server import Server

RATIO_LIMIT = 1.5
MS_LIMIT = 150.0
REPS = 9

SQL = [
    """SELECT count(*) FILTER (WHERE discovered_at >= %(s)s AND discovered_at < %(e)s),
              count(*) FILTER (WHERE assessed_at >= %(s)s AND assessed_at < %(e)s),
              count(*) FILTER (WHERE conclusion IN ('suspected', 'serious', 'crime')
                               AND assessed_at >= %(s)s AND assessed_at < %(e)s),
              count(*) FILTER (WHERE triage_state = 'removed' AND discovered_at >= %(s)s AND discovered_at < %(e)s)
       FROM cases_contentitem""",
    "SELECT count(*) FROM cases_monitoredaccount WHERE watch_status IN ('watching', 'key')",
    "SELECT count(*) FROM cases_platformcomplaint WHERE submitted_at >= %(s)s AND submitted_at < %(e)s",
    """SELECT count(*) FILTER (WHERE stage <> 'preparing' AND our_role = 'plaintiff' AND filed_on BETWEEN %(sd)s AND %(ed)s),
              count(*) FILTER (WHERE stage <> 'preparing' AND our_role = 'supporting_owner'
                               AND filed_on BETWEEN %(sd)s AND %(ed)s),
              count(*) FILTER (WHERE outcome IN ('won', 'partly_won') AND judgment_on BETWEEN %(sd)s AND %(ed)s),
              coalesce(sum(damages_awarded) FILTER (WHERE outcome IN ('won', 'partly_won')
                                                    AND judgment_on BETWEEN %(sd)s AND %(ed)s), 0)
       FROM cases_lawsuit""",
    """SELECT count(*), count(*) FILTER (WHERE has_evidence), count(*) FILTER (WHERE eligibility = 'suable'),
              count(*) FILTER (WHERE help_types @> ARRAY['evidence_guidance']::varchar[]),
              count(*) FILTER (WHERE help_types @> ARRAY['lawyer_letter']::varchar[]),
              count(*) FILTER (WHERE help_types @> ARRAY['litigation_support']::varchar[])
       FROM cases_assistancerequest WHERE submitted_at >= %(s)s AND submitted_at < %(e)s""",
]


def _sql_once(params: dict) -> None:
    with connection.cursor() as cursor:
        for statement in SQL:
            cursor.execute(statement, params)
            cursor.fetchall()


def _cold_ms(key: str, today: datetime.date) -> float:
    """The whole report of a period computed from the database (no cache), median of REPS."""
    from reports.periods import ReportPeriod, preset_bounds
    from reports.report import report_data

    bounds = (None, None) if key == "all" else preset_bounds(key, today)
    period = ReportPeriod(key, *bounds)
    ms, _times = median_ms(lambda: report_data(period, today, refresh=True), REPS, warmup=1)
    return ms


def run(data: DataSet, server: Server) -> list[Figure]:
    from reports import rollups

    # The per-day rollups (reports/rollups.py) after the bulk load: the first refresh builds them all.
    t = time.perf_counter()
    rollups.refresh()
    rollup_s = time.perf_counter() - t
    log(f"dashboard: rollups built in {rollup_s:.1f} s")
    end = timezone.localdate()
    start = end - datetime.timedelta(days=365)
    params = {
        "s": timezone.make_aware(datetime.datetime.combine(start, datetime.time())),
        "e": timezone.make_aware(datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time())),
        "sd": start, "ed": end,
    }  # fmt: skip
    client = Client()
    client.force_login(data.users["executive"])
    name = settings.SESSION_COOKIE_NAME
    cookie = {"Cookie": f"{name}={client.cookies[name].value}"}
    path = "/reports/dashboard/?period=year"
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    queries = len(ctx.captured_queries)

    def page() -> None:
        status, _body = server.get(path, cookie)
        if status != 200:
            raise RuntimeError(f"dashboard answered {status}")

    log(f"dashboard: {path} × {REPS} (median) vs hand-written SQL")
    for _ in range(2):
        page()
    page_times = []
    for _ in range(REPS):
        t = time.perf_counter()
        page()
        page_times.append((time.perf_counter() - t) * 1000)
    page_ms = statistics.median(page_times)
    sql_ms, _times = median_ms(lambda: _sql_once(params), REPS, warmup=2)
    ratio = page_ms / sql_ms
    passed = ratio <= RATIO_LIMIT and page_ms < MS_LIMIT
    cold_year, cold_all = _cold_ms("year", end), _cold_ms("all", end)
    log(f"dashboard: computed without cache: year {cold_year:.0f} ms, all time {cold_all:.0f} ms")
    return [
        Figure("dashboard", "dashboard, year (ms)", page_ms, "ms", sql_ms, "hand-written SQL, headline counters",
               ratio, f"≤ {RATIO_LIMIT}× and < {MS_LIMIT:.0f} ms", passed,
               {"queries": queries, "page_ms_all": page_times, "lower_is_better": True}),
        Figure("dashboard", "dashboard, year, computed without cache (ms)", cold_year, "ms", sql_ms,
               "hand-written SQL, headline counters", cold_year / sql_ms, f"< {MS_LIMIT:.0f} ms",
               cold_year < MS_LIMIT, {"lower_is_better": True}),
        Figure("dashboard", "dashboard, all time, computed without cache (ms)", cold_all, "ms", None, "", None,
               "< 1 s", cold_all < 1000, {"lower_is_better": True}),
        Figure("dashboard", "rollups built after the load (s)", rollup_s, "s", None, "", None, "", None, {}),
    ]  # fmt: skip
