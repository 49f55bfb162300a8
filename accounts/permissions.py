"""Role checks, in one place.

Every view, API endpoint, admin page and queryset asks this module what a
user may see or change. The table below is the whole policy; docs/permissions.md
describes it for people. Deny by default: a model missing from ``AREA`` is
visible to nobody but administrators.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from accounts.models import ApiToken, User

Role = User.Role
STAFF_ROLES = frozenset({Role.ANALYST, Role.LAWYER, Role.EXECUTIVE, Role.ADMIN})

# Which area of the department's work each model belongs to.
AREA: dict[str, str] = {
    "accounts.user": "users",
    "accounts.apitoken": "users",
    # Second-factor devices and login attempts (django-otp, django-axes): administrators only.
    "otp_totp.totpdevice": "users",
    "otp_static.staticdevice": "users",
    "axes.accessattempt": "users",
    "axes.accesslog": "users",
    "axes.accessfailurelog": "users",
    "cases.platform": "monitoring",
    "cases.agency": "monitoring",
    "cases.monitoredaccount": "monitoring",
    "cases.contentitem": "monitoring",
    "cases.campaign": "monitoring",
    "cases.assessment": "monitoring",
    "cases.rebuttal": "monitoring",
    "cases.evidence": "evidence",
    "cases.custodyevent": "evidence",
    "cases.platformcomplaint": "actions",
    "cases.lawyerletter": "actions",
    "cases.authorityreport": "actions",
    "cases.identitydisclosure": "identity",
    "cases.lawsuit": "litigation",
    "cases.lawsuitparty": "litigation",
    "cases.lawsuitclaim": "litigation",
    "cases.proceeding": "litigation",
    "cases.hearing": "litigation",
    "cases.deadline": "litigation",
    "cases.assistancerequest": "assistance",
    "cases.consentrecord": "assistance",
    "cases.ownernotification": "assistance",
    "cases.importjob": "monitoring",
    "cases.statechange": "history",
    "cases.auditevent": "audit",
    "cases.auditretention": "audit_settings",
    "cases.auditchainhead": "audit",
    "cases.webhooksubscription": "integrations",
    "cases.webhookdelivery": "integrations",
}

# Who may see each area. Executives read figures and case progress, never owners'
# requests or evidence files (both carry personal data).
CAN_VIEW: dict[str, frozenset[str]] = {
    "users": frozenset({Role.ADMIN}),
    "monitoring": STAFF_ROLES,
    "evidence": frozenset({Role.ANALYST, Role.LAWYER, Role.ADMIN}),
    "actions": STAFF_ROLES,
    "litigation": STAFF_ROLES,
    "assistance": frozenset({Role.ANALYST, Role.LAWYER, Role.ADMIN}),
    # Who holds an account (name, contact, address) is personal data: lawyers only.
    "identity": frozenset({Role.LAWYER, Role.ADMIN}),
    # Workflow timelines: who moved what, when and why. Written by services only.
    "history": STAFF_ROLES,
    "audit": frozenset({Role.ADMIN}),
    # How long the audit log is kept (each change audited, with a reason).
    "audit_settings": frozenset({Role.ADMIN}),
    # Outbound webhooks: receiver URLs and signing secrets.
    "integrations": frozenset({Role.ADMIN}),
}

# Who may change each area. Executives change nothing; nobody edits the audit trail.
CAN_EDIT: dict[str, frozenset[str]] = {
    "users": frozenset({Role.ADMIN}),
    "monitoring": frozenset({Role.ANALYST, Role.LAWYER, Role.ADMIN}),
    "evidence": frozenset({Role.ANALYST, Role.LAWYER, Role.ADMIN}),
    "actions": frozenset({Role.ANALYST, Role.LAWYER, Role.ADMIN}),
    "litigation": frozenset({Role.LAWYER, Role.ADMIN}),
    "assistance": frozenset({Role.ANALYST, Role.LAWYER, Role.ADMIN}),
    "identity": frozenset({Role.LAWYER, Role.ADMIN}),
    "history": frozenset(),
    "audit": frozenset(),
    "audit_settings": frozenset({Role.ADMIN}),
    "integrations": frozenset({Role.ADMIN}),
}

# Who sees owners' contact details unmasked (every such read is audited).
CAN_SEE_PERSONAL_DATA = frozenset({Role.LAWYER, Role.ADMIN})
# Who may sign off a serious escalation (the second person before any action).
CAN_SIGN_OFF = frozenset({Role.LAWYER, Role.ADMIN})
# Who reaches the Django admin site.
CAN_USE_ADMIN = frozenset({Role.LAWYER, Role.ADMIN})
# Who sees the executive dashboard.
CAN_VIEW_DASHBOARD = STAFF_ROLES
# Who must pass a second factor (TOTP, django-otp) after the password: those who reach personal
# data unmasked and the admin site. Enforced by accounts.middleware.TwoFactorRequiredMiddleware.
REQUIRES_TWO_FACTOR = frozenset({Role.LAWYER, Role.ADMIN})


def role_of(user: Any) -> str | None:
    """Return the user's effective role, or None for anonymous and inactive users."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return user.effective_role


