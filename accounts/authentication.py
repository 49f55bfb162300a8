"""REST API authentication for machines: ``Authorization: Token <key>``.

The key is looked up by its SHA-256 digest (only the digest is stored). A revoked or
expired token, or one whose user was deactivated, is refused with 401. ``request.auth``
is the ``ApiToken``, so the audit trail records such requests with actor type "token".
"""

from __future__ import annotations

import datetime
import functools
from typing import Any

from django.db import connections, router
from django.db.models import Field, Model, Q
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


@functools.cache
def _token_lookup(alias: str) -> tuple[str, list[Field], list[Field]]:
    """The SQL of ``ApiToken.objects.select_related("user").get(digest=…)``, written once."""
    connection = connections[alias]
    quote = connection.ops.quote_name
    token_fields, user_fields = list(ApiToken._meta.concrete_fields), list(User._meta.concrete_fields)
    columns = [f"t.{quote(f.column)}" for f in token_fields] + [f"u.{quote(f.column)}" for f in user_fields]
    user_fk = ApiToken._meta.get_field("user")
    token_table, user_table = quote(ApiToken._meta.db_table), quote(User._meta.db_table)
    join = f"u.{quote(User._meta.pk.column)} = t.{quote(user_fk.column)}"
    digest = f"t.{quote(ApiToken._meta.get_field('digest').column)}"
    # Names from the models only; the digest is a parameter.
    sql = f"SELECT {', '.join(columns)} FROM {token_table} t JOIN {user_table} u ON {join} WHERE {digest} = %s"  # noqa: S608
    return sql, token_fields, user_fields


def _instance(model: type[Model], alias: str, fields: list[Field], values: list[Any]) -> Any:
    connection = connections[alias]
    converted = []
    for field, value in zip(fields, values, strict=True):
        for converter in field.get_db_converters(connection):  # type: ignore[attr-defined]  # missing from django-stubs
            value = converter(value, field, connection)
        converted.append(value)
    return model.from_db(alias, [f.attname for f in fields], converted)


def token_by_digest(digest: str) -> ApiToken | None:
    """The token with this digest and its user, in one query whose SQL is not compiled per request.

    The ORM's select_related query cost a tenth of a list request's CPU to compile; the rows and
    the instances are the same (tests/api/test_auth.py compares them).
    """
    alias = router.db_for_read(ApiToken)
    sql, token_fields, user_fields = _token_lookup(alias)
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, [digest])
        row = cursor.fetchone()
    if row is None:
        return None
    token = _instance(ApiToken, alias, token_fields, list(row[: len(token_fields)]))
    user = _instance(User, alias, user_fields, list(row[len(token_fields) :]))
    ApiToken._meta.get_field("user").set_cached_value(token, user)
    return token


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
        token = token_by_digest(ApiToken.digest_of(key))
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
