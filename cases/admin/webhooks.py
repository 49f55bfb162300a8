"""Admin for outbound webhooks: subscriptions (administrators only) and the delivery log.

The area "integrations" of accounts/permissions.py decides who sees and changes them.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import permissions
from accounts.models import User
from cases.admin.base import CasesModelAdmin, ReadOnlyModelAdmin
from cases.models import WebhookDelivery, WebhookSubscription
from cases.services import webhooks


def _formfield(db_field: models.Field, **kwargs: Any) -> forms.Field | None:
    # A receiver URL typed without a scheme is https (Django 6's default).
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


class WebhookSubscriptionForm(forms.ModelForm):
    """The secret is write-only: never shown again; left empty on a change, it stays as it was."""

    secret = forms.CharField(
        label=_("signing secret"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("At least 16 characters, shared with the receiver. Leave empty to keep the current secret."),
    )
    events = forms.TypedMultipleChoiceField(
        label=_("events"),
        choices=WebhookSubscription.Event.choices,
        coerce=str,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = WebhookSubscription
        fields = ["name", "url", "secret", "events", "is_active"]
        formfield_callback = _formfield

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("secret") and self.instance.pk:
            cleaned["secret"] = self.instance.secret
        candidate = WebhookSubscription(
            url=cleaned.get("url") or "", secret=cleaned.get("secret") or "", events=cleaned.get("events") or []
        )
        try:
            webhooks.clean_subscription(candidate)
        except ValidationError as error:
            for field, messages_ in error.message_dict.items():
                if field in self.fields and field not in self.errors:
                    self.add_error(field, messages_)
        return cleaned

    def save(self, commit: bool = True) -> WebhookSubscription:
        self.instance.secret = self.cleaned_data["secret"]
        return super().save(commit=commit)


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(CasesModelAdmin):
    form = WebhookSubscriptionForm
    list_display = ("name", "url", "event_list", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "url")
    allow_delete = True

    @admin.display(description=_("events"))
    def event_list(self, obj: WebhookSubscription) -> str:
        labels = dict(WebhookSubscription.Event.choices)
        return ", ".join(str(labels.get(event, event)) for event in obj.events)

    def save_model(self, request: HttpRequest, obj: WebhookSubscription, form: Any, change: bool) -> None:
        if not change and isinstance(request.user, User):  # the admin has only signed-in users
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyModelAdmin):
    audit_history = False
    list_display = (
        "created_at",
        "subscription",
        "event",
        "status",
        "attempts",
        "response_status",
        "next_attempt_at",
        "delivered_at",
    )
    list_select_related = ("subscription",)
    list_filter = ("status", "event")
    readonly_fields = (
        "uuid",
        "subscription",
        "event",
        "payload",
        "status",
        "attempts",
        "response_status",
        "last_error",
        "next_attempt_at",
        "delivered_at",
        "created_at",
        "updated_at",
    )
    ordering = ("-created_at",)
    actions = ["retry_now"]

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return permissions.can_use_admin(request.user) and permissions.can_edit(request.user, WebhookDelivery)

    @admin.action(description=_("Deliver the selected events again now"), permissions=["retry"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = 0
        for delivery in queryset.exclude(status=WebhookDelivery.Status.SUCCEEDED):
            webhooks.webhook_retry_now(delivery=delivery)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d delivery queued again.", "%(count)d deliveries queued again.", count)
            % {"count": count},
            messages.SUCCESS,
        )
