"""Coordinated campaigns: find near-duplicate posts across accounts, and the analyst's decisions on them.

Detection (``detect_campaigns``) clusters the text of posts published in a scan range with character
3-gram MinHash/LSH (cases/near_duplicates.py), confirms each cluster with the exact Jaccard to its
most typical post, splits it where posting pauses for longer than the window, and keeps a
cluster as a campaign only when some ``window_hours`` stretch holds ``min_items`` posts from
``min_accounts`` different accounts. One account repeating itself is spam, not coordination.

What a run may change, so that running it again changes nothing:

* it never moves an item that is already in a campaign;
* items of an open campaign (detected, confirmed, assessed) anchor it: new similar posts join it;
* items of a dismissed campaign (status "rejected") anchor it too, but nothing joins and nothing is
  created from them: dismissed stays dismissed;
* items of a closed campaign are left out, so a later revival is found as a new campaign.

Runs hold a PostgreSQL advisory lock, so two imports finishing together cannot create the same
campaign twice.

Speed, measured on the project's 2-core machine kind while other test suites shared it (load 1.4-2):
100,350 realistic Chinese posts in the scan range (70 characters on average; 300 of them one campaign,
50 spam copies from one account) took 9-12 s per run (8 runs, ``manage.py detect_campaigns`` included;
peak memory 220 MB). About half is computing signatures; reading the rows, normalising and LSH take
about 1-1.5 s each; the exact checks 0.1 s. The alternatives, measured on the same data: a pg_trgm
``%`` self-join through the GIN index costs 5.6 ms per post (200 probes in 1.1-1.2 s), so about
9 minutes for 100,000 posts, before any clustering; datasketch would add numpy and scipy (~160 MB)
for the same MinHash/LSH.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, FloatField, Max, Min, Q
from django.db.models.functions import Cast, Extract
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from cases import near_duplicates as nd
from cases.models import Agency, Campaign, ContentItem, MonitoredAccount
from cases.services import triage, workflow

logger = logging.getLogger(__name__)

Status = Campaign.Status
OPEN_STATUSES = (Status.DETECTED, Status.CONFIRMED, Status.ASSESSED)
# Campaigns whose items take part in clustering: open ones grow, rejected ones block re-detection.
ANCHOR_STATUSES = (*OPEN_STATUSES, Status.REJECTED)
# Allowed analyst decisions on a campaign's status (assessment is triage.campaign_assess's move).
CONFIRMABLE = (Status.DETECTED,)
DISMISSABLE = (Status.DETECTED, Status.CONFIRMED)
ASSESSABLE = OPEN_STATUSES

DEFAULT_WINDOW_HOURS = 48
DEFAULT_MIN_ITEMS = 10
DEFAULT_MIN_ACCOUNTS = 5
DEFAULT_SIMILARITY = 0.5
# With no ``since``, a run looks at the posts published in the last week.
DEFAULT_LOOKBACK_HOURS = 7 * 24
# The signature estimate is noisy (± 0.06): candidates are linked a little below the threshold
# and the exact Jaccard decides.
CANDIDATE_MARGIN = 0.1
# A candidate group that splits into more leaders than this is topic chatter, not copies.
MAX_LEADERS_PER_GROUP = 50
MIN_REASON_CHARS = 5
NAME_CHARS = 40
# pg_advisory_xact_lock key: "campaign" in ASCII, so no other lock in the project collides with it.
_LOCK_KEY = int.from_bytes(b"campaign", "big") & 0x7FFF_FFFF_FFFF_FFFF


@dataclass(slots=True)
class _Post:
    id: int
    account_id: int | None
    at: float  # publication time, seconds since the epoch (cheaper to load and compare than datetimes)
    campaign_id: int | None
    text: str


@dataclass
class DetectionReport:
    """What one detection run looked at and changed."""

    scanned: int = 0
    created: list[Campaign] = field(default_factory=list)
    extended: dict[int, int] = field(default_factory=dict)  # campaign id → items added
    seconds: float = 0.0

    @property
    def items_linked(self) -> int:
        return sum(c.item_count for c in self.created) + sum(self.extended.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "scanned": self.scanned,
            "created": [c.pk for c in self.created],
            "extended": {str(pk): n for pk, n in self.extended.items()},
            "items_linked": self.items_linked,
            "seconds": round(self.seconds, 2),
        }


def detect_campaigns(
    *,
    since: datetime.datetime | None = None,
    window_hours: int = DEFAULT_WINDOW_HOURS,
    min_items: int = DEFAULT_MIN_ITEMS,
    min_accounts: int = DEFAULT_MIN_ACCOUNTS,
    similarity: float = DEFAULT_SIMILARITY,
    lookback_hours: int = DEFAULT_LOOKBACK_HOURS,
) -> list[Campaign]:
    """Find coordinated campaigns and return the ones this run created (see ``detect_campaigns_report``)."""
    return detect_campaigns_report(
        since=since,
        window_hours=window_hours,
        min_items=min_items,
        min_accounts=min_accounts,
        similarity=similarity,
        lookback_hours=lookback_hours,
    ).created


@transaction.atomic
def detect_campaigns_report(
    *,
    since: datetime.datetime | None = None,
    window_hours: int = DEFAULT_WINDOW_HOURS,
    min_items: int = DEFAULT_MIN_ITEMS,
    min_accounts: int = DEFAULT_MIN_ACCOUNTS,
    similarity: float = DEFAULT_SIMILARITY,
    lookback_hours: int = DEFAULT_LOOKBACK_HOURS,
) -> DetectionReport:
    """Cluster recent posts into campaigns; create new ones and grow open ones.

    ``since``: only posts created or updated at or after it are new (an import passes its start);
    the run reads them and every post published within ``window_hours`` of them. Without it the
    run reads the posts published in the last ``lookback_hours``.
    """
    if window_hours < 1 or min_items < 2 or min_accounts < 2 or not 0 < similarity <= 1:
        raise ValueError("window_hours >= 1, min_items >= 2, min_accounts >= 2 and 0 < similarity <= 1")
    started = time.monotonic()
    report = DetectionReport()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
    window = datetime.timedelta(hours=window_hours)
    bounds = _scan_bounds(since, window, datetime.timedelta(hours=lookback_hours))
    if bounds is None:
        return report
    posts = _load_posts(*bounds)
    report.scanned = len(posts)
    statuses = dict(
        Campaign.objects.filter(pk__in={p.campaign_id for p in posts if p.campaign_id}).values_list("pk", "status")
    )
    new_campaigns: list[tuple[list[_Post], _Post]] = []
    joins: dict[int, list[int]] = {}
    for members, leader in _clusters(posts, similarity):
        for segment in _segments(members, window.total_seconds()):
            anchors = Counter(p.campaign_id for p in segment if p.campaign_id)
            free = [p.id for p in segment if p.campaign_id is None]
            open_ids = [pk for pk in anchors if statuses.get(pk) in OPEN_STATUSES]
            if open_ids:
                if free:
                    target = min(open_ids, key=lambda pk: (-anchors[pk], pk))
                    joins.setdefault(target, []).extend(free)
            elif not anchors and _is_coordinated(segment, window.total_seconds(), min_items, min_accounts):
                new_campaigns.append((segment, leader if any(p is leader for p in segment) else segment[0]))
    for target, item_ids in joins.items():
        added = _assign(Campaign.objects.select_for_update().get(pk=target), item_ids)
        if added:
            report.extended[target] = added
    for segment, leader in new_campaigns:
        campaign = Campaign.objects.create(
            name=_name_for(leader),
            method=Campaign.Method.AUTOMATIC,
            status=Status.DETECTED,
            description=_description(window_hours, similarity, min_accounts),
        )
        if _assign(campaign, [p.id for p in segment]):
            report.created.append(campaign)
        else:  # every item was taken in the meantime: nothing to show
            campaign.delete()
    _refresh([c.pk for c in report.created] + list(report.extended))
    for campaign in report.created:
        campaign.refresh_from_db()
    report.seconds = time.monotonic() - started
    logger.info("campaign detection: %s", report.as_dict())
    return report


def _scan_bounds(
    since: datetime.datetime | None, window: datetime.timedelta, lookback: datetime.timedelta
) -> tuple[datetime.datetime, datetime.datetime] | None:
    now = timezone.now()
    if since is None:
        return now - lookback, now + window
    new = ContentItem.objects.filter(Q(created_at__gte=since) | Q(updated_at__gte=since), published_at__isnull=False)
    span = new.aggregate(first=Min("published_at"), last=Max("published_at"))
    if span["first"] is None:
        return None
    return span["first"] - window, span["last"] + window


def _load_posts(start: datetime.datetime, end: datetime.datetime) -> list[_Post]:
    """Return the posts published in [start, end], oldest first, except those of closed campaigns.

    The ORM builds the query; the rows are read with a plain cursor because Django's per-value
    converters cost about a second per 100,000 rows here and these values need none.
    """
    query = (
        ContentItem.objects.filter(published_at__gte=start, published_at__lte=end)
        .filter(Q(campaign__isnull=True) | Q(campaign__status__in=ANCHOR_STATUSES))
        .order_by("published_at", "id")
        .values_list(
            "id", "account_id", Cast(Extract("published_at", "epoch"), FloatField()), "campaign_id", "text", "title"
        )
        .query
    )
    with connection.cursor() as cursor:
        cursor.execute(*query.sql_with_params())
        return [
            _Post(pk, account, at, campaign, text or title)
            for pk, account, at, campaign, text, title in cursor.fetchall()
        ]


def _clusters(posts: Sequence[_Post], similarity: float) -> Iterable[tuple[list[_Post], _Post]]:
    """Yield each near-duplicate cluster (oldest post first) with its most typical post."""
    cores = [nd.normalise(p.text) for p in posts]
    # Copies identical after normalising are common (reposts, bots): sign each distinct text once.
    distinct = {core: nd.signature(core) for core in set(cores)}
    signatures = [distinct[core] for core in cores]
    groups = nd.candidate_groups(signatures, threshold=max(similarity - CANDIDATE_MARGIN, 0.05))
    for group in groups:
        sets = {index: nd.shingle_set(cores[index]) for index in group}
        clusters = nd.leader_clusters(group, sets, threshold=similarity, max_leaders=MAX_LEADERS_PER_GROUP)
        for leader, members in clusters:
            if len(members) > 1:
                yield [posts[i] for i, _score in members], posts[leader]


def _segments(members: list[_Post], window: float) -> Iterable[list[_Post]]:
    """Split a cluster (oldest first) wherever no similar post appeared for longer than ``window`` seconds."""
    segment = [members[0]]
    for post in members[1:]:
        if post.at - segment[-1].at > window:
            yield segment
            segment = []
        segment.append(post)
    yield segment


def _is_coordinated(segment: list[_Post], window: float, min_items: int, min_accounts: int) -> bool:
    """Tell whether some ``window`` seconds of the segment holds ``min_items`` posts from ``min_accounts`` accounts."""
    if len(segment) < min_items or len({p.account_id for p in segment if p.account_id}) < min_accounts:
        return False
    accounts: Counter[int] = Counter()
    start = 0
    for end, post in enumerate(segment):
        if post.account_id:
            accounts[post.account_id] += 1
        while post.at - segment[start].at > window:
            leaving = segment[start].account_id
            if leaving:
                accounts[leaving] -= 1
                if not accounts[leaving]:
                    del accounts[leaving]
            start += 1
        if end - start + 1 >= min_items and len(accounts) >= min_accounts:
            return True
    return False


def _assign(campaign: Campaign, item_ids: list[int]) -> int:
    """Link the items that are in no campaign yet; return how many were linked."""
    return ContentItem.objects.filter(pk__in=item_ids, campaign__isnull=True).update(
        campaign=campaign, updated_at=timezone.now()
    )


def _name_for(leader: _Post) -> str:
    core = nd.readable_core(leader.text, NAME_CHARS)
    return f"“{core}”" if core else _("Near-duplicate posts #%(id)d") % {"id": leader.id}


def _description(window_hours: int, similarity: float, min_accounts: int) -> str:
    return _(
        "Found automatically on %(date)s: near-identical posts, each at least %(percent)d%% similar to the "
        "campaign's most typical post (shared three-character sequences, ignoring links, @mentions, #topics#, "
        "emoji and punctuation), from at least %(accounts)d different accounts within %(hours)d hours."
    ) % {
        "date": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        "percent": round(similarity * 100),
        "accounts": min_accounts,
        "hours": window_hours,
    }


def _refresh(campaign_ids: Sequence[int]) -> None:
    """Recompute counts and times of the campaigns, and link their items' accounts and agencies."""
    if not campaign_ids:
        return
    account_link = Campaign.accounts.through
    agency_link = Campaign.agencies.through
    pairs = (
        ContentItem.objects.filter(campaign_id__in=campaign_ids, account__isnull=False)
        .values_list("campaign_id", "account_id")
        .distinct()
    )
    account_link.objects.bulk_create(
        [account_link(campaign_id=c, monitoredaccount_id=a) for c, a in pairs], ignore_conflicts=True
    )
    agency_pairs = (
        account_link.objects.filter(campaign_id__in=campaign_ids, monitoredaccount__agency__isnull=False)
        .values_list("campaign_id", "monitoredaccount__agency_id")
        .distinct()
    )
    agency_link.objects.bulk_create(
        [agency_link(campaign_id=c, agency_id=a) for c, a in agency_pairs], ignore_conflicts=True
    )
    campaign_refresh_counts(campaign_ids)


