"""The staff home page's "open work" counts, read in one SQL statement."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet
from django.utils import timezone

from accounts import permissions
from accounts.models import User
from cases.models import (
    Assessment,
    AssistanceRequest,
    Campaign,
    ContentItem,
    Deadline,
    Evidence,
    Lawsuit,
    MonitoredAccount,
)

Role = User.Role
# Which groups of counts each role's home page shows. Visibility of every model is
# still checked with permissions.can_view below; this only picks what is relevant.
_ANALYST_WORK = frozenset({Role.ANALYST, Role.ADMIN})
_LAWYER_WORK = frozenset({Role.LAWYER})
_DEPARTMENT_WORK = frozenset({Role.ADMIN})
_HEADLINES = frozenset({Role.EXECUTIVE, Role.ADMIN})


def open_work_for(user: Any) -> dict[str, int]:
    """Return the counts of open work relevant to the user's role, by name.

    Only names whose model the user may view are present, so a template can show a
    card exactly for each key. All counts come from a single query.
    """
    role = permissions.role_of(user)
    if role is None:
        return {}
    wanted: dict[str, QuerySet] = {}
    if role in _ANALYST_WORK:
        wanted.update(_analyst_work(user))
    if role in _LAWYER_WORK:
        wanted.update(_case_work(user, mine=True))
    if role in _DEPARTMENT_WORK:
        wanted.update(_case_work(user, mine=False))
    if role in _HEADLINES:
        wanted.update(_headlines(user))
    visible = {name: qs for name, qs in wanted.items() if permissions.can_view(user, qs.model)}
    return count_all(visible)


def _analyst_work(user: Any) -> dict[str, QuerySet]:
    items = ContentItem.objects.for_user(user)
    return {
        "items_awaiting": items.triage_queue(),
        "items_assessing": items.filter(triage_state=ContentItem.TriageState.ASSESSING),
        "campaigns_detected": Campaign.objects.for_user(user).filter(status=Campaign.Status.DETECTED),
        "evidence_attention": Evidence.objects.for_user(user)
        .current()
        .filter(integrity__in=[Evidence.Integrity.MISMATCH, Evidence.Integrity.MISSING]),
    }


def _case_work(user: Any, *, mine: bool) -> dict[str, QuerySet]:
    """Lawyers see their own cases; administrators see the whole department's."""
    today = timezone.localdate()
    lawsuits = Lawsuit.objects.for_user(user).open()
    deadlines = Deadline.objects.for_user(user).pending()
    requests = AssistanceRequest.objects.for_user(user).open()
    if mine:
        lawsuits = lawsuits.filter(lawyer=user)
        deadlines = deadlines.filter(responsible=user)
        requests = requests.filter(assigned_lawyer=user)
    prefix = "my_" if mine else ""
    return {
        f"{prefix}lawsuits_open": lawsuits,
        f"{prefix}deadlines_due_soon": deadlines.filter(
            due_on__gte=today, due_on__lte=today + datetime.timedelta(days=7)
        ),
        f"{prefix}deadlines_overdue": deadlines.filter(due_on__lt=today),
        f"{prefix}requests_open": requests,
        "escalations_unreviewed": _unreviewed_escalations(user),
    }


def _headlines(user: Any) -> dict[str, QuerySet]:
    # Small tables only: item totals over millions of rows belong on the dashboard.
    lawsuits = Lawsuit.objects.for_user(user)
    return {
        "accounts_monitored": MonitoredAccount.objects.for_user(user).monitored(),
        "lawsuits_open": lawsuits.open(),
        "suits_filed": lawsuits.filed(),
        "suits_supporting_owners": lawsuits.filed().supporting_owners(),
    }


def _unreviewed_escalations(user: Any) -> QuerySet:
    return Assessment.objects.for_user(user).escalations().filter(reviewer__isnull=True)


def count_all(querysets: dict[str, QuerySet]) -> dict[str, int]:
    """Return ``{name: qs.count()}`` using one ``SELECT (SELECT COUNT(*) …), …`` statement.

    A home page with a dozen cards would otherwise cost a dozen round trips.
    Querysets must share one database.
    """
    counts: dict[str, int] = {}
    selects: list[str] = []
    params: list[Any] = []
    names: list[str] = []
    alias = "default"
    for name, qs in querysets.items():
        alias = qs.db
        try:
            sql, qs_params = qs.order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:  # e.g. .none(): nothing to count
            counts[name] = 0
            continue
        selects.append(f"(SELECT COUNT(*) FROM ({sql}) AS counted)")  # noqa: S608 - ORM-compiled SQL
        params.extend(qs_params)
        names.append(name)
    if selects:
        with connections[alias].cursor() as cursor:
            # The SQL pieces come from the ORM's compiler; values travel as parameters.
            cursor.execute("SELECT " + ", ".join(selects), params)
            row = cursor.fetchone()
        counts.update(zip(names, row, strict=True))
    return {name: counts[name] for name in querysets}
