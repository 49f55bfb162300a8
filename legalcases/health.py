"""Liveness and readiness probes for load balancers, orchestrators and monitoring.

``/healthz``: the process answers (no database, no broker): restart it if this fails.
``/readyz``: the database, the broker and the file storage answer: send traffic only if this
passes. Both need no login and say only ok/fail per check; the reasons go to the log.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger("legalcases.health")

# Readiness fails when the local media filesystem has less room than this (uploads would fail).
MIN_FREE_BYTES = 64 * 1024 * 1024


def check_database() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_broker() -> None:
    from legalcases.celery import app

    if app.conf.task_always_eager or str(app.conf.broker_url).startswith("memory://"):
        return  # tasks run in-process: there is no broker to reach
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=settings.HEALTH_CHECK_TIMEOUT)


def check_storage() -> None:
    storage = default_storage
    if isinstance(storage, FileSystemStorage):
        os.makedirs(storage.location, exist_ok=True)  # created on the first upload otherwise
        if not os.access(storage.location, os.W_OK):
            raise PermissionError("MEDIA_ROOT is not writable")
        free = shutil.disk_usage(storage.location).free
        if free < MIN_FREE_BYTES:
            raise OSError(f"only {free} bytes free under MEDIA_ROOT")
        return
    storage.exists("readyz-probe")  # object storage: one HEAD request proves address and credentials


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "broker": check_broker,
    "storage": check_storage,
}


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@login_not_required
@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception:  # noqa: BLE001 — any failure means "not ready"; the reason is logged, not shown
            logger.warning("readiness check %s failed", name, exc_info=True)
            results[name] = "fail"
        else:
            results[name] = "ok"
    ready = all(value == "ok" for value in results.values())
    return JsonResponse({"status": "ok" if ready else "fail", "checks": results}, status=200 if ready else 503)
