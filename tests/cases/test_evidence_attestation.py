"""The attestation hook: no provider says so; the local stub (not a legal timestamp) records a signed token."""

from __future__ import annotations

import io
import json
import re

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


# --- A local RFC 3161 TSA run by `openssl ts` -----------------------------------------------------


def _run(*args: str, cwd) -> None:
    import subprocess

    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)  # noqa: S603, S607


@pytest.fixture
def local_tsa(tmp_path, settings):
    """A throwaway CA and TSA certificate (extendedKeyUsage timeStamping) and the `openssl ts` config."""
    import shutil

    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    d = tmp_path / "tsa"
    d.mkdir()
    _run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
         "-subj", "/CN=LegalCases test CA", "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)  # fmt: skip
    _run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "tsa.key", "-out", "tsa.csr",
         "-subj", "/CN=LegalCases test TSA", cwd=d)  # fmt: skip
    (d / "ext.cnf").write_text(
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\n"
    )
    _run("x509", "-req", "-in", "tsa.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
         "-out", "tsa.crt", "-days", "2", "-extfile", "ext.cnf", cwd=d)  # fmt: skip
    (d / "tsaserial").write_text("01\n")
    (d / "tsa.cnf").write_text(
        f"""[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
dir = {d}
serial = $dir/tsaserial
crypto_device = builtin
signer_cert = $dir/tsa.crt
certs = $dir/ca.crt
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""
    )
    settings.EVIDENCE_ATTESTATION_PROVIDER = "cases.services.attestation.OpensslTsa"
    settings.EVIDENCE_TSA_OPENSSL_CONFIG = str(d / "tsa.cnf")
    return d


def test_a_local_openssl_tsa_timestamps_the_file_and_the_token_verifies(
    analyst, local_tsa, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        evidence = upload(analyst)

    evidence.refresh_from_db()
    assert evidence.attested_at is not None and re.fullmatch(r"TSA-0x[0-9A-F]+", evidence.certificate_number)
    assert evidence.attestation_provider.startswith("openssl-ts")
    ca, tsa = str(local_tsa / "ca.crt"), str(local_tsa / "tsa.crt")
    assert attestation.verify_tsa_token(evidence.attestation_token, evidence.sha256, ca_file=ca, untrusted=tsa)
    assert not attestation.verify_tsa_token(evidence.attestation_token, "0" * 64, ca_file=ca, untrusted=tsa)


def test_a_failing_tsa_leaves_the_evidence_unattested(analyst, local_tsa, settings):
    settings.EVIDENCE_TSA_OPENSSL_CONFIG = str(local_tsa / "missing.cnf")
    evidence = upload(analyst)

    with pytest.raises(RuntimeError):
        attestation.evidence_attest(evidence_id=evidence.pk)
    evidence.refresh_from_db()
    assert evidence.attested_at is None and evidence.attestation_token == ""
