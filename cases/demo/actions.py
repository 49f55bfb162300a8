"""Actions short of a lawsuit: platform complaints, lawyer letters, rebuttals and identity disclosures."""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.db.models import Q

from cases.demo import texts
from cases.demo.common import SNAPSHOT, World, clamp, lognormal_delay, money, person_name, phone, pick_weighted, rng
from cases.demo.sync import linked_ids, replace, sync_m2m
from cases.models import Deadline, IdentityDisclosure, LawyerLetter, PlatformComplaint, Rebuttal

COMPLAINT_STATUSES = {
    "actioned": 250,
    "rejected": 40,
    "in_review": 30,
    "submitted": 25,
    "need_info": 15,
    "kept": 12,
    "draft": 10,
    "counter_noticed": 8,
    "restored": 5,
}
# Where the first item of a complaint in each status comes from (item triage states).
SEED_STATES = {
    "actioned": ("removed",),
    "kept": ("removed",),
    "restored": ("acting", "closed"),
    "rejected": ("acting", "closed"),
    "in_review": ("acting",),
    "submitted": ("acting",),
    "need_info": ("acting",),
    "counter_noticed": ("acting",),
    "draft": ("fixed",),
}
# Median hours from submission to the platform's first response.
RESPONSE_HOURS = {
    "weibo": 20,
    "douyin": 30,
    "kuaishou": 40,
    "bilibili": 36,
    "xiaohongshu": 48,
    "wechat": 96,
    "toutiao": 30,
    "dongchedi": 60,
    "autohome": 72,
    "zhihu": 50,
    "yiche": 80,
    "pcauto": 90,
    "other": 120,
}
TICKET_PREFIX = {
    "weibo": "WB",
    "douyin": "DY",
    "kuaishou": "KS",
    "bilibili": "BL",
    "xiaohongshu": "XHS",
    "wechat": "WX",
    "toutiao": "TT",
    "dongchedi": "DCD",
    "autohome": "AH",
    "zhihu": "ZH",
    "yiche": "YC",
    "pcauto": "PC",
    "other": "12377-",
}
MEASURES = {
    "delete": 55,
    "block": 12,
    "delink": 8,
    "throttle": 5,
    "dispute_label": 6,
    "rebuttal_link": 4,
    "mute": 5,
    "ban": 5,
}
LETTER_STATUSES = {"closed": 20, "delivered": 15, "responded": 13, "issued": 8, "draft": 4}


def build(world: World) -> None:
    _complaints(world, rng("complaints"))
    _letters(world, rng("letters"))
    _rebuttals(world, rng("rebuttals"))
    _disclosures(world, rng("disclosures"))


def _complaints(world: World, r: random.Random) -> None:
    by_state: dict[str, list[int]] = {}
    for i, item in enumerate(world.items):
        if item["row"]["conclusion"] in ("suspected", "serious", "crime"):
            by_state.setdefault(item["row"]["triage_state"], []).append(i)
    used: set[int] = set()
    rows, links, deadlines = [], [], []
    statuses = [s for s, count in COMPLAINT_STATUSES.items() for _ in range(count)]
    for status in statuses:
        pool = [i for state in SEED_STATES[status] for i in by_state.get(state, [])]
        first = r.choice(pool)
        for _ in range(5):
            if first not in used:
                break
            first = r.choice(pool)
        item = world.items[first]
        same = [
            i
            for i in pool
            if world.items[i]["code"] == item["code"]
            and world.items[i]["account"] == item["account"]
            and i not in used
            and i != first
            and item["account"] is not None
        ]
        chosen = [first, *r.sample(same, min(len(same), r.choice((0, 0, 1, 2, 4))))]
        used.update(chosen)
        rows.append(_complaint(world, r, status, [world.items[i] for i in chosen]))
        links.append(chosen)
    scope = linked_ids(PlatformComplaint.content_items, [item["pk"] for item in world.items])
    ids = replace(PlatformComplaint, rows, scope_field="pk", scope_values=scope)
    sync_m2m(
        PlatformComplaint.content_items,
        {(pk, world.items[i]["pk"]) for pk, chosen in zip(ids, links, strict=True) for i in chosen},
        ids,
    )
    for row, pk in zip(rows, ids, strict=True):
        if row["reply_deadline"]:
            deadlines.append(
                {
                    "rule": "counter_notice",
                    "title": "答复不侵权声明（告知平台已投诉或起诉）",
                    "due_on": row["reply_deadline"],
                    "lawsuit_id": None,
                    "proceeding_id": None,
                    "complaint_id": pk,
                    "letter_id": None,
                    "responsible_id": world.user("lawyer"),
                    "done_at": None
                    if row["status"] == "counter_noticed"
                    else clamp(row["counter_notice_at"] + datetime.timedelta(days=3), row["counter_notice_at"]),
                    "reminded_at": None,
                    "note": "",
                    "created_at": row["counter_notice_at"],
                }
            )
    replace(Deadline, deadlines, scope_field="complaint_id", scope_values=ids, extra={"complaint__isnull": False})
    world.complaints = [{"pk": pk, "row": row} for pk, row in zip(ids, rows, strict=True)]


