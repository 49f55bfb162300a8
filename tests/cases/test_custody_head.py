"""The chain head on the evidence row: removing the last custody links is caught by the verifier and the job."""

from __future__ import annotations

import pytest
from django.core import mail

from cases.models import CustodyEvent, Evidence
from cases.services import custody
from cases.services import evidence as svc
from cases.tasks.evidence import verify_evidence_integrity
from tests.cases.test_custody import chain_of, tamper
from tests.cases.test_custody import evidence as _evidence_fixture

pytestmark = pytest.mark.django_db

evidence = pytest.fixture(_evidence_fixture.__wrapped__, name="evidence")


def truncate(evidence: Evidence, keep: int) -> None:
    """Delete the links after ``keep`` as the database superuser would, with the append-only trigger off."""
    tamper("DELETE FROM cases_custodyevent WHERE evidence_id = %s AND sequence > %s", [evidence.pk, keep])


def test_the_head_is_the_last_link_after_every_append(evidence, lawyer):
    for _ in range(3):
        svc.evidence_record_view(evidence=evidence, actor=lawyer)
        stored = Evidence.objects.get(pk=evidence.pk).custody_head_hash
        assert stored == chain_of(evidence)[-1].hash == evidence.custody_head_hash


def test_an_intact_chain_verifies(evidence, lawyer):
    svc.evidence_record_download(evidence=evidence, actor=lawyer)
    assert custody.verify_chain(Evidence.objects.get(pk=evidence.pk)) is None


def test_removing_the_last_links_is_named_by_the_verifier(evidence, lawyer):
    svc.evidence_record_view(evidence=evidence, actor=lawyer)
    svc.evidence_record_download(evidence=evidence, actor=lawyer)  # links 1, 2, 3
    truncate(evidence, keep=1)

    fresh = Evidence.objects.get(pk=evidence.pk)
    assert [e.sequence for e in chain_of(fresh)] == [1]
    assert custody.verify_chain(fresh) == 2  # the first missing link


def test_a_truncated_chain_stays_broken_after_new_links(evidence, lawyer):
    svc.evidence_record_view(evidence=evidence, actor=lawyer)
    svc.evidence_record_view(evidence=evidence, actor=lawyer)
    truncate(evidence, keep=1)
    fresh = Evidence.objects.get(pk=evidence.pk)

    svc.evidence_record_view(evidence=fresh, actor=lawyer)  # appended as #2, chained to the lost head

    assert custody.verify_chain(Evidence.objects.get(pk=evidence.pk)) == 2


def test_the_integrity_job_flags_the_truncation_and_emails_lawyers(evidence, lawyer, settings):
    lawyer.email = "lawyer@example.com"
    lawyer.save()
    svc.evidence_record_view(evidence=evidence, actor=lawyer)
    truncate(evidence, keep=1)

    result = verify_evidence_integrity.delay().get()

    assert result == {"checked": 1, "ok": 0, "failed": 1}
    fresh = Evidence.objects.get(pk=evidence.pk)
    assert fresh.integrity == Evidence.Integrity.CHAIN_BROKEN
    last = CustodyEvent.objects.filter(evidence=fresh).latest("sequence")
    assert last.action == "verification_failed" and last.details["chain_broken_at"] == 2
    (message,) = mail.outbox
    assert message.to == ["lawyer@example.com"]
    # Nothing was repaired: the next run still finds it.
    assert verify_evidence_integrity.delay().get()["failed"] == 1


def test_the_evidence_page_shows_the_break(evidence, lawyer, lawyer_client):
    svc.evidence_record_view(evidence=evidence, actor=lawyer)
    truncate(evidence, keep=1)

    response = lawyer_client.get(f"/evidence/{evidence.pk}/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.context["chain_broken_at"] == 2
    assert "Chain broken at #2" in response.content.decode()


def test_a_file_mismatch_still_reads_as_a_mismatch(evidence):
    with evidence.file.open("r+b") as handle:
        first = handle.read(1)
        handle.seek(0)
        handle.write(bytes([first[0] ^ 1]))
    assert svc.evidence_verify(evidence=evidence) == Evidence.Integrity.MISMATCH
