"""Per-day rollups of the content items and the assistance requests, read by the dashboard's selectors
(reports/rollups.py).

Each row counts the items (or requests) of one local (Beijing) day. The rows are derived data: ``manage.py
rebuild_rollups`` rebuilds them all, the job ``reports.refresh_rollups`` recomputes only the days listed in
``RollupDirtyDay`` (filled by database triggers on every insert, update and delete of content items and
assistance requests). A day
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


class InfringingAccountMonth(models.Model):
    """``InfringingAccountDay`` summed per local month (first day of the month): the top lists read whole months
    here (a third to half as many rows as their days), and the days at a period's edges from the days."""

    month = models.DateField()
    account = models.ForeignKey(
        "cases.MonitoredAccount",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    infringing = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "account"], include=["infringing"], name="reports_infacctmonth_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} account {self.account_id}: {self.infringing}"


class RequestSubmittedDay(models.Model):
    """Assistance requests submitted on a day, by their current state: every count the owners' figures read.

    One column per help type the dashboard shows (``help_<value>``; reports.selectors.HELP_TYPES_SHOWN), and the
    requests whose *status* is a lawyer letter or litigation (the owners' funnel adds those linked to a letter or
    a suit live, from the small link tables) or closed.
    """

    day = models.DateField(unique=True)
    requests = models.PositiveIntegerField(default=0)
    with_evidence = models.PositiveIntegerField(default=0)
    suable = models.PositiveIntegerField(default=0)
    help_evidence_guidance = models.PositiveIntegerField(default=0)
    help_lawyer_letter = models.PositiveIntegerField(default=0)
    help_litigation_support = models.PositiveIntegerField(default=0)
    status_letter_or_suit = models.PositiveIntegerField(default=0)
    status_closed = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day}: {self.requests}"


class AssessmentValueDay(models.Model):
    """Items assessed on a day under one campaign category or infringement type, by the day of the item's previous
    assessment under the same value (``prev_day``, null when none): the breakdown by category and type.

    "An item assessed twice counts once" is a distinct count, not additive over days; but an item counts in a
    period exactly once, on its first assessment day inside the period, which is the day whose previous assessment
    day (same item, same value) falls before the period's start. So a period [a, b] sums the rows with
    ``a <= day <= b`` and ``prev_day`` null or before ``a`` (open start: ``prev_day`` null) — exact for any period.
    """

    day = models.DateField()
    dim = models.CharField(max_length=8)  # "category" or "type"
    value = models.CharField(max_length=24)
    prev_day = models.DateField(null=True)
    items = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["day"], include=["prev_day", "dim", "value", "items"], name="reports_assessvalday_idx")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.dim} {self.value} (after {self.prev_day}): {self.items}"


class RollupDirtyDay(models.Model):
    """A local day whose rollup rows (items and requests alike) may be out of date (written by triggers;
    append-only, duplicates allowed)."""

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
