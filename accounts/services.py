"""Writes on users' API tokens: create (the key is returned once) and revoke."""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.models import ApiToken, User


def generate_key() -> str:
    """Return a new random key: 32 bytes (256 bits) as 43 url-safe characters."""
    return secrets.token_urlsafe(32)


@transaction.atomic
def api_token_create(
    *,
    name: str,
    user: User,
    scopes: Iterable[str],
    created_by: Any = None,
    expires_at: datetime.datetime | None = None,
) -> tuple[ApiToken, str]:
    """Create a token acting as ``user`` and return it with its key. The key is not stored: show it once."""
    if created_by is not None and not permissions.can_edit(created_by, ApiToken):
        raise PermissionDenied(_("Only administrators create API tokens."))
    key = generate_key()
    token = ApiToken(
        name=name,
        user=user,
        scopes=sorted(set(scopes)),
        created_by=created_by,
        expires_at=expires_at,
        prefix=key[:8],
        digest=ApiToken.digest_of(key),
    )
    token.full_clean()
    token.save()
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: Any = None) -> ApiToken:
    """Revoke the token now; a revoked token is refused from its next request on. Revoking twice changes nothing."""
    if actor is not None and not permissions.can_edit(actor, ApiToken):
        raise PermissionDenied(_("Only administrators revoke API tokens."))
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
    return token
