"""Fixing evidence: streaming hash, content sniffing, limits, versions, soft delete, integrity job."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cases.models import CustodyEvent, Evidence
from cases.services import evidence as svc
from cases.tasks.evidence import verify_evidence_integrity
from tests import factories as f

pytestmark = pytest.mark.django_db


def png_bytes(size: tuple[int, int] = (8, 8), color: str = "red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


def pdf_bytes(extra: bytes = b"") -> bytes:
    return b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + extra + b"\n%%EOF\n"


META = {"title": "Screenshot of the post", "capture_method": Evidence.CaptureMethod.SCREENSHOT}


def upload(actor, data: bytes = b"", name: str = "shot.png", **meta) -> Evidence:
    return svc.evidence_upload(
        uploaded=SimpleUploadedFile(name, data or png_bytes(), content_type="image/png"),
        actor=actor,
        metadata={**META, **meta},
    )


def media_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_stored_hash_and_size_equal_hashlib_over_the_uploaded_bytes(analyst):
    data = pdf_bytes(os.urandom(300_000))  # several chunks
    evidence = upload(analyst, data, "notarial certificate.pdf")
    assert evidence.sha256 == hashlib.sha256(data).hexdigest()
    assert evidence.size == len(data)
    assert evidence.mime_type == "application/pdf"
    with evidence.file.open("rb") as handle:
        assert handle.read() == data  # original bytes unchanged


def test_stored_name_is_generated_and_original_name_kept_for_display(analyst):
    evidence = upload(analyst, name="微博截图 2026.png")
    assert evidence.original_name == "微博截图 2026.png"
    assert "微博" not in evidence.file.name and evidence.file.name.startswith("evidence/")
    assert evidence.fixed_by == analyst


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"<!DOCTYPE html><html><body>fake</body></html>", "screenshot.png"),
        (b"MZ\x90\x00\x03" + b"\x00" * 500, "report.pdf"),
        (b"MZ\x90\x00\x03" + b"\x00" * 500, "tool.exe"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "logo.svg"),
        (b"<html><body>page</body></html>", "x.jpg.html"),
    ],
)
def test_disguised_or_forbidden_types_are_refused_and_nothing_is_stored(analyst, settings, data, name):
    with pytest.raises(ValidationError):
        upload(analyst, data, name)
    assert Evidence.objects.count() == 0
    assert CustodyEvent.objects.count() == 0
    assert media_files(settings) == []


def test_html_saved_page_under_its_own_name_is_accepted(analyst):
    evidence = upload(analyst, b"<!DOCTYPE html><html><body>page</body></html>", "page.html")
    assert evidence.mime_type == "text/html"


def test_file_over_the_size_limit_is_refused_and_nothing_is_stored(analyst, settings):
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 1000
    with pytest.raises(ValidationError) as excinfo:
        upload(analyst, pdf_bytes(b"x" * 2000), "big.pdf")
    assert "too_big" in str(excinfo.value.code)
    assert Evidence.objects.count() == 0
    assert media_files(settings) == []


def test_decompression_bomb_image_is_refused(analyst, settings):
    # A PNG header that claims 100000 x 100000 pixels.
    bomb = png_bytes()
    bomb = bomb[:16] + (100_000).to_bytes(4, "big") + (100_000).to_bytes(4, "big") + bomb[24:]
    with pytest.raises(ValidationError):
        upload(analyst, bomb, "bomb.png")
    assert media_files(settings) == []


def test_uploaded_names_lose_folder_parts_and_are_cut_to_255_characters(analyst):
    assert upload(analyst, name="../../etc/passwd.png").original_name == "passwd.png"
    long_name = upload(analyst, name="a" * 300 + ".png").original_name
    assert len(long_name) == 255 and long_name.endswith(".png")


@pytest.mark.parametrize("name", ["../../etc/passwd.png", "a" * 300 + ".png", "bad\x07name.png", "..", ""])
def test_raw_bad_file_names_get_a_clear_error(name):
    with pytest.raises(ValidationError):
        svc.clean_original_name(name)


def test_control_characters_in_an_uploaded_name_are_refused(analyst):
    with pytest.raises(ValidationError):
        upload(analyst, name="bad\x07name.png")
    assert Evidence.objects.count() == 0


def test_failed_database_write_removes_the_stored_file(analyst, settings):
    with pytest.raises(ValidationError):
        upload(analyst, capture_url="not a url")
    assert Evidence.objects.count() == 0
    assert media_files(settings) == []


def test_executive_cannot_upload(executive):
    with pytest.raises(PermissionDenied):
        upload(executive)


def test_new_version_points_at_the_old_one_and_keeps_it(analyst):
    first = upload(analyst, litigation_hold=True)
    first.content_items.set([])
    second = svc.evidence_new_version(
        previous=first, uploaded=SimpleUploadedFile("v2.png", png_bytes(color="blue")), actor=analyst, metadata=META
    )
    assert second.previous_version == first
    assert second.litigation_hold is True
    assert set(Evidence.objects.current()) == {second}
    assert Evidence.objects.filter(pk=first.pk, is_deleted=False).exists()
    with pytest.raises(ValidationError):
        svc.evidence_new_version(
            previous=first, uploaded=SimpleUploadedFile("v3.png", png_bytes()), actor=analyst, metadata=META
        )


def test_delete_needs_a_reason_and_is_soft(analyst):
    evidence = upload(analyst)
    with pytest.raises(ValidationError):
        svc.evidence_delete(evidence=evidence, actor=analyst, reason="  ")
    svc.evidence_delete(evidence=evidence, actor=analyst, reason="Duplicate of #3")
    evidence.refresh_from_db()
    assert evidence.is_deleted and evidence.deleted_reason == "Duplicate of #3"
    assert evidence.file.storage.exists(evidence.file.name)
    assert not Evidence.objects.current().exists()


def test_delete_is_refused_under_litigation_hold(analyst):
    evidence = upload(analyst, litigation_hold=True)
    with pytest.raises(ValidationError):
        svc.evidence_delete(evidence=evidence, actor=analyst, reason="No longer needed")
    evidence.refresh_from_db()
    assert not evidence.is_deleted


def test_integrity_job_flags_modified_and_missing_files_and_emails_lawyers(analyst, lawyer):
    lawyer.email = "lawyer@example.com"
    lawyer.save()
    intact = upload(analyst, title="intact")
    modified = upload(analyst, pdf_bytes(b"original"), "m.pdf", title="modified")
    missing = upload(analyst, pdf_bytes(b"gone"), "g.pdf", title="missing")
    path = Path(modified.file.path)
    data = bytearray(path.read_bytes())
    data[-3] ^= 0x01  # flip one byte
    path.write_bytes(bytes(data))
    os.remove(missing.file.path)

    result = verify_evidence_integrity.delay().get()

    assert result == {"checked": 3, "ok": 1, "failed": 2}
    states = dict(Evidence.objects.values_list("title", "integrity"))
    assert states == {"intact": "ok", "modified": "mismatch", "missing": "missing"}
    assert Evidence.objects.filter(last_verified_at__isnull=False).count() == 3
    assert modified.file.storage.exists(modified.file.name)  # never repaired or removed
    assert Path(modified.file.path).read_bytes() == bytes(data)
    last = {e.evidence_id: e.action for e in CustodyEvent.objects.filter(sequence=2)}
    assert last == {intact.pk: "verified", modified.pk: "verification_failed", missing.pk: "verification_failed"}
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["lawyer@example.com"]
    assert "modified" in mail.outbox[0].body and "missing" in mail.outbox[0].body
    assert "intact" not in mail.outbox[0].body


def test_integrity_job_sends_no_email_when_all_files_match(analyst, lawyer):
    lawyer.email = "lawyer@example.com"
    lawyer.save()
    upload(analyst)
    verify_evidence_integrity.delay().get()
    assert mail.outbox == []


def test_large_uploads_spooled_to_disk_are_copied_and_hashed_not_moved(analyst):
    from django.core.files.uploadedfile import TemporaryUploadedFile

    data = pdf_bytes(os.urandom(3 * 1024 * 1024))
    spooled = TemporaryUploadedFile("recording.pdf", "application/pdf", len(data), None)
    spooled.write(data)
    spooled.seek(0)
    evidence = svc.evidence_upload(uploaded=spooled, actor=analyst, metadata=META)
    assert evidence.sha256 == hashlib.sha256(data).hexdigest() and evidence.size == len(data)
    assert Path(evidence.file.path).read_bytes() == data


# --- Web capture ---------------------------------------------------------------------------


@pytest.fixture
def local_page():
    """A page served by the test itself on 127.0.0.1."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = "<!DOCTYPE html><html><head><title>测试</title></head><body><h1>造谣帖子</h1></body></html>".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/post/1"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.1.2.3/",
        "http://[::1]/",
        "file:///etc/passwd",
    ],
)
def test_capture_refuses_internal_addresses_and_other_schemes(url):
    from cases.services.web_capture import resolve_public

    with pytest.raises(ValidationError):
        resolve_public(url)


