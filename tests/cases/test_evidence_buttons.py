"""The capture and evidence-package endpoints are reachable from the pages they serve.

Before, no page linked to them: a lawyer could not capture an item's page or export a package
without typing the URL (found by tests/test_browser_evidence.py).
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories as f

pytestmark = pytest.mark.django_db


def _form(url: str) -> str:
    return f'action="{url}"'


def test_the_item_page_offers_a_capture_of_the_page(lawyer_client, executive_client):
    item = f.ContentItemFactory()
    capture = _form(reverse("cases:evidence-capture", args=[item.pk]))
    assert capture in lawyer_client.get(item.get_absolute_url()).content.decode()
    assert capture not in executive_client.get(item.get_absolute_url()).content.decode()


def test_the_lawsuit_page_offers_the_evidence_package(lawyer_client, executive_client):
    lawsuit = f.LawsuitFactory()
    lawsuit.evidence.add(f.EvidenceFactory())
    package = _form(reverse("cases:evidence-package", args=[lawsuit.pk]))
    assert package in lawyer_client.get(lawsuit.get_absolute_url()).content.decode()
    executive_page = executive_client.get(lawsuit.get_absolute_url())
    assert executive_page.status_code == 200 and package not in executive_page.content.decode()


def test_the_request_page_offers_the_evidence_package_once_there_is_evidence(lawyer_client):
    req = f.AssistanceRequestFactory()
    package = _form(reverse("cases:assistance-evidence-package", args=[req.pk]))
    assert package not in lawyer_client.get(req.get_absolute_url()).content.decode()
    f.EvidenceFactory().assistance_requests.add(req)
    assert package in lawyer_client.get(req.get_absolute_url()).content.decode()
