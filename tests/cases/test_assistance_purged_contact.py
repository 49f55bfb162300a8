"""A purged request's staff page reads no personal data, so it records no audited read of it."""

from __future__ import annotations

import pytest
from django.utils import timezone

from cases import models as m
from cases.services import assistance
from tests import factories as f

pytestmark = pytest.mark.django_db


def _views(req) -> int:
    return m.AuditEvent.objects.filter(
        object_type="cases.assistancerequest", object_id=str(req.pk), action="view"
    ).count()


def test_a_lawyer_reading_a_request_is_audited_but_not_once_it_is_purged(lawyer_client):
    req = f.AssistanceRequestFactory(status="withdrawn")
    page = lawyer_client.get(req.get_absolute_url())
    assert page.status_code == 200 and page.context["contact"].name == req.owner_name != ""
    assert _views(req) == 1

    assert assistance.assistance_requests_purge(today=timezone.localdate()) == 1
    page = lawyer_client.get(req.get_absolute_url())
    assert page.status_code == 200
    assert page.context["contact"].name == "" and not page.context["contact"].masked
    assert _views(req) == 1  # no new "view" of personal data that no longer exists
