"""Admin for the department's users. Users are never deleted (a trigger refuses): they are deactivated."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import User
from cases.admin.base import AuditHistoryMixin, RoleAdminMixin


@admin.register(User)
class UserAdmin(RoleAdminMixin, AuditHistoryMixin, DjangoUserAdmin):
    list_display = ("username", "display_name", "email", "role", "is_active", "is_staff", "is_superuser", "last_login")
    list_filter = ("role", "is_active", "is_staff", "is_superuser")
    search_fields = ("username", "display_name", "first_name", "last_name", "email")
    ordering = ("username",)
    actions = ("deactivate_users",)
    # Roles decide access (accounts/permissions.py); Django's groups and permissions are not used.
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("display_name", "first_name", "last_name", "email")}),
        (
            _("Access"),
            {
                "fields": ("role", "is_active", "is_staff", "is_superuser"),
                "description": _(
                    "The role decides what the user may see and change. Lawyers and administrators "
                    "also need “staff status” to open this admin site."
                ),
            },
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "display_name",
                    "email",
                    "role",
                    "is_staff",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    readonly_fields = ("last_login", "date_joined")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Every audit row must keep naming a real person.
        return False

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if request.resolver_match and request.resolver_match.url_name == "autocomplete":
            # Pickers (responsible lawyer, assessor, …) offer only people who can still act.
            queryset = queryset.filter(is_active=True)
        return queryset, may_have_duplicates

    @admin.action(description=_("Deactivate selected users"), permissions=["change"])
    def deactivate_users(self, request: HttpRequest, queryset: QuerySet) -> None:
        others = queryset.exclude(pk=request.user.pk)
        if others.count() != queryset.count():
            self.message_user(request, _("You cannot deactivate yourself."), messages.WARNING)
        count = others.filter(is_active=True).update(is_active=False)
        self.message_user(
            request,
            ngettext("%(count)d user deactivated.", "%(count)d users deactivated.", count) % {"count": count},
            messages.SUCCESS,
        )
