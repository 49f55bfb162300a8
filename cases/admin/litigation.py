"""Admin for litigation: lawsuits with their parties, claims, proceedings, hearings and deadlines."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from cases.admin.base import CasesModelAdmin, CasesStackedInline, CasesTabularInline, contains_q, search_bits
from cases.models import Deadline, Hearing, Lawsuit, LawsuitClaim, LawsuitParty, Proceeding
from cases.models.litigation import validate_case_number
from cases.normalize import normalize_case_number

NEEDS_DEFENDANT = _(
    "A suit past preparation needs at least one defendant: add one under Parties, or keep the stage at Preparing."
)


def lawsuits_left_without_defendant(lawsuit_ids: Iterable[int], losing_party_ids: Iterable[int]) -> list[Lawsuit]:
    """Return the filed suits that would have no defendant once the given parties are gone.

    The database checks this at commit (a deferred trigger), which the admin would show as a
    server error; asking first turns it into a message.
    """
    losing = set(losing_party_ids)
    kept = LawsuitParty.objects.filter(role=LawsuitParty.Role.DEFENDANT).exclude(pk__in=losing)
    return list(
        Lawsuit.objects.filter(pk__in=set(lawsuit_ids))
        .exclude(stage=Lawsuit.Stage.PREPARING)
        .exclude(pk__in=kept.values("lawsuit_id"))
    )


class ProceedingForm(forms.ModelForm):
    def clean_case_number(self) -> str:
        # Proceeding.clean() checks the same; doing it here puts the message next to the field.
        value = normalize_case_number(self.cleaned_data.get("case_number") or "")
        if value:
            validate_case_number(value)
        return value


class PartyInlineFormSet(BaseInlineFormSet):
    """Refuse to leave a filed suit without a defendant, using the submitted parties."""

    def clean(self) -> None:
        super().clean()
        if self.instance.stage == Lawsuit.Stage.PREPARING:
            return
        defendants = [
            form
            for form in self.forms
            if getattr(form, "cleaned_data", None)
            and not self._should_delete_form(form)  # type: ignore[attr-defined]  # BaseFormSet's, missing from the stubs
            and form.cleaned_data.get("role") == LawsuitParty.Role.DEFENDANT
        ]
        if not defendants:
            raise ValidationError(NEEDS_DEFENDANT, code="needs_defendant")


class PartyInline(CasesTabularInline):
    model = LawsuitParty
    formset = PartyInlineFormSet
    fields = ("role", "kind", "monitored_account", "agency", "platform", "name")
    autocomplete_fields = ("monitored_account", "agency")
    allow_delete = True

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("monitored_account", "agency", "platform")


class ClaimInline(CasesTabularInline):
    model = LawsuitClaim
    fields = ("kind", "description", "amount", "apology_days", "granted", "amount_awarded")
    allow_delete = True


class ProceedingInline(CasesStackedInline):
    model = Proceeding
    form = ProceedingForm
    fields = (
        ("instance", "court_type"),
        ("court_name", "case_number"),
        ("judge", "filed_on", "accepted_on"),
        ("decided_on", "decision_served_on"),
        "result",
    )
    allow_delete = True


class DeadlineInline(CasesTabularInline):
    model = Deadline
    fields = ("rule", "title", "due_on", "responsible", "done_at", "note")
    autocomplete_fields = ("responsible",)
    allow_delete = True


class LawsuitDeadlineInline(DeadlineInline):
    fk_name = "lawsuit"


class ProceedingDeadlineInline(DeadlineInline):
    fk_name = "proceeding"


class HearingInline(CasesTabularInline):
    model = Hearing
    fields = ("kind", "scheduled_at", "location", "judge", "held", "notes")
    allow_delete = True


def _case_number_filter(term: str) -> str | None:
    """Return the normalised case number if the term is one."""
    value = normalize_case_number(term)
    try:
        validate_case_number(value)
    except ValidationError:
        return None
    return value


@admin.register(Lawsuit)
class LawsuitAdmin(CasesModelAdmin):
    list_display = (
        "title",
        "our_role",
        "cause",
        "stage",
        "court_name",
        "lawyer",
        "filed_on",
        "outcome",
        "damages_awarded",
    )
    list_select_related = ("lawyer",)
    list_filter = ("stage", "our_role", "cause", "outcome")
    search_fields = ("title", "proceedings__case_number")
    search_help_text = _("Words from the title, or a case number such as (2025)京0491民初12345号.")
    date_hierarchy = "filed_on"
    autocomplete_fields = ("lawyer", "assistance_request", "campaign", "content_items")
    fieldsets = (
        (
            None,
            {"fields": ("title", "our_role", "cause", "stage", "outcome", "court_name", "lawyer", "outside_counsel")},
        ),
        (
            _("Dates"),
            {
                "fields": (
                    ("filed_on", "accepted_on"),
                    ("judgment_on", "judgment_served_on"),
                    ("effective_on", "performance_due_on", "closed_on"),
                    ("harm_known_on", "infringer_known_on"),
                )
            },
        ),
        (
            _("Money"),
            {
                "fields": (
                    ("damages_claimed", "damages_awarded", "damages_collected"),
                    ("court_fee", "notary_fee", "lawyer_fee"),
                )
            },
        ),
        (_("Remedies"), {"fields": ("content_deleted", "apology_published", "apology_pin_days")}),
        (
            _("Related"),
            {"fields": ("assistance_request", "campaign", "content_items", "notes", "created_at", "updated_at")},
        ),
    )
    inlines = (PartyInline, ClaimInline, ProceedingInline, LawsuitDeadlineInline)

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        case_number = _case_number_filter(term)
        if case_number:
            # The unique index on case numbers finds the proceeding; a subquery keeps one row per suit.
            ids = Proceeding.objects.filter(case_number=case_number).values("lawsuit_id")
            return queryset.filter(pk__in=ids), False
        for bit in search_bits(term):
            queryset = queryset.filter(contains_q("title", bit))
        return queryset, False


class LawsuitPartyForm(forms.ModelForm):
    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data  # what ModelForm.clean() returns; the stubs allow None
        was_defendant = self.instance.pk and self.initial.get("role") == LawsuitParty.Role.DEFENDANT
        moves = cleaned.get("role") != LawsuitParty.Role.DEFENDANT or (
            cleaned.get("lawsuit") and cleaned["lawsuit"].pk != self.initial.get("lawsuit")
        )
        if was_defendant and moves and lawsuits_left_without_defendant([self.initial["lawsuit"]], [self.instance.pk]):
            raise ValidationError(NEEDS_DEFENDANT, code="needs_defendant")
        return cleaned


@admin.register(LawsuitParty)
class LawsuitPartyAdmin(CasesModelAdmin):
    form = LawsuitPartyForm
    list_display = ("__str__", "lawsuit", "role", "kind", "monitored_account", "agency", "platform", "name")
    list_select_related = ("lawsuit", "monitored_account", "agency", "platform")
    list_filter = ("role", "kind")
    search_fields = ("name", "lawsuit__title")
    autocomplete_fields = ("lawsuit", "monitored_account", "agency")
    allow_delete = True

    def has_delete_permission(self, request: HttpRequest, obj: LawsuitParty | None = None) -> bool:
        if not super().has_delete_permission(request, obj):
            return False
        # The last defendant of a filed suit stays (the database would refuse at commit).
        return obj is None or not lawsuits_left_without_defendant([obj.lawsuit_id], [obj.pk])

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)
        selected = actions.get("delete_selected")
        if selected is not None:
            _func, name, description = selected
            actions["delete_selected"] = (delete_parties_keeping_defendants, name, description)
        return actions


def delete_parties_keeping_defendants(model_admin: Any, request: HttpRequest, queryset: QuerySet) -> Any:
    """Django's "delete selected", refused if it would leave a filed suit without a defendant."""
    parties = list(queryset.values_list("pk", "lawsuit_id"))
    stranded = lawsuits_left_without_defendant({suit for _pk, suit in parties}, {pk for pk, _suit in parties})
    if stranded:
        model_admin.message_user(
            request,
            _("Nothing was deleted: %(suits)s would be left without a defendant.")
            % {"suits": ", ".join(str(suit) for suit in stranded)},
            messages.ERROR,
        )
        return None
    return delete_selected(model_admin, request, queryset)


