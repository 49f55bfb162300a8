"""The data set: 1,000,000 items × scale, 10,000 accounts, 1,000 lawsuits, 50,000 assistance requests, and the
legal assessment of every assessed item (about 3 % assessed twice).

Loaded with COPY (psycopg 3 ``cursor.copy()``) with ``session_replication_role = replica``: the
audit triggers and the foreign-key triggers do not fire for this fixture (it is generated
consistent, and the audit trail of a benchmark fixture means nothing). The content items'
secondary indexes are dropped for the load and rebuilt after it. Everything the benchmark then
measures runs with every trigger on.
"""

from __future__ import annotations

import datetime
import hashlib
import itertools
import random
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from bench import text
from bench.common import copy_rows, log, scaled

YEARS = 3
ITEMS = 1_000_000
ACCOUNTS = 10_000
LAWSUITS = 1_000
REQUESTS = 50_000
# Items states (per cent): most items end dismissed; a tenth wait in the queue.
STATES = {"new": 10, "pending": 10, "assessing": 3, "dismissed": 40, "watch": 10, "suspected": 8,
          "fixing": 2, "fixed": 2, "acting": 3, "removed": 8, "closed": 4}  # fmt: skip
CONCLUSION_FOR = {"dismissed": ["none", "criticism"], "watch": ["watch"]}
ESCALATED = ["suspected", "suspected", "serious", "crime"]


@dataclass
class DataSet:
    now: datetime.datetime
    platforms: dict[int, str]  # id → code
    hosts: dict[int, str]
    accounts: list[tuple[int, int, str]]  # (id, platform_id, platform_uid)
    account_weights: list[float]
    item_count: int = 0
    update_keys: list[tuple[int, str, int]] = field(default_factory=list)  # (platform_id, url, account index)
    users: dict[str, Any] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    next_serial: int = 0


def zipf_weights(n: int, s: float = 1.1) -> list[float]:
    return [1.0 / (rank**s) for rank in range(1, n + 1)]


def seed(rng: random.Random) -> DataSet:
    from cases.models import Platform

    now = timezone.now()
    platforms = dict(Platform.objects.order_by("sort_order", "pk").values_list("pk", "code"))
    hosts = {
        pk: (domains[0] if domains else "example.com").removeprefix("www.")
        for pk, domains in Platform.objects.values_list("pk", "domains")
    }
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor
        raw.execute("SET LOCAL session_replication_role = replica")
        raw.execute("SET LOCAL maintenance_work_mem = '512MB'")
        data = _accounts(raw, rng, now, platforms, hosts)
        _campaign_rows(raw, rng, now)
        _items(raw, rng, data)
        _lawsuits(raw, rng, now)
        _requests(raw, rng, now)
    data.users, data.tokens = _users()
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor
        raw.execute("SET LOCAL session_replication_role = replica")
        _assessments(raw, rng, data.users["lawyer"].pk)
        _complaints(raw, rng, data.now, data.users["analyst"].pk)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return data


def _accounts(raw: Any, rng: random.Random, now: datetime.datetime, platforms: dict[int, str], hosts: dict[int, str]) -> DataSet:
    from cases.models import MonitoredAccount

    n = scaled(ACCOUNTS, 50)
    platform_ids = list(platforms)
    platform_weights = zipf_weights(len(platform_ids), 1.2)
    chosen = rng.choices(platform_ids, weights=platform_weights, k=n)
    rows = []
    for i, platform_id in enumerate(chosen):
        first = now - datetime.timedelta(days=rng.uniform(30, YEARS * 365))
        rows.append({
            "platform_id": platform_id, "platform_uid": f"u{i}", "name": text.nickname(rng),
            "followers": int(rng.paretovariate(1.2) * 500), "watch_status": rng.choice(["watching"] * 8 + ["key", "not_watched"]),
            "risk_score": rng.randint(0, 100), "first_seen_at": first, "last_seen_at": now,
            "profile_url": f"https://{hosts[platform_id]}/u/u{i}", "ip_location": rng.choice(text.CITIES),
        })  # fmt: skip
    copy_rows(raw, MonitoredAccount, rows, rows[0].keys())
    raw.execute("SELECT id, platform_id, platform_uid FROM cases_monitoredaccount ORDER BY id")
    accounts = [(pk, platform_id, uid) for pk, platform_id, uid in raw.fetchall()]
    log(f"seed: {len(accounts)} accounts")
    weights = zipf_weights(len(accounts), 0.9)
    rng.shuffle(weights)
    return DataSet(now=now, platforms=platforms, hosts=hosts, accounts=accounts, account_weights=weights)


