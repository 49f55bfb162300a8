"""OpenAPI 3 (drf-spectacular): the token authentication, and the error answers of every operation.

Loaded by ``SPECTACULAR_SETTINGS["DEFAULT_SCHEMA_CLASS"]`` (settings), which also registers
the authentication extension below.
"""

from __future__ import annotations

from typing import Any

import django_filters
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import Direction, extend_schema_field
from rest_framework import serializers

from cases.filters import PersonFilter, YesNoFilter

# The schema of a filter is guessed from its model field, which misleads for our filter types:
# yes/no filters on a date column ("assessed"), a person filter that also takes "me", and
# platform filters that take the platform's code, not its id. State what they accept.
extend_schema_field({"type": "string", "enum": ["true", "false"]})(YesNoFilter)
extend_schema_field({"type": "string", "description": "A staff member's id, or `me`."})(PersonFilter)
# Every ModelChoiceFilter of ours names its row by code (to_field_name="code"): platforms.
extend_schema_field(OpenApiTypes.STR)(django_filters.ModelChoiceFilter)


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "`Authorization: Token <key>`. Tokens are created by administrators (admin site or "
                "`manage.py create_api_token`) and shown once. Scopes: `read` (GET), `write` (actions), "
                "`import` (bulk import, platforms and the token's own import jobs only)."
            ),
        }


class VerifiedSessionScheme(OpenApiAuthenticationExtension):
    """The browser session (accounts.authentication.VerifiedSessionAuthentication, second factor passed)."""

    target_class = "accounts.authentication.VerifiedSessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        from django.conf import settings

        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in the request's language.")
    code = serializers.CharField(required=False, help_text="A stable code, e.g. not_authenticated, illegal_transition.")


# 400 with field errors: {"field": ["message", …], …}; errors not tied to a field use "detail".
# A field of a nested input (a list of objects, e.g. a suit's claims) has its errors nested the
# same way, by position and field: {"claims": [{}, {"amount_awarded": ["message"]}]} or {"claims": {"1": {…}}}.
VALIDATION_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": (
        "Field errors (`{\"field\": [\"message\"]}`), nested by position for lists of objects, or "
        "`detail` and `code` when no field is to blame."
    ),
    "additionalProperties": {
        "oneOf": [
            {"type": "array", "items": {"oneOf": [{"type": "string"}, {"type": "object"}]}},
            {"type": "string"},
            {"type": "object"},
        ]
    },
}

ERRORS: dict[str, str] = {
    "400": "Invalid input: malformed JSON, a wrong type, a bad filter or parameter.",
    "401": "No credentials, or an invalid, revoked or expired token.",
    "403": "Your role or the token's scopes do not allow this.",
    "404": "No such object, or not visible to you; or a page past the end.",
    "405": "Method not allowed on this endpoint.",
    "409": "The object's state does not allow this (code: illegal_transition, not_assessable, …).",
    "413": "The request body is too large.",
    "415": "Send JSON (Content-Type: application/json).",
    "429": "Too many requests for this token; retry after the Retry-After header's seconds.",
}


class ApiAutoSchema(AutoSchema):
    """Adds the JSON error answers each operation can give to its documented responses."""

    def _error_codes(self) -> list[str]:
        codes = ["400", "401", "403", "405", "429"]
        if self.method in ("POST", "PUT", "PATCH"):
            codes += ["413", "415"]
        if "{" in self.path:
            codes.append("404")
        elif self.method == "GET" and self._is_list_view():
            codes.append("404")  # a page past the end
        if self.method == "POST" and "{" in self.path:
            codes.append("409")
        return sorted(codes)

    def _get_response_bodies(self, direction: Direction = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in self._error_codes():
            if code in responses:
                continue
            body = VALIDATION_ERROR_SCHEMA if code == "400" else ErrorSerializer
            response = self._get_response_for_code(body, code, direction=direction)
            response["description"] = ERRORS[code]
            responses[code] = response
        return responses
