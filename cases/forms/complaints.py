"""Platform-complaint forms: open one from an item, record its submission, the platform's answer,
a counter-notice and its outcome, and link items to a rebuttal.

They validate and normalise only; which moves are legal, and the gate before any action, live in
cases.services.complaints, whose errors the views put back as messages.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models import PlatformComplaint
from cases.services.complaints import response_choices

WHEN = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
WHEN_HELP = _("Leave empty for now.")
NOTES = _("Notes")


def when_field(label: Any) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label, required=False, widget=WHEN, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=WHEN_HELP,
    )


def notes_field(label: Any = NOTES) -> forms.CharField:
    return forms.CharField(label=label, required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ComplaintOpenForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=PlatformComplaint.Channel.choices)
    credential = forms.CharField(
        label=_("Credential used"),
        max_length=200,
        help_text=_("Which business licence or power of attorney (and its version) is submitted."),
    )
    notes = notes_field()


class ComplaintSubmitForm(forms.Form):
    ticket_number = forms.CharField(label=_("Platform ticket number"), max_length=100)
    submitted_at = when_field(_("Submitted at"))


class ComplaintRespondForm(forms.Form):
    response = forms.ChoiceField(label=_("Platform's answer"), choices=response_choices)
    measure = forms.ChoiceField(
        label=_("Measure taken"),
        required=False,
        choices=[("", _("None")), *((v, label) for v, label in PlatformComplaint.Measure.choices if v != "none")],
        help_text=_("Only when the platform acted."),
    )
    responded_at = when_field(_("Answered at"))
    notes = notes_field()


class CounterNoticeForm(forms.Form):
    received_at = when_field(_("Counter-notice received"))
    reply_deadline = forms.DateField(label=_("Deadline to answer"), required=False, widget=DATE)
    notes = notes_field()


class CounterNoticeDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Platform's decision"),
        choices=[("kept", _("Measure kept")), ("restored", _("Content restored"))],
        widget=forms.RadioSelect,
    )
    notes = notes_field()


class AppealForm(forms.Form):
    notes = notes_field(_("Grounds of the appeal"))


class RebuttalLinkForm(forms.Form):
    title = forms.CharField(label=_("Rebuttal title"), max_length=200, required=False)
    url = forms.URLField(
        label=_("Rebuttal URL"), max_length=1000, required=False, assume_scheme="https",
        help_text=_("A rebuttal already recorded with this URL is reused."),
    )
    summary = notes_field(_("Summary"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("title") and not data.get("url"):
            raise forms.ValidationError(_("Give the rebuttal's title or its URL."))
        return data
