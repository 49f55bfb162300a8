"""Per-day rollups of the content items, read by the dashboard's selectors (reports/rollups.py).

Each row counts the items of one local (Beijing) day. The rows are derived data: ``manage.py
rebuild_rollups`` rebuilds them all, the job ``reports.refresh_rollups`` recomputes only the days listed in
``RollupDirtyDay`` (filled by database triggers on every insert, update and delete of content items). A day
listed there is read live until the job has recomputed it, so the figures stay exact.
"""

from __future__ import annotations

from django.db import models


class ItemDiscoveredDay(models.Model):
    """Items discovered on a day, per platform, with every step of the content funnel."""

    day = models.DateField()
    platform = models.ForeignKey("cases.Platform", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    imported = models.PositiveIntegerField(default=0)
    assessed = models.PositiveIntegerField(default=0)
    infringing = models.PositiveIntegerField(default=0)
    acted = models.PositiveIntegerField(default=0)
    removed = models.PositiveIntegerField(default=0)
    removed_any = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "platform"], name="reports_discday_unique")]

    def __str__(self) -> str:
        return f"{self.day} platform {self.platform_id}: {self.imported}"


class ItemAssessedDay(models.Model):
    """Items whose (latest) assessment time falls on a day: assessed, and judged infringing."""

    day = models.DateField(unique=True)
    assessed = models.PositiveIntegerField(default=0)
    infringing = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day}: {self.assessed}"


class InfringingAccountDay(models.Model):
    """Items judged infringing per account, by the day of their assessment (the top-accounts list)."""

    day = models.DateField()
    account = models.ForeignKey(
        "cases.MonitoredAccount",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    infringing = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "account"], include=["infringing"], name="reports_infacctday_unique")
        ]

    def __str__(self) -> str:
        return f"{self.day} account {self.account_id}: {self.infringing}"


class RollupDirtyDay(models.Model):
    """A local day whose rollup rows may be out of date (written by triggers; append-only, duplicates allowed)."""

    id = models.BigAutoField(primary_key=True)
    day = models.DateField(db_index=True)

    def __str__(self) -> str:
        return str(self.day)


class RollupState(models.Model):
    """One row once the rollups have been built; until then the selectors read everything live."""

    name = models.CharField(max_length=32, primary_key=True)
    built_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} {self.built_at}"
