"""Content items: where, when and how each one was published (the raw material of the demo)."""

from __future__ import annotations

import datetime
import itertools
import random
from typing import Any

from cases.demo import texts
from cases.demo.common import SNAPSHOT, START, Slots, World, alnum, at, digits, lognormal_delay, pick_weighted

PLATFORM_WEIGHTS = {
    "weibo": 22,
    "douyin": 20,
    "dongchedi": 10,
    "xiaohongshu": 10,
    "autohome": 8,
    "bilibili": 7,
    "toutiao": 7,
    "kuaishou": 6,
    "zhihu": 4,
    "wechat": 3,
    "yiche": 1.5,
    "pcauto": 1,
    "other": 0.5,
}
CONTENT_TYPES = {
    "weibo": {"post": 80, "comment": 15, "video": 5},
    "douyin": {"video": 85, "comment": 10, "live": 5},
    "kuaishou": {"video": 85, "comment": 10, "live": 5},
    "bilibili": {"video": 75, "comment": 20, "article": 5},
    "xiaohongshu": {"post": 80, "comment": 20},
    "wechat": {"article": 100},
    "toutiao": {"article": 60, "post": 30, "comment": 10},
    "dongchedi": {"article": 50, "post": 30, "video": 20},
    "autohome": {"post": 70, "article": 30},
    "zhihu": {"article": 60, "post": 40},
    "yiche": {"article": 100},
    "pcauto": {"article": 100},
    "other": {"post": 100},
}


def day_weights() -> tuple[list[datetime.datetime], list[float]]:
    """Return each day of the period with its weight: volume grows over time, with bursts."""
    days, weights = [], []
    spikes = [
        (at(2025, 7, 10), at(2025, 7, 20), 1.3),
        (at(2025, 9, 10), at(2025, 10, 20), 1.8),
        (at(2025, 11, 5), at(2025, 11, 20), 1.5),
        (at(2026, 3, 15), at(2026, 3, 31), 1.6),
        (at(2026, 8, 1), at(2026, 8, 15), 1.3),
    ]
    total = (SNAPSHOT - START).days
    for offset in range(total + 1):
        day = START + datetime.timedelta(days=offset)
        weight = 1 + 1.2 * offset / total
        for start, stop, factor in spikes:
            if start <= day <= stop:
                weight *= factor
        days.append(day)
        weights.append(weight)
    return days, weights


HOUR_CUM = list(itertools.accumulate([1, 1, 1, 1, 1, 1, 2, 3, 5, 6, 6, 6, 7, 6, 6, 6, 6, 7, 8, 9, 10, 10, 7, 3]))


def random_moment(r: random.Random, days: list[datetime.datetime], cum: list[float]) -> datetime.datetime:
    day = r.choices(days, cum_weights=cum)[0]
    hour = r.choices(range(24), cum_weights=HOUR_CUM)[0]
    moment = day + datetime.timedelta(hours=hour, minutes=r.randint(0, 59), seconds=r.randint(0, 59))
    return min(moment, SNAPSHOT - datetime.timedelta(hours=2, minutes=r.randint(0, 300)))


