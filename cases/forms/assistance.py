"""Forms of the owner assistance program: the public request, the tracking page, and staff moves."""

from __future__ import annotations

import ipaddress
import re
import socket
from concurrent.futures import ThreadPoolExecutor, as_completed
from concurrent.futures import TimeoutError as FuturesTimeout
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from cases.forms.lookup import field_of
from cases.models import AssistanceRequest
from cases.normalize import normalize_phone
from cases.services.assistance import MAX_FILES, OUTCOMES, check_upload

MAX_LINKS = 20
PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
VIN6_RE = re.compile(r"^[A-HJ-NPR-Z0-9]{6}$")
ACCEPT = "image/png,image/jpeg,image/webp,image/gif,application/pdf,video/mp4,video/quicktime,video/webm,audio/mpeg,audio/mp4"
# Characters no honest form field contains (NUL and other C0 controls except tab/newline).
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern); validated one by one."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_FILES:
            raise ValidationError(
                _("Send at most %(max)s files at a time."), code="too_many", params={"max": MAX_FILES}
            )
        errors: list[ValidationError] = []
        for upload in files:
            super().clean(upload, initial)
            try:
                check_upload(upload)
            except ValidationError as error:
                errors.append(error)
        if errors:
            raise ValidationError(errors)
        return files


RESOLVE_TIMEOUT = 2.0  # seconds for all of one form's host lookups together


def _private_address(address: str) -> bool:
    try:
        return not ipaddress.ip_address(address.split("%", 1)[0]).is_global
    except ValueError:
        return False


