"""Placeholder views: replaced by the helper that owns this module."""

from django.views.generic import TemplateView


class PublicHomeView(TemplateView):
    template_name = "placeholder.html"


class EvidenceGuideView(TemplateView):
    template_name = "placeholder.html"
