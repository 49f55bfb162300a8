"""The admin site: titles, and the role gate that ``accounts.permissions`` decides.

We keep Django's default site (``admin.site``, which ``legalcases/urls.py`` mounts and any
third-party app registers with) and configure it here rather than replacing it: replacing the
default site means naming a custom ``AdminConfig`` in ``INSTALLED_APPS``.
"""

from __future__ import annotations

from types import MethodType
from typing import Any

from django.contrib.admin import AdminSite
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.db.models.fields.related import RelatedField
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from accounts import permissions, two_factor


class RoleAutocompleteJsonView(AutocompleteJsonView):
    """Autocomplete that also answers people filling in a form they may edit.

    Django asks whether the user may view the *target* model's admin. A lawyer editing a
    lawsuit must pick its responsible lawyer from the users, yet may not browse the users
    admin (nor list users). The suggestions then are what the field accepts anyway, as a plain
    select would list them: each one's name, nothing else.
    """

    # Set by AutocompleteJsonView.get() (process_request); django-stubs does not declare it.
    # Autocomplete serves foreign keys and many-to-many fields only, hence a related field.
    source_field: RelatedField[Any, Any]

    def has_perm(self, request: HttpRequest, obj=None) -> bool:
        return super().has_perm(request, obj) or self._filling_editable_form(request)

    def _filling_editable_form(self, request: HttpRequest) -> bool:
        return permissions.can_use_admin(request.user) and permissions.can_edit(request.user, self.source_field.model)

    def get_queryset(self) -> QuerySet:
        if super().has_perm(self.request):
            return super().get_queryset()
        model = self.source_field.remote_field.model
        queryset = model._default_manager.complex_filter(self.source_field.get_limit_choices_to())
        queryset = queryset.order_by(*(self.model_admin.get_ordering(self.request) or ["pk"]))
        queryset, may_have_duplicates = self.model_admin.get_search_results(self.request, queryset, self.term)
        return queryset.distinct() if may_have_duplicates else queryset


def _has_permission(site: AdminSite, request: HttpRequest) -> bool:
    # Django's gate (active staff), ours (only roles allowed to use the admin) and the second
    # factor: the admin site is OTP-protected like django_otp's OTPAdminSite.
    return (
        AdminSite.has_permission(site, request)
        and permissions.can_use_admin(request.user)
        and two_factor.is_verified(request.user)
    )


def _login(site: AdminSite, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
    """One way in: the staff login (password, throttled by django-axes), then the second factor."""
    target = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("admin:index")
    if not request.user.is_authenticated:
        return redirect_to_login(target, reverse("accounts:login"))
    if permissions.can_use_admin(request.user) and not two_factor.is_verified(request.user):
        return redirect_to_login(target, reverse("accounts:otp-verify"))
    # Signed in with a role that has no admin: no second login form, a plain refusal.
    raise PermissionDenied


def _autocomplete_view(site: AdminSite, request: HttpRequest) -> HttpResponseBase:
    return RoleAutocompleteJsonView.as_view(admin_site=site)(request)


def configure_default_site(site: AdminSite) -> None:
    """Give the site its titles and put the role checks in front of it."""
    site.site_header = _("LegalCases legal case management")
    site.site_title = _("LegalCases admin")
    site.index_title = _("Records administration")
    # Overriding methods on the one instance is the point (see the module docstring); mypy refuses
    # any assignment to a method, so only that check is silenced here.
    site.has_permission = MethodType(_has_permission, site)  # type: ignore[method-assign]
    site.login = MethodType(_login, site)  # type: ignore[method-assign]
    site.autocomplete_view = MethodType(_autocomplete_view, site)  # type: ignore[method-assign]