def _resolves_privately(host: str) -> bool:
    """Tell whether a host name resolves to this machine or a private network (DNS may point anywhere)."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return False  # unknown here: the platforms' own hosts need not resolve from this server
    return any(_private_address(str(info[4][0])) for info in infos)


def _private_hosts(urls: list[str]) -> set[str]:
    """Return the links that point at this machine or a private network, by name, address or DNS answer."""
    private: set[str] = set()
    lookups: dict[str, list[str]] = {}
    for url in urls:
        host = (urlsplit(url).hostname or "").rstrip(".").lower()
        if host == "localhost" or host.endswith((".localhost", ".local", ".internal")) or _private_address(host):
            private.add(url)
            continue
        try:
            ipaddress.ip_address(host)
        except ValueError:
            lookups.setdefault(host, []).append(url)
    if lookups:
        pool = ThreadPoolExecutor(max_workers=min(8, len(lookups)))
        futures = {pool.submit(_resolves_privately, host): host for host in lookups}
        try:
            for future in as_completed(futures, timeout=RESOLVE_TIMEOUT):
                if future.result():
                    private.update(lookups[futures[future]])
        except FuturesTimeout:
            pass  # slow DNS: let the owner through; nothing on the server fetches these links unchecked
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
    return private


def _no_controls(value: str) -> str:
    if CONTROL_RE.search(value or ""):
        raise ValidationError(_("This text contains characters that are not allowed."), code="control_chars")
    return value


class AssistanceRequestForm(forms.Form):
    """The public request form: minimum personal data, the facts, links, files, help wanted, consents."""

    required_css_class = "required"

    name = forms.CharField(label=_("Your name"), max_length=50, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        help_text=_("A mainland China mobile number, e.g. 138 1234 5678. We send your private link to it."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    email = forms.EmailField(
        label=_("Email (optional)"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    city = forms.CharField(label=_("City"), max_length=64, required=False)
    vehicle_model = forms.CharField(label=_("Car model"), max_length=100, required=False)
    vin_last6 = forms.CharField(
        label=_("Last 6 characters of the VIN"),
        max_length=6,
        required=False,
        help_text=_("Only the last 6, never the full number. They are on your registration certificate."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )
    description = forms.CharField(
        label=_("What happened"),
        max_length=5000,
        help_text=_("When and where it happened, and how it affects you. At most 5,000 characters."),
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    links = forms.CharField(
        label=_("Links to the posts or videos"),
        required=False,
        max_length=MAX_LINKS * 2000,
        help_text=_("One link per line (http:// or https://), at most 20."),
        widget=forms.Textarea(attrs={"rows": 4, "inputmode": "url", "autocapitalize": "off"}),
    )
    # Django's form metaclass takes declared fields out of the class, so this does not replace
    # BaseForm.files; the stubs cannot express that.
    files = MultipleFileField(  # type: ignore[assignment]
        label=_("Screenshots and screen recordings"),
        help_text=_("Up to 10 files: pictures, PDF, screen recordings or audio, up to 200 MB each."),
    )
    help_types = forms.MultipleChoiceField(
        label=_("Help you would like"),
        choices=AssistanceRequest.HelpType.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one kind of help.")},
    )
    consent = forms.BooleanField(
        label=_(
            "I have read the personal information protection notice and agree that my information is used as it describes."
        ),
        error_messages={"required": _("We can only take your request with your consent.")},
    )
    sensitive_data = forms.BooleanField(
        label=_(
            "Separately, I agree that sensitive personal information in my files (such as my location or my "
            "car's licence plate) is used for my request."
        ),
        required=False,
    )
    share_with_counsel = forms.BooleanField(
        label=_("Separately, I agree that my information is given to an outside law firm if my case needs one."),
        required=False,
    )
    # Honeypot: hidden from people by CSS, filled in by naive bots.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def clean_name(self) -> str:
        return _no_controls(self.cleaned_data["name"].strip())

    def clean_city(self) -> str:
        return _no_controls(self.cleaned_data["city"].strip())

    def clean_vehicle_model(self) -> str:
        return _no_controls(self.cleaned_data["vehicle_model"].strip())

    def clean_description(self) -> str:
        return _no_controls(self.cleaned_data["description"].strip())

    def clean_phone(self) -> str:
        raw = re.sub(r"[\s\-.()（）]", "", self.cleaned_data["phone"])
        # A foreign country code (+1…, 00852…) is not a mainland number, even if 11 digits remain.
        foreign = raw.startswith(("+", "00")) and not raw.startswith(("+86", "0086"))
        phone = normalize_phone(raw)
        if foreign or not PHONE_RE.match(phone):
            raise ValidationError(
                _("Enter a mainland China mobile number: 11 digits starting with 1, e.g. 138 1234 5678."),
                code="phone",
            )
        return phone

    def clean_vin_last6(self) -> str:
        vin = self.cleaned_data["vin_last6"].strip().upper()
        if vin and not VIN6_RE.match(vin):
            raise ValidationError(
                _("Enter the last 6 characters of the VIN: digits and capital letters, no I, O or Q."), code="vin"
            )
        return vin

    def clean_links(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["links"].splitlines() if line.strip()]
        if len(lines) > MAX_LINKS:
            raise ValidationError(_("Give at most %(max)s links."), code="too_many_links", params={"max": MAX_LINKS})
        validate = URLValidator(schemes=["http", "https"])
        bad, good = [], []
        for line in lines:
            try:
                validate(line)
            except ValidationError:
                bad.append(line[:80])
            else:
                good.append(line)
        if bad:
            raise ValidationError(
                _("These are not web links (http:// or https://): %(links)s"),
                code="bad_link",
                params={"links": "、".join(bad[:5])},
            )
        refused = _private_hosts(good)
        private = [line for line in good if line in refused]
        if private:
            raise ValidationError(
                _("Links to this computer or to a private network are not accepted: %(links)s"),
                code="private_link",
                params={"links": "、".join(line[:80] for line in private[:5])},
            )
        return list(dict.fromkeys(lines))  # drop repeats, keep the order


class EvidenceUploadForm(forms.Form):
    """More evidence sent through the tracking link."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=64)
    # Django's form metaclass takes declared fields out of the class, so this does not replace
    # BaseForm.files; the stubs cannot express that.
    files = MultipleFileField(  # type: ignore[assignment]
        label=_("Files to add"),
        help_text=_("Up to 10 files: pictures, PDF, screen recordings or audio, up to 200 MB each."),
    )

    def clean_files(self) -> list:
        files = self.cleaned_data["files"]
        if not files:
            raise ValidationError(_("Choose at least one file."), code="required")
        return files


class TokenForm(forms.Form):
    """Only the private link's token, in the body (the export button)."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=64)


class WithdrawForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)
    confirm = forms.BooleanField(
        label=_("Yes, withdraw my consent and end my request."),
        error_messages={"required": _("Tick the box to confirm.")},
    )


# --- Staff -------------------------------------------------------------------------------------


class AssignForm(forms.Form):
    lawyer = forms.ModelChoiceField(
        label=_("Lawyer"),
        queryset=User.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": _("Choose an active lawyer.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field_of(self, "lawyer", forms.ModelChoiceField).queryset = User.objects.filter(
            is_active=True, role__in=[User.Role.LAWYER, User.Role.ADMIN]
        ).order_by("username")


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class RequiredReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class NeedInfoForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the owner"),
        max_length=2000,
        help_text=_("Shown on the owner's tracking page. No internal notes."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DecideForm(forms.Form):
    criteria = forms.MultipleChoiceField(
        label=_("Eligibility checklist"),
        choices=AssistanceRequest.Criterion.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick each criterion that is met. “Suable” needs all of them."),
    )
    suable = forms.TypedChoiceField(
        label=_("Judgement"),
        choices=[("yes", _("Suable")), ("no", _("Not suable"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    reasons = forms.CharField(
        label=_("Reasons"),
        max_length=5000,
        help_text=_("Why each criterion is or is not met; for “not suable”, what is missing."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[(value, AssistanceRequest.Status(value).label) for value in OUTCOMES],
    )
    reason = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
