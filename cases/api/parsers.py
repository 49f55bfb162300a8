"""The API's only parser: JSON, with a size cap and a depth cap.

Python's json module raises RecursionError (a 500) on a 10,000-deep array, and Django's
RequestDataTooBig would be one size for every endpoint. This parser reads at most the view's
limit (``get_max_body_bytes()``, else DATA_UPLOAD_MAX_MEMORY_SIZE) and answers 413, and 400 for
malformed or too deeply nested JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.json import strict_constant

# Deepest nesting any of our request bodies needs is 4 ({"items": [{"account": {...}}]}).
MAX_DEPTH = 32


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "payload_too_large"

    def __init__(self, limit: int | None = None) -> None:
        detail = None
        if limit:
            detail = _("The request body is too large: at most %(mb)s MB.") % {"mb": f"{limit / 1024 / 1024:g}"}
        super().__init__(detail=detail)


def body_limit(view: Any) -> int:
    """Return the largest body, in bytes, the view accepts (views may raise it for bulk uploads)."""
    getter = getattr(view, "get_max_body_bytes", None)
    return getter() if callable(getter) else settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def _declared_length(request: Any) -> int:
    meta = getattr(request, "META", {})
    try:
        return int(meta.get("CONTENT_LENGTH") or 0)
    except (TypeError, ValueError):
        return 0


def check_depth(data: Any, limit: int = MAX_DEPTH) -> None:
    """Raise ParseError if containers nest deeper than ``limit`` (iteratively: no recursion to exhaust)."""
    stack = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        children: Iterable[Any]
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            raise ParseError(_("The JSON is nested too deeply (at most %(limit)d levels).") % {"limit": limit})
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))


class SafeJSONParser(BaseParser):
    """JSON with a byte limit (413), strict constants (no NaN) and a nesting limit (400).

    Not a subclass of DRF's JSONParser on purpose: DRF reads ``request.body`` for those, which
    caps every JSON body at DATA_UPLOAD_MAX_MEMORY_SIZE; views set their own limit here.
    """

    media_type = "application/json"
    renderer_class = JSONRenderer

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None) -> Any:
        context = parser_context or {}
        limit = body_limit(context.get("view"))
        if _declared_length(context.get("request")) > limit:
            raise PayloadTooLarge(limit=limit)
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise PayloadTooLarge(limit=limit)
        try:
            text = raw.decode(context.get("encoding", settings.DEFAULT_CHARSET))
            data = json.loads(text, parse_constant=strict_constant)
        except RecursionError:
            raise ParseError(_("The JSON is nested too deeply.")) from None
        except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
            raise ParseError(_("Malformed JSON: %(error)s") % {"error": exc}) from None
        check_depth(data)
        return data