CAMPAIGNS = 5  # the first three are old and known (linked), the last two recent and left to detection


def _campaign_rows(raw: Any, rng: random.Random, now: datetime.datetime) -> None:
    from cases.models import Campaign

    rows = [
        {"name": f"协同传播事件 {i + 1}", "status": "confirmed", "method": "automatic", "category": "malicious_defamation"}
        for i in range(3)
    ]
    copy_rows(raw, Campaign, rows, rows[0].keys())


def item_row(data: DataSet, rng: random.Random, account_index: int, published: datetime.datetime, body: str) -> dict[str, Any]:
    account_id, platform_id, uid = data.accounts[account_index]
    data.next_serial += 1
    return {
        "platform_id": platform_id, "url": f"https://{data.hosts[platform_id]}/p/{uid}/{data.next_serial}",
        "platform_content_id": str(data.next_serial), "account_id": account_id,
        "content_type": rng.choice(["post", "post", "post", "video", "comment", "article"]),
        "title": text.title(body), "text": body, "published_at": published,
        "discovered_at": min(data.now, published + datetime.timedelta(hours=rng.uniform(0, 48))),
        "views": int(rng.paretovariate(1.1) * 100), "likes": int(rng.paretovariate(1.3) * 10),
        "shares": int(rng.paretovariate(1.5) * 2), "comments": int(rng.paretovariate(1.4) * 3),
    }  # fmt: skip


def _items(raw: Any, rng: random.Random, data: DataSet) -> None:
    from cases.models import ContentItem

    n = scaled(ITEMS, 2000)
    per_campaign = scaled(2000, 20)
    campaign_accounts = scaled(300, 8)
    raw.execute("SELECT id FROM cases_campaign ORDER BY id")
    campaign_ids = [row[0] for row in raw.fetchall()]
    states = rng.choices(list(STATES), weights=list(STATES.values()), k=n)
    account_picks = rng.choices(range(len(data.accounts)), weights=data.account_weights, k=n)
    span = YEARS * 365 * 86400

    def rows():
        for i in range(n):
            campaign = None
            if i < CAMPAIGNS * per_campaign:
                number = i // per_campaign
                start = data.now - datetime.timedelta(days=400 - number * 90 if number < 3 else 2 - (number - 3))
                published = start + datetime.timedelta(seconds=rng.uniform(0, 6 * 3600))
                body = text.campaign_post(number, rng)
                account_index = (number * 997 + rng.randrange(campaign_accounts)) % len(data.accounts)
                campaign = campaign_ids[number] if number < 3 else None
            else:
                published = data.now - datetime.timedelta(seconds=rng.uniform(0, span))
                body = text.chatter(rng)
                account_index = account_picks[i]
            row = item_row(data, rng, account_index, published, body)
            state = states[i] if campaign is None else "suspected"
            row.update(triage_state=state, campaign_id=campaign, severity=0, conclusion="", assessed_at=None)
            if state not in ("new", "pending", "assessing"):
                conclusion = rng.choice(CONCLUSION_FOR.get(state, ESCALATED))
                row.update(
                    conclusion=conclusion, severity=rng.randint(1, 5) if conclusion in ESCALATED else 1,
                    assessed_at=min(data.now, row["discovered_at"] + datetime.timedelta(days=rng.uniform(0, 10))),
                )  # fmt: skip
            if i % 20 == 7 and len(data.update_keys) < scaled(50_000, 500):
                data.update_keys.append((row["platform_id"], row["url"], account_index))
            yield row

    raw.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'cases_contentitem' AND indexname NOT IN "
        "(SELECT conname FROM pg_constraint WHERE conrelid = 'cases_contentitem'::regclass)"
    )
    indexes = raw.fetchall()
    for name, _definition in indexes:
        raw.execute(f'DROP INDEX "{name}"')
    first = next(rows_iter := rows())
    copied = copy_rows(raw, ContentItem, itertools.chain([first], rows_iter), first.keys())
    log(f"seed: {copied} content items copied; rebuilding {len(indexes)} indexes")
    for _name, definition in indexes:
        raw.execute(definition)
    data.item_count = copied
    raw.execute(
        "UPDATE cases_campaign c SET item_count = s.n, account_count = s.a, first_item_at = s.f, last_item_at = s.l "
        "FROM (SELECT campaign_id, count(*) n, count(DISTINCT account_id) a, min(published_at) f, max(published_at) l "
        "FROM cases_contentitem WHERE campaign_id IS NOT NULL GROUP BY campaign_id) s WHERE s.campaign_id = c.id"
    )


