"""Campaigns, content items and their assessments (the monitoring side of the demo)."""

from __future__ import annotations

import datetime
import itertools
import math
import random
from typing import Any

from cases.demo import texts
from cases.demo.common import SNAPSHOT, World, at, clamp, fill, lognormal_delay, money, pick_weighted, rng
from cases.demo.items import PLATFORM_WEIGHTS, day_weights, make_item, random_moment
from cases.demo.people import accounts_of
from cases.demo.sync import replace, sync_m2m, upsert
from cases.models import Assessment, Campaign, ContentItem

TOTAL_ITEMS = 18_000
ASSESSED_ITEMS = 16_465  # public figure: ContentItem.objects.assessed().count()

# key, name, category, status, method, start, hours, item count, [(profile, from, to)], nature by profile, conclusions
CAMPAIGNS: tuple[dict[str, Any], ...] = (
    {
        "key": "ai_fire",
        "name": "「曜川Y5地库自燃」AI合成视频扩散",
        "category": "malicious_defamation",
        "status": "closed",
        "method": "manual",
        "start": at(2025, 7, 12, 9),
        "hours": 96,
        "items": 60,
        "members": [("rumor", 0, 10), ("troll", 130, 145)],
        "nature": {"rumor": "ai_fabrication", "troll": "troll"},
        "conclusions": {"serious": 70, "suspected": 30},
    },
    {
        "key": "sales",
        "name": "「曜川销量注水」恶意解读销量数据",
        "category": "malicious_defamation",
        "status": "assessed",
        "method": "automatic",
        "start": at(2025, 11, 6, 10),
        "hours": 150,
        "items": 140,
        "members": [("kol_black", 0, 8), ("troll", 100, 140)],
        "nature": {"kol_black": "distorted_figures", "troll": "troll"},
        "conclusions": {"serious": 40, "suspected": 60},
    },
    {
        "key": "owners",
        "name": "「曜川车主都是水军」针对车主的人身攻击",
        "category": "malicious_defamation",
        "status": "assessed",
        "method": "automatic",
        "start": at(2026, 1, 15, 19),
        "hours": 170,
        "items": 80,
        "members": [("owner_attacker", 0, 10), ("troll", 90, 110)],
        "nature": {"owner_attacker": "owner_attack", "troll": "insult"},
        "conclusions": {"serious": 35, "suspected": 65},
    },
    {
        "key": "autoshow",
        "name": "车展期间集中吐槽车机卡顿",
        "category": "",
        "status": "rejected",
        "method": "automatic",
        "start": at(2026, 5, 2, 10),
        "hours": 60,
        "items": 25,
        "members": [("critic", 0, 18)],
        "nature": {"critic": "criticism"},
        "conclusions": {"criticism": 100},
    },
    {
        "key": "extortion",
        "name": "「删帖报价」有偿删帖与索要合作费",
        "category": "illegal_profit",
        "status": "confirmed",
        "method": "manual",
        "start": at(2026, 6, 10, 14),
        "hours": 480,
        "items": 18,
        "members": [("extortion", 0, 6)],
        "nature": {"extortion": "extortion"},
        "conclusions": {"crime": 60, "serious": 40},
    },
    # Journey J5: 300 near-identical posts from 120 accounts inside 48 hours, detected and not yet assessed.
    {
        "key": "j5",
        "name": "「曜川Y7刹车失灵」同文水军集中发布",
        "category": "malicious_defamation",
        "status": "detected",
        "method": "automatic",
        "start": at(2026, 11, 25, 20),
        "hours": 47,
        "items": 300,
        "members": [("troll", 0, 120)],
        "nature": {"troll": "j5"},
        "conclusions": {},
    },
)
DESCRIPTIONS = {
    "ai_fire": "多个账号在4天内集中转发同一段AI合成的「地库自燃」视频，均未添加合成标识。",
    "sales": "以截取的周销量数据为依据，集中发布「销量暴跌」「库存积压」等误导性内容，部分账号由同一公关公司控制。",
    "owners": "集中对晒车车主进行人身攻击，称车主为「厂家水军」，部分帖子公开车牌。",
    "autoshow": "车展期间用户集中反映车机卡顿，内容属实且表述克制，经研判不属于有组织的攻击。",
    "extortion": "多个自媒体账号发布「负面预告」并私信索要合作费，附删帖报价单。",
    "j5": "48小时内120个账号发布300条高度雷同的「刹车失灵」帖子，文案相似度超过90%。",
}
NATURES = {"neutral": 45, "criticism": 21, "borderline": 15, "defamatory": 19}
DEFAMATORY_BY_PROFILE = {
    "kol_black": {"fabrication": 30, "fake_review": 35, "distorted_figures": 25, "distortion": 10},
    "extortion": {"extortion": 60, "distortion": 20, "fabrication": 20},
    "owner_attacker": {"owner_attack": 60, "insult": 25, "privacy_leak": 15},
    "rumor": {"ai_fabrication": 35, "fabrication": 35, "impersonation": 15, "distortion": 15},
    "troll": {"troll": 60, "insult": 20, "owner_attack": 20},
}
DEFAMATORY_PROFILES = {"kol_black": 35, "troll": 20, "owner_attacker": 18, "rumor": 15, "extortion": 7}
TYPES = {
    "fabrication": ["fabrication"],
    "fake_review": ["fake_review", "misleading"],
    "distorted_figures": ["distorted_figures", "misleading"],
    "distortion": ["distortion"],
    "ai_fabrication": ["ai_fabrication", "fabrication"],
    "owner_attack": ["owner_attack", "insult"],
    "insult": ["insult"],
    "extortion": ["extortion", "paid_deletion"],
    "impersonation": ["impersonation", "fabrication"],
    "privacy_leak": ["privacy_leak", "owner_attack"],
    "troll": ["troll_amplification"],
    "j5": ["fabrication", "troll_amplification"],
}
CONCLUSIONS = {
    "neutral": {"none": 98, "criticism": 2},
    "criticism": {"criticism": 90, "none": 7, "watch": 3},
    "borderline": {"watch": 75, "none": 19, "suspected": 6},
    "extortion": {"crime": 45, "serious": 45, "suspected": 10},
    "troll": {"suspected": 70, "serious": 20, "watch": 10},
    "defamatory": {"suspected": 60, "serious": 33, "crime": 4, "watch": 3},
}
ACTIONS = {
    "none": [],
    "criticism": [],
    "watch": ["watch"],
    "suspected": ["fix_evidence", "complaint"],
    "serious": ["fix_evidence", "complaint", "letter"],
    "crime": ["fix_evidence", "police", "suit"],
}
INFRINGING = ("suspected", "serious", "crime")


