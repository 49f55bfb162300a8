"""Attestation of evidence by a timestamp or deposit provider (RFC 3161 TSA, a 存证 platform).

``settings.EVIDENCE_ATTESTATION_PROVIDER`` names the provider: ``"none"`` (the default: nothing
is attested and the evidence page says so) or the dotted path of a class with ``name`` and
``attest(*, sha256, evidence_id) -> Attestation``. After an upload commits, a Celery task
(cases.tasks.evidence.attest_evidence) asks the provider and records its token and number on
the evidence. A real provider (a TSA's HTTP endpoint, a 存证 platform's API) is a new class here.

``OpensslTsa`` asks a local RFC 3161 TSA run by ``openssl ts`` (configured by
``EVIDENCE_TSA_OPENSSL_CONFIG``) and stores the DER reply.

``LocalStubTimestamp`` is for development and tests only: it signs the file's hash and the time
with a key derived from the project's SECRET_KEY. It proves nothing to a court and says so in
its token: it is NOT a legal timestamp.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import logging
import re
import secrets
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.module_loading import import_string

from cases.models import Evidence

logger = logging.getLogger(__name__)

NONE = "none"


@dataclass(frozen=True)
class Attestation:
    provider: str  # shown as the deposit platform
    number: str  # certificate / deposit number
    token: str  # the provider's token, stored as given


class AttestationProvider(Protocol):
    name: str

    def attest(self, *, sha256: str, evidence_id: int) -> Attestation: ...


def provider_path() -> str:
    return (getattr(settings, "EVIDENCE_ATTESTATION_PROVIDER", "") or NONE).strip()


def attestation_enabled() -> bool:
    return provider_path() != NONE


def get_provider() -> AttestationProvider | None:
    path = provider_path()
    return None if path == NONE else import_string(path)()


# --- The local stub ------------------------------------------------------------------------------

STUB_NOTICE = "LOCAL TEST STAMP - NOT A LEGAL TIMESTAMP (not RFC 3161, no trusted TSA)"
STUB_SALT = "cases.attestation.local-stub"


def _stub_signature(payload: str) -> str:
    return salted_hmac(STUB_SALT, payload, algorithm="sha256").hexdigest()


class LocalStubTimestamp:
    """An RFC 3161-style token signed with the project's key, for development and tests only."""

    name = "local-stub (NOT a legal timestamp)"

    def attest(self, *, sha256: str, evidence_id: int) -> Attestation:
        serial = f"LOCAL-{timezone.now():%Y%m%d}-{secrets.token_hex(6).upper()}"
        body = {
            "notice": STUB_NOTICE,
            "hash_algorithm": "sha256",
            "message_imprint": sha256,
            "gen_time": timezone.now().astimezone(datetime.UTC).isoformat(),
            "serial": serial,
            "evidence_id": evidence_id,
        }
        payload = json.dumps(body, sort_keys=True, separators=(",", ":"))
        token = json.dumps({**body, "signature": _stub_signature(payload)}, sort_keys=True)
        return Attestation(provider=self.name, number=serial, token=token)


def verify_stub_token(token: str, sha256: str) -> bool:
    """True when a local stub token is intact and stamps this hash (a test aid, not a legal check)."""
    try:
        data = json.loads(token)
        signature = data.pop("signature")
    except (ValueError, KeyError, AttributeError):
        return False
    payload = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hmac.compare_digest(signature, _stub_signature(payload)) and data.get("message_imprint") == sha256


# --- A local RFC 3161 TSA through `openssl ts` -------------------------------------------------


class OpensslTsa:
    """RFC 3161 timestamps from a TSA run locally with ``openssl ts -reply``.

    ``settings.EVIDENCE_TSA_OPENSSL_CONFIG`` is an OpenSSL config with a ``[tsa]`` section naming the
    TSA's certificate, key and serial file (see ``man ts``). The token stored is the DER reply,
    base64-encoded; ``openssl ts -verify`` checks it against the TSA's CA. A timestamp from your own
    TSA proves only as much as that TSA is trusted: courts accept certificates from accredited TSAs.
    """

    name = "openssl-ts (local TSA)"

    def attest(self, *, sha256: str, evidence_id: int) -> Attestation:
        config = str(getattr(settings, "EVIDENCE_TSA_OPENSSL_CONFIG", "") or "")
        if not config:
            raise RuntimeError("EVIDENCE_TSA_OPENSSL_CONFIG is not set")
        with tempfile.TemporaryDirectory(prefix="tsa-") as folder:
            query, reply = Path(folder) / "q.tsq", Path(folder) / "r.tsr"
            _openssl("ts", "-query", "-digest", sha256, "-sha256", "-cert", "-out", str(query))
            _openssl("ts", "-reply", "-config", config, "-queryfile", str(query), "-out", str(reply))
            text = _openssl("ts", "-reply", "-in", str(reply), "-text")
            der = reply.read_bytes()
        serial = re.search(r"Serial number:\s*(\S+)", text)
        return Attestation(
            provider=self.name,
            number=f"TSA-{serial.group(1) if serial else hashlib.sha256(der).hexdigest()[:16]}",
            token=base64.b64encode(der).decode("ascii"),
        )


def _openssl(*args: str) -> str:
    executable = shutil.which("openssl")
    if executable is None:
        raise RuntimeError("openssl is not installed (Debian package: openssl)")
    result = subprocess.run(  # noqa: S603  (the openssl binary, no shell, arguments we built)
        [executable, *args], capture_output=True, text=True, timeout=30, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"openssl {args[0]} {args[1]} failed: {result.stderr.strip()[:300]}")
    return result.stdout


def verify_tsa_token(token: str, sha256: str, *, ca_file: str, untrusted: str = "") -> bool:
    """Check an ``OpensslTsa`` token against the TSA's CA and the file's hash with ``openssl ts -verify``."""
    with tempfile.TemporaryDirectory(prefix="tsa-") as folder:
        reply = Path(folder) / "r.tsr"
        reply.write_bytes(base64.b64decode(token))
        args = ["ts", "-verify", "-digest", sha256, "-in", str(reply), "-CAfile", ca_file]
        if untrusted:
            args += ["-untrusted", untrusted]
        try:
            _openssl(*args)
        except RuntimeError:
            return False
    return True


# --- Recording -----------------------------------------------------------------------------------


def evidence_attest(*, evidence_id: int) -> bool:
    """Ask the configured provider to attest one file and record the result; False when nothing was done.

    The provider is asked outside any transaction (it may be a slow network call). An existing
    attestation is never replaced, and a certificate number someone entered is kept.
    """
    provider = get_provider()
    evidence = Evidence.objects.filter(pk=evidence_id).only("pk", "sha256", "attested_at").first()
    if provider is None or evidence is None or evidence.attested_at is not None:
        return False
    result = provider.attest(sha256=evidence.sha256, evidence_id=evidence.pk)
    with transaction.atomic():
        locked = Evidence.objects.select_for_update().get(pk=evidence_id)
        if locked.attested_at is not None:
            return False
        now = timezone.now()
        fields: dict[str, Any] = {
            "attestation_provider": result.provider[:100],
            "attestation_token": result.token,
            "attested_at": now,
            "updated_at": now,
        }
        if not locked.certificate_number:
            fields["certificate_number"] = result.number[:100]
        if not locked.deposit_platform:
            fields["deposit_platform"] = result.provider[:100]
        Evidence.objects.filter(pk=evidence_id).update(**fields)
    logger.info("Evidence %s attested by %s", evidence_id, result.provider)
    return True


def token_digest(token: str) -> str:
    """Short fingerprint of a stored token, for display."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()[:16]
