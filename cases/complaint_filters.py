"""The platform-complaint list's filters: platform, status, open or finished, and age.

Kept apart from cases/filters.py (already past 500 lines); built from its filter classes.
"""

from __future__ import annotations

import datetime

import django_filters
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.constants import EMPTY_VALUES

from cases.filters import ChoicesInFilter, IdFilter, OpenFilter, StaffFilterSet, _platform_choices
from cases.models import PlatformComplaint

# "Older than N days", counted from when the complaint was opened (cases_platformcomplaint created_at index).
AGE_CHOICES = [
    ("7", _("Opened more than 7 days ago")),
    ("30", _("Opened more than 30 days ago")),
    ("90", _("Opened more than 90 days ago")),
]


class AgeFilter(django_filters.ChoiceFilter):
    def filter(self, qs: QuerySet, value: str) -> QuerySet:
        if value in EMPTY_VALUES:
            return qs
        return qs.filter(created_at__lt=timezone.now() - datetime.timedelta(days=int(value)))


class PlatformComplaintListFilter(StaffFilterSet):
    platform = django_filters.ModelChoiceFilter(
        label=_("Platform"),
        field_name="platform",
        queryset=_platform_choices,
        to_field_name="code",
        empty_label=_("All platforms"),
    )
    status = ChoicesInFilter(label=_("Status"), field_name="status", choices=PlatformComplaint.Status.choices)
    open = OpenFilter(label=_("Open"), field_name="status", open_values=tuple(PlatformComplaint.OPEN_STATUSES))
    age = AgeFilter(label=_("Age"), choices=AGE_CHOICES, empty_label=_("Any age"))
    content_item = IdFilter(label=_("Content item ID"), field_name="content_items")

    class Meta:
        model = PlatformComplaint
        fields = ["platform", "status", "open", "age", "content_item"]