def _complaint(world: World, r: random.Random, status: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    code = items[0]["code"]
    ready = max(item["row"]["assessed_at"] for item in items)
    row: dict[str, Any] = {
        "platform_id": world.platforms[code],
        "status": status,
        "channel": "cac_12377"
        if code == "other"
        else pick_weighted(r, {"enterprise_zone": 55, "infringement_form": 30, "cac_12377": 8, "email": 7}),
        "credential": "",
        "ticket_number": "",
        "submitted_at": None,
        "first_response_at": None,
        "resolved_at": None,
        "measure": "",
        "counter_notice_at": None,
        "reply_deadline": None,
        "notes": "",
        "created_by_id": r.choice([*world.analysts(), world.user("lawyer")]),
        "created_at": None,
    }
    if status == "draft":
        row["created_at"] = clamp(ready + lognormal_delay(r, 20), ready, SNAPSHOT - datetime.timedelta(hours=1))
        return row
    submitted = clamp(ready + lognormal_delay(r, 10), ready, SNAPSHOT - datetime.timedelta(hours=2))
    if status == "submitted":
        submitted = clamp(SNAPSHOT - datetime.timedelta(hours=r.randint(3, 60)), ready)
    submitted = submitted.replace(microsecond=0)
    row.update(
        {
            "submitted_at": submitted,
            "created_at": submitted - datetime.timedelta(minutes=r.randint(20, 300)),
            "credential": "营业执照副本（2026年版）+ 法务部授权委托书 v4"
            if submitted.year >= 2026
            else "营业执照副本（2025年版）+ 法务部授权委托书 v3",
            "ticket_number": f"{TICKET_PREFIX[code]}{submitted:%Y%m%d}{r.randint(10_000, 99_999)}",
        }
    )
    if status != "submitted":
        response = submitted + lognormal_delay(r, RESPONSE_HOURS[code], 0.8)
        row["first_response_at"] = clamp(response, submitted + datetime.timedelta(minutes=10)).replace(microsecond=0)
    if status in ("actioned", "rejected", "kept", "restored", "counter_noticed"):
        resolved = row["first_response_at"] + lognormal_delay(r, 12, 0.9)
        row["resolved_at"] = clamp(resolved, row["first_response_at"]).replace(microsecond=0)
        row["measure"] = "none" if status == "rejected" else pick_weighted(r, MEASURES)
    if status in ("counter_noticed", "kept", "restored"):
        notice = clamp(row["resolved_at"] + datetime.timedelta(days=r.randint(2, 20)), row["resolved_at"])
        if status == "counter_noticed":
            notice = clamp(SNAPSHOT - datetime.timedelta(days=r.randint(1, 6)), row["resolved_at"])
        row["counter_notice_at"] = notice.replace(microsecond=0)
        row["reply_deadline"] = notice.date() + datetime.timedelta(days=15)
    row["notes"] = {
        "need_info": texts.COMPLAINT_NOTES[0],
        "actioned": texts.COMPLAINT_NOTES[1],
        "rejected": texts.COMPLAINT_NOTES[2],
        "kept": texts.COMPLAINT_NOTES[3],
    }.get(status, "")
    return row


def _letters(world: World, r: random.Random) -> None:
    key_accounts = [
        i
        for i, a in enumerate(world.accounts)
        if a["profile"] in ("kol_black", "extortion", "rumor") and a["row"]["watch_status"] == "key"
    ]
    key_accounts += [
        i
        for i, a in enumerate(world.accounts)
        if a["profile"] in ("kol_black", "rumor") and a["row"]["watch_status"] == "watching"
    ]
    attackers = [i for i, a in enumerate(world.accounts) if a["profile"] == "owner_attacker"]
    owner_requests = [
        q
        for q in world.requests
        if "lawyer_letter" in q["row"]["help_types"] and q["row"]["status"] in ("letter", "closed")
    ]
    statuses = [s for s, count in LETTER_STATUSES.items() for _ in range(count)]
    r.shuffle(statuses)
    rows, links = [], []
    for number, status in enumerate(statuses):
        request = None
        agency = None
        if number < 12 and owner_requests:
            request = owner_requests[(number * 13) % len(owner_requests)]
            account = attackers[number % len(attackers)]
        elif number < 20:
            account = None
            agency = world.agencies[[0, 1, 3, 6, 2, 5, 9, 7][number - 12]]
        else:
            account = key_accounts[(number * 5) % len(key_accounts)]
        rows.append(_letter(world, r, status, account, agency, request))
        items = world.cache["infringing_by_account"].get(account, []) if account is not None else []
        links.append(sorted(r.sample(items, min(len(items), r.randint(1, 4)))))
    scope = list(
        LawyerLetter.objects.filter(
            Q(recipient_account_id__in=[a["pk"] for a in world.accounts])
            | Q(recipient_agency_id__in=[a["pk"] for a in world.agencies])
        ).values_list("pk", flat=True)
    )
    ids = replace(LawyerLetter, rows, scope_field="pk", scope_values=scope)
    sync_m2m(
        LawyerLetter.content_items,
        {(pk, world.items[i]["pk"]) for pk, chosen in zip(ids, links, strict=True) for i in chosen},
        ids,
    )
    deadlines = [
        {
            "rule": "letter",
            "title": "律师函履行期限届满",
            "due_on": row["deadline"],
            "lawsuit_id": None,
            "proceeding_id": None,
            "complaint_id": None,
            "letter_id": pk,
            "responsible_id": row["lawyer_id"],
            "done_at": None
            if row["status"] in ("issued", "delivered")
            else row["responded_at"] or row["issued_at"] + datetime.timedelta(days=10),
            "reminded_at": None,
            "note": "",
            "created_at": row["issued_at"],
        }
        for row, pk in zip(rows, ids, strict=True)
        if row["issued_at"]
    ]
    replace(Deadline, deadlines, scope_field="letter_id", scope_values=ids, extra={"letter__isnull": False})
    world.letters = [{"pk": pk, "row": row} for pk, row in zip(ids, rows, strict=True)]


def _letter(
    world: World,
    r: random.Random,
    status: str,
    account: int | None,
    agency: dict[str, Any] | None,
    request: dict[str, Any] | None,
) -> dict[str, Any]:
    if request is not None:
        start = request["row"]["submitted_at"] + datetime.timedelta(days=r.randint(7, 25))
    else:
        start = SNAPSHOT - datetime.timedelta(days=r.randint(2, 480), hours=r.randint(0, 12))
    if status in ("issued", "draft", "delivered"):
        start = SNAPSHOT - datetime.timedelta(days=r.randint(1, 6), hours=r.randint(0, 8))
    issued = min(start, SNAPSHOT - datetime.timedelta(hours=2)).replace(microsecond=0)
    demands = ["delete", "stop", "apology", "pin_apology"] + (["eliminate_effects"] if r.random() < 0.4 else [])
    compensate = r.random() < 0.6
    if compensate:
        demands.append("compensate")
    channel = pick_weighted(r, {"express": 45, "email": 25, "platform_message": 30})
    proof = {
        "express": f"EMS {r.randint(10**12, 10**13 - 1)}",
        "email": f"<{r.getrandbits(64):x}@legal.example.com>",
        "platform_message": f"私信记录 {r.randint(10**8, 10**9 - 1)}",
    }[channel]
    delivered = (
        issued + datetime.timedelta(hours=r.randint(2, 72)) if status in ("delivered", "responded", "closed") else None
    )
    responded = None
    outcome, response = "pending", ""
    if status in ("responded", "closed") and delivered is not None and (status == "responded" or r.random() < 0.7):
        responded = delivered + datetime.timedelta(days=r.randint(1, 6))
        outcome = pick_weighted(r, {"complied": 50, "partial": 30, "refused": 20})
        response = {
            "complied": texts.LETTER_RESPONSES[0],
            "partial": texts.LETTER_RESPONSES[2],
            "refused": texts.LETTER_RESPONSES[1],
        }[outcome]
    elif status == "closed":
        outcome = "no_response"
    name = agency["name"] if agency else world.accounts[account]["row"]["name"] if account is not None else ""
    return {
        "recipient_account_id": world.accounts[account]["pk"] if account is not None else None,
        "recipient_agency_id": agency["pk"] if agency else None,
        "recipient_name": name,
        "issuer": texts.LEGAL_DEPT if r.random() < 0.6 else r.choice(texts.LAW_FIRMS[:-1]),
        "lawyer_id": r.choice(world.lawyers()),
        "demands": demands,
        "apology_pin_days": 30,
        "compensation_amount": money(r.uniform(50_000, 500_000) if request is None else r.uniform(5_000, 30_000))
        if compensate
        else None,
        "deadline": (issued + datetime.timedelta(days=r.choice((3, 5, 7)))).date(),
        "status": status,
        "issued_at": issued if status != "draft" else None,
        "delivery_channel": channel if status != "draft" else "",
        "delivery_proof": proof if status not in ("draft", "issued") else "",
        "delivered_at": clamp(delivered, issued) if delivered else None,
        "response": response,
        "responded_at": clamp(responded, issued) if responded else None,
        "outcome": outcome,
        "assistance_request_id": request["pk"] if request else None,
        "created_at": issued - datetime.timedelta(hours=r.randint(1, 30)),
    }


def _rebuttals(world: World, r: random.Random) -> None:
    rows, links = [], []
    for number, (title, summary, nature) in enumerate(texts.REBUTTALS):
        items = [
            i
            for i, item in enumerate(world.items)
            if item["nature"] == nature and item["row"]["conclusion"] in ("suspected", "serious", "crime")
        ]
        chosen = sorted(r.sample(items, min(len(items), r.randint(3, 15))))
        published = max(world.items[i]["row"]["assessed_at"] for i in chosen) + datetime.timedelta(
            hours=r.randint(4, 48)
        )
        published = min(published, SNAPSHOT - datetime.timedelta(hours=1)).replace(microsecond=0)
        rows.append(
            {
                "title": title,
                "url": f"https://weibo.com/7712345678/{'P' + str(number) + format(r.getrandbits(36), 'x')}",
                "platform_id": world.platforms["weibo"],
                "published_at": published,
                "summary": summary,
                "created_at": published,
            }
        )
        links.append(chosen)
    ids = replace(Rebuttal, rows, scope_field="title", scope_values=[row["title"] for row in rows])
    sync_m2m(
        Rebuttal.content_items,
        {(pk, world.items[i]["pk"]) for pk, chosen in zip(ids, links, strict=True) for i in chosen},
        ids,
    )


def _disclosures(world: World, r: random.Random) -> None:
    sued: dict[int, dict[str, Any]] = {}
    for planned in world.suits:
        if planned["stage"] != "preparing":
            sued.setdefault(planned["account"], planned)
    rows = []
    for index, account in enumerate(world.accounts):
        status = account["row"]["identity_status"]
        if status == "anonymous":
            continue
        suit = sued.get(index)
        start = (
            datetime.datetime.combine(suit["dates"]["submitted"], datetime.time(10), tzinfo=SNAPSHOT.tzinfo)
            if suit
            else account["row"]["first_seen_at"] + datetime.timedelta(days=r.randint(20, 90))
        )
        start = min(start, SNAPSHOT - datetime.timedelta(days=10))
        if r.random() < 0.4:
            rows.append(_disclosure(account, r, "platform", None, "refused", start - datetime.timedelta(days=20)))
        if status == "disclosed":
            route = (
                "court_order" if suit else pick_weighted(r, {"platform": 40, "investigation_order": 30, "police": 30})
            )
            rows.append(_disclosure(account, r, route, suit, "disclosed", start))
        else:
            rows.append(
                _disclosure(
                    account,
                    r,
                    "court_order" if suit else "platform",
                    suit,
                    "requested",
                    SNAPSHOT - datetime.timedelta(days=r.randint(2, 30)),
                )
            )
    replace(IdentityDisclosure, rows, scope_field="account_id", scope_values=[a["pk"] for a in world.accounts])


def _disclosure(
    account: dict[str, Any],
    r: random.Random,
    route: str,
    suit: dict[str, Any] | None,
    status: str,
    requested: datetime.datetime,
) -> dict[str, Any]:
    requested = clamp(requested, account["row"]["first_seen_at"]).replace(microsecond=0)
    answered = min(requested + datetime.timedelta(days=r.randint(5, 40)), SNAPSHOT) if status != "requested" else None
    city, province = r.choice(texts.CITIES)
    disclosed = status == "disclosed"
    return {
        "account_id": account["pk"],
        "route": route,
        "lawsuit_id": suit["pk"] if suit and route == "court_order" and "pk" in suit else None,
        "status": status,
        "requested_at": requested,
        "answered_at": answered,
        "disclosed_name": person_name(r) if disclosed else "",
        "disclosed_contact": phone(r) if disclosed else "",
        "disclosed_address": f"{province}{city}某区某街道{r.randint(1, 300)}号" if disclosed else "",
        "notes": {
            "refused": "平台以用户隐私为由拒绝，建议通过法院调取。",
            "disclosed": "已取得实名信息，追加为被告。",
            "requested": "已提交申请，等待答复。",
        }[status],
        "created_at": requested,
    }
