"""After ``seed_demo`` the dashboard, its PDF and the statement show exactly the public figures of issue 7.

The seed runs once for the module inside a transaction that is rolled back after the last test.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse

from accounts.models import User

# "16,465 items assessed, 231 accounts monitored, 92 malicious accounts sued, 35 suits helping owners;
# 6,032 owners joined, 480 gave evidence, 23 suable" (issue 7).
PUBLIC_FIGURES = {
    "items_assessed": 16_465,
    "accounts_monitored": 231,
    "suits_filed": 92,
    "suits_supporting_owners": 35,
    "assistance_requests": 6_032,
    "requests_with_evidence": 480,
    "owners_suable": 23,
}


@pytest.fixture(scope="module")
def executive_client(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Client]:
    media = tmp_path_factory.mktemp("seed-media")
    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media, PASSWORD_HASHERS=hashers, REPORTS_CACHE_SECONDS=0),
        transaction.atomic(),
    ):
        call_command("seed_demo", "--force", stdout=io.StringIO())
        client = Client()
        client.force_login(User.objects.get(username="executive"))
        yield client
        transaction.set_rollback(True)


def _cards(response) -> dict[str, int]:
    return {card["key"]: card["value"] for section in response.context["sections"] for card in section["cards"]}


@pytest.mark.django_db
def test_the_dashboard_shows_exactly_the_public_figures(executive_client):
    response = executive_client.get(reverse("reports:dashboard"), HTTP_ACCEPT_LANGUAGE="en")
    shown = _cards(response)
    html = response.content.decode()

    assert {key: shown[key] for key in PUBLIC_FIGURES} == PUBLIC_FIGURES
    for key, value in PUBLIC_FIGURES.items():
        assert f'data-figure="{key}"' in html and f"{value:,}" in html
    for value in PUBLIC_FIGURES.values():
        assert f"{value:,}" in response.context["statement"]


@pytest.mark.django_db
def test_the_pdf_carries_the_public_figures(executive_client, tmp_path):
    response = executive_client.get(reverse("reports:dashboard-pdf"))
    path = tmp_path / "report.pdf"
    path.write_bytes(response.content)
    executable = shutil.which("pdftotext")
    assert executable
    text = subprocess.run([executable, "-layout", str(path), "-"], capture_output=True, check=True,  # noqa: S603
                          text=True).stdout
    for value in PUBLIC_FIGURES.values():
        assert f"{value:,}" in text