# Assessments (cases.Assessment) of the assessed items: the latest one carries the item's conclusion at its
# assessment time; categories and infringement types skewed like the department's work (mostly defamation by
# fabricated or distorted facts). REASSESSED of the items were first assessed earlier (new evidence came later).
CATEGORY_WEIGHTS = {"malicious_defamation": 55, "false_advertising": 25, "illegal_profit": 12, "": 8}
TYPE_WEIGHTS = {"fabrication": 30, "distortion": 22, "insult": 15, "misleading": 12, "owner_attack": 6,
                "fake_review": 5, "distorted_figures": 3, "ai_fabrication": 3, "troll_amplification": 3,
                "impersonation": 2, "privacy_leak": 2, "extortion": 1, "paid_deletion": 1}  # fmt: skip
ACTIONS = ["fix_evidence", "complaint", "letter", "suit", "police", "rebuttal"]
REASSESSED = 0.03
ASSESSMENT_BATCH = 100_000


def _assessment_row(rng: random.Random, item_id: int, conclusion: str, at: datetime.datetime, views: int,
                    assessor_id: int, campaign: bool) -> dict[str, Any]:
    category, types, rationale, actions, statement = "", [], "", [], "opinion"
    if conclusion in ESCALATED:
        category = "malicious_defamation" if campaign else rng.choices(list(CATEGORY_WEIGHTS), list(CATEGORY_WEIGHTS.values()))[0]
        types = sorted(set(rng.choices(list(TYPE_WEIGHTS), list(TYPE_WEIGHTS.values()), k=rng.choice([1, 1, 2, 2, 3]))))
        rationale, actions, statement = "所述事实无证据支持，足以降低公司社会评价，非正常批评。", rng.sample(ACTIONS, 2), "fact"
    elif conclusion == "watch" and rng.random() < 0.4:
        category = rng.choice(["malicious_defamation", "false_advertising"])
        types = [rng.choice(["misleading", "distortion"])]
        statement = "mixed"
    return {
        "content_item_id": item_id, "conclusion": conclusion, "category": category, "infringement_types": types,
        "statement_type": statement, "severity": rng.randint(2, 5) if conclusion in ESCALATED else 1, "reach": views,
        "falsity_provable": bool(types) and rng.random() < 0.5, "insulting_language": "insult" in types,
        "rationale": rationale, "recommended_actions": actions, "assessor_id": assessor_id,
        "created_at": at, "updated_at": at,
    }  # fmt: skip


