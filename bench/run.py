"""`make bench`: build the data set in its own database, measure, print the table, write bench/results.json.

Environment:
- ``BENCH_SCALE`` (default 1.0): multiplies every size (0.01 for the CI smoke run).
- ``BENCH_ONLY`` (default all): comma-separated parts among import, web, dashboard, campaigns, integrity.
- ``BENCH_DATABASE`` (default legalcases_bench): dropped and re-created; its name must contain "bench".
- ``BENCH_DATABASE_SERVER`` (default postgres://postgres@127.0.0.1:5432), ``BENCH_PORT`` (default 8799).
- ``BENCH_REUSE=1``: measure on the database a previous run left (same BENCH_DATABASE and scale)
  instead of re-creating it; only for the read-only parts (web, dashboard).
"""

from __future__ import annotations

import json
import os
import platform
import random
import re
import shutil
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PARTS = ("import", "web", "dashboard", "campaigns", "integrity")
# The parts that only read, so they can run again on a database a previous run seeded.
REUSABLE_PARTS = ("web", "dashboard")


def _settings() -> tuple[str, str, list[str], int]:
    database = os.environ.get("BENCH_DATABASE") or "legalcases_bench"
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", database) or "bench" not in database:
        sys.exit(f"BENCH_DATABASE must be a lowercase identifier containing 'bench' (it is dropped): {database!r}")
    server = (os.environ.get("BENCH_DATABASE_SERVER") or "postgres://postgres@127.0.0.1:5432").rstrip("/")
    only = [p.strip() for p in (os.environ.get("BENCH_ONLY") or ",".join(PARTS)).split(",") if p.strip()]
    unknown = set(only) - set(PARTS)
    if unknown:
        sys.exit(f"BENCH_ONLY: unknown part(s) {sorted(unknown)}; parts are {', '.join(PARTS)}")
    if _reuse() and set(only) - set(REUSABLE_PARTS):
        sys.exit(f"BENCH_REUSE=1 needs BENCH_ONLY among {', '.join(REUSABLE_PARTS)} (the other parts write)")
    return database, server, only, int(os.environ.get("BENCH_PORT") or 8799)


def _reuse() -> bool:
    return os.environ.get("BENCH_REUSE", "") in ("1", "true", "yes")


def _database_exists(server: str, database: str) -> bool:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone() is not None


def _create_database(server: str, database: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.execute(
            f"""CREATE DATABASE "{database}" ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8' TEMPLATE template0"""
        )


def _machine() -> dict[str, str]:
    cpu = ""
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
        cpu = next(line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    mem = ""
    try:
        mem = f"{int(Path('/proc/meminfo').read_text().split()[1]) / 1024**2:.0f} GB"
    except (OSError, ValueError, IndexError):
        pass
    return {"cpu": cpu, "cores": str(os.cpu_count()), "memory": mem, "load_at_start": load,
            "python": platform.python_version(), "host": platform.node()}  # fmt: skip


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"


def table(figures: list) -> str:
    header = ("figure", "value", "limit (same run)", "ratio", "target", "result")
    rows = []
    for f in figures:
        ratio = "-" if f.ratio is None else (f"{f.ratio:.2f}×" if f.extra.get("lower_is_better") else f"{f.ratio:.1%}")
        limit = "-" if f.limit is None else f"{_fmt(f.limit)} {f.unit} ({f.limit_name})"
        result = "-" if f.passed is None else ("PASS" if f.passed else "MISS")
        rows.append((f.name, f"{_fmt(f.value)} {f.unit}", limit, ratio, f.target, result))
        if "p50_ms" in f.extra and f.limit is not None:
            detail = f"  p50 {f.extra['p50_ms']:.1f} ms, p99 {f.extra['p99_ms']:.1f} ms, {f.extra['queries']} queries"
            if f.extra.get("timeouts"):
                detail = f"  {f.extra['timeouts']} requests over 10 s, {f.extra['queries']} queries"
            if f.extra.get("count_queries"):
                detail += f", {len(f.extra['count_queries'])} COUNT"
            if "queries_page_size_10" in f.extra:
                detail += f" ({f.extra['queries_page_size_10']} at page_size=10)"
            rows.append((detail, "", "", "", "", ""))
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |"
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    body = ["| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows]
    return "\n".join([line, sep, *body])


def main() -> int:
    database, server, only, port = _settings()
    os.environ["DATABASE_URL"] = f"{server}/{database}"
    os.environ.pop("DATABASE_TEST_NAME", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    media = ROOT / "var" / "bench" / "media"
    shutil.rmtree(media, ignore_errors=True)
    media.mkdir(parents=True)
    os.environ["BENCH_MEDIA_ROOT"] = str(media)
    sys.path.insert(0, str(ROOT))

    from bench.common import SCALE, log

    started = time.monotonic()
    machine = _machine()
    log(f"scale {SCALE}, parts {', '.join(only)}, database {database}")
    reuse = _reuse() and _database_exists(server, database)
    if reuse:
        log(f"reusing the data set in {database} (BENCH_REUSE=1)")
    else:
        _create_database(server, database)

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    log("migrated")

    from bench import campaigns, dashboard, data, imports, integrity, web
    from bench.server import Server

    rng = random.Random(20261130)
    t = time.monotonic()
    dataset = data.reuse() if reuse else data.seed(rng)
    seed_seconds = time.monotonic() - t
    log(f"data set ready in {seed_seconds:.0f} s")

    from bench.common import Figure

    figures: list = []
    failed: list[str] = []

    def part(name: str, measure: Callable[[], list]) -> None:
        """Run one part; a part that fails is reported as a MISS and the others still run."""
        if name not in only:
            return
        try:
            figures.extend(measure())
        except Exception as exc:  # noqa: BLE001 — report every part, whatever one of them does
            traceback.print_exc()
            failed.append(name)
            figures.append(Figure(name, f"{name}: failed ({type(exc).__name__})", float("nan"), "", passed=False,
                                  extra={"error": str(exc)[:2000]}))  # fmt: skip

    with Server(port) as srv:
        part("import", lambda: imports.run(dataset, srv, rng))
        part("web", lambda: web.run(dataset, srv))
        part("dashboard", lambda: dashboard.run(dataset, srv))
    part("campaigns", lambda: campaigns.run(dataset))
    part("integrity", lambda: integrity.run(dataset))
    shutil.rmtree(media, ignore_errors=True)

    total = time.monotonic() - started
    text = table(figures)
    print()
    print(f"LegalCases benchmark — scale {SCALE} ({dataset.item_count:,} items), {total:.0f} s "
          f"(data set {seed_seconds:.0f} s); {machine['cores']} cores, load at start {machine['load_at_start']}")  # fmt: skip
    print(text)
    results = {
        "scale": SCALE, "parts": only, "seconds": total, "seed_seconds": seed_seconds, "items": dataset.item_count,
        "machine": machine, "finished_at": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "figures": [f.as_dict() for f in figures], "table": text,
    }  # fmt: skip
    (ROOT / "bench" / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str))
    log("wrote bench/results.json")
    if failed:
        log(f"parts that failed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
