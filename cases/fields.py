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


UNDECRYPTABLE = "[undecryptable]"


class Decrypted(str):
    """Plain text read from (or just written to) the database, remembering its ciphertext.

    Saving it again writes the same ciphertext back. Fernet is randomised, so re-encrypting an
    unchanged value would make every save look like a change of personal data in the audit
    trail, and a value that could not be decrypted would be overwritten with the placeholder.
    Any edit (a new str) is encrypted afresh.
    """

    ciphertext: str | None

    def __new__(cls, plain: str, ciphertext: str | None) -> Decrypted:
        obj = super().__new__(cls, plain)
        obj.ciphertext = ciphertext
        return obj

    def __reduce__(self):
        return (Decrypted, (str(self), self.ciphertext))


def decrypt(value: str) -> str:
    if not value.startswith(PREFIX):
        return value
    try:
        return fernet().decrypt(value[len(PREFIX) :].encode("ascii")).decode("utf-8")
    except InvalidToken:
        # A key was dropped before rotation finished: say so instead of showing ciphertext.
        return UNDECRYPTABLE


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
        return Decrypted(decrypt(value), value if value.startswith(PREFIX) else None)

    def to_python(self, value):
        if isinstance(value, Decrypted) or not isinstance(value, str) or not value.startswith(PREFIX):
            return value
        plain = decrypt(value)
        # Text that merely looks like ciphertext (someone typed "enc1:…") is plain text to encrypt.
        return value if plain == UNDECRYPTABLE else Decrypted(plain, value)

    def save_form_data(self, instance, data):
        # A form posts every field back; an unchanged value keeps its stored ciphertext
        # (and an undecryptable one is not replaced by the placeholder the form showed).
        current = getattr(instance, self.attname, None)
        if isinstance(current, Decrypted) and current == data:
            return
        super().save_form_data(instance, data)

    def pre_save(self, model_instance, add):
        # Encrypt once per new value and keep the result on the instance, so saving the same
        # instance twice writes the same ciphertext (no phantom change in the audit trail).
        value = super().pre_save(model_instance, add)
        if isinstance(value, str) and value and getattr(value, "ciphertext", None) is None:
            value = Decrypted(value, encrypt(value))
            setattr(model_instance, self.attname, value)
        return value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        if isinstance(value, Decrypted) and value.ciphertext:
            return value.ciphertext
        return encrypt(str(value))


def mask_phone(phone: str) -> str:
    """Return 138****5678 for 13812345678.

    At least four characters are always hidden, so a short number is never shown whole;
    the visible part is the last four and, for long numbers, the first three.
    """
    phone = phone.strip()
    hidden = max(4, len(phone) - 7)
    if len(phone) <= hidden:
        return "*" * len(phone)
    shown = len(phone) - hidden
    tail = min(4, shown)
    head = shown - tail
    return phone[:head] + "*" * hidden + phone[len(phone) - tail :]


def mask_name(name: str) -> str:
    """Return 张* for 张三, 张** for 张三丰, J*** for John, and * for a one-character name."""
    name = name.strip()
    if len(name) <= 1:
        return "*" * len(name)
    return name[0] + "*" * (len(name) - 1)


def mask_email(email: str) -> str:
    """Return z***@example.com for zhang@example.com."""
    local, at, domain = email.strip().partition("@")
    if not at:
        return mask_name(email)
    return (local[:1] or "*") + "***@" + domain
