"""The litigation clock: due dates computed from events, kept as Deadline rows, and reminders.

Counting rules applied (Civil Procedure Law art. 85; Civil Code arts. 201-203):

* A period counted in days, months or years starts on the day AFTER the event, so a 15-day
  period from service on the 1st ends on the 16th (event date + 15 days).
* A period in months or years ends on the corresponding day of the last month; when that day does
  not exist (29 February), on the last day of that month.
* When the last day falls on a rest day (Saturday, Sunday or a public holiday listed in
  ``settings.LITIGATION_HOLIDAYS``), the period ends on the next working day.

Limitation: the holiday list is maintained by hand in settings (the State Council publishes it
each December). Make-up working days (调休) on weekends are not modelled: a due date on such a
Saturday still moves to Monday, which is the later, never the earlier, date — a lawyer who acts by
the shown date is never late because of it, but should double-check dates near a holiday.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cases.models import Deadline, Lawsuit, LawsuitClaim, Proceeding
from cases.services import webhooks

Rule = Deadline.Rule
St = Lawsuit.Stage

ANSWER_DAYS = 15
APPEAL_JUDGMENT_DAYS = 15
APPEAL_RULING_DAYS = 10
ENFORCEMENT_YEARS = 2
PRESERVATION_SUIT_DAYS = 30
LIMITATION_YEARS = 3
# Claims that money can satisfy; only these are time-barred (Civil Code art. 995: stopping the
# infringement, deletion, apology and restoring reputation never expire).
TIME_BARRED_CLAIMS = (
    LawsuitClaim.Kind.DAMAGES,
    LawsuitClaim.Kind.REASONABLE_COSTS,
    LawsuitClaim.Kind.MENTAL_DISTRESS,
)


# --- Pure date arithmetic --------------------------------------------------------------------


def holidays() -> frozenset[datetime.date]:
    return frozenset(datetime.date.fromisoformat(day) for day in getattr(settings, "LITIGATION_HOLIDAYS", ()))


def is_rest_day(day: datetime.date) -> bool:
    return day.weekday() >= 5 or day in holidays()


def next_working_day(day: datetime.date) -> datetime.date:
    """Return ``day`` itself when it is a working day, else the first working day after it."""
    while is_rest_day(day):
        day += datetime.timedelta(days=1)
    return day


def add_days(event: datetime.date, days: int) -> datetime.date:
    """Last day of a period of ``days`` days that starts the day after ``event``."""
    return next_working_day(event + datetime.timedelta(days=days))


def add_years(event: datetime.date, years: int) -> datetime.date:
    """Last day of a period of ``years`` years after ``event`` (29 Feb → 28 Feb), moved off rest days."""
    year = event.year + years
    day = min(event.day, calendar.monthrange(year, event.month)[1])
    return next_working_day(event.replace(year=year, day=day))


def answer_due(served_on: datetime.date) -> datetime.date:
    """The defendant's answer: 15 days after the complaint is served."""
    return add_days(served_on, ANSWER_DAYS)


def appeal_due(served_on: datetime.date, *, ruling: bool = False) -> datetime.date:
    """Appeal: 15 days from service of a judgment, 10 days from service of a ruling."""
    return add_days(served_on, APPEAL_RULING_DAYS if ruling else APPEAL_JUDGMENT_DAYS)


def enforcement_due(performance_due_on: datetime.date) -> datetime.date:
    """Apply for enforcement within 2 years from the last day of the performance period."""
    return add_years(performance_due_on, ENFORCEMENT_YEARS)


def preservation_suit_due(measure_on: datetime.date) -> datetime.date:
    """After pre-suit preservation or an injunction, sue within 30 days or the measure is lifted."""
    return add_days(measure_on, PRESERVATION_SUIT_DAYS)


def limitation_due(
    harm_known_on: datetime.date | None, infringer_known_on: datetime.date | None
) -> datetime.date | None:
    """3 years from when the company knew BOTH the harm and the infringer (the later date).

    Returns None while either is unknown: the period has not started.
    """
    if harm_known_on is None or infringer_known_on is None:
        return None
    return add_years(max(harm_known_on, infringer_known_on), LIMITATION_YEARS)


# --- Deadline rows ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DueDate:
    rule: str
    title: str
    due_on: datetime.date
    done: bool
    proceeding: Proceeding | None = None


def claims_damages(lawsuit: Lawsuit) -> bool:
    """True when the suit asks for money (the only claims that expire)."""
    return lawsuit.damages_claimed > 0 or lawsuit.claims.filter(kind__in=TIME_BARRED_CLAIMS).exists()