def _assessments(raw: Any, rng: random.Random, assessor_id: int) -> None:
    from cases.models import Assessment

    copied, last_id = 0, 0
    while True:
        raw.execute(
            "SELECT id, conclusion, discovered_at, assessed_at, views, campaign_id IS NOT NULL FROM cases_contentitem "
            "WHERE assessed_at IS NOT NULL AND id > %s ORDER BY id LIMIT %s",
            [last_id, ASSESSMENT_BATCH],
        )
        batch = raw.fetchall()
        if not batch:
            break
        last_id = batch[-1][0]
        rows = []
        for item_id, conclusion, discovered, assessed, views, campaign in batch:
            if rng.random() < REASSESSED and assessed > discovered:
                # First assessed between discovery and the latest assessment, with a milder or the same view.
                earlier = discovered + (assessed - discovered) * rng.uniform(0.1, 0.9)
                first = rng.choice(["watch", "suspected"] if conclusion in ESCALATED else ["watch", "none"])
                rows.append(_assessment_row(rng, item_id, first, earlier, views // 2, assessor_id, campaign))
            rows.append(_assessment_row(rng, item_id, conclusion, assessed, views, assessor_id, campaign))
        copied += copy_rows(raw, Assessment, rows, rows[0].keys())
    log(f"seed: {copied} assessments")


def _complaints(raw: Any, rng: random.Random, now: datetime.datetime, created_by: int) -> None:
    """Platform complaints for the items acted on (1 to 8 items of one platform each, filed within 3 days of the
    assessment); the removed items' complaints were actioned, the others answered, rejected or still waiting."""
    from cases.models import PlatformComplaint

    raw.execute(
        "SELECT id, platform_id, assessed_at, triage_state FROM cases_contentitem WHERE assessed_at IS NOT NULL "
        "AND triage_state IN ('acting', 'removed', 'closed') ORDER BY platform_id, assessed_at"
    )
    groups: list[list[tuple]] = []
    for row in raw.fetchall():
        if not groups or groups[-1][0][1] != row[1] or len(groups[-1]) >= rng.randint(1, 8):
            groups.append([])
        groups[-1].append(row)
    complaints = []
    for group in groups:
        submitted = min(now, group[-1][2] + datetime.timedelta(hours=rng.uniform(1, 72)))
        answered = submitted + datetime.timedelta(hours=rng.paretovariate(1.5) * 6)
        removed = any(state == "removed" for _id, _platform, _at, state in group)
        status = "actioned" if removed else rng.choice(["submitted", "in_review", "rejected", "actioned"])
        if status != "submitted" and answered > now:
            status = "submitted"
        done = status in ("actioned", "rejected")
        complaints.append({
            "platform_id": group[0][1], "status": status, "submitted_at": submitted, "created_by_id": created_by,
            "first_response_at": None if status == "submitted" else answered, "resolved_at": answered if done else None,
            "measure": "delete" if status == "actioned" else "", "ticket_number": f"TS{rng.randrange(10**9):09d}",
            "created_at": submitted, "updated_at": answered if status != "submitted" else submitted,
        })  # fmt: skip
    if not complaints:
        return
    raw.execute("SELECT coalesce(max(id), 0) FROM cases_platformcomplaint")
    first_id = raw.fetchone()[0] + 1
    copy_rows(raw, PlatformComplaint, complaints, complaints[0].keys())
    raw.execute("SELECT id FROM cases_platformcomplaint WHERE id >= %s ORDER BY id", [first_id])
    ids = [row[0] for row in raw.fetchall()]
    links = ({"platformcomplaint_id": pk, "contentitem_id": row[0]} for pk, group in zip(ids, groups, strict=True)
             for row in group)  # fmt: skip
    linked = copy_rows(raw, PlatformComplaint.content_items.through, links, ["platformcomplaint_id", "contentitem_id"])
    log(f"seed: {len(complaints)} platform complaints ({linked} items)")


def _lawsuits(raw: Any, rng: random.Random, now: datetime.datetime) -> None:
    from cases.models import Lawsuit

    stages = ["preparing", "submitted", "accepted", "hearing", "judged_first", "mediated"]
    rows = []
    for i in range(scaled(LAWSUITS, 5)):
        stage = rng.choice(stages)
        filed = None if stage == "preparing" else (now - datetime.timedelta(days=rng.uniform(1, YEARS * 365))).date()
        judged = stage == "judged_first"
        outcome = rng.choice(["won", "won", "partly_won", "lost"]) if judged else ("mediated" if stage == "mediated" else "pending")
        awarded = rng.randint(0, 200_000) if outcome in ("won", "partly_won") else 0
        rows.append({
            "title": f"名誉权纠纷案 {i + 1}：诉{text.nickname(rng)}", "our_role": rng.choice(["plaintiff"] * 4 + ["supporting_owner"]),
            "cause": rng.choice(["reputation", "network_tort", "commercial_disparagement"]), "stage": stage,
            "filed_on": filed, "judgment_on": filed + datetime.timedelta(days=120) if judged and filed else None,
            "outcome": outcome, "damages_claimed": rng.randint(10_000, 500_000), "damages_awarded": awarded,
            "damages_collected": awarded // 2, "court_fee": 0, "notary_fee": 0, "lawyer_fee": 0,
            "court_name": rng.choice(text.CITIES) + "互联网法院",
        })  # fmt: skip
    copy_rows(raw, Lawsuit, rows, rows[0].keys())
    log(f"seed: {len(rows)} lawsuits")


def _requests(raw: Any, rng: random.Random, now: datetime.datetime) -> None:
    from cases.fields import digest, encrypt
    from cases.models import AssistanceRequest

    statuses = ["submitted", "screening", "legal_review", "guided", "closed", "declined", "withdrawn"]
    help_types = AssistanceRequest.HelpType.values
    rows = []
    for i in range(scaled(REQUESTS, 50)):
        phone = f"13{rng.randint(0, 999999999):09d}"
        eligibility = rng.choice(["unknown", "unknown", "suable", "not_suable"])
        rows.append({
            "reference": f"YZ-B-{i:08d}", "token_digest": hashlib.sha256(secrets.token_bytes(16)).hexdigest(),
            "owner_name": encrypt(text.person_name(rng)), "owner_phone": encrypt(phone),
            "owner_email": encrypt(f"owner{i}@example.com") if i % 3 else "", "phone_digest": digest(phone),
            "city": rng.choice(text.CITIES), "vehicle_model": rng.choice(text.MODELS),
            "description": text.chatter(rng), "help_types": rng.sample(help_types, rng.randint(0, 2)),
            "has_evidence": rng.random() < 0.4, "status": rng.choice(statuses), "eligibility": eligibility,
            "eligibility_reasons": "证据充分，侵权内容可识别车主本人。" if eligibility == "suable" else "",
            "submitted_at": now - datetime.timedelta(seconds=rng.uniform(0, YEARS * 365 * 86400)),
        })  # fmt: skip
    copy_rows(raw, AssistanceRequest, rows, rows[0].keys())
    log(f"seed: {len(rows)} assistance requests (contact data encrypted)")


def _users() -> tuple[dict[str, Any], dict[str, str]]:
    from accounts.models import ApiToken, User
    from accounts.services import api_token_create
    from cases.audit import audit_context

    users = {}
    with audit_context():
        for role in ("analyst", "lawyer", "executive", "admin"):
            users[role] = User.objects.create_user(username=f"bench-{role}", password=secrets.token_urlsafe(16), role=role)
        _token, import_key = api_token_create(name="bench import", user=users["analyst"], scopes=[ApiToken.Scope.IMPORT])
        _token, read_key = api_token_create(name="bench read", user=users["analyst"], scopes=[ApiToken.Scope.READ])
    return users, {"import": import_key, "read": read_key}


def reuse() -> DataSet:
    """Return the DataSet of a database a previous run seeded (``BENCH_REUSE=1``), with fresh API tokens.

    Only what the read-only parts (web, dashboard) need: the users, new tokens (only the digests of
    the old ones are stored) and the item count. The parts that write (import, campaigns,
    integrity) need a fresh data set.
    """
    from accounts.models import ApiToken, User
    from accounts.services import api_token_create
    from cases.audit import audit_context
    from cases.models import ContentItem, Platform

    users = {role: User.objects.get(username=f"bench-{role}") for role in ("analyst", "lawyer", "executive", "admin")}
    with audit_context():
        _token, import_key = api_token_create(name="bench import", user=users["analyst"], scopes=[ApiToken.Scope.IMPORT])
        _token, read_key = api_token_create(name="bench read", user=users["analyst"], scopes=[ApiToken.Scope.READ])
    platforms = dict(Platform.objects.order_by("sort_order", "pk").values_list("pk", "code"))
    return DataSet(
        now=timezone.now(), platforms=platforms, hosts={}, accounts=[], account_weights=[],
        item_count=ContentItem.objects.count(), users=users, tokens={"import": import_key, "read": read_key},
    )  # fmt: skip
