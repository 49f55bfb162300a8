"""Request ids and graceful failure when a backing service is down.

``RequestIdMiddleware`` comes first in MIDDLEWARE. It gives every request an id (the client's
``X-Request-ID`` if well-formed, else a new one) that logs, audit rows and the response header
share, and it turns "the database (or broker) is unreachable" into a 503 page, or JSON under
``/api/``, naming that id instead of a 500 with a traceback in the logs. "Storage full" becomes
a 507 saying nothing was saved. Recovery needs no restart: Django drops the broken connection at
the end of the request and ``CONN_HEALTH_CHECKS`` checks a reused one before the next.

Failures can surface in the view (``process_exception``) or in another middleware (sessions,
authentication), where Django turns them into a 500 before we see the response; the
``got_request_exception`` receiver remembers the cause on the request so the 500 can be swapped.
"""

from __future__ import annotations

import errno
import logging
import sys
from collections.abc import Callable
from typing import Any

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.html import format_html
from django.utils.translation import gettext as _

from cases.audit import request_id_for
from legalcases import db_watchdog
from legalcases.logging_json import current_request_id

logger = logging.getLogger("legalcases.faults")

RETRY_AFTER_SECONDS = 30
_FAILURE_ATTR = "_legalcases_failure"


def _broker_errors() -> tuple[type[BaseException], ...]:
    try:
        from kombu.exceptions import OperationalError as BrokerOperationalError
    except ImportError:  # pragma: no cover - kombu comes with celery
        return ()
    return (BrokerOperationalError,)


def _cache_errors() -> tuple[type[BaseException], ...]:
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError
    except ImportError:  # pragma: no cover - redis comes with celery[redis]
        return ()
    return (RedisConnectionError, RedisTimeoutError)


DATABASE_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)
# The shared cache (CACHE_URL: rate limits) on Redis: down means "try again", like the database.
CACHE_ERRORS: tuple[type[BaseException], ...] = _cache_errors()
SERVICE_ERRORS: tuple[type[BaseException], ...] = DATABASE_ERRORS + _broker_errors()


def is_storage_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)


def classify(exc: BaseException) -> str | None:
    """"database", "cache", "broker", "storage" for the failures answered here; None for anything else."""
    if isinstance(exc, DATABASE_ERRORS):
        return "database"
    if CACHE_ERRORS and isinstance(exc, CACHE_ERRORS):
        return "cache"
    if isinstance(exc, SERVICE_ERRORS):
        return "broker"
    if is_storage_full(exc):
        return "storage"
    return None


def wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", "")


def failure_response(request: HttpRequest, kind: str) -> HttpResponse:
    """The 503/507 answer for ``kind``; rendered without the database, a request context or a session."""
    request_id = getattr(request, "request_id", "") or current_request_id.get()
    if kind == "storage":
        status, code = 507, "storage_full"
        title = _("Storage is full")
        message = _("The server has no room left to store files, so nothing was saved. Please try again later.")
    else:
        status, code = 503, f"{kind}_unavailable"
        title = _("Temporarily unavailable")
        message = _(
            "The service is temporarily unavailable, so your request was not completed. "
            "Please try again in a minute."
        )
    if wants_json(request):
        response: HttpResponse = JsonResponse(
            {"detail": message, "code": code, "request_id": request_id}, status=status
        )
    else:
        context = {"title": title, "message": message, "request_id": request_id, "status": status}
        try:
            html = loader.render_to_string("503.html", context)
        except Exception:  # noqa: BLE001 — the error page must not fail in turn (e.g. no static manifest)
            html = format_html(
                "<!doctype html><title>{0}</title><h1>{0}</h1><p>{1}</p><p><code>{2}</code></p>",
                title, message, request_id,
            )  # fmt: skip
        response = HttpResponse(html, status=status)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def _remember_failure(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    exc = sys.exc_info()[1]
    if request is not None and exc is not None and classify(exc):
        setattr(request, _FAILURE_ATTR, exc)


got_request_exception.connect(_remember_failure, dispatch_uid="legalcases-remember-failure")
# A stalled (not stopped) database must not hang a request: legalcases/db_watchdog.py.
db_watchdog.install()


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.request_id = request_id_for(request)  # type: ignore[attr-defined]
        token = current_request_id.set(request.request_id)  # type: ignore[attr-defined]
        try:
            try:
                response = self.get_response(request)
            except Exception as exc:  # an error page that itself needed the database
                kind = classify(exc)
                if kind is None:
                    raise
                logger.error("%s unavailable while serving a request", kind, exc_info=True)
                response = failure_response(request, kind)
            failure = getattr(request, _FAILURE_ATTR, None)
            if failure is not None and response.status_code == 500:
                response = failure_response(request, classify(failure) or "database")
            response["X-Request-ID"] = request.request_id  # type: ignore[attr-defined]
            return response
        finally:
            current_request_id.reset(token)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        kind = classify(exception)
        if kind is None:
            return None
        logger.error("%s unavailable while serving a request", kind, exc_info=True)
        return failure_response(request, kind)