def campaign_refresh_counts(campaign_ids: Sequence[int]) -> None:
    """Store each campaign's item and account counts and its first and last publication time."""
    items = {
        row["campaign_id"]: row
        for row in ContentItem.objects.filter(campaign_id__in=campaign_ids)
        .values("campaign_id")
        .annotate(n=Count("id"), first=Min("published_at"), last=Max("published_at"))
    }
    accounts = {
        row["campaign_id"]: row["n"]
        for row in Campaign.accounts.through.objects.filter(campaign_id__in=campaign_ids)
        .values("campaign_id")
        .annotate(n=Count("id"))
    }
    campaigns = list(Campaign.objects.filter(pk__in=campaign_ids))
    now = timezone.now()
    for campaign in campaigns:
        row = items.get(campaign.pk, {})
        campaign.item_count = row.get("n", 0)
        campaign.first_item_at = row.get("first")
        campaign.last_item_at = row.get("last")
        campaign.account_count = accounts.get(campaign.pk, 0)
        campaign.updated_at = now
    Campaign.objects.bulk_update(
        campaigns, ["item_count", "first_item_at", "last_item_at", "account_count", "updated_at"]
    )


# --- The analyst's decisions ---------------------------------------------------------------------


def _move(campaign: Campaign, *, allowed: Sequence[str], to: str, actor: Any, reason: str) -> Campaign:
    """Move a locked campaign to ``to`` when its status allows it, and record who and why."""
    if campaign.status not in allowed:
        raise ValidationError(
            _("This campaign is “%(status)s”; it cannot become “%(target)s”."),
            code="illegal_transition",
            params={"status": campaign.get_status_display(), "target": Status(to).label},
        )
    previous = campaign.status
    campaign.status = to
    campaign.save(update_fields=["status", "updated_at"])
    workflow.record_moves([campaign], field="status", from_state=previous, to_state=to, actor=actor, reason=reason)
    return campaign


