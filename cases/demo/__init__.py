"""The demo data set: an automaker's legal department fighting online defamation of its cars.

``seed()`` builds it deterministically (``random.Random`` seeded per topic from 2025) and
writes only what the database lacks, so running it again leaves the same rows and figures.
Rows belong to the demo by natural key (usernames, agency names, platform + uid, platform +
URL, request references, campaign and lawsuit titles, evidence hashes), by hanging off
those rows (assessments, consents, parties, proceedings, complaints about demo items, …),
or because the audit trail shows an earlier run created them. Running the seed again
resets those rows to the demo state; rows created by people are left alone unless they
hang off demo rows.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from cases.demo import actions, content, evidence, litigation, owners, people
from cases.demo.common import World
from cases.demo.sync import SEED_REQUEST_PREFIX, ownership, retire
from cases.models import Agency, AssistanceRequest, ContentItem, Lawsuit, MonitoredAccount, Platform

__all__ = ["SEED_REQUEST_PREFIX", "figures", "seed"]

PLATFORM_CODES = (
    "weibo",
    "douyin",
    "kuaishou",
    "bilibili",
    "xiaohongshu",
    "wechat",
    "toutiao",
    "dongchedi",
    "autohome",
    "zhihu",
    "yiche",
    "pcauto",
    "other",
)


def seed() -> dict[str, int]:
    """Build the demo data set inside the caller's transaction and return its headline figures.

    Run it inside ``audit_context`` with a request id starting with ``SEED_REQUEST_PREFIX``:
    that is how the next run recognises the rows this one created.
    """
    world = World()
    world.platforms = dict(Platform.objects.filter(code__in=PLATFORM_CODES).values_list("code", "pk"))
    missing = sorted(set(PLATFORM_CODES) - set(world.platforms))
    if missing:
        raise ImproperlyConfigured(f"Platforms missing (run the migrations): {', '.join(missing)}")
    with ownership():
        people.write_users(world)
        people.write_agencies(world)
        people.plan_accounts(world)
        content.plan(world)
        people.write_accounts(world)
        content.write(world)
        owners.plan(world)
        litigation.plan(world)
        owners.write(world)
        litigation.write(world)
        actions.build(world)
        evidence.build(world)
        # Keyed rows of earlier runs that this run does not want; items first, accounts last (they are protected).
        retire(ContentItem)
        retire(AssistanceRequest)
        retire(MonitoredAccount, on_protected=_archive_accounts)
        retire(Agency)
    return figures()


def _archive_accounts(ids: list[int]) -> None:
    """Take retired accounts that other rows still name out of the monitored figure."""
    MonitoredAccount.objects.filter(pk__in=ids).exclude(watch_status="archived").update(watch_status="archived")


def figures() -> dict[str, int]:
    """Return the public figures, computed with the same querysets as the dashboard."""
    requests = AssistanceRequest.objects
    return {
        "items_total": ContentItem.objects.count(),
        "items_assessed": ContentItem.objects.assessed().count(),
        "items_infringing": ContentItem.objects.infringing().count(),
        "accounts_monitored": MonitoredAccount.objects.monitored().count(),
        "suits_filed": Lawsuit.objects.by_company().filed().count(),
        "suits_supporting_owners": Lawsuit.objects.supporting_owners().filed().count(),
        "assistance_requests": requests.count(),
        "requests_with_evidence": requests.with_evidence().count(),
        "evidence_guidance": requests.asking_for("evidence_guidance").count(),
        "lawyer_letter": requests.asking_for("lawyer_letter").count(),
        "litigation_support": requests.asking_for("litigation_support").count(),
        "owners_suable": requests.suable().count(),
    }
