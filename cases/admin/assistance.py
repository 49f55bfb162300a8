"""Admin for owners' assistance requests and their consents.

Owners' contact details are personal data: lists show them masked; the change page shows them
only to roles allowed to see personal data, and each such showing is written to the audit trail.
Requests are created by the public intake form (reference, tracking token, consent), not here.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from cases.admin.base import (
    BigTableModelAdmin,
    CasesTabularInline,
    ReadOnlyModelAdmin,
    choice_labels,
    personal_data_allowed,
    record_personal_data_view,
)
from cases.fields import digest
from cases.models import AssistanceRequest, ConsentRecord, OwnerNotification
from cases.querysets import AssistanceRequestQuerySet

PERSONAL_FIELDS = ("owner_name", "owner_phone", "owner_email")
MASKED_FIELDS = ("masked_name", "masked_phone", "masked_email")


def phone_digest(phone: str) -> str:
    """Digest a phone number the way duplicates are looked up: digits only (and a leading +)."""
    phone = phone.strip()
    return digest(("+" if phone.startswith("+") else "") + "".join(ch for ch in phone if ch.isdigit()))


def phone_digests(term: str) -> list[str]:
    """The digests a typed phone number may be stored under (as typed, or digits only)."""
    return sorted({digest(term.strip()), phone_digest(term)})


class HelpTypeFilter(admin.SimpleListFilter):
    title = _("help wanted")
    parameter_name = "help_type"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return AssistanceRequest.HelpType.choices

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        # Array containment, served by the GIN index cases_assist_help_gin.
        value = self.value()
        if not value:
            return queryset
        if not isinstance(queryset, AssistanceRequestQuerySet):
            raise TypeError("the help-type filter needs AssistanceRequest's queryset")
        return queryset.asking_for(value)


class ConsentInline(CasesTabularInline):
    """What the owner agreed to. The owner's own act: shown, never edited here."""

    model = ConsentRecord
    read_only = True
    show_change_link = False
    fields = ("notice_version", "purpose_labels", "sensitive_data", "share_with_counsel", "granted_at", "withdrawn_at")
    readonly_fields = fields

    @admin.display(description=_("purposes"))
    def purpose_labels(self, obj: ConsentRecord) -> str:
        return choice_labels(ConsentRecord, "purposes", obj.purposes)


@admin.register(AssistanceRequest)
class AssistanceRequestAdmin(BigTableModelAdmin):
    list_display = (
        "reference",
        "masked_name",
        "masked_phone",
        "status",
        "eligibility",
        "help_labels",
        "has_evidence",
        "submitted_at",
        "assigned_lawyer",
    )
    list_select_related = ("assigned_lawyer",)
    list_filter = ("status", "eligibility", HelpTypeFilter, "has_evidence", "litigation_hold")
    search_fields = ("reference", "phone_digest")
    search_help_text = _("A reference such as YZ-2025-000123, or the owner's full phone number.")
    date_hierarchy = "submitted_at"
    autocomplete_fields = ("assigned_lawyer", "content_items")
    inlines = (ConsentInline,)

    @admin.display(description=_("owner"))
    def masked_name(self, obj: AssistanceRequest) -> str:
        return obj.masked_name

    @admin.display(description=_("phone"))
    def masked_phone(self, obj: AssistanceRequest) -> str:
        return obj.masked_phone

    @admin.display(description=_("email"))
    def masked_email(self, obj: AssistanceRequest) -> str:
        return obj.masked_email

    @admin.display(description=_("help wanted"))
    def help_labels(self, obj: AssistanceRequest) -> str:
        return choice_labels(AssistanceRequest, "help_types", obj.help_types)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list:
        owner = PERSONAL_FIELDS if personal_data_allowed(request) else MASKED_FIELDS
        return [
            (None, {"fields": ("reference", "status", "eligibility", "eligibility_reasons", "assigned_lawyer")}),
            (_("Owner"), {"fields": (*owner, "city", "vehicle_model", "vin_last6")}),
            (
                _("Request"),
                {
                    "fields": (
                        "description",
                        "content_links",
                        "content_items",
                        "help_types",
                        "has_evidence",
                        "info_requested",
                    )
                },
            ),
            (
                _("Record and retention"),
                {
                    "fields": (
                        "submitted_at",
                        "closed_at",
                        "retention_until",
                        "litigation_hold",
                        "purged_at",
                        "phone_digest",
                        "token_digest",
                        "created_at",
                        "updated_at",
                    )
                },
            ),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        readonly = (
            "reference",
            "submitted_at",
            "purged_at",
            "phone_digest",
            "token_digest",
            "created_at",
            "updated_at",
        )
        return readonly if personal_data_allowed(request) else (*readonly, *MASKED_FIELDS)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: AssistanceRequest, form: Any, change: bool) -> None:
        if "owner_phone" in form.changed_data:
            obj.phone_digest = phone_digest(obj.owner_phone)
        super().save_model(request, obj, form, change)

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict,
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ):
        if change and obj is not None:
            record_personal_data_view(request, obj, PERSONAL_FIELDS)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        # Both indexed: the unique reference and the phone digest (the phone itself is encrypted).
        return queryset.filter(Q(reference=term.upper()) | Q(phone_digest__in=phone_digests(term))), False


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyModelAdmin):
    list_display = (
        "assistance_request",
        "notice_version",
        "purpose_labels",
        "sensitive_data",
        "share_with_counsel",
        "granted_at",
        "withdrawn_at",
    )
    list_select_related = ("assistance_request",)
    list_filter = ("sensitive_data", "share_with_counsel")
    search_fields = ("assistance_request__reference__exact",)
    search_help_text = _("The request's reference, e.g. YZ-2025-000123.")
    date_hierarchy = "granted_at"

    @admin.display(description=_("purposes"))
    def purpose_labels(self, obj: ConsentRecord) -> str:
        return choice_labels(ConsentRecord, "purposes", obj.purposes)


@admin.register(OwnerNotification)
class OwnerNotificationAdmin(ReadOnlyModelAdmin):
    """Which status changes owners were told of, and by which channels (never the message itself)."""

    list_display = ("assistance_request", "status", "channels", "sent_at")
    list_select_related = ("assistance_request",)
    list_filter = ("status",)
    search_fields = ("assistance_request__reference__exact",)
    search_help_text = _("The request's reference, e.g. YZ-2025-000123.")
    date_hierarchy = "sent_at"
