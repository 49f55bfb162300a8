"""Send reads of the reports app to a read replica when REPORTS_DATABASE_URL is set (settings)."""

from __future__ import annotations

from typing import Any

from django.db import models


class ReportsReplicaRouter:
    """Reports' own models are read from the replica; every write goes to the primary.

    Report selectors that read case data opt in with ``.using("reports")`` (replication lag of a
    few seconds is fine for dashboards, never for workflows).
    """

    def db_for_read(self, model: type[models.Model], **hints: Any) -> str | None:
        return "reports" if model._meta.app_label == "reports" else None

    def db_for_write(self, model: type[models.Model], **hints: Any) -> str | None:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return db == "default"
