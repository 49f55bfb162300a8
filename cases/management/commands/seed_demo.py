"""Fill the database with the Chinese demo data set (cases/demo/)."""

from __future__ import annotations

import time
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils.translation import gettext as _

from cases.audit import audit_context
from cases.demo import SEED_REQUEST_PREFIX, seed
from cases.demo.people import DEMO_PASSWORD


class Command(BaseCommand):
    # argparse needs plain strings, so the help is translated when the command is loaded.
    help = _(
        "Fill the database with a realistic demo data set (Simplified Chinese): content items, accounts, "
        "campaigns, lawsuits, owners' assistance requests and more. Creates or resets the demo users analyst, "
        "lawyer, executive and admin (plus analyst_li, analyst_zhou, lawyer_sun), all with the local-only "
        'password "legalcases-demo". Safe to run again: the figures stay the same. Refuses to run when DEBUG '
        "is off unless --force is given, so the demo passwords never reach production."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help=_("Run even though DEBUG is off (never on a production database)."),
        )

    def handle(self, *args: Any, force: bool, **options: Any) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                _(
                    "Refusing to seed demo data with DEBUG off: it creates users with a known password. Use --force to override."
                )
            )
        started = time.monotonic()
        try:
            # The request id marks every audited row of this run as the seed's (see cases/demo/sync.py).
            with (
                transaction.atomic(),
                audit_context(actor_type="system", request_id=SEED_REQUEST_PREFIX + uuid.uuid4().hex),
            ):
                figures = seed()
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from error
        with connection.cursor() as cursor:
            # Fresh statistics after a bulk load, so the first dashboard queries get good plans (PERFORMANCE.md).
            cursor.execute("ANALYZE cases_contentitem, cases_assessment, cases_assistancerequest, cases_monitoredaccount")
        labels = {
            "items_total": _("Content items"),
            "items_assessed": _("Items assessed"),
            "items_infringing": _("Items judged infringing"),
            "accounts_monitored": _("Accounts monitored"),
            "suits_filed": _("Suits filed by the company"),
            "suits_supporting_owners": _("Owners' suits supported"),
            "assistance_requests": _("Assistance requests"),
            "requests_with_evidence": _("Requests with evidence"),
            "evidence_guidance": _("Asking for evidence guidance"),
            "lawyer_letter": _("Asking for a lawyer letter"),
            "litigation_support": _("Asking for litigation support"),
            "owners_suable": _("Owners judged suable"),
        }
        for key, label in labels.items():
            self.stdout.write(f"{label}: {figures[key]:,}")
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Demo data ready in %(seconds).1f s. Sign in as analyst, lawyer, executive or admin with the password %(password)s."
                )
                % {"seconds": time.monotonic() - started, "password": DEMO_PASSWORD}
            )
        )
