"""PDF rendering with WeasyPrint, shared by the download view and the Celery tasks (STYLE.md §22).

The HTML is our own template; WeasyPrint may not fetch anything while rendering it: the URL
fetcher refuses every URL (file://, http(s)://, …) except inline ``data:`` URLs. Fonts come from
fontconfig (fonts-noto-cjk), and WeasyPrint embeds the glyphs it uses into the PDF.
"""

from __future__ import annotations

import logging
from typing import Any

from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


class RefusedURL(Exception):
    """Raised by the fetcher for any URL that is not inline data."""


def refusing_fetcher() -> Any:
    """Return a WeasyPrint URL fetcher that serves ``data:`` URLs and refuses everything else."""
    from weasyprint import URLFetcher

    class InlineOnlyFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            if not url.lower().startswith("data:"):
                logger.warning("PDF rendering refused to fetch %s", url[:200])
                raise RefusedURL(url[:200])
            return super().fetch(url, headers)

    return InlineOnlyFetcher(allowed_protocols={"data"}, timeout=1)


def render_pdf(template_name: str, context: dict[str, Any], *, base_url: str | None = None) -> bytes:
    """Render a template to PDF bytes, fetching nothing from disk or the network."""
    from weasyprint import HTML

    html = render_to_string(template_name, context)
    return HTML(string=html, base_url=base_url, url_fetcher=refusing_fetcher()).write_pdf()
