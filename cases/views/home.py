"""Placeholder views: replaced by the helper that owns this module."""

from django.views.generic import TemplateView


class HomeView(TemplateView):
    template_name = "placeholder.html"
