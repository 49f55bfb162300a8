"""Evidence pages: upload (from an item too), detail with custody, download, delete, verify, roles, query bounds."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from cases import models as m
from cases.services import evidence as svc
from tests import factories as f
from tests.accounts.test_views import assert_csp_clean

pytestmark = pytest.mark.django_db


def png_bytes(color: str = "red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (6, 6), color).save(buffer, "PNG")
    return buffer.getvalue()


def english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


def make_evidence(actor, *, color: str = "red", **meta) -> m.Evidence:
    return svc.evidence_upload(
        uploaded=SimpleUploadedFile("shot.png", png_bytes(color)),
        actor=actor,
        metadata={"title": "Post screenshot", "capture_method": "screenshot", **meta},
    )


def form_data(**overrides) -> dict:
    data = {
        "title": "Weibo post",
        "capture_method": "screenshot",
        "status": "fixed",
        "network": "cellular",
        "content_live_status": "live",
        "capture_url": "https://weibo.com/123/abc",
        "published_at_display": "昨天 18:02",
        "capture_started_at": "2026-03-01T10:00",
        "capture_finished_at": "2026-03-01T10:05",
        "tool": "权利卫士 4.2",
        "certificate_number": "TSA-2026-0001",
        "engagement_views": "12000",
        "engagement_shares": "600",
        "ai_label_present": "on",
    }
    data.update(overrides)
    return data


def test_upload_from_an_item_page_links_the_evidence_and_records_metadata(analyst, analyst_client):
    item = f.ContentItemFactory()
    url = reverse("cases:evidence-create") + f"?item={item.pk}"
    page = analyst_client.get(url)
    assert page.status_code == 200
    assert_csp_clean(page.content.decode())
    assert item.url in page.content.decode()  # pre-filled from the item
    data = png_bytes()
    response = analyst_client.post(url, {**form_data(), "upload": SimpleUploadedFile("微博截图.png", data)})
    evidence = m.Evidence.objects.get()
    assert response.status_code == 302 and response.url == reverse("cases:evidence-detail", args=[evidence.pk])
    assert list(evidence.content_items.all()) == [item]
    assert evidence.sha256 == hashlib.sha256(data).hexdigest()
    assert evidence.original_name == "微博截图.png"
    assert evidence.fixed_by == analyst
    assert evidence.engagement_at_capture == {"views": 12000, "shares": 600}
    assert evidence.ai_label_present and evidence.certificate_number == "TSA-2026-0001"
    assert evidence.published_at_display == "昨天 18:02"
    assert evidence.custody_events.get().action == "uploaded"


def test_a_disguised_upload_shows_a_clear_error_and_stores_nothing(analyst_client, settings):
    fake = SimpleUploadedFile("photo.png", b"<!DOCTYPE html><html><body>x</body></html>")
    response = english(analyst_client).post(reverse("cases:evidence-create"), {**form_data(), "upload": fake})
    assert response.status_code == 200
    assert "its content is text/html" in response.content.decode()
    assert not m.Evidence.objects.exists()
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_detail_shows_hash_and_verified_chain_and_records_the_view(analyst, lawyer, lawyer_client):
    evidence = make_evidence(analyst)
    response = english(lawyer_client).get(reverse("cases:evidence-detail", args=[evidence.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert_csp_clean(html)
    assert evidence.sha256 in html
    assert "Chain verified ✓" in html
    assert [e.action for e in evidence.custody_events.order_by("sequence")] == ["uploaded", "viewed"]
    assert m.AuditEvent.objects.filter(action="view", object_id=str(evidence.pk), actor_id=lawyer.pk).exists()


def test_download_streams_the_exact_bytes_as_an_attachment_with_custody_and_audit(analyst, lawyer, lawyer_client):
    evidence = make_evidence(analyst)
    response = lawyer_client.get(reverse("cases:evidence-download", args=[evidence.pk]))
    assert response.status_code == 200
    assert response.streaming
    body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == evidence.sha256
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert evidence.custody_events.order_by("-sequence").first().action == "downloaded"
    assert m.AuditEvent.objects.filter(action="download", object_id=str(evidence.pk), actor_id=lawyer.pk).exists()


def test_html_evidence_is_downloaded_as_opaque_bytes_never_rendered(analyst, analyst_client):
    evidence = svc.evidence_upload(
        uploaded=SimpleUploadedFile("page.html", b"<!DOCTYPE html><html><body><script>x</script></body></html>"),
        actor=analyst,
        metadata={"title": "Saved page", "capture_method": "web_capture"},
    )
    response = analyst_client.get(reverse("cases:evidence-download", args=[evidence.pk]))
    assert response["Content-Type"] == "application/octet-stream"
    assert "sandbox" in response["Content-Security-Policy"]


def test_new_version_keeps_the_old_one_and_list_shows_only_the_current(analyst, analyst_client):
    old = make_evidence(analyst)
    url = reverse("cases:evidence-new-version", args=[old.pk])
    assert analyst_client.get(url).status_code == 200
    response = analyst_client.post(
        url, {**form_data(title="Corrected"), "upload": SimpleUploadedFile("v2.png", png_bytes("blue"))}
    )
    new = m.Evidence.objects.get(title="Corrected")
    assert response.status_code == 302
    assert new.previous_version == old
    listing = analyst_client.get(reverse("cases:evidence-list")).content.decode()
    assert "Corrected" in listing and f'href="{reverse("cases:evidence-detail", args=[old.pk])}"' not in listing
    detail = analyst_client.get(reverse("cases:evidence-detail", args=[new.pk])).content.decode()
    assert reverse("cases:evidence-detail", args=[old.pk]) in detail


def test_delete_needs_a_reason_and_is_refused_under_hold(analyst, analyst_client):
    evidence = make_evidence(analyst)
    held = make_evidence(analyst, color="blue", litigation_hold=True)
    analyst_client.post(reverse("cases:evidence-delete", args=[evidence.pk]), {"reason": ""})
    evidence.refresh_from_db()
    assert not evidence.is_deleted
    analyst_client.post(reverse("cases:evidence-delete", args=[held.pk]), {"reason": "duplicate"})
    held.refresh_from_db()
    assert not held.is_deleted
    response = analyst_client.post(reverse("cases:evidence-delete", args=[evidence.pk]), {"reason": "Wrong post"})
    evidence.refresh_from_db()
    assert response.status_code == 302 and evidence.is_deleted and evidence.deleted_reason == "Wrong post"


def test_verify_button_flags_a_modified_file(analyst, analyst_client):
    evidence = make_evidence(analyst)
    path = Path(evidence.file.path)
    path.write_bytes(path.read_bytes() + b"x")
    analyst_client.post(reverse("cases:evidence-verify", args=[evidence.pk]))
    evidence.refresh_from_db()
    assert evidence.integrity == "mismatch"
    listing = english(analyst_client).get(reverse("cases:evidence-list")).content.decode()
    assert "failed its last integrity check" in listing


def test_list_filters_by_integrity(analyst, analyst_client):
    ok = make_evidence(analyst, title="Good file")
    bad = make_evidence(analyst, color="blue", title="Bad file")
    m.Evidence.objects.filter(pk=bad.pk).update(integrity="missing")
    m.Evidence.objects.filter(pk=ok.pk).update(integrity="ok")
    html = analyst_client.get(reverse("cases:evidence-list") + "?integrity=missing").content.decode()
    assert "Bad file" in html and "Good file" not in html


def test_executives_get_403_everywhere_and_anonymous_users_go_to_login(analyst, executive_client, client):
    evidence = make_evidence(analyst)
    get_urls = [
        reverse("cases:evidence-list"),
        reverse("cases:evidence-create"),
        reverse("cases:evidence-detail", args=[evidence.pk]),
        reverse("cases:evidence-download", args=[evidence.pk]),
        reverse("cases:evidence-new-version", args=[evidence.pk]),
    ]
    post_urls = [
        reverse("cases:evidence-delete", args=[evidence.pk]),
        reverse("cases:evidence-verify", args=[evidence.pk]),
    ]
    for url in get_urls:
        assert executive_client.get(url).status_code == 403, url
        response = client.get(url)
        assert response.status_code == 302 and "login" in response.url, url
    for url in post_urls:
        assert executive_client.post(url, {"reason": "x"}).status_code == 403, url
        assert client.post(url, {"reason": "x"}).status_code == 302, url
    assert evidence.custody_events.count() == 1  # nobody's attempt was recorded as a read
    evidence.refresh_from_db()
    assert not evidence.is_deleted


@pytest.mark.parametrize("role_client", ["analyst_client", "lawyer_client", "admin_client_"])
def test_analysts_lawyers_and_admins_can_open_the_pages(role_client, analyst, request):
    client = request.getfixturevalue(role_client)
    evidence = make_evidence(analyst)
    assert client.get(reverse("cases:evidence-list")).status_code == 200
    assert client.get(reverse("cases:evidence-detail", args=[evidence.pk])).status_code == 200
    assert client.get(reverse("cases:evidence-create")).status_code == 200


def test_list_query_count_does_not_grow_with_rows(analyst, analyst_client):
    make_evidence(analyst)
    with CaptureQueriesContext(connection) as few:
        analyst_client.get(reverse("cases:evidence-list"))
    for i in range(6):
        make_evidence(analyst, color=f"#{i:06x}")
    with CaptureQueriesContext(connection) as many:
        analyst_client.get(reverse("cases:evidence-list"))
    assert len(many) == len(few)


def test_detail_query_count_does_not_grow_with_links_and_custody(analyst, analyst_client):
    evidence = make_evidence(analyst)
    url = reverse("cases:evidence-detail", args=[evidence.pk])
    with CaptureQueriesContext(connection) as few:
        analyst_client.get(url)
    evidence.content_items.add(*f.ContentItemFactory.create_batch(4))
    for _ in range(5):
        svc.evidence_record_view(evidence=evidence, actor=analyst)
    with CaptureQueriesContext(connection) as many:
        analyst_client.get(url)
    assert len(many) == len(few)


def test_lawsuit_evidence_package_zip_reverifies_with_sha256sum(analyst, lawyer_client, tmp_path):
    import json
    import shutil
    import subprocess
    import zipfile

    suit = f.LawsuitFactory()
    first = make_evidence(analyst, title="截图一")
    second = svc.evidence_upload(
        uploaded=SimpleUploadedFile("证书.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n"),
        actor=analyst,
        metadata={"title": "公证书", "capture_method": "notarisation"},
    )
    first.lawsuits.add(suit)
    second.lawsuits.add(suit)
    response = lawyer_client.post(reverse("cases:evidence-package", args=[suit.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    archive_path = tmp_path / "package.zip"
    archive_path.write_bytes(b"".join(response.streaming_content))
    out = tmp_path / "out"
    with zipfile.ZipFile(archive_path) as archive:
        archive.extractall(out)
    sha256sum = shutil.which("sha256sum")
    assert sha256sum, "coreutils' sha256sum is needed to check the package like a court would"
    check = subprocess.run([sha256sum, "-c", "SHA256SUMS"], cwd=out, capture_output=True, text=True)  # noqa: S603
    assert check.returncode == 0, check.stdout + check.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert [row["sha256"] for row in manifest["files"]] == [first.sha256, second.sha256]
    assert manifest["files"][1]["original_name"] == "证书.pdf"
    custody_log = json.loads((out / "custody.json").read_text())
    assert all(entry["chain_broken_at"] is None for entry in custody_log)
    assert (out / "cover.pdf").read_bytes().startswith(b"%PDF")
    assert first.custody_events.order_by("-sequence").first().action == "exported"
    assert m.AuditEvent.objects.filter(action="export", object_id=str(second.pk)).exists()


def test_package_is_refused_when_a_file_no_longer_matches(analyst, lawyer_client):
    suit = f.LawsuitFactory()
    evidence = make_evidence(analyst)
    evidence.lawsuits.add(suit)
    path = Path(evidence.file.path)
    path.write_bytes(path.read_bytes() + b"tampered")
    response = lawyer_client.post(reverse("cases:evidence-package", args=[suit.pk]))
    assert response.status_code == 302
    assert not evidence.custody_events.filter(action="exported").exists()


def test_capture_button_explains_what_to_install_when_chromium_is_missing(analyst_client, settings):
    settings.EVIDENCE_CHROMIUM_PATH = "/nonexistent/chromium"
    item = f.ContentItemFactory()
    response = english(analyst_client).post(reverse("cases:evidence-capture", args=[item.pk]), follow=True)
    assert "apt install chromium" in response.content.decode()
    assert not m.Evidence.objects.exists()


def test_capture_of_an_internal_address_is_refused_with_a_message(analyst_client):
    item = f.ContentItemFactory(url="http://127.0.0.1:9/admin")
    response = english(analyst_client).post(reverse("cases:evidence-capture", args=[item.pk]), follow=True)
    assert "private or internal address" in response.content.decode()
    assert not m.Evidence.objects.exists()


def test_executives_cannot_capture_or_export_packages(executive_client):
    item = f.ContentItemFactory()
    suit = f.LawsuitFactory()
    assert executive_client.post(reverse("cases:evidence-capture", args=[item.pk])).status_code == 403
    assert executive_client.post(reverse("cases:evidence-package", args=[suit.pk])).status_code == 403
