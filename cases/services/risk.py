"""Account risk score: a sum of named, capped factors, never a black box.

An account's score (0-100) is the sum of five factors. Each factor has a raw value read from the
database, a weight (points per unit) and a cap, so the account page can show every factor, its
value, its weight and the points it gave:

=====================  =====================================================  ======  ===
factor                 value                                                  weight  cap
=====================  =====================================================  ======  ===
confirmed              items assessed as infringing (suspected, serious,      8       40
                       crime: the conclusion of their latest assessment)
reach                  tens of the infringing items' total reach:             4       20
                       ``floor(log10(reach))`` (1,000 → 3, 100,000 → 5)
repeat                 days with infringing posts after the first             5       20
letters                lawyer letters addressed to the account                5       10
suits                  lawsuits naming the account as a party                 10      10
=====================  =====================================================  ======  ===

The score and its factor values are stored on ``MonitoredAccount`` (``risk_score``, ``risk_level``,
``risk_factors``, ``risk_scored_at``) so the account list sorts by it at 10,000 accounts without
computing anything. The services that change an input call ``accounts_refresh_risk`` (assessments,
letters, suits); a nightly Celery job (``cases.refresh_account_risk``) recomputes every account that
has an input or a non-zero score, in batches of ``BATCH`` accounts, a fixed number of queries each.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from cases.models import Assessment, ContentItem, LawsuitParty, LawyerLetter, MonitoredAccount

# Accounts recomputed per batch by the nightly job (each batch: four aggregate queries and one update).
BATCH = 1000


@dataclass(frozen=True)
class Factor:
    key: str
    weight: int
    cap: int

    def points(self, value: int) -> int:
        return min(self.cap, max(value, 0) * self.weight)


FACTORS: tuple[Factor, ...] = (
    Factor("confirmed", weight=8, cap=40),
    Factor("reach", weight=4, cap=20),
    Factor("repeat", weight=5, cap=20),
    Factor("letters", weight=5, cap=10),
    Factor("suits", weight=10, cap=10),
)
FACTOR_KEYS = tuple(f.key for f in FACTORS)
# Lower bounds of each level: a score at or above the bound has that level.
LEVEL_BOUNDS: tuple[tuple[int, str], ...] = (
    (75, MonitoredAccount.RiskLevel.CRITICAL),
    (50, MonitoredAccount.RiskLevel.HIGH),
    (25, MonitoredAccount.RiskLevel.MEDIUM),
    (0, MonitoredAccount.RiskLevel.LOW),
)


def reach_tens(reach: int) -> int:
    """Return floor(log10(reach)) for a positive reach, else 0 (a reach under 10 gives nothing)."""
    return int(math.floor(math.log10(reach))) if reach and reach > 0 else 0


def score_for(values: dict[str, Any]) -> int:
    """Return the score (0-100) for a dict of factor values; missing values count as 0."""
    return min(100, sum(f.points(int(values.get(f.key, 0) or 0)) for f in FACTORS))


def level_for(score: int) -> str:
    for bound, level in LEVEL_BOUNDS:
        if score >= bound:
            return level
    return MonitoredAccount.RiskLevel.LOW


def factor_values(account_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """Return each account's factor values, read in four aggregate queries whatever the number of accounts.

    Items count as confirmed infringements when their latest assessment concluded suspected, serious or
    crime (``ContentItem.conclusion``); the sum runs on index cases_item_account_idx.
    """
    ids = list(dict.fromkeys(account_ids))
    values: dict[int, dict[str, int]] = {pk: dict.fromkeys(FACTOR_KEYS, 0) | {"reach_total": 0} for pk in ids}
    if not ids:
        return values
    infringing = ContentItem.objects.filter(account_id__in=ids, conclusion__in=Assessment.INFRINGING)
    for row in infringing.values("account_id").annotate(n=Count("id"), reach=Sum("reach")).order_by():
        entry = values[row["account_id"]]
        entry["confirmed"] = row["n"]
        entry["reach_total"] = int(row["reach"] or 0)
        entry["reach"] = reach_tens(entry["reach_total"])
    days = (
        infringing.exclude(published_at__isnull=True)
        .annotate(day=TruncDate("published_at"))
        .values("account_id")
        .annotate(days=Count("day", distinct=True))
        .order_by()
    )
    for row in days:
        values[row["account_id"]]["repeat"] = max(row["days"] - 1, 0)
    letters = (
        LawyerLetter.objects.filter(recipient_account_id__in=ids)
        .values("recipient_account_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in letters:
        values[row["recipient_account_id"]]["letters"] = row["n"]
    suits = (
        LawsuitParty.objects.filter(monitored_account_id__in=ids)
        .values("monitored_account_id")
        .annotate(n=Count("lawsuit_id", distinct=True))
        .order_by()
    )
    for row in suits:
        values[row["monitored_account_id"]]["suits"] = row["n"]
    return values


def accounts_refresh_risk(account_ids: Iterable[int | None]) -> int:
    """Recompute and store the risk of the given accounts; return how many changed.

    Called inside the service's transaction after it changed an input; ``None`` ids (items without an
    account) are ignored. Only accounts whose score, level or factors changed are written.
    """
    ids = [pk for pk in dict.fromkeys(account_ids) if pk is not None]
    if not ids:
        return 0
    values = factor_values(ids)
    now = timezone.now()
    changed = []
    for account in MonitoredAccount.objects.filter(pk__in=ids).only("id", "risk_score", "risk_level", "risk_factors"):
        factors = values[account.pk]
        score = score_for(factors)
        level = level_for(score)
        if (account.risk_score, account.risk_level, account.risk_factors) != (score, level, factors):
            account.risk_score, account.risk_level, account.risk_factors = score, level, factors
            account.risk_scored_at = now
            changed.append(account)
    MonitoredAccount.objects.bulk_update(changed, ["risk_score", "risk_level", "risk_factors", "risk_scored_at"])
    return len(changed)


def has_risk_inputs() -> Q:
    """Accounts the nightly job must look at: any input, or a stored score to bring back to zero."""
    return Q(
        Q(risk_score__gt=0)
        | Exists(ContentItem.objects.filter(account_id=OuterRef("pk"), conclusion__in=Assessment.INFRINGING))
        | Exists(LawyerLetter.objects.filter(recipient_account_id=OuterRef("pk")))
        | Exists(LawsuitParty.objects.filter(monitored_account_id=OuterRef("pk")))
    )


def refresh_all_risk(batch: int = BATCH) -> dict[str, int]:
    """Recompute every account with a risk input (the nightly job); return accounts seen and changed."""
    seen = changed = 0
    last = 0
    while True:
        ids = list(
            MonitoredAccount.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch]
        )
        if not ids:
            break
        last = ids[-1]
        relevant = set(
            MonitoredAccount.objects.filter(pk__in=ids).filter(has_risk_inputs()).values_list("pk", flat=True)
        )
        seen += len(relevant)
        changed += accounts_refresh_risk(sorted(relevant))
    return {"accounts": seen, "changed": changed}
