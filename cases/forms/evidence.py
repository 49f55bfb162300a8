"""Evidence forms: fixing a file with its capture metadata, soft deletion, and the list filters.

The forms validate and normalise; the upload rules (type by content, size, hashing) live in
cases/services/evidence.py and reach the user as errors on the file field.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from cases.filters import ChoicesInFilter, StaffFilterSet, YesNoFilter
from cases.forms.lookup import field_of
from cases.models import Evidence, MonitoredAccount, Platform
from cases.services.evidence import METADATA_FIELDS

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
ENGAGEMENT_FIELDS = (
    ("views", _("Views at capture")),
    ("likes", _("Likes at capture")),
    ("shares", _("Shares / reposts at capture")),
    ("comments", _("Comments at capture")),
)


class EvidenceForm(forms.ModelForm):
    """The metadata of DOMAIN.md §3 plus the file. Used for new evidence and for new versions."""

    upload = forms.FileField(
        label=_("File"),
        help_text=_(
            "Screenshot, screen recording, PDF, notarial or timestamp certificate, saved web page. "
            "The file is stored exactly as uploaded; its type is checked from its content."
        ),
    )

    capture_url = forms.URLField(label=_("capture URL"), max_length=2000, required=False, assume_scheme="https")

    class Meta:
        model = Evidence
        fields = [name for name in METADATA_FIELDS if name != "engagement_at_capture"]
        widgets = {
            "capture_started_at": DATETIME_WIDGET,
            "capture_finished_at": DATETIME_WIDGET,
            # An ID box, not a <select> of every monitored account.
            "account": forms.NumberInput(attrs={"min": 1}),
        }

    def __init__(self, *args: Any, require_file: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field_of(self, "platform", forms.ModelChoiceField).queryset = Platform.objects.filter(is_active=True).order_by(
            "sort_order", "id"
        )
        field_of(self, "account", forms.ModelChoiceField).queryset = MonitoredAccount.objects.all()
        self.fields["account"].label = _("Account ID")
        self.fields["account"].help_text = _("The number of the monitored account whose content this is.")
        self.fields["upload"].required = require_file
        for name in ("capture_started_at", "capture_finished_at"):
            field_of(self, name, forms.DateTimeField).input_formats = [
                "%Y-%m-%dT%H:%M",
                "%Y-%m-%dT%H:%M:%S",
                "%Y-%m-%d %H:%M",
            ]
        engagement = (self.instance.engagement_at_capture or {}) if self.instance else {}
        for key, label in ENGAGEMENT_FIELDS:
            self.fields[f"engagement_{key}"] = forms.IntegerField(
                label=label, min_value=0, required=False, initial=engagement.get(key)
            )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data  # what Form.clean() returns; the stubs allow None
        start, end = cleaned.get("capture_started_at"), cleaned.get("capture_finished_at")
        if start and end and end < start:
            self.add_error("capture_finished_at", _("The capture cannot finish before it started."))
        return cleaned

    def metadata(self) -> dict[str, Any]:
        """Return the service's ``metadata`` argument from the cleaned data."""
        data = {name: self.cleaned_data.get(name) for name in self.Meta.fields}
        for name in (
            "capture_url",
            "published_at_display",
            "tool",
            "device",
            "certificate_number",
            "deposit_platform",
            "deposit_number",
            "tx_hash",
            "notary_office",
            "notary_certificate_number",
        ):
            data[name] = data.get(name) or ""  # fmt: skip
        data["engagement_at_capture"] = {
            key: self.cleaned_data[f"engagement_{key}"]
            for key, _label in ENGAGEMENT_FIELDS
            if self.cleaned_data.get(f"engagement_{key}") is not None
        }
        return data


class EvidenceDeleteForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for deletion"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("Kept with the evidence. The file and its chain of custody are not removed."),
    )


class EvidenceFilter(StaffFilterSet):
    """Evidence list filters (kept here next to the evidence forms; cases/filters.py may adopt it)."""

    capture_method = ChoicesInFilter(
        label=_("Capture method"), field_name="capture_method", choices=Evidence.CaptureMethod.choices
    )
    status = ChoicesInFilter(label=_("Status"), field_name="status", choices=Evidence.Status.choices)
    integrity = django_filters.ChoiceFilter(
        label=_("Integrity"), field_name="integrity", choices=Evidence.Integrity.choices, empty_label=_("Any")
    )
    litigation_hold = YesNoFilter(label=_("Litigation hold"), field_name="litigation_hold")

    capture_url = forms.URLField(label=_("capture URL"), max_length=2000, required=False, assume_scheme="https")

    class Meta:
        model = Evidence
        fields = ["capture_method", "status", "integrity", "litigation_hold"]
