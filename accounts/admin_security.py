"""Admin for the security records: second-factor devices and login attempts.

Administrators (the "users" area) see them and delete them, nothing else: deleting a user's
devices resets their second factor (they enrol again at the next login); deleting an access
attempt lifts a lockout. Nobody adds or edits them here. Django's groups are not used (roles
decide, accounts/permissions.py), so their admin is removed.
"""

from __future__ import annotations

from typing import Any

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group
from django.http import HttpRequest
from django_otp.plugins.otp_static.admin import StaticDeviceAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases.admin.base import RoleAdminMixin


class SecurityRecordAdminMixin(RoleAdminMixin):
    allow_delete = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class LogAdminMixin(SecurityRecordAdminMixin):
    allow_delete = False


def _replace(model: Any, admin_class: type, mixin: type) -> None:
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, type(f"Policy{admin_class.__name__}", (mixin, admin_class), {}))


_replace(TOTPDevice, TOTPDeviceAdmin, SecurityRecordAdminMixin)
_replace(StaticDevice, StaticDeviceAdmin, SecurityRecordAdminMixin)
_replace(AccessAttempt, AccessAttemptAdmin, SecurityRecordAdminMixin)
_replace(AccessLog, AccessLogAdmin, LogAdminMixin)
_replace(AccessFailureLog, AccessFailureLogAdmin, LogAdminMixin)
if admin.site.is_registered(Group):
    admin.site.unregister(Group)