def _area(model: type[Model] | Model) -> str:
    return AREA.get(model._meta.label_lower, "audit")


def can_view(user: Any, model: type[Model] | Model) -> bool:
    return role_of(user) in CAN_VIEW[_area(model)]


def can_edit(user: Any, model: type[Model] | Model) -> bool:
    return role_of(user) in CAN_EDIT[_area(model)]


def can_see_personal_data(user: Any) -> bool:
    return role_of(user) in CAN_SEE_PERSONAL_DATA


def can_sign_off(user: Any) -> bool:
    return role_of(user) in CAN_SIGN_OFF


def can_use_admin(user: Any) -> bool:
    return role_of(user) in CAN_USE_ADMIN


def can_view_dashboard(user: Any) -> bool:
    return role_of(user) in CAN_VIEW_DASHBOARD


def is_staff_member(user: Any) -> bool:
    return role_of(user) in STAFF_ROLES


def ensure_can_edit(user: Any, model: type[Model] | Model) -> None:
    """Raise PermissionDenied unless the user may change records of this model."""
    if not can_edit(user, model):
        raise PermissionDenied


class RoleRequiredMixin(AccessMixin):
    """Let a view through only for roles allowed by ``check(user)``.

    Set ``permission_model`` (view access by default, change access when
    ``permission_edit`` is True), or override ``has_role_permission``.
    """

    permission_model: type[Model] | None = None
    permission_edit = False

    def has_role_permission(self, user: Any) -> bool:
        if self.permission_model is None:
            return is_staff_member(user)
        check = can_edit if self.permission_edit else can_view
        return check(user, self.permission_model)

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not self.has_role_permission(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


# --- REST API (DRF) -----------------------------------------------------------------
# The same tables decide for the API: a token acts as its user, then its scopes narrow it.


def _api_model(view: Any) -> type[Model] | None:
    """Return the model a view's request is about: ``permission_models[action]``, else
    ``permission_model``, else the model of ``queryset``."""
    action = getattr(view, "action", None)
    by_action = getattr(view, "permission_models", {})
    if action in by_action:
        return by_action[action]
    model = getattr(view, "permission_model", None)
    if model is None and getattr(view, "queryset", None) is not None:
        model = view.queryset.model
    return model


class ApiRolePermission(BasePermission):
    """Staff roles only; safe methods need ``can_view`` on the view's model, others ``can_edit``.

    Deny by default: a view that names no model lets nobody through.
    """

    def has_permission(self, request: Any, view: Any) -> bool:
        if not is_staff_member(request.user):
            return False
        model = _api_model(view)
        if model is None:
            return False
        check = can_view if request.method in SAFE_METHODS else can_edit
        return check(request.user, model)


class ApiDashboardPermission(BasePermission):
    """The headline figures: whoever sees the executive dashboard."""

    def has_permission(self, request: Any, view: Any) -> bool:
        return can_view_dashboard(request.user)


class ApiStaffPermission(BasePermission):
    """Any staff role (the API schema)."""

    def has_permission(self, request: Any, view: Any) -> bool:
        return is_staff_member(request.user)


def token_scopes_allowed(request: Any, view: Any) -> frozenset[str]:
    """Return the token scopes that allow this request.

    Reads need "read", anything else "write"; a view may open one of its actions to more
    scopes through ``token_scopes = {"action": {"import"}}`` (the bulk import endpoints).
    """
    base = ApiToken.Scope.READ if request.method in SAFE_METHODS else ApiToken.Scope.WRITE
    extra = getattr(view, "token_scopes", {}).get(getattr(view, "action", None), ())
    return frozenset({base, *extra})


class ApiTokenScopePermission(BasePermission):
    """For token requests, the token's scopes must allow the request; session users pass."""

    message = _("This API token's scopes do not allow this request.")

    def has_permission(self, request: Any, view: Any) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return True
        return bool(set(token.scopes) & token_scopes_allowed(request, view))
