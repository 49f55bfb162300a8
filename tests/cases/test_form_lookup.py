"""cases.forms.lookup.field_of: a form's field, checked to be of the kind the caller adjusts."""

import pytest
from django import forms

from cases.forms.lookup import field_of


class _Form(forms.Form):
    when = forms.DateTimeField()
    kind = forms.TypedChoiceField(choices=[("a", "A")])


def test_field_of_returns_the_forms_own_field_of_that_kind():
    form = _Form()
    assert field_of(form, "when", forms.DateTimeField) is form.fields["when"]
    # A subclass of the kind asked for is accepted.
    assert field_of(form, "kind", forms.ChoiceField) is form.fields["kind"]


def test_field_of_refuses_a_field_of_another_kind():
    with pytest.raises(TypeError, match="_Form.when is a DateTimeField, not a ModelChoiceField"):
        field_of(_Form(), "when", forms.ModelChoiceField)