@transaction.atomic
def campaign_confirm(*, campaign: Campaign, actor: Any, reason: str = "") -> Campaign:
    """An analyst confirms that a detected cluster is a coordinated campaign."""
    permissions.ensure_can_edit(actor, Campaign)
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    return _move(campaign, allowed=CONFIRMABLE, to=Status.CONFIRMED, actor=actor, reason=reason.strip())


@transaction.atomic
def campaign_dismiss(*, campaign: Campaign, actor: Any, reason: str) -> Campaign:
    """An analyst decides a cluster is not a campaign; its items stay linked so it is never re-detected."""
    permissions.ensure_can_edit(actor, Campaign)
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_CHARS:
        raise ValidationError(
            {"reason": _("Say why this is not a campaign (at least %(n)d characters).") % {"n": MIN_REASON_CHARS}}
        )
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    return _move(campaign, allowed=DISMISSABLE, to=Status.REJECTED, actor=actor, reason=reason)


@transaction.atomic
def campaign_assess(
    *, campaign: Campaign, assessor: Any, data: triage.AssessmentInput
) -> triage.CampaignAssessmentResult:
    """Assess the whole campaign in one step (triage.campaign_assess records the status move)."""
    permissions.ensure_can_edit(assessor, Campaign)
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status not in ASSESSABLE:
        raise ValidationError(
            _("This campaign is “%(status)s” and cannot be assessed."),
            code="not_assessable",
            params={"status": campaign.get_status_display()},
        )
    return triage.campaign_assess(campaign=campaign, assessor=assessor, data=data)


