"""Placeholder views: replaced by the helper that owns this module."""

from django.views.generic import TemplateView


class MonitoredAccountListView(TemplateView):
    template_name = "placeholder.html"


class MonitoredAccountDetailView(TemplateView):
    template_name = "placeholder.html"
