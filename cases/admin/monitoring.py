"""Admin for monitoring: platforms, agencies, monitored accounts, content items, campaigns, assessments."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from cases.admin.base import (
    BigTableModelAdmin,
    CasesModelAdmin,
    choice_labels,
    contains_q,
    search_bits,
    values_filter,
)
from cases.models import Agency, Assessment, Campaign, ContentItem, MonitoredAccount, Platform
from cases.normalize import normalize_url


def _platform_ids() -> list[int]:
    # A dozen rows. Naming every platform lets the (platform, …) unique indexes serve
    # lookups by URL or user ID alone (PostgreSQL 15 has no skip scan).
    return list(Platform.objects.values_list("pk", flat=True))


@admin.register(Platform)
class PlatformAdmin(CasesModelAdmin):
    list_display = ("name_zh", "name_en", "code", "is_active", "sort_order", "complaint_url")
    list_filter = ("is_active",)
    search_fields = ("code", "name_zh", "name_en")
    ordering = ("sort_order", "code")
    # Platforms are referenced by everything: switch one off instead of deleting it.


@admin.register(Agency)
class AgencyAdmin(CasesModelAdmin):
    list_display = ("name", "kind", "credit_code", "created_at")
    list_filter = ("kind",)
    search_fields = ("name", "credit_code__exact")
    date_hierarchy = "created_at"
    allow_delete = True


@admin.register(MonitoredAccount)
class MonitoredAccountAdmin(BigTableModelAdmin):
    list_display = (
        "name",
        "platform",
        "platform_uid",
        "followers",
        "watch_status",
        "risk_level",
        "risk_score",
        "identity_status",
        "agency",
        "last_seen_at",
    )
    list_select_related = ("platform", "agency")
    list_filter = ("platform", "watch_status", "risk_level", "identity_status", "verification")
    # Used by autocomplete too; get_search_results() makes both lookups indexed.
    search_fields = ("name", "platform_uid")
    search_help_text = _("Account name (part of it) or the exact platform user ID.")
    # Newest first, from the primary key. Ranking by risk needs the watch-status filter to use
    # cases_macct_risk_idx; unfiltered it sorts every account (a click on the column still does).
    ordering = ("-id",)
    autocomplete_fields = ("agency",)
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("platform", "platform_uid", "name", "former_names", "profile_url", "agency")}),
        (
            _("Monitoring"),
            {"fields": ("watch_status", "risk_level", "risk_score", "identity_status", "notes")},
        ),
        (
            _("Profile"),
            {"fields": ("followers", "verification", "ip_location", "first_seen_at", "last_seen_at")},
        ),
        (_("Record"), {"fields": ("created_at", "updated_at")}),
    )

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        bits = search_bits(search_term)
        if not bits:
            return queryset, False
        platforms = _platform_ids()
        for bit in bits:
            # name: GIN trigram index; platform_uid: the (platform, platform_uid) unique index.
            queryset = queryset.filter(contains_q("name", bit) | Q(platform_id__in=platforms, platform_uid=bit))
        return queryset, False


def severity_filter(low: int, high: int) -> type[admin.SimpleListFilter]:
    return values_filter("severity", _("severity"), [(str(n), str(n)) for n in range(low, high + 1)])


class ConclusionFilter(admin.SimpleListFilter):
    """Filter by the latest assessment's conclusion (a fixed list: no DISTINCT over a million rows)."""

    title = _("assessment conclusion")
    parameter_name = "conclusion"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [*Assessment.Conclusion.choices, ("none_yet", _("Not assessed"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value is None:
            return queryset
        return queryset.filter(conclusion="" if value == "none_yet" else value)


@admin.register(ContentItem)
class ContentItemAdmin(BigTableModelAdmin):
    list_display = (
        "__str__",
        "platform",
        "account",
        "triage_state",
        "severity",
        "reach",
        "conclusion_label",
        "published_at",
        "live_status",
    )
    list_select_related = ("platform", "account")
    list_filter = (
        "platform",
        "triage_state",
        ConclusionFilter,
        severity_filter(0, 5),
        "live_status",
        "content_type",
        "source",
        "ai_label_present",
    )
    # The trigram index is on the text (not the title); URLs are matched exactly, normalised.
    search_fields = ("text", "url")
    search_help_text = _("A link to the item (matched exactly) or words from its text.")
    date_hierarchy = "published_at"
    # Matches cases_item_published_idx (-published_at, id); other sort orders would sort a million rows.
    ordering = ("-published_at", "id")
    sortable_by = ("published_at",)
    autocomplete_fields = ("account", "campaign")
    readonly_fields = ("reach", "severity", "conclusion_label", "assessed_at", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("platform", "url", "platform_content_id", "account", "content_type", "title", "text")}),
        (
            _("Triage"),
            {"fields": ("triage_state", "severity", "conclusion_label", "assessed_at", "campaign", "live_status")},
        ),
        (
            _("Reach"),
            {"fields": ("published_at", "discovered_at", "views", "likes", "shares", "comments", "reach")},
        ),
        (_("Record"), {"fields": ("source", "ai_label_present", "created_at", "updated_at")}),
    )

    @admin.display(description=_("assessment conclusion"), ordering="conclusion")
    def conclusion_label(self, obj: ContentItem) -> str:
        return str(dict(Assessment.Conclusion.choices).get(obj.conclusion, obj.conclusion))

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        if "://" in term or term.startswith(("www.", "m.")):
            # One link: the (platform, url) unique index, whatever the platform.
            return queryset.filter(platform_id__in=_platform_ids(), url=normalize_url(term)), False
        for bit in search_bits(term):
            queryset = queryset.filter(contains_q("text", bit))
        return queryset, False


@admin.register(Campaign)
class CampaignAdmin(CasesModelAdmin):
    list_display = (
        "name",
        "category",
        "status",
        "method",
        "item_count",
        "account_count",
        "first_item_at",
        "last_item_at",
        "created_at",
    )
    list_filter = ("status", "category", "method")
    search_fields = ("name",)
    date_hierarchy = "created_at"
    autocomplete_fields = ("accounts", "agencies")
    # Kept up to date by the campaign services from the items and accounts.
    readonly_fields = ("item_count", "account_count", "created_at", "updated_at")


@admin.register(Assessment)
class AssessmentAdmin(BigTableModelAdmin):
    list_display = (
        "__str__",
        "content_item",
        "campaign",
        "conclusion",
        "severity",
        "statement_type",
        "infringement_labels",
        "assessor",
        "reviewer",
        "created_at",
    )
    list_select_related = ("content_item", "campaign", "assessor", "reviewer")
    list_filter = (
        "conclusion",
        severity_filter(1, 5),
        "statement_type",
        "category",
        "target_identifiable",
        "falsity_provable",
        "insulting_language",
    )
    search_fields = ("content_item__id", "campaign__id")
    search_help_text = _("The number of the content item or campaign assessed.")
    date_hierarchy = "created_at"
    autocomplete_fields = ("content_item", "campaign", "assessor", "reviewer")
    # The reach is a snapshot taken when the assessment was made.
    readonly_fields = ("reach", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("content_item", "campaign", "conclusion", "category", "severity", "rationale")}),
        (
            _("Analysis"),
            {
                "fields": (
                    "infringement_types",
                    "statement_type",
                    "target_identifiable",
                    "insulting_language",
                    "falsity_provable",
                    "estimated_loss",
                    "reach",
                    "recommended_actions",
                )
            },
        ),
        (_("Review"), {"fields": ("assessor", "reviewer", "reviewed_at", "created_at", "updated_at")}),
    )

    @admin.display(description=_("infringement types"))
    def infringement_labels(self, obj: Assessment) -> str:
        return choice_labels(Assessment, "infringement_types", obj.infringement_types)

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        term = search_term.strip().lstrip("#")
        if not term:
            return queryset, False
        if not term.isdigit():
            return queryset.none(), False
        # cases_assess_item_idx serves the item; campaigns have few assessments.
        return queryset.filter(Q(content_item_id=int(term)) | Q(campaign_id=int(term))), False
