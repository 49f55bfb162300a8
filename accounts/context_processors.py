"""Template context shared by every page: which navigation links the user may follow.

Every flag comes from accounts/permissions.py, so a link is shown only when the page
behind it would let the user in. Nothing here queries the database beyond the
session and user lookups the request already makes.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from accounts import permissions
from accounts.models import User

# URL names (namespace:name) → the navigation item they belong to, so detail and
# form pages mark their section as current too. Checked as prefixes of the view name.
_SECTION_PREFIXES: tuple[tuple[str, str], ...] = (
    ("cases:home", "home"),
    ("cases:triage", "triage"),
    ("cases:monitored-account", "monitored_accounts"),
    ("cases:content-item", "content"),
    ("cases:import-job", "content"),
    ("cases:campaign", "campaigns"),
    ("cases:complaint", "complaints"),
    ("cases:evidence", "evidence"),
    ("cases:deadline", "deadlines"),
    ("cases:lawsuit", "lawsuits"),
    ("cases:assistance-request", "assistance"),
    ("cases:audit-event", "audit"),
    ("reports:", "dashboard"),
    ("accounts:password-change", "account"),
)


def _nav_flags(user: Any) -> dict[str, bool]:
    # Imported here: cases.models imports accounts, and this module loads with the settings.
    from cases.models import (
        AssistanceRequest,
        Campaign,
        ContentItem,
        Deadline,
        Evidence,
        Lawsuit,
        MonitoredAccount,
        PlatformComplaint,
    )

    return {
        "home": permissions.is_staff_member(user),
        # The triage queue is a work queue: offered to those who may assess items.
        "triage": permissions.can_edit(user, ContentItem),
        "monitored_accounts": permissions.can_view(user, MonitoredAccount),
        "content": permissions.can_view(user, ContentItem),
        "campaigns": permissions.can_view(user, Campaign),
        "complaints": permissions.can_view(user, PlatformComplaint),
        "evidence": permissions.can_view(user, Evidence),
        "lawsuits": permissions.can_view(user, Lawsuit),
        "deadlines": permissions.can_view(user, Deadline),
        "assistance": permissions.can_view(user, AssistanceRequest),
        "dashboard": permissions.can_view_dashboard(user),
        # The auditor view of the audit log (cases.AuditEvent's area).
        "audit": permissions.role_of(user) in permissions.CAN_VIEW["audit"],
        "admin": permissions.can_use_admin(user),
    }


def _current_section(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match else ""
    for prefix, section in _SECTION_PREFIXES:
        if view_name.startswith(prefix):
            return section
    return ""


def roles(request: HttpRequest) -> dict[str, Any]:
    """Return ``nav`` (link flags), ``nav_key`` (the flags as one string), ``nav_current`` (section of
    this page) and ``user_role_label``."""
    user = getattr(request, "user", None)
    role = permissions.role_of(user)
    nav = _nav_flags(user)
    return {
        "nav": nav,
        # What the navigation's markup depends on besides the language: base.html caches it by this key.
        "nav_key": "".join("1" if shown else "0" for shown in nav.values()),
        "nav_current": _current_section(request),
        "user_role_label": User.Role(role).label if role else "",
    }