def plan(world: World) -> None:
    """Plan campaigns and items, and decide which items are assessed and how."""
    r = rng("content")
    seen: set[tuple[str, str]] = set()
    for index, spec in enumerate(CAMPAIGNS):
        members = [a for profile, lo, hi in spec["members"] for a in accounts_of(world, profile)[lo:hi]]
        order = members + [r.choice(members) for _ in range(spec["items"] - len(members))]
        window = datetime.timedelta(hours=spec["hours"])
        moments = sorted(spec["start"] + window * r.random() ** 1.3 for _ in order)
        for account, moment in zip(order, moments, strict=True):
            nature = spec["nature"][world.accounts[account]["profile"]]
            world.items.append(
                make_item(
                    world,
                    r,
                    nature=nature,
                    account=account,
                    campaign=index,
                    published=moment.replace(microsecond=0),
                    code=world.accounts[account]["platform_code"],
                    seen=seen,
                )
            )
        world.campaigns.append({"spec": spec, "members": members})
    days, weights = day_weights()
    cum = list(itertools.accumulate(weights))
    by_profile = {
        p: accounts_of(world, p)
        for p in ("kol_black", "extortion", "troll", "owner_attacker", "rumor", "critic", "media")
    }
    while len(world.items) < TOTAL_ITEMS:
        nature, author = _free_nature(r, by_profile)
        code = world.accounts[author]["platform_code"] if author is not None else pick_weighted(r, PLATFORM_WEIGHTS)
        world.items.append(
            make_item(
                world, r, nature=nature, account=author, code=code, published=random_moment(r, days, cum), seen=seen
            )
        )
    _assess(world, r)


def _free_nature(r: random.Random, by_profile: dict[str, list[int]]) -> tuple[str, int | None]:
    nature = pick_weighted(r, NATURES)
    if nature == "defamatory":
        profile = pick_weighted(r, DEFAMATORY_PROFILES)
        return pick_weighted(r, DEFAMATORY_BY_PROFILE[profile]), (
            r.choice(by_profile[profile]) if r.random() < 0.88 else None
        )
    sources = {
        "neutral": {"media": 25, "critic": 10},
        "criticism": {"critic": 35},
        "borderline": {"troll": 10, "rumor": 10, "media": 5},
    }[nature]
    roll = r.uniform(0, 100)
    for profile, share in sources.items():
        if roll < share:
            return nature, r.choice(by_profile[profile])
        roll -= share
    return nature, None


