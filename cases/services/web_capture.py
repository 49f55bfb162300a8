"""Web capture: open a URL in headless Chromium and fix a full-page PNG, a PDF and the HTML as evidence.

Playwright drives Debian's Chromium (``EVIDENCE_CHROMIUM_PATH``). The URL's host must not
resolve to a private, loopback, link-local or otherwise internal address (the server would
otherwise fetch the intranet for whoever asks) unless an administrator lists the host in
``EVIDENCE_CAPTURE_ALLOWED_HOSTS``. The check runs on every request the page makes, redirects
included, and Chromium is pinned to the addresses we checked so a second DNS answer cannot
swap in an internal one.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from cases.models import ContentItem, Evidence
from cases.services.evidence import UploadLinks, evidence_upload

if TYPE_CHECKING:
    from playwright.sync_api import ViewportSize

NAVIGATION_TIMEOUT_MS = 30_000
VIEWPORT: ViewportSize = {"width": 1280, "height": 900}


@dataclass
class CaptureResult:
    final_url: str
    status: int | None
    user_agent: str
    browser_version: str
    evidence: list[Evidence]


def chromium_available() -> bool:
    path = settings.EVIDENCE_CHROMIUM_PATH
    return bool(path) and os.path.isfile(path) and os.access(path, os.X_OK)


def _allowed_host(host: str) -> bool:
    return host.lower() in set(getattr(settings, "EVIDENCE_CAPTURE_ALLOWED_HOSTS", []))


def _is_internal(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def resolve_public(url: str) -> tuple[str, list[str]]:
    """Return (host, addresses) for an http(s) URL whose host may be fetched, else raise ValidationError."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValidationError(_("Only http and https web addresses can be captured."), code="scheme")
    host = parts.hostname
    try:
        infos = socket.getaddrinfo(
            host, parts.port or (443 if parts.scheme == "https" else 80), type=socket.SOCK_STREAM
        )
    except (socket.gaierror, UnicodeError) as exc:
        raise ValidationError(_("The host “%(host)s” cannot be resolved."), code="dns", params={"host": host}) from exc
    # An AF_INET or AF_INET6 address is a string; anything else fails the address check below.
    addresses = sorted({str(info[4][0]) for info in infos})
    if not _allowed_host(host) and any(_is_internal(address) for address in addresses):
        raise ValidationError(
            _("“%(host)s” points to a private or internal address; capturing it is not allowed."),
            code="internal_address",
            params={"host": host},
        )
    return host, addresses


def web_capture(*, url: str, actor: Any, item: ContentItem | None = None) -> CaptureResult:
    """Capture one page and fix its PNG, PDF and HTML as three pieces of evidence."""
    permissions.ensure_can_edit(actor, Evidence)
    if not chromium_available():
        raise ValidationError(
            _("Chromium is not installed on the server: install the “chromium” package (apt install chromium)."),
            code="no_browser",
        )
    host, addresses = resolve_public(url)
    from playwright.sync_api import sync_playwright

    started = timezone.now()
    with sync_playwright() as playwright:
        args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
        if not _is_ip_literal(host):
            # Pin the host to the address just checked (no second, different DNS answer).
            pinned = f"[{addresses[0]}]" if ":" in addresses[0] else addresses[0]
            args.append(f"--host-resolver-rules=MAP {host} {pinned}")
        browser = playwright.chromium.launch(executable_path=settings.EVIDENCE_CHROMIUM_PATH, headless=True, args=args)
        try:
            context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai")
            page = context.new_page()

            def guard(route: Any) -> None:
                # Every request the page makes (redirects, images, scripts) passes the same check.
                if urlsplit(route.request.url).scheme in {"data", "blob", "about"}:
                    route.continue_()
                    return
                try:
                    resolve_public(route.request.url)
                except ValidationError:
                    route.abort("blockedbyclient")
                else:
                    route.continue_()

            page.route("**/*", guard)
            response = page.goto(url, wait_until="load", timeout=NAVIGATION_TIMEOUT_MS)
            final_url, status = page.url, (response.status if response else None)
            user_agent = page.evaluate("() => navigator.userAgent")
            png = page.screenshot(full_page=True, type="png")
            html = page.content().encode("utf-8")
            page.emulate_media(media="screen")
            pdf = page.pdf(print_background=True)
            version = browser.version
        finally:
            browser.close()
    finished = timezone.now()
    facts = {"requested_url": url, "final_url": final_url, "http_status": status, "user_agent": user_agent}
    metadata = {
        "capture_method": Evidence.CaptureMethod.WEB_CAPTURE,
        "capture_url": final_url[:2000],
        "capture_started_at": started,
        "capture_finished_at": finished,
        "tool": f"Chromium {version} (Playwright)"[:100],
        "device": "server",
        "network": Evidence.Network.WIRED,
        "clean_environment_checked": True,
        "platform": item.platform if item else None,
        "account": item.account if item else None,
    }
    links = UploadLinks(content_items=[item] if item else [])
    stamp = timezone.localtime(started).strftime("%Y%m%d-%H%M%S")
    fixed = []
    for label, extension, data in (("PNG", "png", png), ("PDF", "pdf", pdf), ("HTML", "html", html)):
        fixed.append(
            evidence_upload(
                uploaded=SimpleUploadedFile(f"capture-{stamp}.{extension}", data),
                actor=actor,
                metadata={
                    **metadata,
                    "title": (_("Web capture of %(host)s (%(kind)s)") % {"host": host, "kind": label})[:200],
                },
                links=links,
                custody_details=facts,
            )
        )
    return CaptureResult(
        final_url=final_url, status=status, user_agent=user_agent, browser_version=version, evidence=fixed
    )
