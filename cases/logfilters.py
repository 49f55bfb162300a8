"""Logging filters. Imported by settings.LOGGING, so this module must not import models."""

from __future__ import annotations

import logging
import re

TRACK_PATH_RE = re.compile(r"(/intake/track/)[^/\s\"']+")


class TrackingTokenLogFilter(logging.Filter):
    """Redact owners' private tracking tokens from any log line (request lines, error reports)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/intake/track/" in message:
            record.msg = TRACK_PATH_RE.sub(r"\1[redacted]", message)
            record.args = None
        return True
