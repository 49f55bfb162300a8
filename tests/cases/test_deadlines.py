"""The litigation clock (cases/services/deadlines.py): rules, Deadline rows and reminders.

Rule applied: a period starts the day after the event (event + N days is the last day); a last
day on a Saturday, Sunday or listed public holiday moves to the next working day.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from cases import models as m
from cases.services import deadlines as clock
from tests import factories as f

D = datetime.date
SHANGHAI = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_holidays(settings):
    settings.LITIGATION_HOLIDAYS = []
    settings.LITIGATION_REMINDER_DAYS = [7, 3, 1]


# --- Rules -----------------------------------------------------------------------------------


def test_answer_is_due_15_days_after_service_and_a_saturday_moves_to_monday():
    assert clock.answer_due(D(2025, 6, 2)) == D(2025, 6, 17)  # Mon → Tue, across two weekends
    assert clock.answer_due(D(2025, 6, 6)) == D(2025, 6, 23)  # Fri + 15 = Sat 21 → Mon 23


def test_judgment_appeal_runs_15_days_from_service_and_a_sunday_moves_to_monday():
    assert clock.appeal_due(D(2025, 6, 5)) == D(2025, 6, 20)  # Thu → Fri
    assert clock.appeal_due(D(2025, 6, 7)) == D(2025, 6, 23)  # served Sat: Sun 22 → Mon 23


def test_ruling_appeal_runs_10_days_from_service():
    assert clock.appeal_due(D(2025, 6, 2), ruling=True) == D(2025, 6, 12)
    assert clock.appeal_due(D(2025, 6, 4), ruling=True) == D(2025, 6, 16)  # Sat 14 → Mon 16


def test_enforcement_runs_2_years_from_the_performance_deadline():
    assert clock.enforcement_due(D(2025, 6, 16)) == D(2027, 6, 16)
    assert clock.enforcement_due(D(2025, 6, 12)) == D(2027, 6, 14)  # Sat 12 → Mon 14
    assert clock.enforcement_due(D(2024, 2, 29)) == D(2026, 3, 2)  # no 29 Feb: Sat 28 Feb → Mon 2 Mar


def test_preservation_suit_is_due_30_days_after_the_measure():
    assert clock.preservation_suit_due(D(2025, 6, 4)) == D(2025, 7, 4)
    assert clock.preservation_suit_due(D(2025, 6, 5)) == D(2025, 7, 7)  # Sat 5 Jul → Mon 7


def test_limitation_runs_3_years_from_the_later_of_knowing_the_harm_and_the_infringer():
    # The infringer became known later: that date starts the period (Sun 10 May 2026 → Mon 11).
    assert clock.limitation_due(D(2023, 3, 1), D(2023, 5, 10)) == D(2026, 5, 11)
    # Same the other way round.
    assert clock.limitation_due(D(2023, 5, 10), D(2023, 3, 1)) == D(2026, 5, 11)
    assert clock.limitation_due(D(2023, 3, 1), None) is None


def test_a_listed_public_holiday_moves_the_last_day_to_the_next_working_day(settings):
    settings.LITIGATION_HOLIDAYS = ["2026-05-01"]
    # Served Thu 16 Apr + 15 = Fri 1 May (holiday) → Sat, Sun → Mon 4 May.
    assert clock.answer_due(D(2026, 4, 16)) == D(2026, 5, 4)


# --- Deadline rows ---------------------------------------------------------------------------


def _suit(**extra) -> m.Lawsuit:
    lawyer = f.UserFactory(role="lawyer", email="lawyer@example.com")
    lawsuit = f.LawsuitFactory(lawyer=lawyer, **extra)
    f.LawsuitPartyFactory(lawsuit=lawsuit)  # a suit past preparation needs a defendant (DB trigger)
    return lawsuit


def test_no_limitation_deadline_without_a_damages_claim():
    lawsuit = _suit(harm_known_on=D(2025, 1, 6), infringer_known_on=D(2025, 2, 3))
    f.LawsuitClaimFactory(lawsuit=lawsuit, kind=m.LawsuitClaim.Kind.APOLOGY, amount=None, apology_days=30)
    clock.deadlines_sync(lawsuit)
    assert not m.Deadline.objects.filter(lawsuit=lawsuit, rule="limitation").exists()


def test_a_damages_claim_gets_a_limitation_deadline_from_the_later_date_and_dropping_it_removes_it():
    lawsuit = _suit(harm_known_on=D(2025, 1, 6), infringer_known_on=D(2025, 2, 3))
    claim = f.LawsuitClaimFactory(lawsuit=lawsuit, kind=m.LawsuitClaim.Kind.DAMAGES, amount=Decimal("100000"))
    clock.deadlines_sync(lawsuit)
    row = m.Deadline.objects.get(lawsuit=lawsuit, rule="limitation")
    assert row.due_on == D(2028, 2, 3) and row.done_at is None and row.responsible == lawsuit.lawyer
    claim.delete()
    clock.deadlines_sync(lawsuit)
    assert not m.Deadline.objects.filter(lawsuit=lawsuit, rule="limitation").exists()


def test_deadlines_sync_is_idempotent_and_marks_a_deadline_done_when_its_event_happened():
    lawsuit = _suit(
        stage="appeal_window",
        filed_on=D(2025, 1, 6),
        judgment_on=D(2025, 6, 2),
        judgment_served_on=D(2025, 6, 5),
        damages_claimed=Decimal("500000"),
        harm_known_on=D(2024, 12, 2),
        infringer_known_on=D(2024, 12, 20),
    )
    clock.deadlines_sync(lawsuit)
    clock.deadlines_sync(lawsuit)
    rows = {d.rule: d for d in m.Deadline.objects.filter(lawsuit=lawsuit)}
    assert sorted(rows) == ["appeal_judgment", "limitation"]
    assert rows["appeal_judgment"].due_on == D(2025, 6, 20) and rows["appeal_judgment"].done_at is None
    assert rows["limitation"].done_at is not None  # filing interrupted the limitation period

    lawsuit.stage = "effective"
    lawsuit.effective_on = lawsuit.performance_due_on = D(2025, 6, 21)
    lawsuit.save()
    clock.deadlines_sync(lawsuit)
    clock.deadlines_sync(lawsuit)
    rows = {d.rule: d for d in m.Deadline.objects.filter(lawsuit=lawsuit)}
    assert m.Deadline.objects.filter(lawsuit=lawsuit).count() == 3
    assert rows["appeal_judgment"].done_at is not None
    assert rows["enforcement"].due_on == D(2027, 6, 21) and rows["enforcement"].done_at is None


def test_the_answer_deadline_comes_from_the_service_date_and_survives_later_syncs():
    lawsuit = _suit(stage="service", filed_on=D(2025, 5, 6), accepted_on=D(2025, 5, 12))
    clock.deadlines_sync(lawsuit, served_on=D(2025, 6, 6))
    clock.deadlines_sync(lawsuit)
    answer = m.Deadline.objects.get(lawsuit=lawsuit, rule="answer")
    assert answer.due_on == D(2025, 6, 23) and answer.done_at is None
    lawsuit.stage = "pretrial"
    lawsuit.save()
    clock.deadlines_sync(lawsuit)
    answer.refresh_from_db()
    assert answer.done_at is not None
    assert m.Deadline.objects.filter(lawsuit=lawsuit, rule="answer").count() == 1


# --- Reminders -------------------------------------------------------------------------------


def _at(day: datetime.date, hour: int = 8) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, 5), tzinfo=SHANGHAI)


def test_the_reminder_job_sends_once_per_threshold_and_never_twice():
    lawsuit = _suit()
    due = D(2030, 3, 20)
    deadline = f.DeadlineFactory(lawsuit=lawsuit, due_on=due, responsible=None, title="上诉期届满")
    sent_on = []
    for offset in range(10, -1, -1):  # every day from 10 days before to the due date, twice a day
        day = due - datetime.timedelta(days=offset)
        for hour in (8, 20):
            if clock.deadlines_send_reminders(now=_at(day, hour)):
                sent_on.append(offset)
    assert sent_on == [7, 3, 1]
    assert len(mail.outbox) == 3
    assert mail.outbox[0].to == ["lawyer@example.com"]
    assert "上诉期届满" in mail.outbox[0].subject and "2030-03-20" in mail.outbox[0].body
    assert lawsuit.get_absolute_url() in mail.outbox[0].body
    deadline.refresh_from_db()
    assert deadline.reminded_at == _at(due - datetime.timedelta(days=1))


def test_a_job_that_missed_days_sends_one_reminder_for_the_current_threshold_only():
    lawsuit = _suit()
    due = D(2030, 3, 20)
    f.DeadlineFactory(lawsuit=lawsuit, due_on=due, responsible=lawsuit.lawyer)
    assert clock.deadlines_send_reminders(now=_at(due - datetime.timedelta(days=2))) == 1
    assert clock.deadlines_send_reminders(now=_at(due - datetime.timedelta(days=2), 9)) == 0
    assert clock.deadlines_send_reminders(now=_at(due - datetime.timedelta(days=1))) == 1
    assert len(mail.outbox) == 2


def test_no_reminder_for_done_or_far_deadlines():
    lawsuit = _suit()
    today = D(2030, 3, 1)
    f.DeadlineFactory(lawsuit=lawsuit, due_on=today + datetime.timedelta(days=3), done_at=_at(today))
    f.DeadlineFactory(lawsuit=lawsuit, due_on=today + datetime.timedelta(days=20))
    assert clock.deadlines_send_reminders(now=_at(today)) == 0
    assert mail.outbox == []


def test_the_celery_task_runs_the_reminder_job():
    from cases.tasks.litigation import send_deadline_reminders

    assert send_deadline_reminders.delay().get() == 0


def test_a_preservation_measure_starts_the_30_day_suit_deadline_and_an_older_row_is_reused():
    lawsuit = _suit()  # still preparing: the suit is not filed yet
    measure = f.ProceedingFactory(
        lawsuit=lawsuit, instance="preservation", case_number="", decided_on=D(2025, 6, 5), court_name="北京互联网法院"
    )
    older = f.DeadlineFactory(lawsuit=lawsuit, rule="preservation_suit", due_on=D(2025, 7, 1), title="起诉期")
    clock.deadlines_sync(lawsuit)
    clock.deadlines_sync(lawsuit)
    rows = list(m.Deadline.objects.filter(lawsuit=lawsuit, rule="preservation_suit"))
    assert [r.pk for r in rows] == [older.pk]
    assert rows[0].due_on == D(2025, 7, 7) and rows[0].done_at is None  # Sat 5 Jul → Mon 7
    assert measure.deadlines.count() == 0  # kept on the suit, not duplicated on the proceeding
