"""Admin for the department's users and their API tokens.

Users are never deleted (a trigger refuses): they are deactivated. API tokens are never
deleted either (the audit trail names them): they are revoked.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import services
from accounts.models import ApiToken, User
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


@admin.register(ApiToken)
class ApiTokenAdmin(RoleAdminMixin, AuditHistoryMixin, admin.ModelAdmin):
    """Create a token (its key is shown once, on the page after saving), change its scopes or
    expiry, revoke it. Only the key's digest is stored."""

    list_display = ("name", "key_prefix", "user", "scope_list", "state", "last_used_at", "expires_at", "created_at")
    list_filter = ("revoked_at", "expires_at")
    search_fields = ("name", "prefix", "user__username")
    ordering = ("-created_at",)
    autocomplete_fields = ("user",)
    actions = ("revoke_tokens",)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if obj is None:
            return ("name", "user", "scopes", "expires_at")
        return ("name", "key_prefix", "user", "scopes", "expires_at", "state", "last_used_at", "revoked_at",
                "created_by", "created_at")  # fmt: skip

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if obj is None:
            return ()
        return ("key_prefix", "user", "state", "last_used_at", "revoked_at", "created_by", "created_at")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("key"))
    def key_prefix(self, obj: ApiToken) -> str:
        return f"{obj.prefix}…"

    @admin.display(description=_("scopes"))
    def scope_list(self, obj: ApiToken) -> str:
        labels = dict(ApiToken.Scope.choices)
        return ", ".join(str(labels.get(scope, scope)) for scope in obj.scopes)

    @admin.display(description=_("state"))
    def state(self, obj: ApiToken) -> str:
        if obj.revoked_at is not None:
            return str(_("Revoked"))
        if not obj.is_usable():
            return str(_("Expired"))
        return str(_("Active"))

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        if change:  # name, scopes, expiry: the form has validated them against the model
            super().save_model(request, obj, form, change)
            return
        token, key = services.api_token_create(
            name=obj.name, user=obj.user, scopes=obj.scopes, created_by=request.user, expires_at=obj.expires_at
        )
        # The admin goes on with the object it built: give it the saved row's values.
        for name in ("id", "prefix", "digest", "scopes", "created_by_id", "created_at", "updated_at"):
            setattr(obj, name, getattr(token, name))
        obj._state.adding = False
        request._api_token_key = key  # type: ignore[attr-defined]  # shown once by response_add

    def response_add(self, request: HttpRequest, obj: ApiToken, post_url_continue: str | None = None) -> HttpResponse:
        key = getattr(request, "_api_token_key", None)
        if key is None:
            return super().response_add(request, obj, post_url_continue)
        context = {
            **self.admin_site.each_context(request),
            "title": _("API token created"),
            "opts": self.opts,
            "token": obj,
            "key": key,
        }
        response = TemplateResponse(request, "admin/accounts/apitoken/created.html", context)
        # The key is on this page only: no cache may keep it.
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=_("Revoke selected tokens"), permissions=["change"])
    def revoke_tokens(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            services.api_token_revoke(token=token, actor=request.user)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", count) % {"count": count},
            messages.SUCCESS,
        )


from accounts import admin_security  # noqa: E402, F401 - second-factor devices and login attempts
