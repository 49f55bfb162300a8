"""Placeholder views: replaced by the helper that owns this module."""

from django.views.generic import TemplateView


class TriageView(TemplateView):
    template_name = "placeholder.html"


class ContentItemListView(TemplateView):
    template_name = "placeholder.html"


class ContentItemDetailView(TemplateView):
    template_name = "placeholder.html"