def _proceedings(lawsuit: Lawsuit) -> dict[str, Proceeding]:
    """The earliest proceeding of each instance."""
    found: dict[str, Proceeding] = {}
    for proceeding in lawsuit.proceedings.order_by("created_at", "id"):
        found.setdefault(proceeding.instance, proceeding)
    return found


def compute_due_dates(lawsuit: Lawsuit, *, served_on: datetime.date | None = None) -> list[DueDate]:
    """Every deadline the suit's recorded events imply, and whether its event already happened."""
    stage = lawsuit.stage
    served_on = served_on or lawsuit.served_on
    proceedings = _proceedings(lawsuit)
    first = proceedings.get(Proceeding.Instance.FIRST)
    due: list[DueDate] = []

    if claims_damages(lawsuit):
        limit = limitation_due(lawsuit.harm_known_on, lawsuit.infringer_known_on)
        if limit:
            # Filing the suit interrupts the limitation period.
            due.append(
                DueDate(Rule.LIMITATION, _("Limitation of damages claims expires"), limit, lawsuit.filed_on is not None)
            )
    if served_on:
        due.append(
            DueDate(
                Rule.ANSWER, _("Defendant's answer due"), answer_due(served_on), stage not in (St.ACCEPTED, St.SERVICE)
            )
        )
    if stage == St.REJECTED and first and first.decision_served_on:
        due.append(
            DueDate(
                Rule.APPEAL_RULING,
                _("Appeal against the ruling not to accept the case"),
                appeal_due(first.decision_served_on, ruling=True),
                False,
                first,
            )
        )
    if lawsuit.judgment_served_on:
        due.append(
            DueDate(
                Rule.APPEAL_JUDGMENT,
                _("Appeal against the first-instance judgment"),
                appeal_due(lawsuit.judgment_served_on),
                stage not in (St.JUDGED_FIRST, St.APPEAL_WINDOW),
                first,
            )
        )
    if lawsuit.performance_due_on:
        due.append(
            DueDate(
                Rule.ENFORCEMENT,
                _("Apply for enforcement"),
                enforcement_due(lawsuit.performance_due_on),
                stage != St.EFFECTIVE,
            )
        )
    preservation = proceedings.get(Proceeding.Instance.PRESERVATION)
    if preservation and preservation.decided_on:
        due.append(
            DueDate(
                Rule.PRESERVATION_SUIT,
                _("File the suit after the preservation measure"),
                preservation_suit_due(preservation.decided_on),
                lawsuit.filed_on is not None or stage != St.PREPARING,
                preservation,
            )
        )
    return due


# Rules this module computes; other deadlines (letters, custom) are left alone by the sync.
COMPUTED_RULES = (
    Rule.LIMITATION,
    Rule.APPEAL_RULING,
    Rule.APPEAL_JUDGMENT,
    Rule.ENFORCEMENT,
    Rule.PRESERVATION_SUIT,
)


@transaction.atomic
def deadlines_sync(lawsuit: Lawsuit, *, served_on: datetime.date | None = None) -> list[Deadline]:
    """Create or update the suit's computed deadlines; idempotent (one row per rule and proceeding).

    The answer deadline counts from ``Lawsuit.served_on`` (service of the complaint); ``served_on``
    overrides it. Suits recorded before the field existed keep their answer row as it is.
    Pending computed deadlines that no longer apply (e.g. the damages claim was dropped) are deleted.
    """
    now = timezone.now()
    # One row per rule and suit (each rule arises once per suit), whether it hangs on the suit or
    # on one of its proceedings; the oldest wins if earlier data left two.
    existing: dict[str, Deadline] = {}
    rows = (
        Deadline.objects.select_for_update(of=("self",))
        .filter(lawsuit_deadline_filter(lawsuit), rule__in=(*COMPUTED_RULES, Rule.ANSWER))
        .order_by("created_at", "id")
    )
    for row in rows:
        existing.setdefault(row.rule, row)
    kept: list[Deadline] = []
    served_on = served_on or lawsuit.served_on
    wanted = compute_due_dates(lawsuit, served_on=served_on)
    if not served_on:
        answer = existing.get(Rule.ANSWER)
        if answer is not None:
            done = lawsuit.stage not in (St.ACCEPTED, St.SERVICE)
            wanted.append(DueDate(Rule.ANSWER, answer.title, answer.due_on, done))
    for item in wanted:
        row = existing.pop(item.rule, None)
        done_at = (row.done_at if row and row.done_at else now) if item.done else None
        if row is None:
            row = Deadline.objects.create(
                rule=item.rule,
                title=item.title,
                due_on=item.due_on,
                lawsuit=lawsuit,
                proceeding=item.proceeding,
                responsible=lawsuit.lawyer,
                done_at=done_at,
            )
        elif (row.title, row.due_on, row.done_at, row.lawsuit_id) != (item.title, item.due_on, done_at, lawsuit.pk):
            if row.due_on != item.due_on:
                row.reminded_at = None  # a moved date restarts the reminders
            row.title, row.due_on, row.done_at, row.lawsuit = item.title, item.due_on, done_at, lawsuit
            row.save(update_fields=["title", "due_on", "done_at", "reminded_at", "lawsuit", "updated_at"])
        kept.append(row)
    stale = [row.pk for row in existing.values() if row.done_at is None and row.rule in COMPUTED_RULES]
    if stale:
        Deadline.objects.filter(pk__in=stale).delete()
    return kept


