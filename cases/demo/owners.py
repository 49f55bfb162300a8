"""Owner assistance: 6,032 requests from car owners, their consents and the content they point at."""

from __future__ import annotations

import datetime
import hashlib
import random
from typing import Any

from cases.demo import texts
from cases.demo.common import (
    PROGRAM_START,
    SNAPSHOT,
    VIN_CHARS,
    World,
    at,
    fill,
    person_name,
    phone,
    pick_weighted,
    rng,
)
from cases.demo.sync import replace, sync_m2m, upsert
from cases.fields import digest
from cases.models import AssistanceRequest, ConsentRecord

# Public figures (AssistanceRequest querysets): total, with evidence, asking for each help type, suable.
TOTAL_REQUESTS = 6_032
WITH_EVIDENCE = 480
HELP_COUNTS = {
    "evidence_guidance": 338,
    "lawyer_letter": 301,
    "litigation_support": 245,
    "complaint_help": 118,
    "police_help": 41,
}
SUABLE = 23
# Owners who asked for some help; the others only joined the program.
HELP_POOL = 720
EVIDENCE_FROM_POOL = 400
SURGE_END = at(2025, 10, 20)
STATUS_BY_AGE = (
    (10, {"submitted": 30, "screening": 40, "need_info": 20, "legal_review": 10}),
    (
        45,
        {
            "screening": 10,
            "need_info": 12,
            "legal_review": 18,
            "guided": 20,
            "letter": 10,
            "police": 5,
            "declined": 15,
            "closed": 5,
            "withdrawn": 5,
        },
    ),
    (
        10_000,
        {
            "need_info": 3,
            "legal_review": 4,
            "guided": 15,
            "letter": 8,
            "police": 3,
            "declined": 17,
            "closed": 45,
            "withdrawn": 5,
        },
    ),
)
NEEDS = {"guided": "evidence_guidance", "letter": "lawyer_letter", "police": "police_help"}
ATTACK_NATURES = ("owner_attack", "insult", "privacy_leak")


def _submitted(r: random.Random) -> datetime.datetime:
    """Most owners signed up in the first weeks after the launch; the rest trickled in."""
    if r.random() < 0.55:
        moment = PROGRAM_START + (SURGE_END - PROGRAM_START) * (r.random() ** 2)
    else:
        moment = SURGE_END + (SNAPSHOT - SURGE_END) * (r.random() ** 1.4)
    moment = moment.replace(
        hour=r.choice(range(8, 24)), minute=r.randint(0, 59), second=r.randint(0, 59), microsecond=0
    )
    return min(moment, SNAPSHOT - datetime.timedelta(minutes=r.randint(5, 300)))


def plan(world: World) -> None:
    r = rng("owners")
    moments = sorted(_submitted(r) for _ in range(TOTAL_REQUESTS))
    pool = r.sample(range(TOTAL_REQUESTS), HELP_POOL)
    helps: list[list[str]] = [[] for _ in range(TOTAL_REQUESTS)]
    for help_type, count in HELP_COUNTS.items():
        for index in r.sample(pool, count):
            helps[index].append(help_type)
    asking = [i for i in range(TOTAL_REQUESTS) if helps[i]]
    others = [i for i in range(TOTAL_REQUESTS) if not helps[i]]
    evidence = set(r.sample(asking, EVIDENCE_FROM_POOL)) | set(r.sample(others, WITH_EVIDENCE - EVIDENCE_FROM_POOL))
    candidates = [
        i for i in asking if i in evidence and "litigation_support" in helps[i] and moments[i] < at(2026, 9, 1)
    ]
    suable = set(r.sample(candidates, SUABLE))
    attack_items = [
        i
        for i, item in enumerate(world.items)
        if item["nature"] in ATTACK_NATURES and item["row"]["conclusion"] in ("suspected", "serious", "crime")
    ]
    attackers = [a for a in world.accounts if a["profile"] == "owner_attacker"]
    per_year: dict[int, int] = {}
    for index, submitted in enumerate(moments):
        per_year[submitted.year] = per_year.get(submitted.year, 0) + 1
        world.requests.append(
            _request(
                r,
                index,
                submitted,
                helps[index],
                index in evidence,
                index in suable,
                f"YZ-{submitted.year}-{per_year[submitted.year]:06d}",
                attack_items,
                attackers,
                world,
            )
        )


