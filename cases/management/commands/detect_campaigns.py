"""Find coordinated campaigns now: ``manage.py detect_campaigns [--since ISO] [--window-hours N]``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.dateparse import parse_datetime
from django.utils.timezone import is_naive, make_aware
from django.utils.translation import gettext as _

from cases.audit import audit_context
from cases.services import campaigns


class Command(BaseCommand):
    help = _(
        "Find coordinated campaigns: near-identical posts from several accounts within a time window. "
        "Safe to run again: items already in a campaign stay where they are and dismissed campaigns stay dismissed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--since",
            help=_("Only look at posts imported or changed since this ISO 8601 time (and their neighbours in time)."),
        )
        parser.add_argument(
            "--window-hours",
            type=int,
            default=campaigns.DEFAULT_WINDOW_HOURS,
            help=_("Length of the sliding window, in hours."),
        )
        parser.add_argument(
            "--lookback-hours",
            type=int,
            default=campaigns.DEFAULT_LOOKBACK_HOURS,
            help=_("Without --since: how many hours of posts to look at."),
        )
        parser.add_argument(
            "--min-items",
            type=int,
            default=campaigns.DEFAULT_MIN_ITEMS,
            help=_("Fewest posts a new campaign has within the window."),
        )
        parser.add_argument(
            "--min-accounts",
            type=int,
            default=campaigns.DEFAULT_MIN_ACCOUNTS,
            help=_("Fewest different accounts a new campaign has within the window."),
        )
        parser.add_argument(
            "--similarity",
            type=float,
            default=campaigns.DEFAULT_SIMILARITY,
            help=_("Least similarity (0-1) of each post to the campaign's first post."),
        )

    def handle(self, *args: Any, since: str | None, **options: Any) -> None:
        since_at = None
        if since:
            since_at = parse_datetime(since)
            if since_at is None:
                raise CommandError(_("--since is not an ISO 8601 date-time: %(value)s") % {"value": since})
            if is_naive(since_at):
                since_at = make_aware(since_at)
        try:
            with audit_context(actor_type="system"):
                report = campaigns.detect_campaigns_report(
                    since=since_at,
                    window_hours=options["window_hours"],
                    lookback_hours=options["lookback_hours"],
                    min_items=options["min_items"],
                    min_accounts=options["min_accounts"],
                    similarity=options["similarity"],
                )
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            _(
                "Looked at %(scanned)d posts in %(seconds).1f s: %(created)d new campaigns, "
                "%(extended)d campaigns grew, %(linked)d posts linked."
            )
            % {
                "scanned": report.scanned,
                "seconds": report.seconds,
                "created": len(report.created),
                "extended": len(report.extended),
                "linked": report.items_linked,
            }
        )
        for campaign in report.created:
            self.stdout.write(f"  #{campaign.pk} {campaign.name}: {campaign.item_count} / {campaign.account_count}")
