"""Litigation forms: prepare a suit from an account, move a suit to its next stage.

They validate and normalise only; the rules (which items may be sued on, which moves are legal,
the dates and case numbers) live in cases.services.litigation, whose errors the views put back on
the form.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.forms.lookup import field_of
from cases.models import Hearing, Lawsuit, Proceeding
from cases.services.litigation import DEFAULT_APOLOGY_DAYS, clean_case_number, legal_moves

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONEY: dict[str, Any] = {"min_value": Decimal("0"), "max_digits": 14, "decimal_places": 2}


class ItemChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        when = f"{obj.published_at:%Y-%m-%d}" if obj.published_at else "—"
        return f"{obj} · {obj.get_triage_state_display()} · {when}"


class LawsuitPrepareForm(forms.Form):
    items = ItemChoiceField(
        label=_("Content items"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only items assessed as infringing, signed off where needed, with fixed evidence can be sued on."),
    )
    cause = forms.ChoiceField(label=_("Cause of action"), choices=Lawsuit.Cause.choices)
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_("Leave empty for a title from the defendant and cause."),
    )
    court_name = forms.CharField(
        label=_("Court"),
        max_length=100,
        required=False,
        help_text=_("Leave empty to use the suggested court."),
    )
    damages = forms.DecimalField(label=_("Damages claimed (CNY)"), initial=Decimal("0"), **MONEY)
    costs = forms.DecimalField(label=_("Reasonable costs claimed (CNY)"), initial=Decimal("0"), **MONEY)
    apology_days = forms.IntegerField(
        label=_("Days the apology stays pinned"), min_value=1, max_value=365, initial=DEFAULT_APOLOGY_DAYS
    )
    harm_known_on = forms.DateField(label=_("Harm known since"), required=False, widget=DATE)
    infringer_known_on = forms.DateField(
        label=_("Infringer known since"),
        required=False,
        widget=DATE,
        help_text=_("The 3-year limitation of damages claims runs from the later of these two dates."),
    )

    def __init__(self, *args: Any, items: QuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field_of(self, "items", forms.ModelChoiceField).queryset = items


class LawsuitMoveForm(forms.Form):
    to = forms.ChoiceField(label=_("Next stage"))
    on = forms.DateField(
        label=_("Date of the event"), widget=DATE, help_text=_("The day it happened, not today's date if different.")
    )
    reason = forms.CharField(
        label=_("Reason or note"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )
    case_number = forms.CharField(
        label=_("Case number"),
        max_length=64,
        required=False,
        help_text=_("On acceptance, appeal or enforcement, e.g. (2025)京0491民初12345号."),
    )
    court = forms.CharField(label=_("Court"), max_length=100, required=False)
    performance_due_on = forms.DateField(
        label=_("Performance deadline"),
        required=False,
        widget=DATE,
        help_text=_("When the judgment takes effect: the last day to perform (starts the 2-year enforcement period)."),
    )

    def __init__(self, *args: Any, lawsuit: Lawsuit, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("on", timezone.localdate())
        super().__init__(*args, **kwargs)
        field_of(self, "to", forms.ChoiceField).choices = legal_moves(lawsuit)


class LawsuitOutcomeForm(forms.Form):
    """The result and remedies of a suit, prefilled with what is recorded."""

    outcome = forms.ChoiceField(label=_("Outcome"), choices=Lawsuit.Outcome.choices)
    damages_awarded = forms.DecimalField(label=_("Damages awarded (CNY)"), **MONEY)
    damages_collected = forms.DecimalField(
        label=_("Damages collected (CNY)"), help_text=_("Cannot exceed the damages awarded."), **MONEY
    )
    content_deleted = forms.BooleanField(label=_("Content deleted as ordered"), required=False)
    apology_published = forms.BooleanField(label=_("Apology published"), required=False)
    apology_pin_days = forms.IntegerField(
        label=_("Days the apology stayed pinned"), min_value=0, max_value=365, required=False
    )
    court_fee = forms.DecimalField(label=_("Court fee (CNY)"), **MONEY)
    notary_fee = forms.DecimalField(label=_("Notarisation fee (CNY)"), **MONEY)
    lawyer_fee = forms.DecimalField(label=_("Lawyer fee (CNY)"), **MONEY)

    @classmethod
    def for_lawsuit(cls, lawsuit: Lawsuit, data: Any = None) -> LawsuitOutcomeForm:
        initial = {name: getattr(lawsuit, name) for name in cls.base_fields}
        return cls(data, initial=initial, prefix="outcome")


DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ProceedingForm(forms.ModelForm):
    """A proceeding's court, case number, judge and dates; the case number is checked by the service too."""

    outside_counsel = forms.CharField(
        label=_("Outside counsel (law firm)"),
        max_length=200,
        required=False,
        help_text=_("Applies to the whole suit."),
    )

    class Meta:
        model = Proceeding
        fields = (
            "instance", "court_name", "court_type", "case_number", "judge", "filed_on", "accepted_on", "decided_on",
            "decision_served_on", "result",
        )  # fmt: skip
        widgets = {
            "filed_on": DATE,
            "accepted_on": DATE,
            "decided_on": DATE,
            "decision_served_on": DATE,
            "result": forms.Textarea(attrs={"rows": 3}),
        }

    def clean_case_number(self) -> str:
        exclude = self.instance if self.instance.pk else None
        try:
            return clean_case_number(self.cleaned_data.get("case_number", ""), exclude=exclude)
        except ValidationError as error:
            raise ValidationError(error.messages) from None

    def validate_unique(self) -> None:
        """Uniqueness of the case number is the service's (clean_case_number) check."""


class HearingForm(forms.ModelForm):
    class Meta:
        model = Hearing
        fields = ("kind", "scheduled_at", "location", "judge", "held", "notes")
        widgets = {"scheduled_at": DATETIME, "notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field_of(self, "scheduled_at", forms.DateTimeField).input_formats = [
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M",
            "%Y-%m-%d %H:%M:%S",
        ]


class LawsuitDocumentForm(forms.Form):
    title = forms.CharField(label=_("Document title"), max_length=200)
    file = forms.FileField(label=_("File"), help_text=_("PDF, image or text; it is hashed and kept as evidence."))


class HoldReleaseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}), required=True
    )
