"""Second factor: verify after the password, enrol an authenticator, renew backup codes.

The pages are exempt from the second-factor gate (``two_factor_exempt``) but not from the login.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from accounts import two_factor


def two_factor_exempt(view: Any) -> Any:
    """Mark a view reachable by a signed-in user who has not passed the second factor yet."""
    view.two_factor_exempt = True
    return view


class TokenForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=16,
        strip=True,
        help_text=gettext_lazy("The 6-digit code from your authenticator app, or one of your 8-digit backup codes."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "spellcheck": "false"}
        ),
    )


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


def _with_query(url: str, request: HttpRequest) -> str:
    query = request.GET.urlencode()
    return f"{url}?{query}" if query else url


class VerifyView(View):
    """The step after the password: a TOTP or backup code marks the session verified."""

    template_name = "accounts/otp_verify.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if not two_factor.requires_two_factor(user) and not two_factor.has_confirmed_device(user):
            return HttpResponseRedirect(_next_url(request))
        if two_factor.is_verified(user):
            return HttpResponseRedirect(_next_url(request))
        if not two_factor.has_confirmed_device(user):
            return HttpResponseRedirect(_with_query(reverse("accounts:otp-setup"), request))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request, TokenForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = TokenForm(request.POST)
        if form.is_valid() and two_factor.verify(request=request, token=form.cleaned_data["token"]):
            return HttpResponseRedirect(_next_url(request))
        if form.is_valid():
            form.add_error("token", _("That code is not valid. Wait for a new code and try again."))
        return self._render(request, form, status=400)

    def _render(self, request: HttpRequest, form: TokenForm, status: int = 200) -> HttpResponse:
        return render(request, self.template_name, {"form": form, "next": _next_url(request)}, status=status)


class SetupView(View):
    """Enrol an authenticator app: scan the QR code (or type the secret), confirm with a first code."""

    template_name = "accounts/otp_setup.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # Only roles that must use a second factor enrol one (an optional one would not be enforced).
        if not two_factor.requires_two_factor(request.user):
            return HttpResponseRedirect(_next_url(request))
        # Replacing a confirmed authenticator needs the current one first.
        if two_factor.has_confirmed_device(request.user) and not two_factor.is_verified(request.user):
            return HttpResponseRedirect(_with_query(reverse("accounts:otp-verify"), request))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request, TokenForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = TokenForm(request.POST)
        device = two_factor.pending_totp_device(request.user)
        codes = None
        if form.is_valid():
            codes = two_factor.confirm_totp_device(request=request, device=device, token=form.cleaned_data["token"])
            if codes is None:
                form.add_error("token", _("That code is not valid. Check the time on your phone and try again."))
        if codes is None:
            return self._render(request, form, status=400)
        messages.success(request, _("Two-factor authentication is set up."))
        return render(request, "accounts/otp_backup_codes.html", {"codes": codes, "next": _next_url(request)})

    def _render(self, request: HttpRequest, form: TokenForm, status: int = 200) -> HttpResponse:
        device = two_factor.pending_totp_device(request.user)
        context = {
            "form": form,
            "qr_svg": two_factor.qr_code_svg(device),
            "secret": two_factor.secret_for_manual_entry(device),
            "next": _next_url(request),
            "required": True,
        }
        return render(request, self.template_name, context, status=status)


class BackupCodesView(View):
    """Replace the backup codes (a verified session only; the gate sees to that) and show them once."""

    http_method_names = ["get", "post"]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not two_factor.requires_two_factor(request.user):
            return HttpResponseRedirect(_next_url(request))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "accounts/otp_backup_codes.html", {"codes": None, "next": _next_url(request)})

    def post(self, request: HttpRequest) -> HttpResponse:
        if not two_factor.is_verified(request.user):
            return HttpResponseRedirect(reverse("accounts:otp-verify"))
        codes = two_factor.regenerate_backup_codes(request.user)
        return render(request, "accounts/otp_backup_codes.html", {"codes": codes, "next": _next_url(request)})
