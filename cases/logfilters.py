"""Logging filters. Imported by settings.LOGGING, so this module must not import models."""

from __future__ import annotations

import logging
import re

TRACK_PATH_RE = re.compile(r"(/intake/track/)[^/\s\"']+")
# Defence in depth: code never logs owners' contact data, but a message built from an exception or
# a third-party library might. Mainland mobile numbers (optionally +86) and e-mail addresses are
# masked in every line; names cannot be recognised, so code must never log them.
PHONE_RE = re.compile(r"(?<!\d)(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?!\d)")
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


_FORMATTER = logging.Formatter()
_STANDARD = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}


def redact(message: str) -> str:
    """Return ``message`` with tracking tokens, phone numbers and e-mail addresses masked."""
    if "/intake/track/" in message:
        message = TRACK_PATH_RE.sub(r"\1[redacted]", message)
    if "@" in message:
        message = EMAIL_RE.sub("[email]", message)
    return PHONE_RE.sub("[phone]", message)


class TrackingTokenLogFilter(logging.Filter):
    """Redact owners' private tracking tokens (and stray phones/e-mails) from any log line."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 — a malformed record is logging's problem, not ours
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        for key, value in list(record.__dict__.items()):
            # Extras (django.db.backends passes the SQL with its parameters as "sql") are written by
            # structured formatters as they are.
            if key not in _STANDARD and isinstance(value, str):
                setattr(record, key, redact(value))
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text: fill it in, redacted (exception messages can quote input).
            record.exc_text = redact(_FORMATTER.formatException(record.exc_info))
        return True
