"""The attestation hook: no provider says so; the local stub (not a legal timestamp) records a signed token."""

from __future__ import annotations

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cases.models import Evidence
from cases.services import attestation
from cases.services import evidence as svc

pytestmark = pytest.mark.django_db

STUB = "cases.services.attestation.LocalStubTimestamp"


def upload(actor, **metadata) -> Evidence:
    buffer = io.BytesIO()
    Image.new("RGB", (3, 3), "red").save(buffer, "PNG")
    return svc.evidence_upload(
        uploaded=SimpleUploadedFile("shot.png", buffer.getvalue()),
        actor=actor,
        metadata={"title": "Post", "capture_method": Evidence.CaptureMethod.SCREENSHOT, **metadata},
    )


def test_without_a_provider_nothing_is_asked_and_the_page_says_so(
    analyst, analyst_client, settings, django_capture_on_commit_callbacks
):
    settings.EVIDENCE_ATTESTATION_PROVIDER = "none"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        evidence = upload(analyst)

    assert callbacks == []
    evidence.refresh_from_db()
    assert evidence.attested_at is None and evidence.attestation_token == ""
    html = analyst_client.get(f"/evidence/{evidence.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No timestamp or deposit provider is configured" in html


def test_the_local_stub_attests_after_the_upload_commits(
    analyst, analyst_client, settings, django_capture_on_commit_callbacks
):
    settings.EVIDENCE_ATTESTATION_PROVIDER = STUB
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        evidence = upload(analyst)
    assert Evidence.objects.get(pk=evidence.pk).attested_at is None  # not before the commit
    for callback in callbacks:
        callback()  # the commit: the Celery task runs (eagerly in tests)

    evidence.refresh_from_db()
    assert evidence.attested_at is not None
    assert evidence.certificate_number.startswith("LOCAL-")
    assert "NOT a legal timestamp" in evidence.attestation_provider
    token = json.loads(evidence.attestation_token)
    assert token["message_imprint"] == evidence.sha256 and "NOT A LEGAL TIMESTAMP" in token["notice"]
    assert attestation.verify_stub_token(evidence.attestation_token, evidence.sha256)
    html = analyst_client.get(f"/evidence/{evidence.pk}/").content.decode()
    assert evidence.certificate_number in html


def test_a_stub_token_does_not_fit_another_hash_or_an_edit(analyst, settings):
    settings.EVIDENCE_ATTESTATION_PROVIDER = STUB
    evidence = upload(analyst)
    attestation.evidence_attest(evidence_id=evidence.pk)
    evidence.refresh_from_db()
    token = evidence.attestation_token

    assert not attestation.verify_stub_token(token, "0" * 64)
    edited = json.loads(token)
    edited["gen_time"] = "2020-01-01T00:00:00+00:00"
    assert not attestation.verify_stub_token(json.dumps(edited), evidence.sha256)
    assert not attestation.verify_stub_token("not json", evidence.sha256)


def test_an_attestation_is_never_replaced_and_a_typed_number_is_kept(analyst, settings):
    settings.EVIDENCE_ATTESTATION_PROVIDER = STUB
    evidence = upload(analyst, certificate_number="TSA-2025-001")

    assert attestation.evidence_attest(evidence_id=evidence.pk) is True
    evidence.refresh_from_db()
    first = evidence.attestation_token
    assert evidence.certificate_number == "TSA-2025-001"
    assert attestation.evidence_attest(evidence_id=evidence.pk) is False
    evidence.refresh_from_db()
    assert evidence.attestation_token == first


def test_owner_uploads_are_attested_too(client, settings, django_capture_on_commit_callbacks):
    from django.core.cache import cache

    from tests.cases.test_public_form import FORM, form_data, screenshot

    cache.clear()
    settings.EVIDENCE_ATTESTATION_PROVIDER = STUB
    with django_capture_on_commit_callbacks(execute=True):
        client.post(FORM, {**form_data(), "files": [screenshot()]})
    assert Evidence.objects.get().attested_at is not None
