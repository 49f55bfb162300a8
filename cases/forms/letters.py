"""Lawyer-letter and identity-disclosure forms: they validate and normalise only; the rules live in
cases.services.letters and cases.services.disclosures."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.forms.litigation import DATE, DATETIME, ItemChoiceField
from cases.forms.lookup import field_of
from cases.models import IdentityDisclosure, LawyerLetter

DEFAULT_DEADLINE_DAYS = 7


class LetterForm(forms.Form):
    items = ItemChoiceField(
        label=_("Content items"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("The letter cites these items, their URLs and the hashes of their fixed evidence."),
    )
    recipient_name = forms.CharField(
        label=_("Recipient name"),
        max_length=200,
        required=False,
        help_text=_("Needed when the items come from several accounts; otherwise the account is the recipient."),
    )
    issuer = forms.CharField(label=_("Issued by"), max_length=200, required=False)
    demands = forms.MultipleChoiceField(
        label=_("Demands"), choices=LawyerLetter.Demand.choices, widget=forms.CheckboxSelectMultiple
    )
    apology_pin_days = forms.IntegerField(
        label=_("Days the apology stays pinned"), min_value=1, max_value=365, required=False, initial=30
    )
    compensation_amount = forms.DecimalField(
        label=_("Compensation demanded (CNY)"), min_value=Decimal("0"), max_digits=14, decimal_places=2, required=False
    )
    deadline = forms.DateField(label=_("Deadline to comply"), widget=DATE)

    def __init__(self, *args: Any, items: QuerySet, **kwargs: Any) -> None:
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("deadline", timezone.localdate() + datetime.timedelta(days=DEFAULT_DEADLINE_DAYS))
        initial.setdefault(
            "demands", [LawyerLetter.Demand.DELETE, LawyerLetter.Demand.STOP, LawyerLetter.Demand.APOLOGY]
        )
        super().__init__(*args, **kwargs)
        field_of(self, "items", forms.ModelChoiceField).queryset = items
        # With items on offer, the letter cites the ones ticked: none ticked is an error, not "all of them".
        self.fields["items"].required = items.exists()


class LetterDeliverForm(forms.Form):
    channel = forms.ChoiceField(label=_("Delivery channel"), choices=LawyerLetter.Channel.choices)
    proof = forms.CharField(
        label=_("Proof of delivery"), max_length=200, required=False, help_text=_("Tracking number, message ID, …")
    )
    delivered_at = forms.DateTimeField(label=_("Delivered"), widget=DATETIME, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field_of(self, "delivered_at", forms.DateTimeField).input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class LetterResponseForm(forms.Form):
    response = forms.CharField(label=_("Response"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[(c.value, c.label) for c in LawyerLetter.Outcome if c.value in ("complied", "partial", "refused")],
    )


class LetterCloseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason or note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class DisclosureRequestForm(forms.Form):
    route = forms.ChoiceField(label=_("Route"), choices=IdentityDisclosure.Route.choices)
    notes = forms.CharField(label=_("Notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))


class DisclosureResponseForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Answer"),
        choices=[(c.value, c.label) for c in IdentityDisclosure.Status if c.value != "requested"],
    )
    name = forms.CharField(label=_("Holder's name"), max_length=200, required=False)
    contact = forms.CharField(label=_("Holder's contact"), max_length=200, required=False)
    address = forms.CharField(label=_("Holder's address"), max_length=500, required=False)
    notes = forms.CharField(label=_("Notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))
