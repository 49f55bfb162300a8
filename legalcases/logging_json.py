"""Structured logging: request ids on every record and an optional JSON formatter.

Imported by settings.LOGGING, so this module must not import models (nor anything that does).
``LOG_FORMAT=json`` selects :class:`JsonFormatter` (one JSON object per line, for log shippers);
the default ``text`` keeps readable lines for development. Either way every record carries the
request id of the request (or Celery task) that produced it, the same id as the ``X-Request-ID``
response header and the audit rows, so a user's report leads to its log lines.
"""

from __future__ import annotations

import contextvars
import datetime
import json
import logging
from typing import Any

# Set by legalcases.health_middleware.RequestIdMiddleware for the duration of a request.
current_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("legalcases_request_id", default="")

# LogRecord attributes that are not "extra" fields passed by the caller.
_STANDARD = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}


class RequestIdLogFilter(logging.Filter):
    """Put ``record.request_id`` on every record ("-" outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = current_request_id.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, request_id, extras.

    Personal data is kept out by the filters that run before it (cases.logfilters); extras that
    are not JSON-serialisable are written as their ``repr`` type name only, never their value.
    """

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "") or current_request_id.get() or "-",
        }
        for key, value in record.__dict__.items():
            if key in _STANDARD or key.startswith("_"):
                continue
            entry[key] = value if isinstance(value, str | int | float | bool | type(None)) else type(value).__name__
        if record.exc_info:
            entry["exc_type"] = record.exc_info[0].__name__ if record.exc_info[0] else ""
            # exc_text is filled (and redacted) by cases.logfilters; format it only if no filter ran.
            entry["traceback"] = record.exc_text or self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


TEXT_FORMAT = "{asctime} {levelname} {name} [{request_id}] {message}"
