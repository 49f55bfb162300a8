"""Backups (issue 9 item 7): scripts/backup.sh, then scripts/restore.sh into a fresh database, re-verified.

Runs the real scripts with the machine's PostgreSQL 15 client tools against the test database,
restores into a scratch database created and dropped here, and checks that every evidence file's
SHA-256, every custody chain and the audit log's hash chain verify on the copy, and that tampering
with a restored file or a restored audit row is caught.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import psycopg
import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from cases.models import AuditEvent, CustodyEvent, Evidence
from cases.services import evidence as evidence_service
from tests.cases.test_public_form import png_bytes

BASE = Path(django_settings.BASE_DIR)
pytestmark = [pytest.mark.django_db(transaction=True)]


def url_for(database: str) -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER'] or 'postgres'}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{database}"


@pytest.fixture
def scratch_database():
    name = f"{connection.settings_dict['NAME']}_restore_{os.getpid()}"
    admin = url_for("postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f"""CREATE DATABASE "{name}" ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8' TEMPLATE template0""")
    try:
        yield name
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "LEGALCASES_IGNORE_DOTENV": "true", "EVIDENCE_STORAGE": "local", **env}
    return subprocess.run(args, cwd=BASE, env=environment, capture_output=True, text=True, timeout=300)  # noqa: S603


def test_a_backup_restores_into_a_fresh_database_and_reverifies(lawyer, settings, tmp_path, scratch_database):
    first = evidence_service.evidence_upload(
        uploaded=SimpleUploadedFile("截图.png", png_bytes(), content_type="image/png"),
        actor=lawyer, metadata={"title": "微博截图", "capture_method": "screenshot"},
    )  # fmt: skip
    second = evidence_service.evidence_upload(
        uploaded=SimpleUploadedFile("b.png", png_bytes() + b"\x00trailer", content_type="image/png"),
        actor=lawyer, metadata={"title": "抖音截图", "capture_method": "screenshot"},
    )  # fmt: skip
    evidence_service.evidence_record_view(evidence=first, actor=lawyer)
    evidence_service.evidence_record_download(evidence=first, actor=lawyer)
    counts = (Evidence.objects.count(), CustodyEvent.objects.count(), AuditEvent.objects.count())

    backup = run(
        ["scripts/backup.sh"],
        DATABASE_URL=url_for(connection.settings_dict["NAME"]),
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
        BACKUP_DIR=str(tmp_path / "backups"),
    )
    assert backup.returncode == 0, backup.stderr
    backup_dir = Path(backup.stdout.strip().splitlines()[-1])
    assert sorted(p.name for p in backup_dir.iterdir()) == ["SHA256SUMS", "counts.json", "db.dump", "media.tar.gz"]
    assert oct(backup_dir.joinpath("db.dump").stat().st_mode)[-3:] == "600"  # personal data: owner only

    restored_media = tmp_path / "restored-media"
    restore_env = {"DATABASE_URL": url_for(scratch_database), "MEDIA_ROOT": str(restored_media)}
    restore = run(["scripts/restore.sh", str(backup_dir)], **restore_env)
    assert restore.returncode == 0, restore.stdout + restore.stderr
    assert "restored and verified" in restore.stdout
    summary = json.loads(restore.stdout.splitlines()[0])
    assert summary["audit_chain_ok"] is True and summary["failures"] == 0
    head_seq = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
    assert summary["audit_head_seq"] == head_seq

    with psycopg.connect(url_for(scratch_database)) as conn:
        restored = tuple(
            conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 - fixed table names
            for table in ("cases_evidence", "cases_custodyevent", "cases_auditevent")
        )
        sha = conn.execute("SELECT sha256 FROM cases_evidence WHERE id = %s", [first.pk]).fetchone()[0]
        # The append-only rules came back with the data.
        with pytest.raises(psycopg.Error, match="append-only"):
            conn.execute("UPDATE cases_custodyevent SET actor_label = 'x'")
    assert restored == counts
    assert sha == first.sha256

    # A restore into a database that is not empty is refused.
    again = run(["scripts/restore.sh", str(backup_dir)], **restore_env)
    assert again.returncode != 0 and "not empty" in again.stderr

    # The verifier really re-reads the files: one flipped byte in the restored copy is named.
    restored_file = restored_media / second.file.name
    data = bytearray(restored_file.read_bytes())
    data[-1] ^= 0x01
    restored_file.write_bytes(bytes(data))
    check = run([str(BASE / ".venv/bin/python"), "manage.py", "verify_integrity"], **restore_env)
    assert check.returncode != 0
    assert f"evidence {second.pk}: SHA-256 mismatch" in check.stderr
    assert f"evidence {first.pk}" not in check.stderr

    # The audit chain is re-verified on the copy too: a row changed behind the append-only
    # trigger's back (as the superuser) is named by its id.
    target = AuditEvent.objects.order_by("seq")[1]
    with psycopg.connect(url_for(scratch_database), autocommit=True) as conn:
        conn.execute("ALTER TABLE cases_auditevent DISABLE TRIGGER cases_auditevent_append_only")
        conn.execute("UPDATE cases_auditevent SET actor_type = 'owner' WHERE id = %s", [target.pk])
        conn.execute("ALTER TABLE cases_auditevent ENABLE TRIGGER cases_auditevent_append_only")
    chain = run([str(BASE / ".venv/bin/python"), "manage.py", "verify_audit_chain"], **restore_env)
    assert chain.returncode != 0
    assert f"row id {target.pk} (position {target.seq})" in chain.stderr


def test_a_corrupt_backup_is_refused_before_anything_is_restored(tmp_path, scratch_database):
    backup_dir = tmp_path / "legalcases-broken"
    backup_dir.mkdir()
    (backup_dir / "db.dump").write_bytes(b"not a dump")
    (backup_dir / "SHA256SUMS").write_text("0" * 64 + "  db.dump\n")
    result = run(["scripts/restore.sh", str(backup_dir)], DATABASE_URL=url_for(scratch_database), MEDIA_ROOT=str(tmp_path))
    assert result.returncode != 0
    with psycopg.connect(url_for(scratch_database)) as conn:
        assert conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0] == 0
