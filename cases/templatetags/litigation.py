"""Role checks for the litigation links on pages owned by other views (account, assistance request)."""

from __future__ import annotations

from typing import Any

from django import template

from accounts import permissions
from cases.models import AuthorityReport, IdentityDisclosure, Lawsuit, LawyerLetter

register = template.Library()
MODELS = {"authorityreport": AuthorityReport, "lawsuit": Lawsuit, "lawyerletter": LawyerLetter, "identitydisclosure": IdentityDisclosure}


@register.simple_tag
def can_edit_model(user: Any, name: str) -> bool:
    """``{% can_edit_model request.user "lawyerletter" as can_letter %}``"""
    return permissions.can_edit(user, MODELS[name])


@register.simple_tag
def request_accounts(user: Any, assistance_request: Any) -> list[Any]:
    """The accounts behind an assistance request's linked items (one query; items are prefetched)."""
    from cases.models import MonitoredAccount

    ids = {item.account_id for item in assistance_request.content_items.all() if item.account_id}
    if not ids:
        return []
    return list(MonitoredAccount.objects.for_user(user).filter(pk__in=ids).only("pk", "name").order_by("name"))
