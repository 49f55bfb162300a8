"""Login, logout and password change: Django's auth views with our templates."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    # A signed-in user who opens the login page goes straight on to `next` (or home).
    redirect_authenticated_user = True


@method_decorator(login_not_required, name="dispatch")
class LogoutView(auth_views.LogoutView):
    """POST only (Django 5). Open to anonymous users so a logout button on a page whose
    session has expired lands on the login page instead of a login page pointing back here."""

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        was_logged_in = request.user.is_authenticated
        response = super().post(request, *args, **kwargs)
        if was_logged_in:
            # Added after logout: the message outlives the flushed session in the cookie storage.
            messages.info(request, _("You have been logged out."))
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change_form.html"
    success_url = reverse_lazy("accounts:password-change-done")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        from accounts.two_factor import requires_two_factor

        # Lawyers and admins also manage their second factor from here.
        return {**super().get_context_data(**kwargs), "two_factor": requires_two_factor(self.request.user)}


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"
