"""Verify the audit log's hash chain, read-only; exit non-zero naming the first broken row.

Prints one JSON line with the rows checked and the chain head (position and hash): keep that
line somewhere else (a ticket, the operations log) and a later rewrite of the whole chain from
that point on is caught too, by comparing the hash at that position.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cases.services.audit_chain import verify_audit_chain


class Command(BaseCommand):
    help = "Verify the audit log's hash chain; exit non-zero and name the first broken row."

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_audit_chain()
        self.stdout.write(json.dumps(report.as_dict()))
        if report.broken is not None:
            raise CommandError(str(report.broken))