def _request(
    r: random.Random,
    index: int,
    submitted: datetime.datetime,
    helps: list[str],
    has_evidence: bool,
    suable: bool,
    reference: str,
    attack_items: list[int],
    attackers: list[dict[str, Any]],
    world: World,
) -> dict[str, Any]:
    age = (SNAPSHOT - submitted).days
    if suable:
        status = "litigation"
    elif helps:
        weights = next(w for limit, w in STATUS_BY_AGE if age < limit)
        status = pick_weighted(r, {s: w for s, w in weights.items() if NEEDS.get(s, helps[0]) in helps})
    else:
        status = pick_weighted(
            r, {"submitted": 75, "closed": 18, "withdrawn": 7} if age >= 10 else {"submitted": 80, "screening": 20}
        )
    eligibility, reasons = "unknown", ""
    if suable:
        eligibility, reasons = "suable", r.choice(texts.SUABLE_REASONS)
    elif status == "declined" or (helps and status in ("guided", "closed") and r.random() < 0.3):
        eligibility, reasons = "not_suable", r.choice(texts.NOT_SUABLE_REASONS)
    finished = status in ("closed", "declined", "withdrawn")
    closed_at = (
        min(submitted + datetime.timedelta(days=r.randint(3, 60), hours=r.randint(0, 8)), SNAPSHOT)
        if finished
        else None
    )
    lawyered = status in ("legal_review", "guided", "letter", "litigation", "police") or (
        helps and status in ("closed", "declined") and r.random() < 0.6
    )
    items = r.sample(attack_items, r.choice((1, 1, 2, 3))) if helps and r.random() < 0.6 else []
    links = [world.items[i]["row"]["url"] for i in items]
    if helps and not links:
        links = [f"https://weibo.com/{r.randint(1_000_000_000, 7_999_999_999)}/{r.getrandbits(40):x}"]
    attacker = r.choice(attackers)["row"]["name"]
    template = (
        r.choice(texts.REQUEST_DESCRIPTIONS[:4] + texts.REQUEST_DESCRIPTIONS[5:])
        if helps
        else (texts.REQUEST_DESCRIPTIONS[4] if r.random() < 0.7 else r.choice(texts.REQUEST_DESCRIPTIONS))
    )
    name = person_name(r)
    number = phone(r)
    token = f"{r.getrandbits(256):064x}"
    city = r.choice(texts.CITIES)[0]
    vin = (
        "".join(r.choice("0123456789" if r.random() < 0.85 else VIN_CHARS) for _ in range(6))
        if r.random() < 0.85
        else ""
    )
    row = {
        "reference": reference,
        "token_digest": hashlib.sha256(token.encode()).hexdigest(),
        "owner_name": name,
        "owner_phone": number,
        "owner_email": f"{r.choice('abcdefghjkmnpqrstwxyz')}{r.randint(1000, 99_999_999)}@{r.choice(texts.EMAIL_DOMAINS)}"
        if r.random() < 0.4
        else "",
        "phone_digest": digest(number),
        "city": city,
        "vehicle_model": r.choice(texts.MODELS) if r.random() < 0.95 else "",
        "vin_last6": vin,
        "description": fill(template, r, account=attacker),
        "content_links": links,
        "help_types": list(helps),
        "has_evidence": has_evidence,
        "status": status,
        "eligibility": eligibility,
        "eligibility_reasons": reasons,
        "assigned_lawyer_id": r.choice(world.lawyers()) if lawyered else None,
        "info_requested": r.choice(texts.INFO_REQUESTS)
        if status == "need_info" or (lawyered and r.random() < 0.2)
        else "",
        "submitted_at": submitted,
        "closed_at": closed_at,
        "retention_until": (closed_at + datetime.timedelta(days=30 if status == "withdrawn" else 3 * 365)).date()
        if closed_at
        else None,
        "litigation_hold": suable,
        "purged_at": None,
        "created_at": submitted,
    }
    return {"index": index, "row": row, "items": items, "suable": suable}


def write(world: World) -> None:
    r = rng("owners/consents")
    ids = upsert(AssistanceRequest, [request["row"] for request in world.requests], ("reference",))
    consents = []
    for request, pk in zip(world.requests, ids, strict=True):
        request["pk"] = pk
        row = request["row"]
        purposes = ["assistance", "contact"] + (["evidence"] if row["has_evidence"] else [])
        consents.append(
            {
                "assistance_request_id": pk,
                "notice_version": "2025-09-v1" if row["submitted_at"] < at(2026, 3, 1) else "2026-03-v2",
                "purposes": purposes,
                "sensitive_data": row["has_evidence"] and r.random() < 0.3,
                "share_with_counsel": "litigation_support" in row["help_types"] or request["suable"],
                "granted_at": row["submitted_at"],
                "withdrawn_at": row["closed_at"] if row["status"] == "withdrawn" else None,
                "created_at": row["submitted_at"],
            }
        )
    replace(ConsentRecord, consents, scope_field="assistance_request_id", scope_values=ids)
    pairs = {(request["pk"], world.items[i]["pk"]) for request in world.requests for i in request["items"]}
    sync_m2m(AssistanceRequest.content_items, pairs, ids)
