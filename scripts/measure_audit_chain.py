"""Measure what the audit hash chain costs audited writes (the figure in docs/security.md).

Run against a scratch database, before and after migration 0014_audit_chain_retention:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lc_scratch .venv/bin/python scripts/measure_audit_chain.py 10000

Four shapes of write, each leaving one audit event per row: N single-row saves, each its own
transaction; one UPDATE of N rows (N audit rows from one statement); N saves spread over 4 threads,
each its own transaction; N saves over 4 threads in transactions of 10 saves (with the chain computed
at insert, a writer held the chain's lock from its first save to its commit). Prints one JSON line.
Leaves its rows behind.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "legalcases.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, connections, transaction  # noqa: E402

from cases.models import Agency, AuditEvent  # noqa: E402


def chained() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgname = 'cases_auditevent_chain'")
        return cursor.fetchone()[0] == 1


def single_writes(n: int, tag: str) -> float:
    start = time.perf_counter()
    for i in range(n):
        Agency.objects.create(name=f"{tag}-{i}")
    return time.perf_counter() - start


def one_statement(tag: str) -> float:
    start = time.perf_counter()
    Agency.objects.filter(name__startswith=f"{tag}-").update(address="measured")
    return time.perf_counter() - start


def threaded_writes(n: int, tag: str, threads: int = 4, per_transaction: int = 1) -> float:
    def work(k: int) -> None:
        try:
            for j in range(n // threads // per_transaction):
                with transaction.atomic():
                    for i in range(per_transaction):
                        Agency.objects.create(name=f"{tag}-t{k}-{j}-{i}")
        finally:
            connections.close_all()

    workers = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return time.perf_counter() - start


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    tag = uuid.uuid4().hex[:8]
    before = AuditEvent.objects.count()
    single = single_writes(n, tag)
    bulk = one_statement(tag)
    threaded = threaded_writes(n, tag + "c")
    batched = threaded_writes(n, tag + "b", per_transaction=10)
    written = AuditEvent.objects.count() - before
    result = {
        "chain": chained(),
        "n": n,
        "audit_rows_written": written,
        "single_writes_s": round(single, 3),
        "single_writes_per_s": round(n / single),
        "one_update_of_n_rows_s": round(bulk, 3),
        "threaded_4_writes_s": round(threaded, 3),
        "threaded_4_writes_per_s": round(n / threaded),
        "threaded_4_tx_of_10_s": round(batched, 3),
        "threaded_4_tx_of_10_writes_per_s": round(n / batched),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
