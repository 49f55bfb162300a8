"""Reads for the lawsuit board: suits in columns by stage (a bounded number of cards per column,
one grouped count), and win/loss and costs per cause and per court. A fixed number of queries
whatever the number of suits."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Window
from django.db.models.functions import RowNumber

from cases.filters import LawsuitFilter
from cases.models import Deadline, Lawsuit, LawsuitParty
from cases.selectors.monitoring import narrow

# Cards per stage column; the column header shows the full count and links to the filtered list.
CARDS_PER_STAGE = 12
# Rows of the "by court" table (courts with most decided suits first).
COURTS_SHOWN = 15
Outcome = Lawsuit.Outcome
WON = (Outcome.WON, Outcome.PARTLY_WON)


@dataclass
class Column:
    stage: str
    label: str
    count: int
    cards: list[Lawsuit] = field(default_factory=list)


def board_columns(*, user: Any, filters: Mapping[str, Any] | None = None) -> list[Column]:
    """Return one column per stage that has suits (in the state machine's order), with its count and newest cards."""
    qs = narrow(LawsuitFilter, Lawsuit.objects.for_user(user), filters, user)
    counts = dict(qs.order_by().values_list("stage").annotate(n=Count("id")))
    if not counts:
        return []
    next_due = (
        Deadline.objects.pending()
        .filter(Q(lawsuit=OuterRef("pk")) | Q(proceeding__lawsuit=OuterRef("pk")))
        .order_by("due_on")
        .values("due_on")[:1]
    )
    cards = list(
        qs.select_related("lawyer")
        .annotate(
            next_deadline=Subquery(next_due),
            rank=Window(RowNumber(), partition_by=[F("stage")], order_by=[F("created_at").desc(), F("id").desc()]),
        )
        .filter(rank__lte=CARDS_PER_STAGE)
        .prefetch_related(
            Prefetch(
                "parties",
                queryset=LawsuitParty.objects.for_user(user)
                .select_related("monitored_account", "platform", "agency")
                .order_by("role", "id"),
            )
        )
        .order_by("stage", "-created_at", "-id")
    )
    columns = {stage: Column(stage, str(label), counts[stage]) for stage, label in Lawsuit.Stage.choices if stage in counts}
    for card in cards:
        columns[card.stage].cards.append(card)
    return list(columns.values())


@dataclass
class OutcomeRow:
    key: str
    label: str
    decided: int
    won: int
    lost: int
    other: int
    court_fee: Decimal
    notary_fee: Decimal
    lawyer_fee: Decimal
    damages_awarded: Decimal

    @property
    def win_rate(self) -> int | None:
        """Won (fully or partly) out of suits decided by judgment, in per cent; None without any."""
        judged = self.won + self.lost
        return round(100 * self.won / judged) if judged else None

    @property
    def costs(self) -> Decimal:
        return self.court_fee + self.notary_fee + self.lawyer_fee


def _outcomes(qs: QuerySet, key: str) -> list[dict[str, Any]]:
    zero = Decimal(0)
    return list(
        qs.exclude(outcome=Outcome.PENDING)
        .order_by()
        .values(key)
        .annotate(
            decided=Count("id"),
            won=Count("id", filter=Q(outcome__in=WON)),
            lost=Count("id", filter=Q(outcome=Outcome.LOST)),
            court=Sum("court_fee", default=zero),
            notary=Sum("notary_fee", default=zero),
            lawyer_fees=Sum("lawyer_fee", default=zero),
            awarded=Sum("damages_awarded", default=zero),
        )
        .order_by("-decided", key)
    )


def _row(values: dict[str, Any], key: str, label: str) -> OutcomeRow:
    return OutcomeRow(
        key=values[key],
        label=label,
        decided=values["decided"],
        won=values["won"],
        lost=values["lost"],
        other=values["decided"] - values["won"] - values["lost"],
        court_fee=values["court"],
        notary_fee=values["notary"],
        lawyer_fee=values["lawyer_fees"],
        damages_awarded=values["awarded"],
    )


def outcomes_by_cause(*, user: Any) -> list[OutcomeRow]:
    labels = dict(Lawsuit.Cause.choices)
    return [_row(v, "cause", str(labels.get(v["cause"], v["cause"]))) for v in _outcomes(Lawsuit.objects.for_user(user), "cause")]


def outcomes_by_court(*, user: Any, unknown: str) -> list[OutcomeRow]:
    rows = _outcomes(Lawsuit.objects.for_user(user), "court_name")[:COURTS_SHOWN]
    return [_row(v, "court_name", v["court_name"] or unknown) for v in rows]
