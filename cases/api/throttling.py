"""Per-token (and per-user) request rates. Rates live in settings ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``.

A token is throttled on its own budget, whoever else shares its user; browser sessions on
their user's; anything unauthenticated (already refused) on its IP address.
"""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import ApiToken


class TokenRateThrottle(SimpleRateThrottle):
    """Every API request: scope "api"."""

    scope = "api"

    def get_rate(self) -> str | None:
        # Read the rates on each request (DRF's class attribute is frozen at import), so
        # settings overrides apply, in tests too.
        # The stubs type the rates as numbers; they are strings ("120/min"), None for no limit.
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        return None if rate is None else str(rate)

    def get_cache_key(self, request: Request, view: Any) -> str:
        token = request.auth
        if isinstance(token, ApiToken):
            ident = f"token-{token.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"ip-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class BulkRateThrottle(TokenRateThrottle):
    """The bulk import endpoints on top of "api": each call may write thousands of rows."""

    scope = "api_bulk"
