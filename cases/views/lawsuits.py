"""Placeholder views: replaced by the helper that owns this module."""

from django.views.generic import TemplateView


class LawsuitListView(TemplateView):
    template_name = "placeholder.html"


class LawsuitDetailView(TemplateView):
    template_name = "placeholder.html"
