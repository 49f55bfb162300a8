"""Import: the API bulk endpoint vs raw COPY of the same rows; the CSV file job; the workers' peak memory."""

from __future__ import annotations

import csv
import datetime
import json
import os
import random
import subprocess
import sys
import tempfile
from typing import Any

from django.db import connection, transaction

from bench.common import Figure, copy_rows, log, peak_rss_mb, scaled, timed
from bench.data import DataSet, item_row
from bench.server import ROOT, Server
from bench.text import chatter

TOTAL = 100_000
BATCH = 5_000
API_TARGET = 0.40
RSS_LIMIT_MB = 500


class _Rollback(Exception):
    pass


def _names() -> dict[int, str]:
    from cases.models import MonitoredAccount

    return dict(MonitoredAccount.objects.values_list("pk", "name"))


def _rows(data: DataSet, rng: random.Random, total: int, update_offset: int) -> tuple[list[dict], list[dict]]:
    """Return (api items, model rows for COPY): half updates of stored items, half new items."""
    names = _names()
    items, copy_rows_ = [], []
    updates = data.update_keys[update_offset:] + data.update_keys[:update_offset]
    picks = iter(rng.choices(range(len(data.accounts)), weights=data.account_weights, k=total))
    for i in range(total):
        if i % 2 == 0 and i // 2 < len(updates):
            platform_id, url, account_index = updates[i // 2]
            row = item_row(data, rng, account_index, data.now - datetime.timedelta(days=rng.uniform(0, 30)), "")
            account_id, _platform_id, uid = data.accounts[account_index]
            item = {
                "platform": data.platforms[platform_id], "url": url,
                "account": {"platform_uid": uid, "name": names[account_id]},
                "views": row["views"] + 1000, "likes": row["likes"], "shares": row["shares"], "comments": row["comments"],
            }  # fmt: skip
            row["url"] = url
            row["text"] = chatter(rng)
            row["title"] = row["text"][:24]
        else:
            account_index = next(picks)
            account_id, platform_id, uid = data.accounts[account_index]
            row = item_row(data, rng, account_index, data.now - datetime.timedelta(days=rng.uniform(0, 30)), chatter(rng))
            item = {
                "platform": data.platforms[platform_id], "url": row["url"], "platform_content_id": row["platform_content_id"],
                "account": {"platform_uid": uid, "name": names[account_id]}, "content_type": row["content_type"],
                "title": row["title"], "text": row["text"], "published_at": row["published_at"].isoformat(),
                "views": row["views"], "likes": row["likes"], "shares": row["shares"], "comments": row["comments"],
            }  # fmt: skip
        items.append(item)
        # COPY can only insert, and the API has stored these URLs by then: same row, fresh URL.
        row["url"] += "/copy"
        copy_rows_.append(row)
    return items, copy_rows_


def _api_import(server: Server, token: str, items: list[dict]) -> tuple[float, dict[str, int]]:
    batch = min(BATCH, len(items))
    bodies = [
        json.dumps({"items": items[i : i + batch]}, ensure_ascii=False).encode("utf-8")
        for i in range(0, len(items), batch)
    ]
    totals = {"created": 0, "updated": 0, "rejected": 0}
    conn = server.connection()
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}

    def send() -> None:
        for body in bodies:
            conn.request("POST", "/api/v1/content-items/bulk/", body=body, headers=headers)
            response = conn.getresponse()
            payload = response.read()
            if response.status != 200:
                raise RuntimeError(f"bulk import answered {response.status}: {payload[:300]!r}")
            answer = json.loads(payload)
            for key in totals:
                totals[key] += answer[key]

    seconds, _ = timed(send)
    conn.close()
    return seconds, totals


def _copy(rows: list[dict], *, audit: bool) -> float:
    """COPY the rows into cases_contentitem inside a transaction that is rolled back."""
    from cases.audit import apply_context, audit_context
    from cases.models import ContentItem

    seconds = 0.0
    try:
        with audit_context(), transaction.atomic(), connection.cursor() as cursor:
            raw = cursor.cursor
            if not audit:
                raw.execute("ALTER TABLE cases_contentitem DISABLE TRIGGER cases_contentitem_audit_insert")
            apply_context(connection)
            seconds, _ = timed(lambda: copy_rows(raw, ContentItem, rows, rows[0].keys()))
            raise _Rollback
    except _Rollback:
        pass
    return seconds


def _csv_job(data: DataSet, rng: random.Random, total: int) -> dict[str, Any]:
    items, _rows_ = _rows(data, rng, total, update_offset=len(data.update_keys) // 2)
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        columns = ["platform", "url", "platform_content_id", "content_type", "title", "text", "published_at",
                   "views", "likes", "shares", "comments"]  # fmt: skip
        writer.writerow([*columns, "platform_uid", "account_name"])
        for item in items:
            writer.writerow([item.get(c, "") for c in columns] + [item["account"]["platform_uid"], item["account"]["name"]])
        path = handle.name
    try:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"}
        out = subprocess.run(  # noqa: S603 — fixed argv, no shell
            [sys.executable, "-m", "bench.csv_job", path, data.users["analyst"].username],
            cwd=ROOT, env=env, check=True, capture_output=True, text=True,
        )
    finally:
        os.unlink(path)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(data: DataSet, server: Server, rng: random.Random) -> list[Figure]:
    total = scaled(TOTAL, 1000)
    items, rows = _rows(data, rng, total, update_offset=0)
    log(f"import: {total} items through POST /api/v1/content-items/bulk/ in batches of {min(BATCH, total)}")
    api_seconds, totals = _api_import(server, data.tokens["import"], items)
    api_rate = total / api_seconds
    worker_rss = server.worker_peak_rss_mb()
    log(f"import: API {api_rate:,.0f} items/s {totals}; COPY of the same rows (rolled back)")
    copy_seconds = _copy(rows, audit=True)
    copy_rate = total / copy_seconds
    bare_copy_rate = total / _copy(rows, audit=False)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE cases_contentitem")
    log(f"import: CSV job of {total} rows (Celery task, eager, own process)")
    job = _csv_job(data, rng, total)
    if job["status"] != "completed":
        raise RuntimeError(f"CSV import job ended {job['status']}: {job['failure']}")
    csv_rate = total / job["seconds"]
    job["harness_peak_rss_mb"] = peak_rss_mb()  # what ru_maxrss used to report for the job
    ratio = api_rate / copy_rate
    return [
        Figure("import", "API bulk import (items/s)", api_rate, "items/s", copy_rate, "COPY, same rows, audit on",
               ratio, f"≥ {API_TARGET:.0%}", ratio >= API_TARGET,
               {"items": total, "seconds": api_seconds, **totals, "copy_without_audit_rows_s": bare_copy_rate}),
        Figure("import", "CSV import job (items/s)", csv_rate, "items/s", copy_rate, "COPY, same rows, audit on",
               csv_rate / copy_rate, "(report)", None, {"items": total, **job}),
        Figure("import", "API worker peak RSS (MB)", worker_rss, "MB", RSS_LIMIT_MB, "limit",
               worker_rss / RSS_LIMIT_MB, f"< {RSS_LIMIT_MB} MB", worker_rss < RSS_LIMIT_MB),
        Figure("import", "CSV job worker peak RSS (MB)", job["peak_rss_mb"], "MB", RSS_LIMIT_MB, "limit",
               job["peak_rss_mb"] / RSS_LIMIT_MB, f"< {RSS_LIMIT_MB} MB", job["peak_rss_mb"] < RSS_LIMIT_MB),
    ]  # fmt: skip
