"""Courts for the demo suits: choice of court, court fees, proceedings, hearings and deadlines."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from typing import Any

from cases.demo import texts
from cases.demo.common import SNAPSHOT, TZ, World, pick_weighted
from cases.demo.sync import replace
from cases.models import Deadline, Hearing, Proceeding
from cases.normalize import CASE_NUMBER_RE

# Since 2025-11-01 network reputation cases go to ordinary basic courts, while network unfair
# competition (commercial disparagement) goes to the internet courts (DOMAIN.md §2).
INTERNET_SWITCH = datetime.date(2025, 11, 1)
BASIC_ELSEWHERE = {"sh_pudong": 10, "sz_nanshan": 8, "cd_wuhou": 6, "wh_wuchang": 6}


def pick_court(r: random.Random, cause: str, filed: datetime.date, owner: bool) -> str:
    if owner:
        weights = {"bj_chaoyang": 20, "bj_haidian": 10, **BASIC_ELSEWHERE}
        if filed < INTERNET_SWITCH and cause in ("reputation", "network_tort"):
            weights.update({"hz_internet": 15, "gz_internet": 15})
        return pick_weighted(r, weights)
    if cause == "commercial_disparagement":
        return pick_weighted(r, {"bj_internet": 60, "hz_internet": 15, "gz_internet": 15, "bj_haidian": 10})
    if cause in ("reputation", "network_tort") and filed < INTERNET_SWITCH:
        return pick_weighted(r, {"bj_internet": 60, "hz_internet": 10, "gz_internet": 10, "bj_chaoyang": 20})
    if cause == "injunction":
        return pick_weighted(r, {"bj_internet": 50, "bj_chaoyang": 50})
    return pick_weighted(r, {"bj_chaoyang": 45, "bj_haidian": 30, **BASIC_ELSEWHERE})


def court_fee(claimed: Decimal) -> Decimal:
    """Return the fee of a personality-rights case: ¥300, plus 1% of ¥50k-100k and 0.5% above ¥100k."""
    amount = float(claimed)
    fee = 300.0 + max(0.0, min(amount, 100_000) - 50_000) * 0.01 + max(0.0, amount - 100_000) * 0.005
    return Decimal(f"{fee:.2f}")


class CaseNumbers:
    """Hand out unique case numbers in the official format."""

    def __init__(self, r: random.Random) -> None:
        self.r = r
        self.used: set[str] = set()

    def next(self, year: int, court_code: str, type_code: str) -> str:
        while True:
            high = 99_999 if court_code.endswith("0192") or court_code.endswith("0491") else 30_000
            number = f"({year}){court_code}{type_code}{self.r.randint(100 if type_code != '行保' else 1, high)}号"
            if number not in self.used and CASE_NUMBER_RE.match(number):
                self.used.add(number)
                return number


def _moment(day: datetime.date, hour: int = 9, minute: int = 30) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=TZ)


def _future(r: random.Random, low: int = 3, high: int = 45) -> datetime.datetime:
    day = SNAPSHOT.date() + datetime.timedelta(days=r.randint(low, high))
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return _moment(day, *r.choice(((9, 0), (9, 30), (14, 0), (14, 30))))


def _past(day: datetime.date, r: random.Random) -> datetime.datetime:
    while day.weekday() >= 5:
        day -= datetime.timedelta(days=1)
    return min(_moment(day, *r.choice(((9, 0), (9, 30), (14, 30)))), SNAPSHOT - datetime.timedelta(hours=4))


def _proceedings(suit: dict[str, Any], r: random.Random, numbers: CaseNumbers) -> list[dict[str, Any]]:
    """Return the proceedings of one suit, each with the hearings it held or scheduled (key ``_hearings``)."""
    dates, path = suit["dates"], suit["path"]
    name, code, appeal_name, appeal_code, court_type = texts.COURTS[suit["court"]]
    online = court_type == "internet"
    judge = r.choice(texts.JUDGES)
    base = {
        "court_name": name,
        "court_type": court_type,
        "case_number": "",
        "judge": "",
        "filed_on": dates.get("submitted"),
        "accepted_on": None,
        "decided_on": None,
        "decision_served_on": None,
        "result": "",
        "_hearings": [],
    }
    rows: list[dict[str, Any]] = []
    if suit["row"]["cause"] == "injunction" and "submitted" in dates:
        applied = dates["submitted"] - datetime.timedelta(days=2)
        rows.append(
            {
                **base,
                "instance": "preservation",
                "case_number": numbers.next(applied.year, code, "行保"),
                "judge": judge,
                "filed_on": applied,
                "accepted_on": applied,
                "decided_on": applied + datetime.timedelta(days=2),
                "decision_served_on": applied + datetime.timedelta(days=2),
                "result": "裁定责令被申请人立即删除涉案视频并停止传播。",
            }
        )
    if "pre_mediation" in path:
        mediated = dates.get("mediated") if "accepted" not in path else None
        rows.append(
            {
                **base,
                "instance": "pre_mediation",
                "decided_on": mediated,
                "result": "诉前调解成功：对方删除内容并支付赔偿。"
                if mediated
                else "诉前调解进行中，调解员已联系对方。",
            }
        )
    if "rejected" in path:
        rows.append(
            {
                **base,
                "instance": "first",
                "decided_on": dates["rejected"],
                "decision_served_on": dates["rejected"] + datetime.timedelta(days=2),
                "result": "裁定不予受理：被告身份信息不明确。",
            }
        )
    if "accepted" in path:
        rows.append(_first_instance(suit, r, numbers, base, judge, online))
    if "appeal" in path:
        appeal = dates["appeal"]
        second = {
            **base,
            "instance": "second",
            "court_name": appeal_name,
            "court_type": "intermediate",
            "case_number": numbers.next(appeal.year, appeal_code, "民终"),
            "judge": r.choice(texts.JUDGES),
            "filed_on": appeal,
            "accepted_on": appeal + datetime.timedelta(days=10),
            "decided_on": dates.get("judged_second"),
            "decision_served_on": dates.get("served_second"),
            "result": "驳回上诉，维持原判。" if "judged_second" in dates else "",
            "_hearings": [],
        }
        if "judged_second" in dates:
            second["_hearings"].append(
                ("hearing", _past(dates["judged_second"] - datetime.timedelta(days=r.randint(15, 40)), r), True)
            )
        elif r.random() < 0.6:
            second["_hearings"].append(("hearing", _future(r), False))
        rows.append(second)
    if "enforcing" in path:
        start = dates["enforcing"]
        done = dates.get("enforced") or dates.get("suspended")
        rows.append(
            {
                **base,
                "instance": "enforcement",
                "case_number": numbers.next(start.year, code, "执"),
                "judge": r.choice(texts.JUDGES),
                "filed_on": start,
                "accepted_on": start + datetime.timedelta(days=5),
                "decided_on": done,
                "decision_served_on": done + datetime.timedelta(days=3) if done else None,
                "result": {
                    "enforced": "执行完毕，款项已划付。",
                    "suspended": "被执行人无可供执行财产，终结本次执行程序。",
                }.get(
                    "enforced" if "enforced" in dates else "suspended" if "suspended" in dates else "",
                    "执行中，已冻结被执行人账户。",
                ),
            }
        )
    return rows


def _first_instance(
    suit: dict[str, Any], r: random.Random, numbers: CaseNumbers, base: dict[str, Any], judge: str, online: bool
) -> dict[str, Any]:
    dates, stage, outcome = suit["dates"], suit["stage"], suit["row"]["outcome"]
    name, code = texts.COURTS[suit["court"]][:2]
    accepted = dates["accepted"]
    type_code = "刑初" if suit["row"]["cause"] == "crime_defamation" else "民初"
    decided = (
        dates.get("judged_first") or (dates.get("mediated") if "hearing" in dates else None) or dates.get("withdrawn")
    )
    served = dates.get("appeal_window") or (decided + datetime.timedelta(days=2) if decided else None)
    result = (
        {
            "won": "判决支持原告全部主要诉讼请求。",
            "partly_won": "判决支持原告部分诉讼请求。",
            "lost": "判决驳回原告诉讼请求。",
            "mediated": "双方达成调解协议，出具民事调解书。",
            "withdrawn": "裁定准许原告撤诉。",
        }.get(outcome, "")
        if decided
        else ""
    )
    hearings: list[tuple[str, datetime.datetime, bool]] = []
    if "pretrial" in dates:
        exchange = dates["pretrial"] + datetime.timedelta(days=r.randint(2, 10))
        held = stage != "pretrial" or exchange < SNAPSHOT.date()
        hearings.append(("evidence_exchange", _past(exchange, r) if held else _future(r, 3, 20), held))
        if stage == "pretrial":
            hearings.append(("hearing", _future(r, 20, 60), False))
    if "hearing" in dates:
        if stage == "hearing" and r.random() < 0.5:
            hearings.append(("hearing", _future(r), False))
        else:
            hearings.append(("hearing", _past(dates["hearing"], r), True))
        if "mediated" in dates:
            hearings.append(("mediation", _past(dates["mediated"] - datetime.timedelta(days=3), r), True))
    if "judged_first" in dates and r.random() < 0.3:
        hearings.append(("pronouncement", _past(dates["judged_first"], r), True))
    return {
        **base,
        "instance": "first",
        "case_number": numbers.next(accepted.year, code, type_code),
        "judge": judge,
        "accepted_on": accepted,
        "decided_on": decided,
        "decision_served_on": served,
        "result": result,
        "_hearings": hearings,
        "_online": online,
        "_court": name,
    }


def _deadlines(suit: dict[str, Any], r: random.Random, first_id: int | None) -> list[dict[str, Any]]:
    dates, stage, row = suit["dates"], suit["stage"], suit["row"]
    rows: list[tuple[str, str, datetime.date, bool, int | None]] = []
    if stage == "preparing":
        rows.append(
            ("limitation", "损害赔偿诉讼时效届满", row["harm_known_on"] + datetime.timedelta(days=3 * 365), False, None)
        )
        rows.append(
            ("custom", "完成起诉状和证据目录", SNAPSHOT.date() + datetime.timedelta(days=r.randint(5, 20)), False, None)
        )
    if "service" in dates:
        rows.append(
            ("answer", "被告答辩期届满", dates["service"] + datetime.timedelta(days=15), stage != "service", first_id)
        )
    if "accepted" in dates and not any(s in dates for s in ("judged_first", "mediated", "withdrawn")):
        rows.append(
            (
                "trial_period",
                "一审审限届满（普通程序6个月）",
                dates["accepted"] + datetime.timedelta(days=182),
                False,
                first_id,
            )
        )
    if stage == "judged_first":
        rows.append(
            (
                "appeal_judgment",
                "上诉期届满（判决书送达后15日）",
                dates["judged_first"] + datetime.timedelta(days=20),
                False,
                first_id,
            )
        )
    if "appeal_window" in dates:
        rows.append(
            (
                "appeal_judgment",
                "上诉期届满（判决书送达后15日）",
                dates["appeal_window"] + datetime.timedelta(days=15),
                stage != "appeal_window",
                first_id,
            )
        )
    if row["performance_due_on"]:
        rows.append(
            (
                "enforcement",
                "申请强制执行期限（履行期满后2年）",
                row["performance_due_on"] + datetime.timedelta(days=730),
                stage not in ("effective",),
                None,
            )
        )
    if row["cause"] == "injunction" and "submitted" in dates:
        rows.append(
            ("preservation_suit", "行为保全后30日内起诉", dates["submitted"] + datetime.timedelta(days=28), True, None)
        )
    result = []
    for rule, title, due, done, proceeding in rows:
        soon = not done and due <= SNAPSHOT.date() + datetime.timedelta(days=30)
        result.append(
            {
                "rule": rule,
                "title": title,
                "due_on": due,
                "lawsuit_id": suit["pk"],
                "proceeding_id": proceeding,
                "complaint_id": None,
                "letter_id": None,
                "responsible_id": row["lawyer_id"],
                "done_at": _moment(min(due, SNAPSHOT.date()) - datetime.timedelta(days=r.randint(0, 5)), 16, 0)
                if done
                else None,
                "reminded_at": SNAPSHOT - datetime.timedelta(hours=12) if soon else None,
                "note": "",
                "created_at": row["created_at"],
            }
        )
    return result


def write(world: World, r: random.Random) -> None:
    numbers = CaseNumbers(r)
    proceedings: list[dict[str, Any]] = []
    for suit in world.suits:
        suit["proceedings"] = _proceedings(suit, r, numbers)
        for row in suit["proceedings"]:
            row["lawsuit_id"] = suit["pk"]
            row["created_at"] = _moment(row["filed_on"] or SNAPSHOT.date(), 11, 0)
            proceedings.append(row)
    clean = [{k: v for k, v in row.items() if not k.startswith("_")} for row in proceedings]
    ids = replace(Proceeding, clean, scope_field="lawsuit_id", scope_values=[s["pk"] for s in world.suits])
    hearings, deadlines = [], []
    for row, pk in zip(proceedings, ids, strict=True):
        row["pk"] = pk
        online = row["court_type"] == "internet"
        for kind, when, held in row["_hearings"]:
            hearings.append(
                {
                    "proceeding_id": pk,
                    "kind": kind,
                    "scheduled_at": when,
                    "location": "线上庭审（电子诉讼平台）" if online else f"第{r.randint(1, 30)}法庭",
                    "judge": row["judge"],
                    "held": held,
                    "notes": "双方均到庭。" if held and kind == "hearing" else "",
                    "created_at": min(when - datetime.timedelta(days=14), SNAPSHOT - datetime.timedelta(days=1)),
                }
            )
    replace(Hearing, hearings, scope_field="proceeding_id", scope_values=ids)
    for suit in world.suits:
        first = next((p["pk"] for p in suit["proceedings"] if p["instance"] == "first" and p["case_number"]), None)
        deadlines.extend(_deadlines(suit, r, first))
    replace(
        Deadline,
        deadlines,
        scope_field="lawsuit_id",
        scope_values=[s["pk"] for s in world.suits],
        extra={"lawsuit__isnull": False},
    )
    world.counts["proceedings"] = len(ids)
    world.counts["hearings"] = len(hearings)