def _assess(world: World, r: random.Random) -> None:
    """Pick the unassessed backlog (recent items and the J5 campaign) and assess everything else."""
    j5 = len(CAMPAIGNS) - 1
    free = [i for i, item in enumerate(world.items) if item["campaign"] is None]
    backlog_size = TOTAL_ITEMS - ASSESSED_ITEMS - sum(1 for item in world.items if item["campaign"] == j5)
    # Weighted sampling without replacement (Efraimidis-Spirakis): recent items are more likely still waiting.
    keys = sorted(
        free,
        key=lambda i: math.log(1 - r.random()) * math.exp((SNAPSHOT - world.items[i]["row"]["published_at"]).days / 30),
    )
    backlog = set(keys[-backlog_size:])
    for index, item in enumerate(world.items):
        row = item["row"]
        if index in backlog or item["campaign"] == j5:
            row["triage_state"] = pick_weighted(
                r, {"new": 55, "pending": 30, "assessing": 15} if item["campaign"] != j5 else {"new": 67, "pending": 33}
            )
            continue
        campaign = CAMPAIGNS[item["campaign"]] if item["campaign"] is not None else None
        nature = item["nature"]
        weights = campaign["conclusions"] if campaign else CONCLUSIONS.get(nature, CONCLUSIONS["defamatory"])
        conclusion = pick_weighted(r, weights)
        delay = lognormal_delay(r, 30 if campaign else 20, 1.1)
        assessed = row["discovered_at"] + delay
        if assessed > SNAPSHOT:
            assessed = clamp(
                SNAPSHOT - datetime.timedelta(minutes=r.randint(1, 600)),
                row["discovered_at"] + datetime.timedelta(minutes=5),
            )
        assessed = assessed.replace(microsecond=0)
        row.update(_triage(r, conclusion, assessed))
        item["assessment"] = _assessment(world, r, item, conclusion, assessed, campaign)
        row["severity"] = item["assessment"]["severity"]
    if sum(1 for item in world.items if item["assessment"]) != ASSESSED_ITEMS:
        raise RuntimeError("the demo plan no longer yields the public figure of assessed items")
    by_account: dict[int, list[int]] = {}
    for i, item in enumerate(world.items):
        if item["account"] is not None and item["row"]["conclusion"] in INFRINGING:
            by_account.setdefault(item["account"], []).append(i)
    world.cache["infringing_by_account"] = by_account


def _triage(r: random.Random, conclusion: str, assessed: datetime.datetime) -> dict[str, Any]:
    if conclusion in ("none", "criticism"):
        state = "dismissed"
    elif conclusion == "watch":
        state = "watch"
    else:
        age = (SNAPSHOT - assessed).days
        weights = (
            {"suspected": 40, "fixing": 30, "fixed": 20, "acting": 10}
            if age < 7
            else {"suspected": 10, "fixing": 15, "fixed": 20, "acting": 30, "removed": 20, "closed": 5}
            if age < 30
            else {"suspected": 3, "fixing": 2, "fixed": 5, "acting": 15, "removed": 55, "closed": 20}
        )
        state = pick_weighted(r, weights)
    if state == "removed" or (state == "closed" and r.random() < 0.6):
        live = "deleted"
    else:
        live = pick_weighted(r, {"live": 93, "deleted": 5, "unknown": 2})
    return {"triage_state": state, "conclusion": conclusion, "assessed_at": assessed, "live_status": live}


def _assessment(
    world: World,
    r: random.Random,
    item: dict[str, Any],
    conclusion: str,
    assessed: datetime.datetime,
    campaign: dict[str, Any] | None,
) -> dict[str, Any]:
    nature, row = item["nature"], item["row"]
    escalating = conclusion in INFRINGING
    severity = {
        "none": 1,
        "criticism": 1,
        "watch": r.choice((1, 2)),
        "suspected": r.choice((2, 3, 3, 4)),
        "serious": r.choice((4, 4, 5)),
        "crime": 5,
    }[conclusion]
    rationale = ""
    if escalating or r.random() < 0.6:
        rationale = fill(r.choice(texts.RATIONALES[conclusion]), r, detail=row["text"][:24])
    reach = row["views"] + row["likes"] + row["shares"] * 10 + row["comments"] * 5
    category = ""
    if escalating:
        category = (
            "illegal_profit"
            if nature == "extortion"
            else "false_advertising"
            if nature == "fake_review"
            else "malicious_defamation"
        )
    reviewer = r.choice(world.lawyers()) if escalating and r.random() < 0.85 else None
    return {
        "content_item_id": None,
        "campaign_id": None,
        "conclusion": conclusion,
        "category": category,
        "infringement_types": list(TYPES.get(nature, [])) if escalating else [],
        "statement_type": "opinion"
        if nature == "criticism"
        else ("mixed" if nature in ("insult", "owner_attack") else "fact"),
        "severity": severity,
        "reach": int(reach * r.uniform(0.6, 1.0)),
        "estimated_loss": money(r.lognormvariate(math.log(800_000 if conclusion == "crime" else 150_000), 0.8))
        if conclusion in ("serious", "crime")
        else None,
        "target_identifiable": nature not in ("neutral",),
        "insulting_language": nature in ("insult", "owner_attack"),
        "falsity_provable": escalating
        and nature in ("fabrication", "ai_fabrication", "distorted_figures", "impersonation", "fake_review", "j5"),
        "rationale": rationale,
        "recommended_actions": list(ACTIONS[conclusion]),
        "assessor_id": r.choices(world.analysts(), weights=(5, 3, 2))[0],
        "reviewer_id": reviewer,
        "reviewed_at": assessed + datetime.timedelta(hours=r.randint(1, 30)) if reviewer else None,
        "created_at": assessed,
    }


