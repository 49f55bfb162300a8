"""Owners' reported links and the monitoring side: the same troll accounts show up in both.

An owner's links are normalised with the intake's URL normaliser (cases.normalize.normalize_url),
so every spelling of a post finds the ContentItem that monitoring already holds (unique per
platform and normalised URL) and every spelling of a profile finds its MonitoredAccount.
Matching runs when the request is stored and again on screening (items found since then are
picked up); staff can also put the links nobody monitors yet into monitoring, through the intake
service, in one idempotent step.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts import permissions
from cases.models import AssistanceRequest, ContentItem, MonitoredAccount
from cases.normalize import normalize_url
from cases.services import intake


def normalized_links(links: Iterable[str]) -> list[str]:
    """Return each link once, in the intake's normal form, in the owner's order; unparsable links are dropped."""
    seen: dict[str, None] = {}
    for link in links:
        try:
            seen[normalize_url(link)] = None
        except ValueError:
            continue
    return list(seen)


@dataclass(frozen=True)
class Matches:
    item_ids: list[int]
    account_ids: list[int]
    unmatched: list[str]  # normalised links that are neither a known item nor a known profile


def match_links(links: Iterable[str]) -> Matches:
    """Find the items and accounts the links point at: two indexed queries, whatever the number of links."""
    urls = normalized_links(links)
    if not urls:
        return Matches([], [], [])
    items = list(ContentItem.objects.filter(url__in=urls).values_list("pk", "url", "account_id"))
    profiles = list(MonitoredAccount.objects.filter(profile_url__in=urls).values_list("pk", "profile_url"))
    known = {url for _pk, url, _acct in items} | {url for _pk, url in profiles}
    account_ids = dict.fromkeys([acct for _pk, _url, acct in items if acct] + [pk for pk, _url in profiles])
    return Matches(
        item_ids=[pk for pk, _url, _acct in items],
        account_ids=list(account_ids),
        unmatched=[url for url in urls if url not in known],
    )


def assistance_request_link_monitoring(*, assistance_request: AssistanceRequest) -> Matches:
    """Link the request to the items and accounts its links point at (adding a link twice changes nothing)."""
    matches = match_links(assistance_request.content_links)
    if matches.item_ids:
        assistance_request.content_items.add(*matches.item_ids)
    if matches.account_ids:
        assistance_request.reported_accounts.add(*matches.account_ids)
    return matches


@dataclass
class MonitoringAdded:
    added: int = 0
    rejected: list[str] = field(default_factory=list)


@transaction.atomic
def assistance_request_add_to_monitoring(*, assistance_request: AssistanceRequest, actor: Any) -> MonitoringAdded:
    """Put the request's links that nobody monitors yet into monitoring, as items reported by an owner.

    Goes through the intake service (the one import path: same URL checks, platform by host,
    upsert by platform and normalised URL), so running it twice creates nothing the second time.
    Links intake refuses (e.g. an unknown platform) are reported with intake's translated reason.
    """
    permissions.ensure_can_edit(actor, assistance_request)
    permissions.ensure_can_edit(actor, ContentItem)
    if assistance_request.purged_at is not None:
        raise ValidationError(_("The owner's links were purged with the personal data."), code="purged")
    matches = assistance_request_link_monitoring(assistance_request=assistance_request)
    outcome = MonitoringAdded()
    if not matches.unmatched:
        return outcome
    result = intake.import_rows(
        rows=[{"url": url} for url in matches.unmatched], source=ContentItem.Source.OWNER, actor=actor
    )
    if result.item_ids:
        assistance_request.content_items.add(*result.item_ids)
    outcome.added = result.created
    outcome.rejected = [f"{matches.unmatched[error['row']]}: {error['reason']}" for error in result.errors]
    return outcome
