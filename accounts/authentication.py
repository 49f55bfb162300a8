"""REST API authentication for machines: ``Authorization: Token <key>``.

The key is looked up by its SHA-256 digest (only the digest is stored). A revoked or
expired token, or one whose user was deactivated, is refused with 401. ``request.auth``
is the ``ApiToken``, so the audit trail records such requests with actor type "token".
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from accounts.models import ApiToken, User

KEYWORD = "Token"
# Keys are 43 characters; anything much longer is not one of ours (and is not hashed).
MAX_KEY_LENGTH = 128
# last_used_at is written at most this often per token: one UPDATE per request would serialise
# a vendor's parallel imports on the token's row (and fill the audit trail).
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


class ApiTokenAuthentication(BaseAuthentication):
    """Authenticate ``Authorization: Token <key>`` against the stored digests."""

    keyword = KEYWORD

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        try:
            # WSGI gives headers as latin-1 text; anything else cannot be a key of ours.
            parts = header.encode("latin-1").split() if isinstance(header, str) else header.split()
        except UnicodeEncodeError:
            raise AuthenticationFailed(_("Invalid token header.")) from None
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None  # not ours: let the next authenticator (session) try
        if len(parts) != 2:
            raise AuthenticationFailed(_("Invalid token header: expected “Token <key>”."))
        try:
            key = parts[1].decode("ascii")
        except UnicodeError:
            raise AuthenticationFailed(_("Invalid token.")) from None
        if len(key) > MAX_KEY_LENGTH:
            raise AuthenticationFailed(_("Invalid token."))
        return self.authenticate_key(request, key)

    def authenticate_key(self, request: Request, key: str) -> tuple[User, ApiToken]:
        token = ApiToken.objects.select_related("user").filter(digest=ApiToken.digest_of(key)).first()
        now = timezone.now()
        if token is None or not token.is_usable(now):
            raise AuthenticationFailed(_("Invalid, revoked or expired token."))
        if not token.user.is_active:
            raise AuthenticationFailed(_("The token's user is deactivated."))
        self._touch(request, token, now)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (not 403) to requests without credentials.
        return f'{self.keyword} realm="api"'

    @staticmethod
    def _touch(request: Request, token: ApiToken, now: datetime.datetime) -> None:
        """Record the use, at most once per LAST_USED_RESOLUTION, attributed to the token in the audit trail."""
        if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
            return
        from cases.audit import audit_context, client_ip

        http_request: Any = getattr(request, "_request", request)
        # request.user is not set yet (we are deciding it), so name the actor explicitly.
        with audit_context(
            actor=token.user,
            actor_type="token",
            ip=client_ip(http_request),
            request_id=getattr(http_request, "request_id", ""),
        ):
            ApiToken.objects.filter(pk=token.pk).filter(
                Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
            ).update(last_used_at=now)
        token.last_used_at = now


class VerifiedSessionAuthentication(SessionAuthentication):
    """A browser session (with CSRF), but only once a lawyer or administrator passed the second factor.

    An unverified session of such a user counts as no authentication, so the API answers 401/403
    exactly as for an anonymous caller.
    """

    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        from accounts import two_factor

        result = super().authenticate(request)
        if result is None:
            return None
        user = result[0]
        if two_factor.requires_two_factor(user) and not two_factor.is_verified(user):
            return None
        return result
