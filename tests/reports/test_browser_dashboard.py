"""J4 in a real browser: an executive opens the dashboard, changes the period, follows a figure to its list
and downloads the PDF report.

Screenshots go to a temporary folder; set LEGALCASES_SCREENSHOTS=/some/dir to keep them for review.
"""

from __future__ import annotations

import datetime
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests import factories as f
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _screens(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("LEGALCASES_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def figures(lawyer):
    """Items found this year and last year, so that changing the period changes the figure."""
    now = timezone.now()
    last_year = now.replace(year=now.year - 1)
    for _ in range(3):
        f.ContentItemFactory(discovered_at=now, assessed_at=now, conclusion="serious", triage_state="removed")
    for _ in range(2):
        f.ContentItemFactory(discovered_at=last_year)
    f.AssistanceRequestFactory(owner_name="欧阳娜娜", owner_phone="13912345678", has_evidence=True)
    f.DeadlineFactory(due_on=timezone.localdate() + datetime.timedelta(days=2))


def test_an_executive_changes_the_period_follows_a_figure_and_downloads_the_pdf(
    live_server, page: Page, executive, figures, tmp_path
):
    screens = _screens(tmp_path)
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text) if "Refused to" in message.text else None)
    page.set_viewport_size({"width": 1280, "height": 900})
    dashboard = reverse("reports:dashboard")

    page.goto(f"{live_server.url}{reverse('accounts:login')}?next={dashboard}")
    page.fill("#id_username", executive.username)
    page.fill("#id_password", PASSWORD)
    page.locator("form.form button[type=submit]").click()
    expect(page).to_have_url(live_server.url + dashboard)

    total = page.locator('[data-figure="items_total"] .stat-value')
    expect(total).to_have_text("5")
    expect(page.locator('svg[role="img"]').first).to_be_visible()
    page.screenshot(path=screens / "dashboard-all-time.png", full_page=True)

    # A preset: this year.
    page.locator('[data-period-link="year"]').click()
    expect(page).to_have_url(f"{live_server.url}{dashboard}?period=year")
    expect(total).to_have_text("3")

    # A custom range through the form, then a bad one: a message, never an error page.
    today = timezone.localdate()
    page.fill("#id_from", today.replace(month=1, day=1).isoformat())
    page.fill("#id_to", today.isoformat())
    page.locator("form.period-form button[type=submit]").click()
    expect(page.locator(".period-current")).to_have_attribute("data-period", "custom")
    expect(total).to_have_text("3")
    page.screenshot(path=screens / "dashboard-custom.png", full_page=True)
    page.goto(f"{live_server.url}{dashboard}?from=2025-05-01&to=2025-04-01")
    expect(page.locator(".form-errors")).to_be_visible()
    page.go_back()

    # The PDF of the period shown.
    with page.expect_download() as download_info:
        page.locator('[data-action="pdf"]').click()
    download = download_info.value
    pdf_path = screens / "dashboard-report.pdf"
    download.save_as(pdf_path)
    assert pdf_path.read_bytes().startswith(b"%PDF")
    assert download.suggested_filename.startswith("legalcases-report-")
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm:
        subprocess.run([pdftoppm, "-r", "70", "-png", "-f", "1", "-l", "2", str(pdf_path),  # noqa: S603
                        str(screens / "report-page")], check=True)

    # A counter opens the list behind it, with as many rows.
    page.locator('a[data-figure="items_removed"]').click()
    expect(page).to_have_url(f"{live_server.url}{reverse('cases:content-item-list')}?triage_state=removed"
                             f"&discovered_from={today.replace(month=1, day=1).isoformat()}"
                             f"&discovered_to={today.isoformat()}")
    expect(page.locator("table.data tbody tr")).to_have_count(3)

    # Executives never see owners' data, nor a link to the requests.
    page.goto(live_server.url + dashboard)
    html = page.content()
    assert "欧阳" not in html and "13912345678" not in html
    assert reverse("cases:assistance-request-list") not in html
    page.set_viewport_size({"width": 375, "height": 800})
    page.screenshot(path=screens / "dashboard-phone.png", full_page=False)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert refused == []
