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


def run(data: DataSet, server: Server) -> list[Figure]:
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
    return [
        Figure("dashboard", "dashboard, year (ms)", page_ms, "ms", sql_ms, "hand-written SQL, headline counters",
               ratio, f"≤ {RATIO_LIMIT}× and < {MS_LIMIT:.0f} ms", passed,
               {"queries": queries, "page_ms_all": page_times, "lower_is_better": True}),
    ]  # fmt: skip
