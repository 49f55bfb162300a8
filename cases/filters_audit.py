"""The auditor's filters on the audit log (``cases_auditevent``); the view is cases/views/audit.py.

Each filter is served by an index of ``AuditEvent``: actor (``cases_audit_actor_idx``), object
type and id (``cases_audit_object_idx``), the time range (``cases_audit_at_idx``).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from accounts.permissions import AREA
from cases.filters import ChoicesInFilter, LocalDateFromFilter, LocalDateToFilter, StaffFilterSet
from cases.models import AuditEvent

User = get_user_model()


def _actor_choices() -> list[tuple[str, str]]:
    return [(str(user.pk), f"{user} ({user.username})") for user in User.objects.order_by("username")]


def _object_type_choices() -> list[tuple[str, str]]:
    return [(label, label) for label in sorted(AREA)]


class AuditFilterForm(forms.Form):
    """Refuses a range that ends before it starts, rather than showing an empty log."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("at_from"), cleaned.get("at_to")
        if start and end and end < start:
            raise forms.ValidationError(_("The end date is before the start date."), code="range")
        return cleaned


class AuditEventFilter(StaffFilterSet):
    actor = django_filters.ChoiceFilter(
        label=_("Actor"), field_name="actor_id", choices=_actor_choices, empty_label=_("Anyone")
    )
    actor_type = django_filters.ChoiceFilter(
        label=_("Actor type"), field_name="actor_type", choices=AuditEvent.ActorType.choices, empty_label=_("Any")
    )
    action = ChoicesInFilter(label=_("Action"), field_name="action", choices=AuditEvent.Action.choices)
    object_type = django_filters.ChoiceFilter(
        label=_("Object type"), field_name="object_type", choices=_object_type_choices, empty_label=_("Any")
    )
    object_id = django_filters.CharFilter(label=_("Object ID"), field_name="object_id", max_length=64)
    at_from = LocalDateFromFilter(label=_("From"), field_name="at")
    at_to = LocalDateToFilter(label=_("To"), field_name="at")
    request_id = django_filters.CharFilter(label=_("Request ID"), field_name="request_id", max_length=64)

    class Meta:
        model = AuditEvent
        fields = ["actor", "actor_type", "action", "object_type", "object_id", "at_from", "at_to", "request_id"]
        form = AuditFilterForm
