"""Admin for actions short of a lawsuit: platform complaints, rebuttals, lawyer letters, identity disclosure."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from cases.admin.base import (
    CasesModelAdmin,
    choice_labels,
    personal_data_allowed,
    record_personal_data_view,
)
from cases.admin.litigation import DeadlineInline
from cases.fields import mask_name
from cases.models import AuthorityReport, IdentityDisclosure, LawyerLetter, PlatformComplaint, Rebuttal


class ComplaintDeadlineInline(DeadlineInline):
    fk_name = "complaint"


class LetterDeadlineInline(DeadlineInline):
    fk_name = "letter"


@admin.register(PlatformComplaint)
class PlatformComplaintAdmin(CasesModelAdmin):
    list_display = (
        "__str__",
        "platform",
        "channel",
        "status",
        "ticket_number",
        "submitted_at",
        "first_response_at",
        "measure",
        "reply_deadline",
        "created_by",
    )
    list_select_related = ("platform", "created_by")
    list_filter = ("status", "platform", "channel", "measure")
    search_fields = ("ticket_number__exact",)
    search_help_text = _("The platform's ticket number (exact).")
    date_hierarchy = "submitted_at"
    autocomplete_fields = ("content_items", "created_by")
    inlines = (ComplaintDeadlineInline,)


@admin.register(Rebuttal)
class RebuttalAdmin(CasesModelAdmin):
    list_display = ("title", "platform", "published_at", "url")
    list_select_related = ("platform",)
    list_filter = ("platform",)
    search_fields = ("title",)
    date_hierarchy = "published_at"
    autocomplete_fields = ("content_items",)
    allow_delete = True


@admin.register(AuthorityReport)
class AuthorityReportAdmin(CasesModelAdmin):
    list_display = ("__str__", "authority_type", "status", "reported_on", "receipt_number", "decided_on", "created_by")
    list_select_related = ("created_by",)
    list_filter = ("status", "authority_type")
    search_fields = ("receipt_number__exact", "authority_name")
    search_help_text = _("The exact receipt number, or the authority's name.")
    date_hierarchy = "reported_on"
    autocomplete_fields = ("content_items", "accounts", "lawsuit", "created_by")


@admin.register(LawyerLetter)
class LawyerLetterAdmin(CasesModelAdmin):
    list_display = (
        "__str__",
        "recipient_account",
        "recipient_agency",
        "lawyer",
        "status",
        "outcome",
        "demand_labels",
        "deadline",
        "issued_at",
        "delivered_at",
    )
    list_select_related = ("recipient_account", "recipient_agency", "lawyer")
    list_filter = ("status", "outcome", "delivery_channel")
    search_fields = ("recipient_name", "delivery_proof__exact")
    search_help_text = _("Recipient name, or the exact tracking number or message ID.")
    date_hierarchy = "issued_at"
    autocomplete_fields = ("recipient_account", "recipient_agency", "lawyer", "content_items", "assistance_request")
    inlines = (LetterDeadlineInline,)

    @admin.display(description=_("demands"))
    def demand_labels(self, obj: LawyerLetter) -> str:
        return choice_labels(LawyerLetter, "demands", obj.demands)


@admin.register(IdentityDisclosure)
class IdentityDisclosureAdmin(CasesModelAdmin):
    """The disclosed holder is personal data: shown to roles allowed to see it, and each showing is audited."""

    personal_fields = ("disclosed_name", "disclosed_contact", "disclosed_address")
    list_display = ("account", "route", "status", "lawsuit", "requested_at", "answered_at", "masked_holder")
    list_select_related = ("account", "lawsuit")
    list_filter = ("route", "status")
    search_fields = ("account__platform_uid__exact", "account__name")
    date_hierarchy = "requested_at"
    autocomplete_fields = ("account", "lawsuit")

    @admin.display(description=_("holder"))
    def masked_holder(self, obj: IdentityDisclosure) -> str:
        return mask_name(obj.disclosed_name) if obj.disclosed_name else "—"

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list:
        holder = self.personal_fields if personal_data_allowed(request) else ("masked_holder",)
        return [
            (None, {"fields": ("account", "route", "lawsuit", "status", "requested_at", "answered_at")}),
            (_("Disclosed holder"), {"fields": holder}),
            (None, {"fields": ("notes", "created_at", "updated_at")}),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        readonly = ("created_at", "updated_at")
        return readonly if personal_data_allowed(request) else (*readonly, "masked_holder")

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
            record_personal_data_view(request, obj, self.personal_fields)
        return super().render_change_form(request, context, add, change, form_url, obj)
