"""Encrypted model fields for personal data, and the masking used wherever it is listed."""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models

# Ciphertext written by this field starts with this marker, so a plain value stored
# before encryption (or by a raw SQL import) is still readable and gets encrypted on save.
PREFIX = "enc1:"


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def fernet() -> MultiFernet:
    """Return the cipher: the first key encrypts, every listed key decrypts (rotation)."""
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(value: str) -> str:
    return PREFIX + fernet().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(value: str) -> str:
    if not value.startswith(PREFIX):
        return value
    try:
        return fernet().decrypt(value[len(PREFIX) :].encode("ascii")).decode("utf-8")
    except InvalidToken:
        # A key was dropped before rotation finished: say so instead of showing ciphertext.
        return "[undecryptable]"


def rotate(value: str) -> str:
    """Re-encrypt stored ciphertext under the current first key."""
    if not value.startswith(PREFIX):
        return encrypt(value) if value else value
    return PREFIX + fernet().rotate(value[len(PREFIX) :].encode("ascii")).decode("ascii")


def digest(value: str) -> str:
    """Return a keyed hash of a value, for equality lookups on encrypted data (e.g. duplicate phones)."""
    key = hashlib.sha256(("digest:" + settings.SECRET_KEY).encode()).digest()
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """A text field stored encrypted (Fernet). No lookups other than empty/non-empty."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def to_python(self, value):
        if isinstance(value, str):
            return decrypt(value)
        return value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))


def mask_phone(phone: str) -> str:
    """Return 138****5678 for 13812345678."""
    digits = phone.strip()
    if len(digits) <= 4:
        return "*" * len(digits)
    keep_head = 3 if len(digits) >= 8 else 1
    return digits[:keep_head] + "*" * (len(digits) - keep_head - 4) + digits[-4:]


def mask_name(name: str) -> str:
    """Return 张* for 张三, 张** for 张三丰, J*** for John."""
    name = name.strip()
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)


def mask_email(email: str) -> str:
    """Return z***@example.com for zhang@example.com."""
    local, at, domain = email.strip().partition("@")
    if not at:
        return mask_name(email)
    return (local[:1] or "*") + "***@" + domain
