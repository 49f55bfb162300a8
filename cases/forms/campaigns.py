"""Campaign forms: assess the whole campaign, dismiss it, and link the agency behind it.

They validate and normalise only; the rules live in the services (AssessmentInput.clean() for an
assessment), which the assessment form runs so every problem shows next to its field at once.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from cases.forms.lookup import field_of
from cases.models import Agency, Assessment, Campaign, MonitoredAccount
from cases.services.campaigns import MIN_REASON_CHARS
from cases.services.triage import AssessmentInput


class CampaignAssessmentForm(forms.Form):
    """One assessment for the campaign and every item in it that can still be assessed."""

    conclusion = forms.ChoiceField(
        label=_("Conclusion"),
        choices=Assessment.Conclusion.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a conclusion."), "invalid_choice": _("Choose a conclusion.")},
    )
    category = forms.ChoiceField(
        label=_("Campaign category"), choices=[("", _("None")), *Campaign.Category.choices], required=False
    )
    severity = forms.IntegerField(
        label=_("Severity"),
        min_value=1,
        max_value=5,
        initial=3,
        help_text=_("1 (minor) to 5 (grave)."),
        error_messages={
            "min_value": _("Severity runs from 1 to 5."),
            "max_value": _("Severity runs from 1 to 5."),
            "invalid": _("Severity runs from 1 to 5."),
            "required": _("Give a severity from 1 to 5."),
        },
        widget=forms.NumberInput(attrs={"min": 1, "max": 5, "step": 1, "inputmode": "numeric"}),
    )
    infringement_types = forms.MultipleChoiceField(
        label=_("Infringement types"),
        choices=Assessment.InfringementType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    recommended_actions = forms.MultipleChoiceField(
        label=_("Recommended actions"),
        choices=Assessment.Action.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    rationale = forms.CharField(
        label=_("Rationale"),
        required=False,
        max_length=5000,
        help_text=_(
            "Required when escalating (suspected or serious infringement, suspected crime): say which statements "
            "are false or insulting and why this is defamation, not legitimate criticism."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("prefix", "assess")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data  # what Form.clean() returns; the stubs allow None
        try:
            self.to_input().clean()
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                if name not in self.errors:
                    self.add_error(name if name in self.fields else None, messages)
        return cleaned

    def to_input(self) -> AssessmentInput:
        data = self.cleaned_data
        return AssessmentInput(
            conclusion=data.get("conclusion") or "",
            rationale=data.get("rationale") or "",
            category=data.get("category") or "",
            infringement_types=tuple(data.get("infringement_types") or ()),
            severity=data.get("severity") or 1,
            recommended_actions=tuple(data.get("recommended_actions") or ()),
        )


class CampaignDismissForm(forms.Form):
    """Why a detected cluster is not a coordinated campaign."""

    reason = forms.CharField(
        label=_("Why is this not a campaign?"),
        min_length=MIN_REASON_CHARS,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "For example: a news headline many people shared on their own. The posts stay linked so the "
            "same cluster is not detected again."
        ),
        error_messages={
            "required": _("Say why this is not a campaign."),
            "min_length": _("Say why this is not a campaign (at least %(limit_value)d characters)."),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("prefix", "dismiss")
        super().__init__(*args, **kwargs)


class CampaignAgencyForm(forms.Form):
    """The agency behind a campaign and, optionally, behind the checked accounts."""

    agency = forms.ModelChoiceField(
        label=_("Agency"),
        queryset=Agency.objects.none(),
        empty_label=_("Choose…"),
        error_messages={"required": _("Choose an agency."), "invalid_choice": _("Choose an agency from the list.")},
    )
    accounts = forms.ModelMultipleChoiceField(
        label=_("Accounts run by this agency"),
        queryset=MonitoredAccount.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose accounts of this campaign only.")},
    )

    def __init__(self, *args: Any, agencies: QuerySet, accounts: QuerySet, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("prefix", "agency")
        super().__init__(*args, **kwargs)
        field_of(self, "agency", forms.ModelChoiceField).queryset = agencies
        field_of(self, "accounts", forms.ModelChoiceField).queryset = accounts
