"""Forms for bringing content into the queue: a file upload and the manual entry of one URL."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.forms.lookup import field_of
from cases.models import Platform
from cases.services.intake_files import MAX_FILE_BYTES

ACCEPTED_FILES = ".csv,.tsv,.txt,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _platforms() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(queryset=Platform.objects.filter(is_active=True), required=False)


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV (UTF-8 or GB18030/GBK) or Excel .xlsx with a header row; at most 50 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPTED_FILES}),
    )
    default_platform = _platforms()
    dry_run = forms.BooleanField(
        label=_("Preview only"),
        required=False,
        help_text=_("Check the file and show what would be created or updated, without saving anything."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = field_of(self, "default_platform", forms.ModelChoiceField)
        field.label = _("Default platform")
        field.empty_label = _("Work it out from each row")
        field.help_text = _("Used for rows that name no platform and whose link belongs to no known platform.")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)d MB: split it into smaller files."),
                code="too_large",
                params={"size": MAX_FILE_BYTES >> 20},
            )
        return upload


class ManualItemForm(forms.Form):
    # A CharField, not a URLField: the import service normalises the link and explains any refusal.
    url = forms.CharField(
        label=_("URL"),
        max_length=2000,
        help_text=_("The link to the post, video, comment or article."),
        widget=forms.TextInput(attrs={"inputmode": "url", "autocomplete": "off", "spellcheck": "false"}),
    )
    platform = _platforms()
    title = forms.CharField(label=_("Title"), max_length=500, required=False)
    text = forms.CharField(label=_("Text"), max_length=10_000, required=False, widget=forms.Textarea(attrs={"rows": 6}))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = field_of(self, "platform", forms.ModelChoiceField)
        field.label = _("Platform")
        field.empty_label = _("Work it out from the link")

    def as_row(self) -> dict[str, str]:
        """Return the import row this form describes (the API's field names)."""
        data = self.cleaned_data
        platform = data.get("platform")
        return {
            "url": data["url"],
            "platform": platform.code if platform else "",
            "title": data.get("title", ""),
            "text": data.get("text", ""),
        }
