"""Shared Celery task options (settings set acks_late, prefetch 1 and the broker retry policy)."""

from __future__ import annotations

from typing import Any

from django.db import InterfaceError, OperationalError

# For idempotent tasks only (safe to run twice): a database blip is retried with backoff, not lost.
RETRY: dict[str, Any] = {"autoretry_for": (OperationalError, InterfaceError), "retry_backoff": True, "max_retries": 5}