@admin.register(LawsuitClaim)
class LawsuitClaimAdmin(CasesModelAdmin):
    list_display = ("__str__", "lawsuit", "kind", "amount", "granted", "amount_awarded")
    list_select_related = ("lawsuit",)
    list_filter = ("kind", "granted")
    search_fields = ("lawsuit__title",)
    autocomplete_fields = ("lawsuit",)
    allow_delete = True


@admin.register(Proceeding)
class ProceedingAdmin(CasesModelAdmin):
    form = ProceedingForm
    list_display = (
        "__str__",
        "lawsuit",
        "instance",
        "court_name",
        "court_type",
        "case_number",
        "judge",
        "filed_on",
        "decided_on",
    )
    list_select_related = ("lawsuit",)
    list_filter = ("instance", "court_type")
    search_fields = ("case_number", "court_name")
    search_help_text = _("A case number such as (2025)京0491民初12345号, or words from the court's name.")
    date_hierarchy = "filed_on"
    autocomplete_fields = ("lawsuit",)
    inlines = (HearingInline, ProceedingDeadlineInline)
    allow_delete = True

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        case_number = _case_number_filter(term)
        if case_number:
            return queryset.filter(case_number=case_number), False
        for bit in search_bits(term):
            queryset = queryset.filter(contains_q("court_name", bit) | Q(case_number__contains=bit))
        return queryset, False


@admin.register(Hearing)
class HearingAdmin(CasesModelAdmin):
    list_display = ("__str__", "proceeding", "kind", "scheduled_at", "location", "judge", "held")
    list_select_related = ("proceeding",)
    list_filter = ("kind", "held")
    search_fields = ("judge", "location")
    date_hierarchy = "scheduled_at"
    autocomplete_fields = ("proceeding",)
    allow_delete = True


class PendingFilter(admin.SimpleListFilter):
    title = _("done")
    parameter_name = "done"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("no", _("Pending")), ("yes", _("Done"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "no":
            return queryset.filter(done_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(done_at__isnull=False)
        return queryset


@admin.register(Deadline)
class DeadlineAdmin(CasesModelAdmin):
    list_display = (
        "title",
        "rule",
        "due_on",
        "is_overdue",
        "lawsuit",
        "proceeding",
        "complaint",
        "letter",
        "responsible",
        "done_at",
    )
    # The complaint's and the letter's names come from their platform and recipient.
    list_select_related = (
        "lawsuit",
        "proceeding",
        "complaint__platform",
        "letter__recipient_account",
        "letter__recipient_agency",
        "responsible",
    )
    list_filter = (PendingFilter, "rule")
    search_fields = ("title",)
    date_hierarchy = "due_on"
    autocomplete_fields = ("lawsuit", "proceeding", "complaint", "letter", "responsible")
    allow_delete = True

    @admin.display(description=_("overdue"), boolean=True)
    def is_overdue(self, obj: Deadline) -> bool:
        return obj.is_overdue
