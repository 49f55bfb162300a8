"""CPU time of one page or API list per request, in-process, on a bench database (no HTTP, no wrk).

On a shared 2-core machine req/s moves by ±50 % between runs; the CPU a request costs the web
process (``time.process_time``) and the database (its backend's CPU from ``/proc/<pid>/stat``, so
PostgreSQL must run on this machine; EXPLAIN ANALYZE of each query with ``--explain``) is steadier.
API paths (``/api/``) send a read token of the role's bench user, other paths its session.

    BENCH_DATABASE=legalcases_bench_x .venv/bin/python -m bench.profile_page /triage/ [--n 40]
        [--role analyst] [--lang en] [--cprofile 40] [--explain]

Uses bench.settings and the users a bench run created (``bench-<role>``). Reads only.
Profiling uses the standard library's cProfile: nothing here is a runtime requirement.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("--n", type=int, default=40, help="timed requests (after 5 warm-ups)")
    parser.add_argument("--role", default="analyst")
    parser.add_argument("--lang", default="", help="send Accept-Language (e.g. zh-hans)")
    parser.add_argument("--cprofile", type=int, default=0, help="profile this many requests, print the top")
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--top", type=int, default=45)
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE every query of one request")
    args = parser.parse_args()

    database = os.environ.get("BENCH_DATABASE") or "legalcases_bench"
    server = (os.environ.get("BENCH_DATABASE_SERVER") or "postgres://postgres@127.0.0.1:5432").rstrip("/")
    os.environ["DATABASE_URL"] = f"{server}/{database}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import ApiToken, User
    from accounts.services import api_token_create

    user = User.objects.get(username=f"bench-{args.role}")
    if args.path.startswith("/api/"):
        token, key = api_token_create(name="bench profile_page", user=user, scopes=[ApiToken.Scope.READ])
        client = Client(HTTP_AUTHORIZATION=f"Token {key}")
    else:
        token, client = None, Client()
        client.force_login(user)
    headers = {"HTTP_ACCEPT_LANGUAGE": args.lang} if args.lang else {}

    def get() -> int:
        response = client.get(args.path, **headers)
        assert response.status_code == 200, response.status_code
        return len(response.content)

    for _ in range(5):
        size = get()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    cpu, wall = [], []
    database_start = _backend_cpu_seconds(backend)
    for _ in range(args.n):
        c0, w0 = time.process_time(), time.perf_counter()
        get()
        cpu.append((time.process_time() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)
    database_ms = (_backend_cpu_seconds(backend) - database_start) / args.n * 1000
    with CaptureQueriesContext(connection) as ctx:
        get()
    queries = ctx.captured_queries
    print(f"{args.path}: {size:,} bytes, {len(queries)} queries")
    print(f"CPU ms/request (web process): median {statistics.median(cpu):.2f}, min {min(cpu):.2f}  (n={args.n})")
    print(f"CPU ms/request (PostgreSQL backend): mean {database_ms:.2f}")
    print(f"wall ms/request: median {statistics.median(wall):.2f}, min {min(wall):.2f}")
    if args.explain:
        total = 0.0
        for q in queries:
            sql = q["sql"]
            if not sql.lstrip().upper().startswith("SELECT"):
                print(f"-- not explained: {sql[:120]}")
                continue
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT TEXT) " + sql)
                plan = [row[0] for row in cursor.fetchall()]
            ms = sum(
                float(line.split(":")[1].split()[0])
                for line in plan
                if line.startswith(("Planning Time", "Execution Time"))
            )
            total += ms
            print(f"\n-- {ms:.2f} ms (planning + execution): {sql[:300]}")
            print("\n".join(plan))
        print(f"\nDB time per request (EXPLAIN ANALYZE, planning + execution): {total:.2f} ms")
    if args.cprofile:
        profile = cProfile.Profile(time.process_time)  # CPU time: waits for PostgreSQL are not counted
        profile.enable()
        for _ in range(args.cprofile):
            get()
        profile.disable()
        stats = pstats.Stats(profile)
        stats.sort_stats(args.sort).print_stats(args.top)
    if token is not None:
        token.delete()
    return 0


def _backend_cpu_seconds(pid: int) -> float:
    """User + system CPU of a local process (the PostgreSQL backend serving this connection)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    sys.exit(main())
