"""Re-verify every evidence file's SHA-256, every custody chain and the audit chain, read-only (after a restore, or any time).

Unlike the nightly integrity job it writes nothing (no custody links, no flags, no emails), so it
can run against a restored copy before it goes live. Exits non-zero naming each failure.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cases.models import AuditEvent, CustodyEvent, Evidence
from cases.services.audit_chain import verify_audit_chain
from cases.services.custody import verify_chain
from cases.services.evidence import file_sha256


class Command(BaseCommand):
    help = "Re-hash every evidence file, verify every custody chain and the audit chain, writing nothing."

    def handle(self, *args: Any, **options: Any) -> None:
        failures: list[str] = []
        checked = 0
        for evidence in Evidence.objects.only("pk", "file", "sha256").order_by("pk").iterator(chunk_size=500):
            checked += 1
            actual = file_sha256(evidence.file.name) if evidence.file else None
            if actual is None:
                failures.append(f"evidence {evidence.pk}: file missing ({evidence.file.name})")
            elif actual != evidence.sha256:
                failures.append(f"evidence {evidence.pk}: SHA-256 mismatch")
            broken = verify_chain(evidence)
            if broken is not None:
                failures.append(f"evidence {evidence.pk}: custody chain broken at link {broken}")
        audit_chain = verify_audit_chain()
        if audit_chain.broken is not None:
            failures.append(str(audit_chain.broken))
        summary = {
            "evidence": checked,
            "custody_events": CustodyEvent.objects.count(),
            "audit_events": AuditEvent.objects.count(),
            "audit_chain_ok": audit_chain.ok,
            "audit_head_seq": audit_chain.head_seq,
            "failures": len(failures),
        }
        self.stdout.write(json.dumps(summary))
        if failures:
            raise CommandError("Integrity check failed:\n" + "\n".join(failures))
