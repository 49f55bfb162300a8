"""Row visibility and reusable filters. Every view, API and selector starts from ``for_user()``."""

from __future__ import annotations

import datetime
from typing import Any, Self

from django.db import models
from django.utils import timezone

from accounts import permissions


class VisibleQuerySet(models.QuerySet):
    """A queryset that knows who may see its rows."""

    def for_user(self, user: Any) -> Self:
        if permissions.can_view(user, self.model):
            return self.all()
        return self.none()


class MonitoredAccountQuerySet(VisibleQuerySet):
    def monitored(self) -> MonitoredAccountQuerySet:
        return self.filter(watch_status__in=self.model.MONITORED_STATUSES)


class ContentItemQuerySet(VisibleQuerySet):
    def open(self) -> ContentItemQuerySet:
        return self.filter(triage_state__in=self.model.OPEN_STATES)

    def assessed(self) -> ContentItemQuerySet:
        return self.filter(assessed_at__isnull=False)

    def infringing(self) -> ContentItemQuerySet:
        from cases.models import Assessment

        return self.filter(conclusion__in=Assessment.INFRINGING)

    def triage_queue(self) -> ContentItemQuerySet:
        """Items waiting for an analyst, most severe and widest reach first."""
        return self.filter(triage_state__in=["new", "pending", "assessing"]).order_by("-severity", "-reach", "id")


class AssessmentQuerySet(VisibleQuerySet):
    def escalations(self) -> AssessmentQuerySet:
        return self.filter(conclusion__in=self.model.ESCALATING)


class EvidenceQuerySet(VisibleQuerySet):
    def current(self) -> EvidenceQuerySet:
        """Live versions only: not deleted and not superseded by a newer version."""
        return self.filter(is_deleted=False, next_version__isnull=True)


class PlatformComplaintQuerySet(VisibleQuerySet):
    def open(self) -> PlatformComplaintQuerySet:
        return self.filter(status__in=self.model.OPEN_STATUSES)


class LawyerLetterQuerySet(VisibleQuerySet):
    def open(self) -> LawyerLetterQuerySet:
        return self.exclude(status=self.model.Status.CLOSED)


class LawsuitQuerySet(VisibleQuerySet):
    def open(self) -> LawsuitQuerySet:
        return self.exclude(stage__in=self.model.FINISHED_STAGES)

    def filed(self) -> LawsuitQuerySet:
        """Suits that reached a court: everything past preparation."""
        return self.exclude(stage=self.model.Stage.PREPARING)

    def by_company(self) -> LawsuitQuerySet:
        return self.filter(our_role=self.model.OurRole.PLAINTIFF)

    def supporting_owners(self) -> LawsuitQuerySet:
        return self.filter(our_role=self.model.OurRole.SUPPORTING_OWNER)


class DeadlineQuerySet(VisibleQuerySet):
    def pending(self) -> DeadlineQuerySet:
        return self.filter(done_at__isnull=True)

    def due_within(self, days: int) -> DeadlineQuerySet:
        today = timezone.localdate()
        return self.pending().filter(due_on__lte=today + datetime.timedelta(days=days))


class AssistanceRequestQuerySet(VisibleQuerySet):
    def open(self) -> AssistanceRequestQuerySet:
        return self.exclude(status__in=self.model.FINISHED_STATUSES)

    def with_evidence(self) -> AssistanceRequestQuerySet:
        return self.filter(has_evidence=True)

    def suable(self) -> AssistanceRequestQuerySet:
        return self.filter(eligibility=self.model.Eligibility.SUABLE)

    def asking_for(self, help_type: str) -> AssistanceRequestQuerySet:
        return self.filter(help_types__contains=[help_type])
