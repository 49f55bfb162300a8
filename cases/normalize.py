"""Normalisation of the values that identify things: URLs, case numbers, phone numbers."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

# Query parameters that only track where a click came from; they never change the content.
TRACKING_PARAMS = frozenset(
    {
        "spm", "from", "share_from", "share_source", "share_medium", "share_plat", "share_tag",
        "share_token", "share_id", "xsec_source", "xsec_token", "timestamp", "wfr", "vd_source",
        "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "is_from_webapp",
        "sender_device", "mid_share", "app_platform", "tt_from", "u_code", "share_app_id",
    }
)


def _is_tracking(key: str) -> bool:
    key = key.lower()
    return key in TRACKING_PARAMS or key.startswith("utm_")


def _normalize_path(path: str) -> str:
    # Decode then re-encode so encoded and raw Chinese give the same result. "%" is not
    # "safe": a literal percent must stay %25, or a second pass would decode it (not idempotent).
    # An encoded slash is kept encoded: decoding it would change which resource is meant.
    pieces = re.split(r"%2[fF]", path)
    return "%2F".join(quote(unquote(piece), safe="/:@!$&'()*+,;=-._~") for piece in pieces)


def normalize_url(url: str) -> str:
    """Return one spelling for one address: lower-case https host, no fragment,
    no tracking parameters, sorted query, no trailing slash, Chinese percent-encoded.
    """
    url = url.strip()
    if url.startswith("//"):
        url = "https:" + url
    elif not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", url):
        url = "https://" + url
    parts = urlsplit(url)
    scheme = "https" if parts.scheme.lower() in {"http", "https"} else parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        pass
    if host.startswith("www."):
        host = host[4:]
    if host.startswith("m.") and host.count(".") >= 2:
        host = host[2:]
    if ":" in host:
        host = f"[{host}]"  # IPv6 literal: urlsplit took the brackets off.
    try:
        port = parts.port
    except ValueError:
        # Not a port number: keep what was written so URL validation rejects it, rather than crash here.
        port_text = parts.netloc.rpartition(":")[2]
        netloc = f"{host}:{port_text}"
    else:
        netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    path = _normalize_path(parts.path) or "/"
    if len(path) > 1:
        path = path.rstrip("/")
    query = [
        (key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(key)
    ]
    return urlunsplit((scheme, netloc, path, urlencode(sorted(query), quote_via=quote), ""))


# (2025)京0491民初12345号 — year, court code, type code, serial number (关于人民法院案件案号的若干规定).
CASE_TYPE_CODES = (
    "民初", "民终", "民申", "民再", "民特", "民监", "民辖终", "民辖",
    "执恢", "执异", "执复", "执监", "执保", "执",
    "刑初", "刑终", "刑自", "刑申",
    "行初", "行终", "行保", "证保", "财保",
)  # fmt: skip
CASE_NUMBER_RE = re.compile(
    r"^[(（](?P<year>(19|20)\d{2})[)）]"
    r"(?P<court>[\u4e00-\u9fff]{1,3}\d{0,4})"
    r"(?P<type>" + "|".join(CASE_TYPE_CODES) + r")"
    r"(?P<serial>[1-9]\d{0,5})号$"
)


def normalize_case_number(value: str) -> str:
    """Return the case number with half-width brackets and no spaces."""
    return value.strip().replace(" ", "").replace("（", "(").replace("）", ")")


def normalize_phone(value: str) -> str:
    """Return the digits of a mainland mobile number: "+86 138-1234-5678" → "13812345678".

    Spaces, dashes, dots and brackets are dropped, and a +86 / 0086 / 86 country prefix in front of
    eleven digits is removed. Anything else is returned as digits only, for the caller to validate.
    The phone digest (cases.fields.digest) is always taken of this value, so every spelling of one
    number finds the same requests.
    """
    digits = re.sub(r"[\s\-.()（）]", "", value or "")
    if digits.startswith("+"):
        digits = digits[1:]
    if digits.startswith("0086") and len(digits) == 15:
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits
