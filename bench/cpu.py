"""CPU time per request, in-process: the steadier figure when the machine is busy.

Requests/s over HTTP move by ±50 % on a loaded 2-core machine; the CPU a request costs moves much
less. This runs requests through the Django test client (the same middleware and settings as the
bench server) on a data set ``make bench`` left, and reads PostgreSQL's share from the database
backend's ``/proc/<pid>/stat`` (so the database must run on this machine)::

    BENCH_DATABASE=legalcases_bench .venv/bin/python -m bench.cpu \\
        "/api/v1/content-items/?triage_state=pending&ordering=-published_at" /triage/

API paths (``/api/``) send a read token, others an analyst's session. Prints, per path, the best of
three rounds of ``BENCH_CPU_REQUESTS`` (default 300) requests: Python + PostgreSQL milliseconds.
"""

from __future__ import annotations

import os
import sys
import time


def _backend_cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(paths: list[str]) -> int:
    server = (os.environ.get("BENCH_DATABASE_SERVER") or "postgres://postgres@127.0.0.1:5432").rstrip("/")
    os.environ["DATABASE_URL"] = f"{server}/{os.environ.get('BENCH_DATABASE') or 'legalcases_bench'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from accounts.models import ApiToken, User
    from accounts.services import api_token_create

    user = User.objects.get(username="bench-analyst")
    token, key = api_token_create(name="bench cpu", user=user, scopes=[ApiToken.Scope.READ])
    api = Client(HTTP_AUTHORIZATION=f"Token {key}")
    browser = Client()
    browser.force_login(user)
    requests = int(os.environ.get("BENCH_CPU_REQUESTS") or 300)
    try:
        for path in paths:
            client = api if path.startswith("/api/") else browser
            for _ in range(20):  # warm caches and the connection
                status = client.get(path).status_code
                if status != 200:
                    print(f"{path}: HTTP {status}", file=sys.stderr)
                    return 1
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pid = cursor.fetchone()[0]
            rounds = []
            for _ in range(3):
                database, python = _backend_cpu_seconds(pid), time.process_time()
                for _ in range(requests):
                    client.get(path)
                python_ms = (time.process_time() - python) / requests * 1000
                database_ms = (_backend_cpu_seconds(pid) - database) / requests * 1000
                rounds.append((python_ms + database_ms, python_ms, database_ms))
            total, python_ms, database_ms = min(rounds)
            print(f"{path}: {total:.2f} ms/request (Python {python_ms:.2f} + PostgreSQL {database_ms:.2f}); "
                  f"rounds {', '.join(f'{r[0]:.2f}' for r in rounds)}")  # fmt: skip
    finally:
        token.delete()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["/bench/bare/"]))
