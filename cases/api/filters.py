"""FilterSets for the API resources that have no staff list page, and the API's ordering filter.

The lists that do have a page (content items, monitored accounts, lawsuits, assistance
requests) use the FilterSets of ``cases/filters.py`` unchanged, so the API and the HTML
narrow a list identically. The ones here reuse that module's building blocks.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.filters import OrderingFilter
from rest_framework.request import Request

from cases.filters import (
    ChoicesInFilter,
    IdFilter,
    LocalDateFromFilter,
    LocalDateToFilter,
    NotNullFilter,
    StaffFilterSet,
    YesNoFilter,
    _platform_choices,
    contains_text,
)
from cases.models import (
    Agency,
    Assessment,
    Campaign,
    Evidence,
    ImportJob,
    LawyerLetter,
    Platform,
    PlatformComplaint,
)
from cases.services.triage import SIGN_OFF_REQUIRED


class ApiFilterBackend(DjangoFilterBackend):
    """django-filter's backend, validating only the filters the query string names (see
    ``StaffFilterSet.get_form_class``): the API never renders the filter form."""

    def get_filterset_kwargs(self, request: Request, queryset: QuerySet, view: Any) -> dict[str, Any]:
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and issubclass(filterset_class, StaffFilterSet):
            kwargs["fields_in_data_only"] = True
        return kwargs


class StableOrderingFilter(OrderingFilter):
    """``?ordering=field`` limited to the view's indexed ``ordering_fields``, always ending on the
    primary key so that pages never overlap or skip rows with equal values. The tie-break runs
    the way the view's index does (``ordering_tiebreaks``), else the way the first term does."""

    def get_ordering(self, request: Request, queryset: QuerySet, view: Any) -> list[str]:
        ordering = list(super().get_ordering(request, queryset, view) or [])
        if ordering and not any(field.lstrip("-") in ("id", "pk") for field in ordering):
            tiebreak = getattr(view, "ordering_tiebreaks", {}).get(ordering[0])
            ordering.append(tiebreak or ("-id" if ordering[0].startswith("-") else "id"))
        return ordering


class PlatformFilter(StaffFilterSet):
    is_active = YesNoFilter(label=_("Active"), field_name="is_active", lookup_expr="exact")

    class Meta:
        model = Platform
        fields = ["is_active"]


