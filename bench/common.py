"""Shared pieces of the harness: scale, figures, timing, and COPY of model rows."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

SCALE = float(os.environ.get("BENCH_SCALE") or 1.0)


def peak_rss_mb(pid: int | str = "self") -> float:
    """Return a process's own peak resident memory (``VmHWM``), in MB.

    Not ``ru_maxrss``: Linux carries it over ``execve`` from the spawning process, so a job run
    by the harness reported the harness's peak (the CSV job "peaked" at 520 MB while using 205 MB).
    """
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM for process {pid}")


def scaled(n: int, minimum: int = 1) -> int:
    return max(minimum, round(n * SCALE))


@dataclass
class Figure:
    """One measured figure beside the limit measured in the same run.

    ``ratio`` is value/limit when higher is better (``better="higher"``), limit/value otherwise is
    not used: for "lower is better" figures the ratio is value/limit and the target is a maximum.
    """

    part: str
    name: str
    value: float
    unit: str
    limit: float | None = None
    limit_name: str = ""
    ratio: float | None = None
    target: str = ""
    passed: bool | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def median_ms(fn: Callable[[], Any], reps: int, warmup: int = 1) -> tuple[float, list[float]]:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(reps):
        seconds, _result = timed(fn)
        times.append(seconds * 1000)
    return statistics.median(times), times


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S', time.gmtime())}] {message}", flush=True)


def copy_columns(model: Any, given: Iterable[str]) -> tuple[list[str], list[Any]]:
    """Return the model's insertable columns and their defaults (for the ones not given)."""
    from django.db import models
    from django.utils import timezone

    columns, defaults = [], []
    given = set(given)
    now = timezone.now()
    for f in model._meta.concrete_fields:
        if f.primary_key or isinstance(f, models.GeneratedField):
            continue
        columns.append(f.column)
        if f.attname in given:
            defaults.append(None)
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            defaults.append(now)
        elif f.has_default():
            defaults.append(f.get_default())
        elif f.null:
            defaults.append(None)
        elif isinstance(f, (models.CharField, models.TextField)):
            defaults.append("")
        else:
            raise ValueError(f"{model.__name__}.{f.name} needs a value")
    return columns, defaults


def copy_rows(cursor: Any, model: Any, rows: Iterable[Mapping[str, Any]], keys: Iterable[str]) -> int:
    """COPY rows (mappings by attname) into the model's table with psycopg 3 ``cursor.copy()``.

    ``cursor`` is a raw psycopg cursor. The caller calls ``cases.audit.apply_context`` first when
    the audit triggers are on (COPY fires them per statement, like any INSERT).
    """
    from psycopg.types.json import Jsonb

    keys = list(keys)
    columns, defaults = copy_columns(model, keys)
    attnames = [f.attname for f in model._meta.concrete_fields
                if not f.primary_key and f.column in columns]  # same order as columns
    plan = []
    for attname, default in zip(attnames, defaults, strict=True):
        if isinstance(default, dict):
            default = Jsonb(default)
        plan.append((attname, attname in keys, default))
    count = 0
    sql = f'COPY "{model._meta.db_table}" ({", ".join(chr(34) + c + chr(34) for c in columns)}) FROM STDIN'
    with cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row([row[name] if present else default for name, present, default in plan])
            count += 1
    return count
