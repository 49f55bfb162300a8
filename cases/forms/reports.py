"""Police and administrative report forms: they validate and normalise only; the rules live in
cases.services.authority_reports."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from cases.forms.litigation import DATE, ItemChoiceField
from cases.forms.lookup import field_of
from cases.models import AuthorityReport


class AuthorityReportForm(forms.Form):
    authority_type = forms.ChoiceField(label=_("Authority"), choices=AuthorityReport.AuthorityType.choices)
    authority_name = forms.CharField(
        label=_("Authority name"),
        max_length=200,
        required=False,
        help_text=_("e.g. the district public security bureau."),
    )
    items = ItemChoiceField(
        label=_("Content items"), queryset=None, widget=forms.CheckboxSelectMultiple, required=False
    )
    summary = forms.CharField(label=_("What is reported"), widget=forms.Textarea(attrs={"rows": 4}), required=False)

    def __init__(self, *args: Any, items: QuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field_of(self, "items", forms.ModelChoiceField).queryset = items


class AuthorityReportMoveForm(forms.Form):
    to = forms.ChoiceField(label=_("New status"))
    on = forms.DateField(
        label=_("Date"), required=False, widget=DATE, help_text=_("Report or decision date; today if empty.")
    )
    receipt_number = forms.CharField(label=_("Receipt number"), max_length=100, required=False)
    outcome = forms.CharField(label=_("Outcome"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    reason = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, report: AuthorityReport, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(AuthorityReport.Status.choices)
        field_of(self, "to", forms.ChoiceField).choices = [
            (s, labels[s]) for s in AuthorityReport.Status.values if report.can_move_to(s)
        ]