def _url(r: random.Random, code: str, kind: str, uid: str) -> tuple[str, str]:
    """Return an item URL, already in its normalised form (no www., no tracking), and its content id."""
    if code == "weibo":
        cid = alnum(r, 9)
        url = f"https://weibo.com/{uid or digits(r, 10)}/{cid}"
    elif code == "douyin":
        cid = "7" + digits(r, 18)
        url = f"https://live.douyin.com/{digits(r, 12)}" if kind == "live" else f"https://douyin.com/video/{cid}"
    elif code == "kuaishou":
        cid = "3x" + alnum(r, 13).lower()
        url = f"https://kuaishou.com/short-video/{cid}"
    elif code == "bilibili":
        cid = "BV1" + alnum(r, 9)
        url = (
            f"https://bilibili.com/read/cv{digits(r, 8)}" if kind == "article" else f"https://bilibili.com/video/{cid}"
        )
    elif code == "xiaohongshu":
        cid = f"{r.getrandbits(96):024x}"
        url = f"https://xiaohongshu.com/explore/{cid}"
    elif code == "wechat":
        cid = alnum(r, 22)
        url = f"https://mp.weixin.qq.com/s/{cid}"
    elif code in ("toutiao", "dongchedi"):
        cid = "7" + digits(r, 18)
        section = "video" if kind == "video" else "article"
        url = f"https://{code}.com/{section}/{cid}"
    elif code == "autohome":
        cid = digits(r, 9)
        url = f"https://club.autohome.com.cn/bbs/thread/{r.getrandbits(128):032x}/{cid}-1.html"
    elif code == "zhihu":
        cid = digits(r, 10)
        url = (
            f"https://zhuanlan.zhihu.com/p/{cid}"
            if kind == "article"
            else f"https://zhihu.com/question/{digits(r, 9)}/answer/{cid}"
        )
    elif code == "yiche":
        cid = digits(r, 8)
        url = f"https://news.yiche.com/hao/wenzhang/{cid}"
    elif code == "pcauto":
        cid = digits(r, 7)
        url = f"https://pcauto.com.cn/nation/{cid}.html"
    else:
        cid = digits(r, 10)
        url = f"https://tieba.baidu.com/p/{cid}"
    if kind == "comment":
        cid = digits(r, 16)
        url += f"?comment_id={cid}"
    return url, cid


def _engagement(r: random.Random, nature: str) -> dict[str, int]:
    median = {"neutral": 2_500, "criticism": 4_000, "borderline": 6_000, "troll": 600, "j5": 900}.get(nature, 25_000)
    views = int(median * r.lognormvariate(0, 1.5))
    return {
        "views": views,
        "likes": int(views * r.uniform(0.005, 0.06)),
        "shares": int(views * r.uniform(0.0005, 0.02)),
        "comments": int(views * r.uniform(0.001, 0.02)),
    }


def make_item(
    world: World,
    r: random.Random,
    *,
    nature: str,
    account: int | None,
    code: str,
    published: datetime.datetime,
    seen: set[tuple[str, str]],
    campaign: int | None = None,
) -> dict[str, Any]:
    kind = pick_weighted(r, CONTENT_TYPES[code])
    uid = world.accounts[account]["row"]["platform_uid"] if account is not None and code == "weibo" else ""
    url, cid = _url(r, code, kind, uid)
    while (code, url) in seen:
        url, cid = _url(r, code, kind, uid)
    seen.add((code, url))
    if nature == "j5":
        text = r.choice(texts.J5_PREFIXES) + r.choice(texts.J5_BASES) + r.choice(texts.J5_SUFFIXES)
        title = texts.J5_TOPIC + "实拍" if kind in ("video", "article") else ""
    else:
        # Title and text share their slot values, so both name the same model and city.
        slots = Slots(r, {})
        text = r.choice(texts.TEXTS[nature]).format_map(slots)
        title = r.choice(texts.TITLES[nature]).format_map(slots) if kind in ("video", "article", "live") else ""
    discovered = min(published + lognormal_delay(r, 3, 1.2), SNAPSHOT - datetime.timedelta(minutes=r.randint(30, 90)))
    source = pick_weighted(
        r,
        {"owner": 60, "vendor": 40} if nature == "owner_attack" else {"vendor": 88, "manual": 7, "owner": 2, "tip": 3},
    )
    return {
        "nature": nature,
        "account": account,
        "campaign": campaign,
        "code": code,
        "assessment": None,
        "row": {
            "platform_id": world.platforms[code],
            "url": url,
            "platform_content_id": cid,
            "account_id": None,
            "content_type": kind,
            "title": title,
            "text": text,
            "published_at": published,
            "discovered_at": discovered,
            **_engagement(r, nature),
            "source": source,
            "triage_state": "new",
            "severity": 0,
            "conclusion": "",
            "assessed_at": None,
            "campaign_id": None,
            "live_status": "live",
            "ai_label_present": nature == "ai_fabrication" and r.random() < 0.15,
            "created_at": discovered,
        },
    }
