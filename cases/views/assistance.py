"""Placeholder views: replaced by the helper that owns this module."""

from django.views.generic import TemplateView


class AssistanceRequestListView(TemplateView):
    template_name = "placeholder.html"


class AssistanceRequestDetailView(TemplateView):
    template_name = "placeholder.html"
