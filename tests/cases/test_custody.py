"""Chain of custody: hash-chained links, append-only table, verifier naming the first broken link."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction
from PIL import Image

from cases.models import CustodyEvent, Evidence
from cases.services import custody
from cases.services import evidence as svc

pytestmark = pytest.mark.django_db

TRIGGER = "cases_custodyevent_append_only"


@pytest.fixture
def evidence(analyst) -> Evidence:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "green").save(buffer, "PNG")
    return svc.evidence_upload(
        uploaded=SimpleUploadedFile("shot.png", buffer.getvalue()),
        actor=analyst,
        metadata={"title": "Post", "capture_method": Evidence.CaptureMethod.SCREENSHOT},
    )


def chain_of(evidence: Evidence) -> list[CustodyEvent]:
    return list(CustodyEvent.objects.filter(evidence=evidence).order_by("sequence"))


def tamper(sql: str, params: list) -> None:
    """Run raw SQL against the custody table with its append-only trigger briefly off."""
    with connection.cursor() as cursor:
        # Deferred foreign-key checks from this test's inserts would block ALTER TABLE: run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE cases_custodyevent DISABLE TRIGGER {TRIGGER}")
        cursor.execute(sql, params)
        cursor.execute(f"ALTER TABLE cases_custodyevent ENABLE TRIGGER {TRIGGER}")


def test_upload_starts_the_chain_with_a_genesis_link(evidence, analyst):
    (first,) = chain_of(evidence)
    assert first.sequence == 1 and first.action == "uploaded" and first.prev_hash == ""
    assert first.actor == analyst and first.details["sha256"] == evidence.sha256
    assert first.hash == custody.event_hash(first)


def test_each_action_appends_a_link_pointing_at_the_previous_hash(evidence, analyst, lawyer):
    svc.evidence_record_view(evidence=evidence, actor=lawyer, ip="10.0.0.5")
    svc.evidence_record_download(evidence=evidence, actor=lawyer)
    svc.evidence_verify(evidence=evidence, actor=analyst)
    links = chain_of(evidence)
    assert [link.action for link in links] == ["uploaded", "viewed", "downloaded", "verified"]
    assert [link.sequence for link in links] == [1, 2, 3, 4]
    for before, after in zip(links, links[1:], strict=False):
        assert after.prev_hash == before.hash
    assert links[1].ip_address == "10.0.0.5"
    assert custody.verify_chain(evidence) is None


def test_hash_is_sha256_over_previous_hash_and_canonical_json(evidence, lawyer):
    link = custody.custody_append(evidence=evidence, action="exported", actor=lawyer, details={"package": "p1"})
    payload = custody.canonical_payload(
        evidence_id=evidence.pk,
        sequence=2,
        action="exported",
        actor_id=lawyer.pk,
        at=link.at,
        details={"package": "p1"},
        actor_label=link.actor_label,
    )
    assert link.hash == hashlib.sha256((link.prev_hash + payload).encode()).hexdigest()


def test_database_refuses_update_and_delete_of_links(evidence):
    with pytest.raises(DatabaseError), transaction.atomic():
        CustodyEvent.objects.filter(evidence=evidence).update(action="viewed")
    with pytest.raises(DatabaseError), transaction.atomic():
        CustodyEvent.objects.filter(evidence=evidence).delete()
    assert chain_of(evidence)[0].action == "uploaded"


def test_verifier_names_the_first_edited_link(evidence, lawyer):
    for _ in range(4):
        svc.evidence_record_view(evidence=evidence, actor=lawyer)
    tamper(
        'UPDATE cases_custodyevent SET details = \'{"note": "edited"}\' WHERE evidence_id = %s AND sequence = 3',
        [evidence.pk],
    )
    assert custody.verify_chain(evidence) == 3


def test_verifier_catches_an_edit_that_recomputes_the_row_hash(evidence, lawyer):
    # Someone rewrites link 2 and fixes up its own hash: link 3 no longer points at it.
    for _ in range(3):
        svc.evidence_record_view(evidence=evidence, actor=lawyer)
    tamper(
        "UPDATE cases_custodyevent SET actor_label = 'someone else', hash = %s WHERE evidence_id = %s AND sequence = 2",
        ["0" * 64, evidence.pk],
    )
    assert custody.verify_chain(evidence) == 2


def test_verifier_names_a_deleted_link_as_the_gap(evidence, lawyer):
    for _ in range(4):
        svc.evidence_record_view(evidence=evidence, actor=lawyer)
    tamper("DELETE FROM cases_custodyevent WHERE evidence_id = %s AND sequence = 2", [evidence.pk])
    assert custody.verify_chain(evidence) == 2


def test_unknown_action_is_refused(evidence):
    with pytest.raises(ValueError):
        custody.custody_append(evidence=evidence, action="edited")


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_queue_up_instead_of_forking_the_chain(evidence, lawyer):
    import threading

    from django.db import connections

    errors: list[BaseException] = []

    def writer() -> None:
        try:
            for _ in range(5):
                svc.evidence_record_view(evidence=evidence, actor=lawyer)
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert [link.sequence for link in chain_of(evidence)] == list(range(1, 32))
    assert custody.verify_chain(evidence) is None
