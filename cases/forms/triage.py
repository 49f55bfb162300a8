"""Triage forms: the assessment of one item and the bulk assessment of queue items.

They validate and normalise only. The assessment rules themselves (a written reason when
escalating, severity 1-5, …) live in ``AssessmentInput.clean()``; the forms run it so the
user sees every problem next to its field in one round trip, then the view calls the service.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from cases.forms.lookup import field_of
from cases.models import Assessment, Campaign, ContentItem
from cases.services.triage import AssessmentInput
from cases.services.triage_bulk import MAX_BULK_ITEMS

SEVERITY_ERRORS = {
    "min_value": _("Severity runs from 1 to 5."),
    "max_value": _("Severity runs from 1 to 5."),
    "invalid": _("Severity runs from 1 to 5."),
    "required": _("Give a severity from 1 to 5."),
}
RATIONALE_HELP = _(
    "Required when escalating (suspected or serious infringement, suspected crime): say which statements "
    "are false or insulting and why this is defamation, not legitimate criticism."
)


def severity_field() -> forms.IntegerField:
    return forms.IntegerField(
        label=_("Severity"),
        min_value=1,
        max_value=5,
        initial=1,
        help_text=_("1 (minor) to 5 (grave)."),
        error_messages=SEVERITY_ERRORS,
        widget=forms.NumberInput(attrs={"min": 1, "max": 5, "step": 1, "inputmode": "numeric"}),
    )


def category_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Campaign category"),
        choices=[("", _("None")), *Campaign.Category.choices],
        required=False,
    )


def rationale_field(rows: int) -> forms.CharField:
    return forms.CharField(
        label=_("Rationale"),
        required=False,
        max_length=5000,
        help_text=RATIONALE_HELP,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class AssessmentRulesMixin:
    """Run ``AssessmentInput.clean()`` and show its errors on the fields that have none yet."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Labels sit above their fields: no trailing colon.
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def to_input(self) -> AssessmentInput:
        raise NotImplementedError

    def check_assessment_rules(self) -> None:
        try:
            self.to_input().clean()
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                if field not in self.errors:  # type: ignore[attr-defined]
                    self.add_error(field if field in self.fields else None, messages)  # type: ignore[attr-defined]


class AssessmentForm(AssessmentRulesMixin, forms.Form):
    """The legal assessment (法律研判) of one item."""

    conclusion = forms.ChoiceField(
        label=_("Conclusion"),
        choices=Assessment.Conclusion.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a conclusion."), "invalid_choice": _("Choose a conclusion.")},
    )
    severity = severity_field()
    category = category_field()
    statement_type = forms.ChoiceField(
        label=_("Statement type"),
        choices=[("", _("Not stated")), *Assessment.StatementType.choices],
        required=False,
    )
    estimated_loss = forms.DecimalField(
        label=_("Estimated loss (CNY)"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        help_text=_("¥500,000 or more may reach the criminal threshold."),
        error_messages={"min_value": _("The estimated loss cannot be negative.")},
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
    target_identifiable = forms.BooleanField(
        label=_("The company or its products are identifiable"), required=False, initial=True
    )
    insulting_language = forms.BooleanField(label=_("Uses insulting language"), required=False)
    falsity_provable = forms.BooleanField(label=_("We can prove the statements false"), required=False)
    rationale = rationale_field(rows=5)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data  # what Form.clean() returns; the stubs allow None
        self.check_assessment_rules()
        return cleaned

    def to_input(self) -> AssessmentInput:
        data = self.cleaned_data
        return AssessmentInput(
            conclusion=data.get("conclusion") or "",
            rationale=data.get("rationale") or "",
            category=data.get("category") or "",
            infringement_types=tuple(data.get("infringement_types") or ()),
            statement_type=data.get("statement_type") or "",
            severity=data.get("severity") or 1,
            estimated_loss=data.get("estimated_loss"),
            recommended_actions=tuple(data.get("recommended_actions") or ()),
            target_identifiable=bool(data.get("target_identifiable")),
            insulting_language=bool(data.get("insulting_language")),
            falsity_provable=bool(data.get("falsity_provable")),
        )


TAMPERED = _("Some of the selected items do not exist or are not visible to you. Reload the queue and select again.")


class ItemsField(forms.ModelMultipleChoiceField):
    """Item ids from the queue's checkboxes: every id must be an item the user may see."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", ContentItem.objects.none())
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.MultipleHiddenInput)
        kwargs.setdefault(
            "error_messages",
            {"invalid_choice": TAMPERED, "invalid_pk_value": TAMPERED, "invalid_list": TAMPERED},
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> QuerySet:
        # Refuse an oversized list before it becomes one huge IN (…) query.
        if isinstance(value, list | tuple) and len(set(value)) > MAX_BULK_ITEMS:
            raise ValidationError(
                _("Select at most %(limit)d items at a time."), code="too_many", params={"limit": MAX_BULK_ITEMS}
            )
        return super().clean(value)


class BulkAssessForm(AssessmentRulesMixin, forms.Form):
    """One conclusion for several queue items (the checked rows, or every row on the page)."""

    SELECTED = "selected"
    PAGE = "page"

    scope = forms.ChoiceField(
        label=_("Apply to"),
        choices=[(SELECTED, _("The checked items")), (PAGE, _("Every item on this page"))],
        initial=SELECTED,
        widget=forms.RadioSelect,
    )
    items = ItemsField(label=_("Items"))
    page_items = ItemsField(label=_("Items on this page"))
    conclusion = forms.ChoiceField(
        label=_("Conclusion"),
        choices=[("", _("Choose…")), *Assessment.Conclusion.choices],
        error_messages={"required": _("Choose a conclusion."), "invalid_choice": _("Choose a conclusion.")},
    )
    severity = severity_field()
    category = category_field()
    rationale = rationale_field(rows=2)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        visible = ContentItem.objects.for_user(user)
        field_of(self, "items", forms.ModelChoiceField).queryset = visible
        field_of(self, "page_items", forms.ModelChoiceField).queryset = visible

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data  # what Form.clean() returns; the stubs allow None
        if not self.has_error("items") and not self.has_error("page_items"):
            field = "page_items" if cleaned.get("scope") == self.PAGE else "items"
            chosen = list(cleaned.get(field) or [])
            if not chosen:
                self.add_error("items", _("Select at least one item, or choose “Every item on this page”."))
            cleaned["selected"] = chosen
        self.check_assessment_rules()
        return cleaned

    @property
    def selected(self) -> Sequence[ContentItem]:
        return self.cleaned_data.get("selected", [])

    def posted_ids(self) -> set[str]:
        """Return the checked ids as posted, to keep the rows checked when the form comes back with errors."""
        return set(self.data.getlist("items")) if self.is_bound and hasattr(self.data, "getlist") else set()

    def to_input(self) -> AssessmentInput:
        data = self.cleaned_data
        return AssessmentInput(
            conclusion=data.get("conclusion") or "",
            rationale=data.get("rationale") or "",
            category=data.get("category") or "",
            severity=data.get("severity") or 1,
        )
