"""Template filters for the complaint pages: ``{{ complaint.response_time|duration }}``."""

from __future__ import annotations

import datetime

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def duration(value: datetime.timedelta | None) -> str:
    """Return a span in minutes under an hour, hours under two days, else days ("—" when unknown)."""
    if value is None:
        return "—"
    hours = value.total_seconds() / 3600
    if hours < 1:
        return _("%(minutes)d min") % {"minutes": int(value.total_seconds() // 60)}
    if hours < 48:
        return _("%(hours)s h") % {"hours": f"{hours:.1f}"}
    return _("%(days)s days") % {"days": f"{hours / 24:.1f}"}