def test_capture_of_a_local_page_fixes_png_pdf_and_html_with_hashes(analyst, settings, local_page):
    from cases.services.web_capture import web_capture

    settings.EVIDENCE_CAPTURE_ALLOWED_HOSTS = ["127.0.0.1"]
    item = f.ContentItemFactory(url=local_page)
    result = web_capture(url=local_page, actor=analyst, item=item)
    assert result.status == 200 and result.final_url == local_page
    assert sorted(e.mime_type for e in result.evidence) == ["application/pdf", "image/png", "text/html"]
    for evidence in result.evidence:
        assert evidence.capture_method == "web_capture" and list(evidence.content_items.all()) == [item]
        assert evidence.sha256 == hashlib.sha256(Path(evidence.file.path).read_bytes()).hexdigest()
        link = evidence.custody_events.get()
        assert link.details["http_status"] == 200 and link.details["user_agent"]
    html = next(e for e in result.evidence if e.mime_type == "text/html")
    assert "造谣帖子" in Path(html.file.path).read_text()


def test_capture_of_a_local_page_is_refused_without_the_setting(analyst, local_page):
    from cases.services.web_capture import web_capture

    with pytest.raises(ValidationError):
        web_capture(url=local_page, actor=analyst)
    assert not Evidence.objects.exists()
