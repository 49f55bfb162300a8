"""Issue 4 in a real browser: a lawyer fixes evidence on an item (a real PNG through the evidence
form), captures the item's page (served on 127.0.0.1 by the test, allowed by
EVIDENCE_CAPTURE_ALLOWED_HOSTS), prepares a suit and exports its evidence package; the ZIP
re-verifies: every file's SHA-256 equals the manifest's and the stored evidence's.

Screenshots go to /work/notes/shots/jtests (override with LEGALCASES_JTESTS_SHOTS).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from cases import models as m
from tests import factories as f
from tests.cases.test_public_form import png_bytes
from tests.conftest import PASSWORD, browser_second_factor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PAGE_HTML = (
    "<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'><title>造谣帖子</title></head>"
    "<body><h1>曜川Y7刹车失灵？</h1><p>这是一条捏造事实的帖子，用于证据固定测试。</p></body></html>"
).encode()


def shots_folder() -> Path:
    folder = Path(os.environ.get("LEGALCASES_JTESTS_SHOTS") or "/work/notes/shots/jtests")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def served_post():
    """A 'post' served by the test itself on 127.0.0.1 (the capture's target)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(PAGE_HTML)))
            self.end_headers()
            self.wfile.write(PAGE_HTML)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/weibo/post/1"
    server.shutdown()
    server.server_close()


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(base + reverse("accounts:login"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("form.form button[type=submit]").click()
    browser_second_factor(page, username)
    expect(page).to_have_url(base + reverse("cases:home"))


def reverify(zip_path: Path) -> dict:
    """Re-verify a package as a court or opposing counsel would: manifest hashes equal the files'."""
    with zipfile.ZipFile(zip_path) as archive:
        assert archive.testzip() is None
        manifest = json.loads(archive.read("manifest.json"))
        names = set(archive.namelist())
        for entry in manifest["files"]:
            assert entry["path"] in names, (entry["path"], names)
            assert hashlib.sha256(archive.read(entry["path"])).hexdigest() == entry["sha256"]
        # The plain `sha256sum -c` list says the same.
        for line in archive.read("SHA256SUMS").decode().splitlines():
            digest, path = line.split("  ", 1)
            assert hashlib.sha256(archive.read(path)).hexdigest() == digest
    return manifest


def test_a_lawyer_fixes_evidence_captures_a_page_and_exports_a_verified_package(
    live_server, page: Page, lawyer, settings, served_post, tmp_path
):
    settings.EVIDENCE_CAPTURE_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.LITIGATION_HOLIDAYS = []
    shots = shots_folder()
    refused: list[str] = []
    page.on("console", lambda msg: refused.append(msg.text) if "Refused to" in msg.text else None)
    account = f.MonitoredAccountFactory(name="汽车黑料王", identity_status="anonymous")
    item = f.ContentItemFactory(
        account=account, platform=account.platform, triage_state="suspected", title="曜川Y7刹车失灵？", url=served_post
    )
    f.AssessmentFactory(content_item=item, severity=3)
    screenshot = tmp_path / "微博截图.png"
    png = png_bytes()
    screenshot.write_bytes(png)
    base = live_server.url
    page.set_viewport_size(DESKTOP)
    log_in(page, base, "lawyer")

    # --- fix evidence on the item: a real PNG through the evidence form ----------------------------
    page.goto(base + item.get_absolute_url())
    page.locator(f'a[href="{reverse("cases:evidence-create")}?item={item.pk}"]').first.click()
    expect(page.locator("#id_capture_url")).to_have_value(served_post)
    page.set_input_files("#id_upload", str(screenshot))
    page.select_option("#id_capture_method", "screenshot")
    page.locator("form.form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/evidence/\d+/$"))
    uploaded = m.Evidence.objects.get(original_name="微博截图.png")
    expect(page).to_have_url(base + reverse("cases:evidence-detail", args=[uploaded.pk]))
    expect(page.locator(".messages .message-success")).to_contain_text(hashlib.sha256(png).hexdigest())
    assert uploaded.sha256 == hashlib.sha256(png).hexdigest()
    assert list(uploaded.content_items.all()) == [item]
    page.screenshot(path=shots / "evidence-detail.png", full_page=True)

    # --- capture the item's page: PNG + PDF + HTML, each hashed -------------------------------------
    page.goto(base + item.get_absolute_url())
    page.locator(f'form[action="{reverse("cases:evidence-capture", args=[item.pk])}"] button').click()
    expect(page.locator(".messages .message-success")).to_be_visible(timeout=60_000)
    captured = m.Evidence.objects.filter(content_items=item, capture_method="web_capture")
    assert sorted(ev.mime_type for ev in captured) == ["application/pdf", "image/png", "text/html"]
    html = captured.get(mime_type="text/html")
    with html.file.open("rb") as handle:
        assert "曜川Y7刹车失灵" in handle.read().decode()
    page.screenshot(path=shots / "item-after-capture.png", full_page=True)

    # --- a suit against the account takes the item's evidence; export its package ------------------
    page.goto(base + reverse("cases:lawsuit-prepare", args=[account.pk]))
    expect(page.locator(f'input[name="items"][value="{item.pk}"]')).to_be_checked()
    page.fill("#id_damages", "100000")
    page.locator("form.form button[type=submit]").first.click()
    lawsuit = m.Lawsuit.objects.get()
    expect(page).to_have_url(base + lawsuit.get_absolute_url())
    assert lawsuit.evidence.count() == 4
    package_form = page.locator(f'form[action="{reverse("cases:evidence-package", args=[lawsuit.pk])}"]')
    package_form.scroll_into_view_if_needed()
    page.screenshot(path=shots / "lawsuit-evidence-package.png", full_page=True)
    with page.expect_download() as download_info:
        package_form.locator("button").click()
    zip_path = tmp_path / "package.zip"
    download_info.value.save_as(zip_path)
    manifest = reverify(zip_path)
    stored = {ev.sha256 for ev in lawsuit.evidence.all()}
    assert {entry["sha256"] for entry in manifest["files"]} == stored
    assert refused == []
