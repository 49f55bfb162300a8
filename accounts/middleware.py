"""Session lifetime and the second-factor gate, in front of every staff page."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import two_factor

AUTH_AT = "lc_auth_at"  # when the password was accepted (epoch seconds)
SEEN_AT = "lc_seen_at"  # last request of this session (epoch seconds, refreshed at most once a minute)
SEEN_RESOLUTION = 60


@receiver(user_logged_in, dispatch_uid="accounts-session-clock")
def _start_session_clock(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[AUTH_AT] = now
        request.session[SEEN_AT] = now


class SessionTimeoutMiddleware:
    """End a signed-in session after SESSION_ABSOLUTE_TIMEOUT (12 h) or SESSION_IDLE_TIMEOUT (30 min).

    Placed before LoginRequiredMiddleware: the expired request then continues as anonymous and is
    sent to the login page (or gets 401/403 from the API) like any other.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and request.user.is_authenticated:
            now = int(time.time())
            started = session.get(AUTH_AT)
            seen = session.get(SEEN_AT)
            if not isinstance(started, int) or not isinstance(seen, int):
                # A session from before these keys existed: start its clock now.
                session[AUTH_AT] = session[SEEN_AT] = now
            elif now - started > settings.SESSION_ABSOLUTE_TIMEOUT or now - seen > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
                messages.info(request, _("Your session has ended. Please log in again."))
            elif now - seen >= SEEN_RESOLUTION:
                session[SEEN_AT] = now
        return self.get_response(request)


def _exempt(view_func: Callable) -> bool:
    # Public pages (login_not_required) and the second-factor pages themselves.
    return not getattr(view_func, "login_required", True) or getattr(view_func, "two_factor_exempt", False)


class TwoFactorRequiredMiddleware:
    """Send lawyers and administrators who have not passed their second factor to verify (or enrol).

    Runs after django_otp's OTPMiddleware (which sets ``user.is_verified()``). The API's session
    authentication applies the same rule (accounts.authentication.VerifiedSessionAuthentication).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        user = request.user
        if _exempt(view_func) or not user.is_authenticated or not two_factor.requires_two_factor(user):
            return None
        if two_factor.is_verified(user):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"code": "two_factor_required", "detail": _("Verify your second factor before using the API.")},
                status=403,
            )
        target = "accounts:otp-verify" if two_factor.has_confirmed_device(user) else "accounts:otp-setup"
        return HttpResponseRedirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
