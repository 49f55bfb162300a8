"""The audit log retention form: validates only; the rules live in cases.services.audit_retention."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models.audit import AUDIT_RETENTION_MIN_DAYS


class AuditRetentionForm(forms.Form):
    days = forms.IntegerField(
        label=_("Retention in days"),
        required=False,
        min_value=1,
        max_value=36500,
        help_text=_("Audit events older than this are deleted nightly. Empty: keep forever."),
    )
    reason = forms.CharField(
        label=_("Reason for the change"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Recorded in the audit log with the old and the new value."),
    )

    def clean_days(self) -> int | None:
        days = self.cleaned_data.get("days")
        if days is not None and days < AUDIT_RETENTION_MIN_DAYS:
            raise forms.ValidationError(
                _("The audit log must be kept at least %(days)s days."),
                code="below_floor",
                params={"days": AUDIT_RETENTION_MIN_DAYS},
            )
        return days
