"""HTTP throughput: the list API (first and a deep page) and the triage page vs a bare JSON view.

gunicorn (2 sync workers) on 127.0.0.1 and ``wrk -t1 -c4 --latency`` on the same two cores, as in
PERFORMANCE.md §e. Queries per request are counted in-process (Django test client).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from typing import Any

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.common import SCALE, Figure, log
from bench.data import DataSet
from bench.server import Server

LIST_TARGET = 0.10
TRIAGE_TARGET = 0.07
P99_LIMIT_MS = 50.0
LIST_FILTER = "triage_state=pending&ordering=-published_at"


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def wrk(server: Server, path: str, headers: dict[str, str], seconds: int) -> dict[str, Any]:
    command = ["wrk", "-t1", "-c4", f"-d{seconds}s", "--timeout", "10s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run([*command, server.base + path], check=True, capture_output=True, text=True).stdout  # noqa: S603
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = {p: _ms(*re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M).groups()) for p in ("50", "99")}
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if bad:
        raise RuntimeError(f"wrk {path}: {bad.group(0)}\n{out}")
    # Requests slower than wrk's timeout count as errors, not latencies: report them, and no rate.
    timeouts = re.search(r"Socket errors:.*timeout (\d+)", out)
    result = {"rps": rps, "p50_ms": latency["50"], "p99_ms": latency["99"]}
    if timeouts and int(timeouts.group(1)):
        result.update(timeouts=int(timeouts.group(1)), p50_ms=float("nan"), p99_ms=float("nan"))
    return result


def _queries(client: Client, path: str, **extra: str) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, **extra)
    assert response.status_code == 200, (path, response.status_code)
    sql = [q["sql"] for q in ctx.captured_queries]
    return len(sql), sql


def _deep_page() -> int:
    from cases.models import ContentItem

    pending = ContentItem.objects.filter(triage_state="pending").count()
    return max(2, min(200, pending // 50 // 2))


def run(data: DataSet, server: Server) -> list[Figure]:
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed (make bench installs it on Debian: apt-get install wrk)")
    seconds = max(3, round(15 * min(1.0, SCALE * 2)))
    client = Client()
    client.force_login(data.users["analyst"])
    cookie = settings.SESSION_COOKIE_NAME
    session = client.cookies[cookie].value
    token = {"Authorization": f"Token {data.tokens['read']}"}
    deep = _deep_page()
    targets = {
        "list API, first page": (f"/api/v1/content-items/?{LIST_FILTER}", token, LIST_TARGET),
        f"list API, page {deep}": (f"/api/v1/content-items/?{LIST_FILTER}&page={deep}", token, LIST_TARGET),
        "triage page": ("/triage/", {"Cookie": f"{cookie}={session}"}, TRIAGE_TARGET),
    }
    api_client = Client(HTTP_AUTHORIZATION=token["Authorization"])
    for path, headers, _target in [("/bench/bare/", {}, 0), *targets.values()] * 4:
        server.get(path, headers)  # warm both workers
    log(f"web: wrk -t1 -c4 -d{seconds}s, bare view first")
    bare = wrk(server, "/bench/bare/", {}, seconds)
    figures = [Figure("web", "bare JSON view (req/s)", bare["rps"], "req/s", extra=bare, target="(ceiling)")]
    for name, (path, headers, target) in targets.items():
        measured = wrk(server, path, headers, seconds)
        queries, sql = _queries(client if "Cookie" in headers else api_client, path)
        counts = [s for s in sql if "COUNT(" in s.upper()]
        extra: dict[str, Any] = {}
        if "api" in path:
            small, _sql = _queries(api_client, path + "&page_size=10")
            extra["queries_page_size_10"] = small
        ratio = measured["rps"] / bare["rps"]
        passed = ratio >= target and measured["p99_ms"] < P99_LIMIT_MS
        figures.append(Figure(
            "web", f"{name} (req/s)", measured["rps"], "req/s", bare["rps"], "bare JSON view", ratio,
            f"≥ {target:.0%}, p99 < {P99_LIMIT_MS:.0f} ms", passed,
            {**measured, "path": path, "queries": queries, "count_queries": counts, **extra},
        ))  # fmt: skip
        log(f"web: {name}: {measured['rps']:.0f} req/s ({ratio:.1%}), p50 {measured['p50_ms']:.1f} ms, "
            f"p99 {measured['p99_ms']:.1f} ms, {queries} queries")  # fmt: skip
    return figures