@transaction.atomic
def campaign_link_agency(
    *, campaign: Campaign, agency: Agency, actor: Any, accounts: Iterable[MonitoredAccount] = ()
) -> Campaign:
    """Record the agency (MCN) behind a campaign and, optionally, behind some of its accounts.

    Accounts must belong to the campaign. An account already run by another agency is refused
    rather than silently moved: that needs a look at the account itself.
    """
    permissions.ensure_can_edit(actor, Campaign)
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status == Status.REJECTED:
        raise ValidationError(_("This cluster was marked as not a campaign: no agency can be linked to it."))
    account_ids = {a.pk for a in accounts}
    if account_ids:
        permissions.ensure_can_edit(actor, MonitoredAccount)
        members = set(campaign.accounts.filter(pk__in=account_ids).values_list("pk", flat=True))
        if members != account_ids:
            raise ValidationError({"accounts": _("Choose accounts of this campaign only.")})
        taken = list(
            MonitoredAccount.objects.filter(pk__in=account_ids, agency__isnull=False)
            .exclude(agency=agency)
            .values_list("name", flat=True)
        )
        if taken:
            raise ValidationError(
                {"accounts": _("Already linked to another agency: %(names)s.") % {"names": "、".join(sorted(taken))}}
            )
        MonitoredAccount.objects.filter(pk__in=account_ids, agency__isnull=True).update(
            agency=agency, updated_at=timezone.now()
        )
    campaign.agencies.add(agency)
    campaign.save(update_fields=["updated_at"])
    return campaign
