"""The Django admin for the domain, one module per concept (see base.py for the shared rules)."""

from django.contrib import admin

from cases.admin import actions, assistance, audit, evidence, intake, litigation, monitoring, webhooks  # noqa: F401  (registers)
from legalcases.admin_site import configure_default_site

configure_default_site(admin.site)
