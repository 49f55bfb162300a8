"""Template filters for the triage queue and the item page."""

from __future__ import annotations

import datetime

from django import template
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def age(value: datetime.datetime | None) -> str:
    """Return how long ago ``value`` was, in its largest unit: "3 hours ago" (zh: "3 小时前")."""
    if not value:
        return ""
    if timezone.now() - value < datetime.timedelta(minutes=1):
        return _("just now")
    return _("%(age)s ago") % {"age": timesince(value, depth=1)}
