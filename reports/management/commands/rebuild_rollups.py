"""Rebuild every per-day rollup of the dashboard from the content items (reports/rollups.py)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from reports import rollups


class Command(BaseCommand):
    help = "Recompute the dashboard's per-day rollups from the content items (after a bulk load or a TIME_ZONE change)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--changed", action="store_true", help="Only the days changed since the last run.")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        if options["changed"]:
            days = rollups.refresh()
            self.stdout.write(f"rollups: {len(days)} day(s) recomputed in {time.monotonic() - started:.1f} s")
        else:
            rollups.rebuild()
            self.stdout.write(f"rollups rebuilt in {time.monotonic() - started:.1f} s")
