"""The one place that decides a request's client address.

Login throttling (django-axes), the public form's rate limits and the audit trail all call
``client_ip``. ``X-Forwarded-For`` is only believed as far as ``TRUSTED_PROXY_COUNT`` says:
with 0 (the default) the header is ignored and ``REMOTE_ADDR`` is the client; with N proxies in
front of the app (each appending the address it saw), the client is the N-th address from the
right. Anything a client writes further left is its own claim and never used.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings


def _valid(address: str) -> str:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return ""


def client_ip(request: Any) -> str:
    """Return the client's address as a normalised string, or "" when there is none."""
    remote = _valid(request.META.get("REMOTE_ADDR", ""))
    proxies = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < proxies:
        # Fewer hops than trusted proxies: the request did not come through them all.
        return remote
    return _valid(forwarded[-proxies]) or remote