def write(world: World) -> None:
    """Write campaigns, items, assessments and the campaign links."""
    r = rng("content/write")
    campaign_rows = []
    for index, campaign in enumerate(world.campaigns):
        spec = campaign["spec"]
        items = [item for item in world.items if item["campaign"] == index]
        first = min(item["row"]["published_at"] for item in items)
        last = max(item["row"]["published_at"] for item in items)
        campaign["items"] = items
        campaign_rows.append(
            {
                "name": spec["name"],
                "category": spec["category"],
                "status": spec["status"],
                "method": spec["method"],
                "description": DESCRIPTIONS[spec["key"]],
                "first_item_at": first,
                "last_item_at": last,
                "item_count": len(items),
                "account_count": len(set(campaign["members"])),
                "created_at": (last + datetime.timedelta(hours=2))
                if spec["key"] == "j5"
                else first + datetime.timedelta(hours=18),
            }
        )
    campaign_ids = replace(
        Campaign, campaign_rows, scope_field="name", scope_values=[row["name"] for row in campaign_rows]
    )
    for campaign, pk in zip(world.campaigns, campaign_ids, strict=True):
        campaign["pk"] = pk
    for item in world.items:
        item["row"]["account_id"] = world.accounts[item["account"]]["pk"] if item["account"] is not None else None
        item["row"]["campaign_id"] = campaign_ids[item["campaign"]] if item["campaign"] is not None else None
    item_ids = upsert(ContentItem, [item["row"] for item in world.items], ("platform_id", "url"))
    for item, pk in zip(world.items, item_ids, strict=True):
        item["pk"] = pk
        if item["assessment"]:
            item["assessment"]["content_item_id"] = pk
    replace(
        Assessment,
        [item["assessment"] for item in world.items if item["assessment"]],
        scope_field="content_item_id",
        scope_values=item_ids,
        extra={"content_item__isnull": False},
    )
    replace(
        Assessment,
        _campaign_assessments(world, r),
        scope_field="campaign_id",
        scope_values=campaign_ids,
        extra={"content_item__isnull": True},
    )
    account_pairs = {(c["pk"], world.accounts[a]["pk"]) for c in world.campaigns for a in c["members"]}
    sync_m2m(Campaign.accounts, account_pairs, campaign_ids)
    agency_pairs = {
        (c["pk"], world.accounts[a]["row"]["agency_id"])
        for c in world.campaigns
        for a in c["members"]
        if world.accounts[a]["row"]["agency_id"] and c["spec"]["status"] != "rejected"
    }
    sync_m2m(Campaign.agencies, agency_pairs, campaign_ids)
    world.counts["items"] = len(item_ids)


def _campaign_assessments(world: World, r: random.Random) -> list[dict[str, Any]]:
    rows = []
    for campaign in world.campaigns:
        spec = campaign["spec"]
        if spec["status"] not in ("assessed", "closed"):
            continue
        items = campaign["items"]
        assessed = max(item["row"]["assessed_at"] for item in items)
        rows.append(
            {
                "content_item_id": None,
                "campaign_id": campaign["pk"],
                "conclusion": "serious",
                "category": spec["category"],
                "infringement_types": sorted(
                    {t for item in items for t in TYPES.get(item["nature"], [])} | {"troll_amplification"}
                ),
                "statement_type": "fact",
                "severity": 5,
                "reach": sum(
                    i["row"]["views"] + i["row"]["likes"] + i["row"]["shares"] * 10 + i["row"]["comments"] * 5
                    for i in items
                ),
                "estimated_loss": money(r.uniform(600_000, 2_500_000)),
                "target_identifiable": True,
                "insulting_language": spec["key"] == "owners",
                "falsity_provable": True,
                "rationale": texts.RATIONALES["serious"][1] + DESCRIPTIONS[spec["key"]],
                "recommended_actions": ["fix_evidence", "complaint", "letter", "suit"],
                "assessor_id": world.user("analyst"),
                "reviewer_id": world.user("lawyer"),
                "reviewed_at": assessed + datetime.timedelta(hours=6),
                "created_at": assessed,
            }
        )
    return rows
