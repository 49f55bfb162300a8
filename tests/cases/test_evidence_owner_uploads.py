"""One upload check for owners and staff: the public form, the tracking page and the evidence service
refuse the same disguised files with the same clear messages, and owners' files get a custody chain."""

from __future__ import annotations

import hashlib

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from cases.models import AssistanceRequest, CustodyEvent, Evidence
from cases.services import assistance
from cases.services import evidence as svc
from tests.cases.test_public_form import FORM, form_data, png_bytes, screenshot

pytestmark = pytest.mark.django_db

UPLOAD = reverse("cases:public-request-upload")
EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 64
    + b"This program cannot be run in DOS mode"
)
HTML = b"<!DOCTYPE html><html><head><title>x</title></head><body><script>alert(1)</script></body></html>"
DISGUISED = [
    pytest.param("行车记录.jpg", EXE, id="exe-as-jpg"),
    pytest.param("截图.png", HTML, id="html-as-png"),
    pytest.param("合同.pdf", EXE, id="exe-as-pdf"),
]


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def need_info_request(lawyer) -> tuple[AssistanceRequest, str]:
    submission = assistance.assistance_request_submit(
        name="李雷", phone="13912345678", description="x", links=["https://weibo.com/1"], help_types=[], files=[]
    )
    req = submission.assistance_request
    assistance.assistance_request_screen(assistance_request=req, actor=lawyer)
    assistance.assistance_request_need_info(assistance_request=req, actor=lawyer, message="请补充原图。")
    return req, submission.token


@pytest.mark.parametrize(("name", "content"), DISGUISED)
def test_the_public_form_refuses_a_disguised_file_with_a_clear_message(client, name, content):
    fake = SimpleUploadedFile(name, content, content_type="image/png")
    response = client.post(FORM, {**form_data(), "files": [fake]}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["files"])
    assert "we accept" in errors or "its content is" in errors
    assert AssistanceRequest.objects.count() == 0 and Evidence.objects.count() == 0


@pytest.mark.parametrize(("name", "content"), DISGUISED)
def test_the_tracking_page_refuses_a_disguised_file_and_stores_nothing(client, lawyer, name, content):
    req, token = need_info_request(lawyer)
    fake = SimpleUploadedFile(name, content, content_type="image/png")

    response = client.post(UPLOAD, {"token": token, "files": [fake]}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    html = response.content.decode()
    assert "we accept" in html or "its content is" in html
    assert Evidence.objects.count() == 0
    assert AssistanceRequest.objects.get(pk=req.pk).status == "need_info"


@pytest.mark.parametrize(("name", "content"), DISGUISED)
def test_the_staff_evidence_service_refuses_the_same_files(analyst, name, content):
    with pytest.raises(ValidationError) as caught:
        svc.evidence_upload(
            uploaded=SimpleUploadedFile(name, content),
            actor=analyst,
            metadata={"title": "x", "capture_method": Evidence.CaptureMethod.SCREENSHOT},
        )
    assert caught.value.code in {"type_not_allowed", "type_mismatch"}
    assert Evidence.objects.count() == 0


def test_owners_cannot_send_html_even_under_its_own_name(analyst):
    page = SimpleUploadedFile("page.html", HTML)
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        svc.check_owner_upload(page)
    assert caught.value.code == "type_not_allowed" and "we accept" in caught.value.messages[0]
    # Staff may fix a saved page as evidence: the same code, the staff allow-list.
    assert svc.check_upload(SimpleUploadedFile("page.html", HTML))[1] == "text/html"


def test_a_double_extension_is_refused_for_owners_too():
    with pytest.raises(ValidationError) as caught:
        svc.check_owner_upload(SimpleUploadedFile("x.exe.png", png_bytes()))
    assert caught.value.code == "double_extension"


def test_the_size_limit_applies_to_owners_too(settings, lawyer, client):
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 20  # smaller than the PNG
    req, token = need_info_request(lawyer)
    response = client.post(UPLOAD, {"token": token, "files": [screenshot()]}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400 and "larger than the limit" in response.content.decode()
    assert Evidence.objects.count() == 0


def test_an_owner_file_is_hashed_while_it_streams_and_starts_a_custody_chain(client):
    response = client.post(FORM, {**form_data(), "files": [screenshot("微博截图.png")]}, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 302

    evidence = Evidence.objects.get()
    req = AssistanceRequest.objects.get()
    assert (
        evidence.sha256 == hashlib.sha256(png_bytes()).hexdigest() == hashlib.sha256(evidence.file.read()).hexdigest()
    )
    assert evidence.original_name == "微博截图.png" and evidence.mime_type == "image/png"
    assert evidence.file.name != "微博截图.png" and "微博" not in evidence.file.name  # a generated name
    assert list(evidence.assistance_requests.all()) == [req] and req.has_evidence
    (link,) = CustodyEvent.objects.filter(evidence=evidence)
    assert link.action == "uploaded" and link.actor is None
    assert link.ip_address is None  # the owner's address would outlive the purge in an append-only chain
    assert link.details["source"] == "owner" and link.details["sha256"] == evidence.sha256
    assert evidence.custody_head_hash == link.hash


def test_the_duplicate_implementation_is_gone():
    for name in ("sniff_type", "IMAGE_TYPES", "VIDEO_TYPES", "ALLOWED_TYPES", "MAX_IMAGE_BYTES"):
        assert not hasattr(assistance, name)
