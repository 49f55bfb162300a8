"""Public pages for car owners (no login): the assistance program and the evidence guide.

The request form itself is a later addition to this module (STYLE.md §15).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.utils.decorators import method_decorator
from django.views.generic import TemplateView


@method_decorator(login_not_required, name="dispatch")
class PublicHomeView(TemplateView):
    """The owner assistance program (车主援助) and its personal-information notice."""

    template_name = "cases/public/home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            notice_version=settings.PRIVACY_NOTICE_VERSION,
            retention_days=settings.ASSISTANCE_RETENTION_DAYS,
            contact_email=settings.DEFAULT_FROM_EMAIL,
        )
        return context


@method_decorator(login_not_required, name="dispatch")
class EvidenceGuideView(TemplateView):
    """The evidence-collection guide (取证指引), platform by platform."""

    template_name = "cases/public/guide.html"
