"""PDF rendering with WeasyPrint that never reaches outside the document.

WeasyPrint follows every URL in the HTML (images, stylesheets, fonts) with its default fetcher,
``file://`` and loopback addresses included. Our PDFs need nothing from outside (styles are inline
in the template, fonts come from fontconfig), so the fetcher refuses every URL but inline
``data:`` ones: a title that somehow carried markup still could not read a local file or probe an
internal service. WeasyPrint logs the refusal and leaves the resource out.
"""

from __future__ import annotations

from typing import Any


def _fetcher_class() -> type:
    from weasyprint.urls import URLFetcher

    class RefusingURLFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            refuse_url(url)
            return super().fetch(url, headers)

    return RefusingURLFetcher


def refuse_url(url: str) -> None:
    """Raise ValueError for any URL that is not inline data."""
    if not url.lower().startswith("data:"):
        raise ValueError(f"PDF rendering fetches no external resources (refused {url[:80]!r})")


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, url_fetcher=_fetcher_class()(allowed_protocols={"data"})).write_pdf()
