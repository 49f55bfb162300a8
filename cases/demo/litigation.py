"""Lawsuits: the company's own suits and the owners' suits it supports, with parties and claims.

Each suit walks a legal path through ``Lawsuit.TRANSITIONS`` to its current stage; the
dates of that walk give the suit's key dates, its proceedings, hearings and deadlines
(``cases.demo.courts``).
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from typing import Any

from cases.demo import courts, texts
from cases.demo.common import SNAPSHOT, TZ, World, at, money, pick_weighted, rng
from cases.demo.people import accounts_of
from cases.demo.sync import replace, sync_m2m
from cases.models import Lawsuit, LawsuitClaim, LawsuitParty

# Stages of the suits. Everything but "preparing" counts as filed: 92 company suits, 35 owner suits.
COMPANY_STAGES = {
    "preparing": 6,
    "submitted": 4,
    "pre_mediation": 3,
    "rejected": 2,
    "accepted": 5,
    "service": 6,
    "pretrial": 7,
    "hearing": 8,
    "judged_first": 6,
    "appeal_window": 3,
    "appeal": 5,
    "judged_second": 2,
    "effective": 4,
    "performed": 3,
    "enforcing": 4,
    "enforced": 3,
    "suspended": 2,
    "mediated": 6,
    "withdrawn": 4,
    "closed": 15,
}
OWNER_STAGES = {
    "preparing": 3,
    "submitted": 2,
    "pre_mediation": 2,
    "accepted": 3,
    "service": 3,
    "pretrial": 3,
    "hearing": 4,
    "judged_first": 3,
    "appeal_window": 1,
    "appeal": 2,
    "effective": 2,
    "performed": 1,
    "enforcing": 1,
    "mediated": 3,
    "withdrawn": 1,
    "closed": 4,
}
TRIAL = ["submitted", "accepted", "service", "pretrial", "hearing"]
JUDGED = [*TRIAL, "judged_first", "appeal_window"]
PATHS: dict[str, list[list[str]]] = {
    "preparing": [[]],
    "submitted": [["submitted"]],
    "pre_mediation": [["submitted", "pre_mediation"]],
    "rejected": [["submitted", "rejected"]],
    "accepted": [TRIAL[:2]],
    "service": [TRIAL[:3]],
    "pretrial": [TRIAL[:4]],
    "hearing": [TRIAL],
    "judged_first": [JUDGED[:-1]],
    "appeal_window": [JUDGED],
    "appeal": [[*JUDGED, "appeal"]],
    "judged_second": [[*JUDGED, "appeal", "judged_second"]],
    "effective": [[*JUDGED, "effective"], [*JUDGED, "appeal", "judged_second", "effective"]],
    "performed": [[*JUDGED, "effective", "performed"]],
    "enforcing": [[*JUDGED, "effective", "enforcing"]],
    "enforced": [[*JUDGED, "effective", "enforcing", "enforced"]],
    "suspended": [[*JUDGED, "effective", "enforcing", "suspended"]],
    "mediated": [[*TRIAL, "mediated"], ["submitted", "pre_mediation", "mediated"]],
    "withdrawn": [[*TRIAL, "withdrawn"]],
    "closed": [
        [*JUDGED, "effective", "performed", "closed"],
        [*JUDGED, "effective", "performed", "closed"],
        [*JUDGED, "effective", "enforcing", "enforced", "closed"],
        [*TRIAL, "mediated", "closed"],
        ["submitted", "pre_mediation", "mediated", "closed"],
        [*TRIAL, "withdrawn", "closed"],
        ["submitted", "rejected", "closed"],
        [*JUDGED, "appeal", "judged_second", "effective", "performed", "closed"],
    ],
}
# Days from the previous step to this one, and how long a suit may have sat in its current stage.
STEP = {
    "submitted": (0, 0),
    "pre_mediation": (3, 12),
    "rejected": (7, 15),
    "accepted": (7, 25),
    "service": (10, 25),
    "pretrial": (20, 45),
    "hearing": (15, 40),
    "judged_first": (30, 90),
    "mediated": (20, 60),
    "withdrawn": (10, 40),
    "appeal_window": (3, 10),
    "appeal": (15, 15),
    "judged_second": (60, 120),
    "effective": (15, 15),
    "performed": (5, 10),
    "enforcing": (20, 60),
    "enforced": (60, 150),
    "suspended": (90, 180),
    "closed": (5, 30),
}
DWELL = {
    "preparing": (3, 40),
    "submitted": (1, 6),
    "pre_mediation": (5, 40),
    "accepted": (3, 9),
    "service": (5, 14),
    "pretrial": (5, 30),
    "hearing": (3, 40),
    "judged_first": (1, 3),
    "appeal_window": (1, 12),
    "appeal": (10, 60),
    "judged_second": (1, 3),
    "effective": (1, 9),
    "enforcing": (10, 100),
    "performed": (5, 30),
    "enforced": (5, 30),
    "suspended": (5, 30),
    "mediated": (3, 30),
    "withdrawn": (5, 300),
    "rejected": (5, 300),
    "closed": (5, 420),
}
COMPANY_CAUSES = {
    "commercial_disparagement": 35,
    "reputation": 30,
    "network_tort": 25,
    "false_advertising": 6,
    "injunction": 4,
}
OWNER_CAUSES = {"reputation": 70, "network_tort": 12, "privacy": 12, "crime_defamation": 6}
JUDGED_STAGES = {
    "judged_first",
    "appeal_window",
    "appeal",
    "judged_second",
    "effective",
    "performed",
    "enforcing",
    "enforced",
    "suspended",
}


def plan(world: World) -> None:
    """Plan every suit; owner suits also settle the status of the requests they support."""
    r = rng("litigation")
    targets = accounts_of(world, "kol_black") + accounts_of(world, "extortion") + accounts_of(world, "rumor")
    r.shuffle(targets)
    campaign_suits = {"sales": 3, "ai_fire": 2, "extortion": 1}
    company = _stage_list(COMPANY_STAGES, r)
    for number, stage in enumerate(company):
        campaign = next((i for i, c in enumerate(world.campaigns) if campaign_suits.get(c["spec"]["key"], 0) > 0), None)
        if campaign is not None:
            campaign_suits[world.campaigns[campaign]["spec"]["key"]] -= 1
            account = r.choice(
                [a for a in world.campaigns[campaign]["members"] if world.accounts[a]["profile"] != "troll"]
            )
        else:
            account = targets[number % len(targets)]
        world.suits.append(_suit(world, r, "plaintiff", stage, account, None, campaign, at(2025, 6, 20).date()))
    _plan_owner_suits(world, r)
    titles: dict[str, int] = {}
    for suit in world.suits:
        title = suit["row"]["title"]
        titles[title] = titles.get(title, 0) + 1
        if titles[title] > 1:
            suit["row"]["title"] = f"{title}（{'一二三四五六七八九'[titles[title] - 1]}）"


def _stage_list(stages: dict[str, int], r: random.Random) -> list[str]:
    listed = [stage for stage, count in stages.items() for _ in range(count)]
    r.shuffle(listed)
    return listed


def _plan_owner_suits(world: World, r: random.Random) -> None:
    suable = sorted((req for req in world.requests if req["suable"]), key=lambda req: req["row"]["submitted_at"])
    stages = _stage_list(OWNER_STAGES, r)
    # Longer walks go to the owners who asked earliest; the first owners get a second suit.
    stages.sort(key=lambda stage: -sum(STEP[s][0] for s in PATHS[stage][0]))
    attackers = accounts_of(world, "owner_attacker")
    owners_campaign = next(i for i, c in enumerate(world.campaigns) if c["spec"]["key"] == "owners")
    for number, stage in enumerate(stages):
        request = suable[number % len(suable)]
        earliest = (request["row"]["submitted_at"] + datetime.timedelta(days=15)).date()
        account = attackers[(number * 7) % len(attackers)]
        campaign = owners_campaign if number % 9 == 4 else None
        world.suits.append(_suit(world, r, "supporting_owner", stage, account, request, campaign, earliest))
    for request in suable:
        suits = [s for s in world.suits if s["request"] is request]
        if suits and all(s["stage"] in ("closed", "withdrawn", "rejected") for s in suits):
            closed = max(s["row"]["closed_on"] or s["dates"][s["stage"]] for s in suits) + datetime.timedelta(days=2)
            row = request["row"]
            row["status"] = "closed"
            row["closed_at"] = datetime.datetime.combine(closed, datetime.time(17, 0), tzinfo=TZ)
            row["retention_until"] = closed + datetime.timedelta(days=3 * 365)
            row["litigation_hold"] = False


def _timeline(r: random.Random, path: list[str], stage: str, earliest: datetime.date) -> dict[str, datetime.date]:
    """Return the date each stage of ``path`` was reached, ending before the snapshot."""
    steps = [r.randint(*STEP[s]) for s in path]
    dwell = r.randint(*DWELL[stage])
    latest = SNAPSHOT.date() - datetime.timedelta(days=sum(steps) + dwell)
    if latest < earliest:
        # Squeeze the variable steps (never the statutory 15-day ones) to fit the period.
        room = (SNAPSHOT.date() - earliest).days - dwell - 30
        factor = max(room, 10) / max(sum(steps), 1)
        steps = [
            step if STEP[s][0] == STEP[s][1] else max(1, int(step * factor))
            for s, step in zip(path, steps, strict=True)
        ]
        latest = max(earliest, SNAPSHOT.date() - datetime.timedelta(days=sum(steps) + dwell))
    # The walk ends exactly ``dwell`` days before the snapshot: a suit is never stuck in a stage
    # for longer than its statutory periods allow.
    start = max(earliest, latest)
    dates, day = {}, start
    for s, step in zip(path, steps, strict=True):
        day += datetime.timedelta(days=step)
        dates[s] = min(day, SNAPSHOT.date())
    dates["_start"] = start
    return dates


def _suit(
    world: World,
    r: random.Random,
    role: str,
    stage: str,
    account: int,
    request: dict[str, Any] | None,
    campaign: int | None,
    earliest: datetime.date,
) -> dict[str, Any]:
    path = r.choice(PATHS[stage])
    dates = _timeline(r, path, stage, earliest)
    owner = role == "supporting_owner"
    cause = pick_weighted(r, OWNER_CAUSES if owner else COMPANY_CAUSES)
    filed = dates.get("submitted")
    court = courts.pick_court(r, cause, filed or SNAPSHOT.date(), owner)
    outcome = _outcome(r, stage, path)
    target = world.accounts[account]
    items = _items_of(world, r, account, campaign)
    harm = min(
        (world.items[i]["row"]["published_at"].date() for i in items),
        default=dates["_start"] - datetime.timedelta(days=40),
    )
    claims = _claims(r, owner, outcome, cause)
    claimed = sum(
        (c["amount"] or Decimal(0) for c in claims if c["kind"] in ("damages", "reasonable_costs", "mental_distress")),
        Decimal(0),
    )
    awarded = sum((c["amount_awarded"] or Decimal(0) for c in claims), Decimal(0))
    collected = _collected(r, stage, path, awarded)
    if "judged_second" in dates:
        dates["served_second"] = dates["judged_second"] + datetime.timedelta(days=r.randint(3, 8))
    judgment = dates.get("judged_second") or dates.get("judged_first")
    served = dates.get("served_second") or dates.get("appeal_window")
    effective = dates.get("effective")
    closed = dates.get("closed") or dates.get("withdrawn") or dates.get("rejected")
    won = outcome in ("won", "partly_won", "mediated") and stage in ("performed", "enforced", "closed")
    defendant = f"「{target['row']['name']}」"
    reference = request["row"]["reference"] if request else ""
    title = texts.SUIT_TITLES[role].format(
        company=texts.COMPANY, defendant=defendant, cause=texts.CAUSE_NAMES[cause], reference=reference
    )
    row = {
        "title": title,
        "our_role": role,
        "cause": cause,
        "stage": stage,
        "court_name": texts.COURTS[court][0],
        "lawyer_id": world.user(
            r.choice(("lawyer_sun", "lawyer_sun", "lawyer")) if owner else r.choice(("lawyer", "lawyer", "lawyer_sun"))
        ),
        "outside_counsel": r.choice(texts.LAW_FIRMS),
        "filed_on": filed,
        "accepted_on": dates.get("accepted"),
        "judgment_on": judgment,
        "judgment_served_on": served,
        "effective_on": effective,
        "performance_due_on": effective + datetime.timedelta(days=10) if effective else None,
        "closed_on": closed,
        "harm_known_on": harm,
        "infringer_known_on": min(harm + datetime.timedelta(days=r.randint(0, 30)), filed or SNAPSHOT.date()),
        "outcome": outcome,
        "damages_claimed": claimed,
        "damages_awarded": awarded,
        "damages_collected": collected,
        "court_fee": courts.court_fee(claimed) if filed else Decimal("0.00"),
        "notary_fee": money(r.uniform(3_000, 30_000)) if filed else Decimal("0.00"),
        "lawyer_fee": money(r.uniform(20_000, 80_000) if owner else r.uniform(50_000, 200_000))
        if filed
        else Decimal("0.00"),
        "content_deleted": won,
        "apology_published": won and outcome != "mediated",
        "apology_pin_days": 30 if won else None,
        "assistance_request_id": None,
        "campaign_id": None,
        "notes": _note(stage, outcome, owner),
        "created_at": datetime.datetime.combine(
            dates["_start"] - datetime.timedelta(days=r.randint(5, 25)), datetime.time(10, 0), tzinfo=TZ
        )
        if stage != "preparing"
        else SNAPSHOT - datetime.timedelta(days=r.randint(3, 40), hours=r.randint(0, 8)),
    }
    return {
        "role": role,
        "stage": stage,
        "path": path,
        "dates": dates,
        "court": court,
        "account": account,
        "request": request,
        "campaign": campaign,
        "items": items,
        "row": row,
        "claims": claims,
        "parties": _parties(world, r, target, owner, reference),
    }


def _outcome(r: random.Random, stage: str, path: list[str]) -> str:
    if "rejected" in path:
        return "rejected"
    if "withdrawn" in path:
        return "withdrawn"
    if "mediated" in path:
        return "mediated"
    if stage in JUDGED_STAGES or "judged_first" in path:
        return pick_weighted(
            r,
            {"won": 62, "partly_won": 33, "lost": 5}
            if stage in ("judged_first", "appeal_window", "appeal", "judged_second")
            else {"won": 65, "partly_won": 35},
        )
    return "pending"


def _claims(r: random.Random, owner: bool, outcome: str, cause: str) -> list[dict[str, Any]]:
    damages = money(r.uniform(10_000, 100_000) if owner else r.lognormvariate(13.5, 0.8))
    costs = money(r.uniform(5_000, 20_000) if owner else r.uniform(30_000, 150_000))
    kinds: list[tuple[str, str, Decimal | None, int | None]] = [
        ("stop", "立即停止侵权行为", None, None),
        ("delete", "删除全部涉案内容", None, None),
        ("apology", "在涉案账号首页置顶发布致歉声明", None, 15 if owner else 30),
        ("damages", "赔偿经济损失", damages, None),
        ("reasonable_costs", "赔偿公证费、律师费等合理开支", costs, None),
    ]
    if cause == "injunction":
        # An injunction application asks the court to stop the act; damages come in a later suit.
        kinds = kinds[:2]
    elif owner:
        kinds.append(("mental_distress", "赔偿精神损害抚慰金", money(r.uniform(5_000, 50_000)), None))
    elif r.random() < 0.5:
        kinds.insert(3, ("eliminate_effects", "消除影响、恢复名誉", None, None))
    decided = outcome in ("won", "partly_won", "lost", "mediated")
    ratio = {
        "won": r.uniform(0.4, 0.8),
        "partly_won": r.uniform(0.1, 0.4),
        "mediated": r.uniform(0.3, 0.6),
        "lost": 0.0,
    }.get(outcome, 0.0)
    claims = []
    for kind, description, amount, days in kinds:
        granted = None
        awarded = None
        if decided:
            granted = outcome != "lost" and (
                outcome != "partly_won" or kind not in ("eliminate_effects", "mental_distress")
            )
            if amount is not None:
                awarded = (
                    money(float(amount) * (ratio if kind == "damages" else min(1.0, ratio + 0.3)))
                    if granted
                    else Decimal("0.00")
                )
        claims.append(
            {
                "kind": kind,
                "description": description,
                "amount": amount,
                "apology_days": days,
                "granted": granted,
                "amount_awarded": awarded,
            }
        )
    return claims


def _collected(r: random.Random, stage: str, path: list[str], awarded: Decimal) -> Decimal:
    if "performed" in path or "enforced" in path or ("mediated" in path and stage in ("closed", "mediated")):
        return awarded
    if stage == "enforcing":
        return money(float(awarded) * r.uniform(0.0, 0.5))
    if stage == "suspended":
        return money(float(awarded) * r.uniform(0.1, 0.4))
    return Decimal("0.00")


def _items_of(world: World, r: random.Random, account: int, campaign: int | None) -> list[int]:
    mine = world.cache["infringing_by_account"].get(account, [])
    if campaign is not None:
        mine = [i for i in mine if world.items[i]["campaign"] == campaign] or mine
    return sorted(r.sample(mine, min(len(mine), r.randint(2, 6))))


def _parties(
    world: World, r: random.Random, target: dict[str, Any], owner: bool, reference: str
) -> list[dict[str, Any]]:
    row = target["row"]
    plaintiff = (
        {"role": "plaintiff", "kind": "owner", "name": f"车主（援助申请 {reference}）"}
        if owner
        else {"role": "plaintiff", "kind": "company", "name": texts.COMPANY}
    )
    parties = [
        plaintiff,
        {"role": "defendant", "kind": "account", "monitored_account_id": target["pk"], "name": row["name"]},
    ]
    if row["identity_status"] == "disclosed":
        parties.append({"role": "defendant", "kind": "person", "name": r.choice(texts.SURNAMES) + "某某"})
    elif r.random() < 0.6:
        # Anonymous holder: the platform operator is sued too and asked to disclose who holds the account.
        parties.append({"role": "defendant", "kind": "platform", "platform_id": row["platform_id"], "name": ""})
    if row["agency_id"] and not owner:
        parties.append(
            {
                "role": "defendant",
                "kind": "agency",
                "agency_id": row["agency_id"],
                "name": next(a["name"] for a in world.agencies if a["pk"] == row["agency_id"]),
            }
        )
    if owner and r.random() < 0.3:
        parties.append({"role": "third_party", "kind": "platform", "platform_id": row["platform_id"], "name": ""})
    return parties


def _note(stage: str, outcome: str, owner: bool) -> str:
    if stage == "preparing":
        return "正在整理证据目录和起诉状，待确认被告身份信息。"
    if outcome == "won":
        return "一审判决支持全部主要诉讼请求。" if not owner else "法院支持车主诉讼请求，公司承担律师费。"
    if outcome == "mediated":
        return "经法院主持调解，对方删除内容、公开致歉并支付赔偿。"
    if outcome == "withdrawn":
        return "对方已删除全部内容并公开致歉，申请撤诉。"
    return "公司法务部支持车主起诉，提供证据固定和律师费用支持。" if owner else ""


def write(world: World) -> None:
    """Write suits, parties, claims and content links, then their proceedings, hearings and deadlines."""
    for suit in world.suits:
        suit["row"]["assistance_request_id"] = suit["request"]["pk"] if suit["request"] else None
        suit["row"]["campaign_id"] = world.campaigns[suit["campaign"]]["pk"] if suit["campaign"] is not None else None
    rows = [suit["row"] for suit in world.suits]
    ids = replace(Lawsuit, rows, scope_field="title", scope_values=[row["title"] for row in rows])
    parties, claims = [], []
    for suit, pk in zip(world.suits, ids, strict=True):
        suit["pk"] = pk
        created = suit["row"]["created_at"]
        for party in suit["parties"]:
            parties.append(
                {
                    "lawsuit_id": pk,
                    "monitored_account_id": None,
                    "platform_id": None,
                    "agency_id": None,
                    **party,
                    "created_at": created,
                }
            )
        for claim in suit["claims"]:
            claims.append({"lawsuit_id": pk, **claim, "created_at": created})
    replace(LawsuitParty, parties, scope_field="lawsuit_id", scope_values=ids)
    replace(LawsuitClaim, claims, scope_field="lawsuit_id", scope_values=ids)
    sync_m2m(Lawsuit.content_items, {(s["pk"], world.items[i]["pk"]) for s in world.suits for i in s["items"]}, ids)
    courts.write(world, rng("litigation/courts"))
    world.counts["suits"] = len(ids)