@transaction.atomic
def deadline_mark_done(*, deadline: Deadline, actor: Any) -> Deadline:
    """Mark a deadline as met (or no longer relevant); marking twice keeps the first time."""
    from accounts import permissions

    permissions.ensure_can_edit(actor, Deadline)
    deadline = Deadline.objects.select_for_update().get(pk=deadline.pk)
    if deadline.done_at is None:
        deadline.done_at = timezone.now()
        deadline.save(update_fields=["done_at", "updated_at"])
    return deadline


# --- Reminders -------------------------------------------------------------------------------


def reminder_thresholds() -> list[int]:
    return sorted({int(d) for d in getattr(settings, "LITIGATION_REMINDER_DAYS", [7, 3, 1])})


def reminder_window(days_left: int, thresholds: Iterable[int]) -> int | None:
    """The smallest threshold that ``days_left`` falls within (7/3/1 → 5 days left is in window 7)."""
    windows = [t for t in thresholds if days_left <= t]
    return min(windows) if windows else None


def _lawsuit(deadline: Deadline) -> Lawsuit | None:
    """The suit the deadline belongs to: its own, else its proceeding's."""
    if deadline.lawsuit is not None:
        return deadline.lawsuit
    return deadline.proceeding.lawsuit if deadline.proceeding is not None else None


def _recipient(deadline: Deadline) -> Any:
    if deadline.responsible_id:
        return deadline.responsible
    lawsuit = _lawsuit(deadline)
    return lawsuit.lawyer if lawsuit else None


def deadlines_send_reminders(*, now: datetime.datetime | None = None) -> int:
    """Email the responsible lawyer once per threshold before each pending deadline; return emails sent.

    A reminder is due when the deadline entered a new threshold window since the last reminder:
    the last reminder was sent more days before the due date than the current window. Running
    the job twice on one day (or concurrently: rows are locked, locked rows skipped) sends nothing more.
    ``now`` is for tests that replay several days.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    thresholds = reminder_thresholds()
    if not thresholds:
        return 0
    sent = 0
    horizon = today + datetime.timedelta(days=max(thresholds))
    candidates = Deadline.objects.pending().filter(due_on__gte=today, due_on__lte=horizon).values_list("pk", flat=True)
    for pk in list(candidates):
        with transaction.atomic():
            deadline = (
                Deadline.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("responsible", "lawsuit__lawyer", "proceeding__lawsuit__lawyer")
                .filter(pk=pk, done_at__isnull=True)
                .first()
            )
            if deadline is None:
                continue
            days_left = (deadline.due_on - today).days
            window = reminder_window(days_left, thresholds)
            if window is None:
                continue
            if deadline.reminded_at is not None:
                last_days_before = (deadline.due_on - timezone.localtime(deadline.reminded_at).date()).days
                if last_days_before <= window:
                    continue
            recipient = _recipient(deadline)
            if recipient is None or not recipient.email:
                continue
            _send_reminder(deadline, recipient, days_left)
            webhooks.deadline_due(deadline, days_left=days_left)
            deadline.reminded_at = now
            deadline.save(update_fields=["reminded_at", "updated_at"])
            sent += 1
    return sent


def _send_reminder(deadline: Deadline, recipient: Any, days_left: int) -> None:
    lawsuit = _lawsuit(deadline)
    path = lawsuit.get_absolute_url() if lawsuit else reverse("cases:deadline-list")
    context = {
        "deadline": deadline,
        "lawsuit": lawsuit,
        "recipient": recipient,
        "days_left": days_left,
        "url": settings.LITIGATION_SITE_URL.rstrip("/") + path,
    }
    language = getattr(recipient, "language", "") or settings.LANGUAGE_CODE
    with translation.override(language):
        subject = " ".join(render_to_string("emails/deadline-reminder-subject.txt", context).split())
        body = render_to_string("emails/deadline-reminder-body.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient.email])


def lawsuit_deadline_filter(lawsuit: Lawsuit) -> Q:
    return Q(lawsuit=lawsuit) | Q(proceeding__lawsuit=lawsuit)