class AgencyFilter(StaffFilterSet):
    q = django_filters.CharFilter(label=_("Name"), method="search", min_length=2, max_length=200)
    kind = ChoicesInFilter(label=_("Kind"), field_name="kind", choices=Agency.Kind.choices)

    class Meta:
        model = Agency
        fields = ["q", "kind"]

    def search(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        return qs.filter(contains_text("name", value)) if value else qs


class CampaignFilter(StaffFilterSet):
    status = ChoicesInFilter(label=_("Status"), field_name="status", choices=Campaign.Status.choices)
    category = ChoicesInFilter(label=_("Category"), field_name="category", choices=Campaign.Category.choices)
    created_from = LocalDateFromFilter(label=_("Created from"), field_name="created_at")
    created_to = LocalDateToFilter(label=_("Created to"), field_name="created_at")

    class Meta:
        model = Campaign
        fields = ["status", "category", "created_from", "created_to"]


class AssessmentFilter(StaffFilterSet):
    conclusion = ChoicesInFilter(
        label=_("Conclusion"), field_name="conclusion", choices=Assessment.Conclusion.choices
    )
    content_item = IdFilter(label=_("Content item ID"), field_name="content_item_id")
    campaign = IdFilter(label=_("Campaign ID"), field_name="campaign_id")
    reviewed = NotNullFilter(label=_("Signed off"), field_name="reviewer")
    needs_sign_off = YesNoFilter(label=_("Waiting for a lawyer's sign-off"), method="by_sign_off")
    created_from = LocalDateFromFilter(label=_("Created from"), field_name="created_at")
    created_to = LocalDateToFilter(label=_("Created to"), field_name="created_at")

    class Meta:
        model = Assessment
        fields = ["conclusion", "content_item", "campaign", "reviewed", "needs_sign_off", "created_from", "created_to"]

    def by_sign_off(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        waiting = {"conclusion__in": list(SIGN_OFF_REQUIRED), "reviewer__isnull": True}
        if value == "true":
            return qs.filter(**waiting)
        if value == "false":
            return qs.exclude(**waiting)
        return qs


class EvidenceFilter(StaffFilterSet):
    content_item = IdFilter(label=_("Content item ID"), field_name="content_items")
    lawsuit = IdFilter(label=_("Lawsuit ID"), field_name="lawsuits")
    assistance_request = IdFilter(label=_("Assistance request ID"), field_name="assistance_requests")
    status = ChoicesInFilter(label=_("Status"), field_name="status", choices=Evidence.Status.choices)
    capture_method = ChoicesInFilter(
        label=_("Capture method"), field_name="capture_method", choices=Evidence.CaptureMethod.choices
    )
    integrity = ChoicesInFilter(label=_("Integrity"), field_name="integrity", choices=Evidence.Integrity.choices)
    sha256 = django_filters.CharFilter(label=_("SHA-256"), field_name="sha256", min_length=64, max_length=64)
    current = YesNoFilter(label=_("Current version only"), field_name="is_deleted", method="by_current")

    class Meta:
        model = Evidence
        fields = [
            "content_item",
            "lawsuit",
            "assistance_request",
            "status",
            "capture_method",
            "integrity",
            "sha256",
            "current",
        ]

    def by_current(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        current = {"is_deleted": False, "next_version__isnull": True}
        if value == "true":
            return qs.filter(**current)
        if value == "false":
            return qs.exclude(**current)
        return qs


class PlatformComplaintFilter(StaffFilterSet):
    platform = django_filters.ModelChoiceFilter(
        label=_("Platform"), field_name="platform", queryset=_platform_choices, to_field_name="code"
    )
    status = ChoicesInFilter(label=_("Status"), field_name="status", choices=PlatformComplaint.Status.choices)
    measure = ChoicesInFilter(label=_("Measure taken"), field_name="measure", choices=PlatformComplaint.Measure.choices)
    content_item = IdFilter(label=_("Content item ID"), field_name="content_items")
    submitted_from = LocalDateFromFilter(label=_("Submitted from"), field_name="submitted_at")
    submitted_to = LocalDateToFilter(label=_("Submitted to"), field_name="submitted_at")

    class Meta:
        model = PlatformComplaint
        fields = ["platform", "status", "measure", "content_item", "submitted_from", "submitted_to"]


class LawyerLetterFilter(StaffFilterSet):
    status = ChoicesInFilter(label=_("Status"), field_name="status", choices=LawyerLetter.Status.choices)
    outcome = ChoicesInFilter(label=_("Outcome"), field_name="outcome", choices=LawyerLetter.Outcome.choices)
    recipient_account = IdFilter(label=_("Recipient account ID"), field_name="recipient_account_id")
    recipient_agency = IdFilter(label=_("Recipient entity ID"), field_name="recipient_agency_id")
    content_item = IdFilter(label=_("Content item ID"), field_name="content_items")
    assistance_request = IdFilter(label=_("Assistance request ID"), field_name="assistance_request_id")

    class Meta:
        model = LawyerLetter
        fields = ["status", "outcome", "recipient_account", "recipient_agency", "content_item", "assistance_request"]


class ImportJobFilter(StaffFilterSet):
    status = ChoicesInFilter(label=_("Status"), field_name="status", choices=ImportJob.Status.choices)
    source = ChoicesInFilter(label=_("Source"), field_name="source", choices=ImportJob.Source.choices)

    class Meta:
        model = ImportJob
        fields = ["status", "source"]
