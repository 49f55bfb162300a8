"""One exception handler for the API: every error is JSON.

Services raise Django's ``ValidationError`` and ``PermissionDenied`` (STYLE.md §10); this
module maps them once. A refused state move (``illegal_transition``, ``not_assessable``, …)
is 409 Conflict: the request was well-formed but the object is not in a state that allows it.
Other validation errors are 400 with a message per field (``{"field": ["message"]}``) or,
when no field is to blame, ``{"detail": "message", "code": "..."}``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from cases.api.parsers import PayloadTooLarge

# Validation codes that mean "not now, not from this state".
CONFLICT_CODES = frozenset(
    {
        "illegal_transition",
        "not_assessable",
        "already_signed",
        "not_escalated",
        "needs_sign_off",
        "no_fixed_evidence",
    }
)


class BadRequest(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = _("The request is not valid.")
    default_code = "invalid"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The object's current state does not allow this.")
    default_code = "conflict"


def _codes(error: DjangoValidationError) -> set[str]:
    return {e.code for e in error.error_list if e.code} if not hasattr(error, "error_dict") else set()


def _from_django_validation(error: DjangoValidationError) -> exceptions.APIException:
    if hasattr(error, "error_dict"):
        detail: dict[str, Any] = {
            ("detail" if field == "__all__" else field): messages for field, messages in error.message_dict.items()
        }
        return exceptions.ValidationError(detail)
    messages = error.messages
    codes = _codes(error)
    code = next(iter(sorted(codes)), "invalid")
    text = " ".join(messages)
    if codes & CONFLICT_CODES:
        return Conflict(detail=text, code=code)
    return BadRequest(detail=text, code=code)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Map Django's exceptions to DRF's, let DRF render them, and name the error's code."""
    if isinstance(exc, DjangoValidationError):
        exc = _from_django_validation(exc)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(detail=str(exc) or None)
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.APIException) and isinstance(response.data, dict) and "detail" in response.data:
        codes = exc.get_codes()
        if isinstance(codes, str):
            response.data["code"] = codes
        elif isinstance(codes, dict):
            detail_codes = codes.get("detail")
            if isinstance(detail_codes, list) and detail_codes:
                response.data["code"] = detail_codes[0]
    return response
