"""TOTP two-factor authentication (django-otp): who needs it, enrolment, backup codes.

Lawyers and administrators (``permissions.CAN_*`` decides, see ``requires_two_factor``) must
verify a second factor after their password before any staff page, the admin site or a
session-authenticated API call. Enrolment: an unconfirmed TOTP device with a QR code, confirmed
by the first valid code; then ten single-use backup codes, shown once.
"""

from __future__ import annotations

import secrets
from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import permissions

BACKUP_CODE_COUNT = 10
TOTP_DEVICE_NAME = "authenticator"
BACKUP_DEVICE_NAME = "backup"


def requires_two_factor(user: Any) -> bool:
    """Lawyers and administrators (superusers included) must pass a second factor."""
    return permissions.role_of(user) in permissions.REQUIRES_TWO_FACTOR


def has_confirmed_device(user: Any) -> bool:
    return any(True for _ in devices_for_user(user, confirmed=True))


def is_verified(user: Any) -> bool:
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def pending_totp_device(user: Any) -> TOTPDevice:
    """Return the user's unconfirmed TOTP device, creating one (a fresh secret) if there is none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def qr_code_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL as an inline SVG (no image request, nothing fetched from elsewhere)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    svg = image.to_string(encoding="unicode")
    # Drop the XML declaration: the SVG is embedded in an HTML page.
    return svg[svg.index("<svg") :]


def secret_for_manual_entry(device: TOTPDevice) -> str:
    """The shared secret in base32 groups of four, for apps that cannot scan."""
    import base64

    text = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def _elevate(request: Any, device: Any) -> None:
    """Mark the session verified by ``device`` under a new session key (no fixation across the step)."""
    request.session.cycle_key()
    otp_login(request, device)


@transaction.atomic
def confirm_totp_device(*, request: Any, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm enrolment with the first code. Return the new backup codes, or None for a wrong code."""
    if not device.verify_token(token.strip().replace(" ", "")):
        return None
    # One authenticator per user: the new one replaces any older.
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = regenerate_backup_codes(device.user)
    _elevate(request, device)
    return codes


@transaction.atomic
def regenerate_backup_codes(user: Any) -> list[str]:
    """Replace the user's backup codes with ten new ones and return them (shown once, stored as given)."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name=BACKUP_DEVICE_NAME, defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [f"{secrets.randbelow(10**8):08d}" for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def verify(*, request: Any, token: str) -> bool:
    """Check a code for the signed-in user and mark the session verified.

    Six digits are an authenticator code, eight a backup code (used up by this call). Each device
    throttles itself (django-otp): after a wrong code the next try waits, doubling each time.
    """
    token = token.strip().replace(" ", "").replace("-", "")
    if not token.isdigit():
        return False
    model = {6: TOTPDevice, 8: StaticDevice}.get(len(token))
    if model is None:
        return False
    with transaction.atomic():
        for device in model.objects.select_for_update().filter(user=request.user, confirmed=True):
            if device.verify_token(token):
                _elevate(request, device)
                return True
    return False


def issuer() -> str:
    return getattr(settings, "OTP_TOTP_ISSUER", "LegalCases")
