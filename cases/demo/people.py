"""Demo users, agencies behind accounts, and the monitored accounts themselves."""

from __future__ import annotations

import datetime
import random
import string
from typing import Any

from django.contrib.auth.hashers import check_password, make_password

from accounts.models import User
from cases.demo import texts
from cases.demo.common import START, World, at, clamp, rng
from cases.demo.sync import upsert
from cases.models import Agency, MonitoredAccount

DEMO_PASSWORD = "legalcases-demo"  # noqa: S105 - documented local-only demo password
# username, role, display name, is_staff, is_superuser
USERS = (
    ("analyst", User.Role.ANALYST, "王晓雯", False, False),
    ("lawyer", User.Role.LAWYER, "陈振宇", True, False),
    ("executive", User.Role.EXECUTIVE, "赵建国", False, False),
    ("admin", User.Role.ADMIN, "系统管理员", True, True),
    ("analyst_li", User.Role.ANALYST, "李思琪", False, False),
    ("analyst_zhou", User.Role.ANALYST, "周子豪", False, False),
    ("lawyer_sun", User.Role.LAWYER, "孙雅婷", True, False),
)

# Profiles of accounts: how many, and how many of them are key / watching / not watched / archived.
# The watched ones (key + watching) add up to the public figure of 231 monitored accounts.
PROFILES = {
    "kol_black": {"key": 22, "watching": 18, "not_watched": 0, "archived": 0},
    "extortion": {"key": 12, "watching": 0, "not_watched": 0, "archived": 0},
    "troll": {"key": 0, "watching": 118, "not_watched": 12, "archived": 20},
    "owner_attacker": {"key": 3, "watching": 20, "not_watched": 0, "archived": 2},
    "rumor": {"key": 2, "watching": 16, "not_watched": 0, "archived": 2},
    "critic": {"key": 0, "watching": 5, "not_watched": 30, "archived": 0},
    "media": {"key": 0, "watching": 15, "not_watched": 3, "archived": 0},
}
PLATFORMS_BY_PROFILE = {
    "kol_black": {
        "douyin": 30,
        "bilibili": 15,
        "dongchedi": 15,
        "weibo": 15,
        "kuaishou": 10,
        "toutiao": 10,
        "xiaohongshu": 5,
    },
    "extortion": {"wechat": 40, "toutiao": 30, "weibo": 20, "yiche": 10},
    "troll": {"weibo": 45, "douyin": 20, "xiaohongshu": 15, "toutiao": 10, "dongchedi": 5, "autohome": 5},
    "owner_attacker": {"weibo": 35, "douyin": 25, "xiaohongshu": 20, "zhihu": 10, "bilibili": 10},
    "rumor": {"weibo": 35, "douyin": 30, "kuaishou": 15, "toutiao": 10, "other": 10},
    "critic": {"dongchedi": 30, "autohome": 25, "zhihu": 20, "bilibili": 15, "xiaohongshu": 10},
    "media": {"toutiao": 30, "wechat": 25, "autohome": 15, "pcauto": 15, "yiche": 15},
}
FOLLOWERS = {  # median followers per profile
    "kol_black": 400_000,
    "extortion": 60_000,
    "troll": 300,
    "owner_attacker": 8_000,
    "rumor": 30_000,
    "critic": 20_000,
    "media": 150_000,
}
RISK = {  # (risk level, score range)
    "kol_black": ("high", 70, 92),
    "extortion": ("critical", 88, 99),
    "troll": ("medium", 40, 68),
    "owner_attacker": ("high", 65, 85),
    "rumor": ("high", 60, 82),
    "critic": ("low", 3, 20),
    "media": ("low", 5, 25),
}
# Accounts whose holder was (or is being) identified: profile -> (disclosed, disclosure requested).
IDENTIFIED = {"kol_black": (6, 3), "extortion": (4, 2), "owner_attacker": (5, 3), "rumor": (0, 2)}
# Which agency (index in texts.AGENCIES) stands behind which accounts, where known.
AGENCY_OF = {
    "troll": [(0, 60, 0), (60, 90, 1), (100, 130, 3)],
    "kol_black": [(0, 5, 2), (5, 9, 4), (9, 13, 5), (13, 16, 7), (16, 18, 10)],
    "extortion": [(0, 4, 6), (4, 6, 9)],
    "owner_attacker": [(0, 3, 8)],
    "rumor": [(0, 2, 11)],
}
CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def write_users(world: World) -> None:
    """Create or update the demo users; they share one password hash, computed at most once per run."""
    existing = {u.username: u for u in User.objects.filter(username__in=[row[0] for row in USERS])}
    hashes = {u.password for u in existing.values()}
    reusable = len(existing) == len(USERS) and len(hashes) == 1 and check_password(DEMO_PASSWORD, hashes.pop())
    password = next(iter(existing.values())).password if reusable else make_password(DEMO_PASSWORD)
    for username, role, display_name, is_staff, is_superuser in USERS:
        wanted = {
            "role": role,
            "display_name": display_name,
            "is_staff": is_staff,
            "is_superuser": is_superuser,
            "is_active": True,
            "password": password,
            "email": f"{username}@legal.example.com",
        }
        user = existing.get(username)
        if user is None:
            user = User.objects.create(username=username, **wanted)
        else:
            changed = [name for name, value in wanted.items() if getattr(user, name) != value]
            for name in changed:
                setattr(user, name, wanted[name])
            if changed:
                user.save(update_fields=changed)
        world.users[username] = user.pk


def credit_code(r: random.Random, division: str) -> str:
    """Return a unified social credit code with a valid check character (GB 32100-2015)."""
    body = "91" + division + "".join(r.choice(CREDIT_CHARS[:10] + "ABCDEFGH") for _ in range(9))
    total = sum(CREDIT_CHARS.index(c) * w for c, w in zip(body, CREDIT_WEIGHTS, strict=True))
    return body + CREDIT_CHARS[(31 - total % 31) % 31]


def write_agencies(world: World) -> None:
    r = rng("agencies")
    rows = []
    for index, (name, kind, division, address, notes) in enumerate(texts.AGENCIES):
        rows.append(
            {
                "name": name,
                "kind": kind,
                "credit_code": credit_code(r, division) if division else "",
                "address": address,
                "notes": notes,
                "created_at": at(2025, 6, 3 + index, 10),
            }
        )
    ids = upsert(Agency, rows, ("name",))
    world.agencies = [{**row, "pk": pk} for row, pk in zip(rows, ids, strict=True)]


def _uid(r: random.Random, code: str) -> tuple[str, str]:
    digits = lambda n: "".join(r.choice(string.digits) for _ in range(n))  # noqa: E731
    alnum = lambda n: "".join(r.choice(string.ascii_letters + string.digits) for _ in range(n))  # noqa: E731
    if code == "weibo":
        uid = str(r.randint(1_000_000_000, 7_999_999_999))
        return uid, f"https://weibo.com/u/{uid}"
    if code == "douyin":
        uid = "MS4wLjABAAAA" + alnum(32)
        return uid, f"https://www.douyin.com/user/{uid}"
    if code == "bilibili":
        uid = str(r.randint(10_000, 3_000_000_000))
        return uid, f"https://space.bilibili.com/{uid}"
    if code == "xiaohongshu":
        uid = f"{r.getrandbits(96):024x}"
        return uid, f"https://www.xiaohongshu.com/user/profile/{uid}"
    if code == "kuaishou":
        uid = "3x" + alnum(13).lower()
        return uid, f"https://www.kuaishou.com/profile/{uid}"
    if code == "wechat":
        return "gh_" + f"{r.getrandbits(48):012x}", ""
    if code == "zhihu":
        uid = alnum(10).lower()
        return uid, f"https://www.zhihu.com/people/{uid}"
    if code == "toutiao":
        uid = digits(11)
        return uid, f"https://www.toutiao.com/c/user/{uid}/"
    if code == "dongchedi":
        uid = digits(12)
        return uid, f"https://www.dongchedi.com/user/{uid}"
    if code == "autohome":
        uid = digits(9)
        return uid, f"https://i.autohome.com.cn/{uid}"
    if code == "yiche":
        uid = digits(8)
        return uid, f"https://i.yiche.com/u{uid}/"
    if code == "pcauto":
        uid = digits(8)
        return uid, f"https://my.pcauto.com.cn/{uid}/"
    uid = digits(10)
    return uid, f"https://tieba.baidu.com/home/main?id={uid}"


def _name(r: random.Random, profile: str, taken: set[str]) -> str:
    for attempt in range(1000):
        city = r.choice(texts.CITIES)[0]
        n = r.randint(1, 99)
        if profile == "kol_black":
            name = r.choice(texts.KOL_PREFIXES) + r.choice(texts.KOL_SUFFIXES)
        elif profile == "troll":
            name = r.choice(texts.TROLL_ADJ) + r.choice(texts.TROLL_NOUN) + str(r.randint(10, 9999))
            if r.random() < 0.25:
                name = "用户" + "".join(r.choice("abcdefghjkmnpqrstuvwxyz0123456789") for _ in range(8))
        else:
            pool = {
                "extortion": texts.EXTORTION_NAMES,
                "owner_attacker": texts.ATTACKER_NAMES,
                "rumor": texts.RUMOR_NAMES,
                "critic": texts.CRITIC_NAMES,
                "media": texts.MEDIA_NAMES,
            }[profile]
            name = r.choice(pool).format(city=city, n=n)
        if attempt > 20:
            # The small name pools run out: vary the name the way users do, with a number.
            name += str(r.randint(2, 999))
        if name not in taken:
            taken.add(name)
            return name
    raise RuntimeError(f"no free demo account name for {profile}")


def plan_accounts(world: World) -> None:
    """Plan the accounts (written later, once their items tell when they were first and last seen)."""
    r = rng("accounts")
    agency_ids = [agency["pk"] for agency in world.agencies]
    taken: set[str] = set()
    uids: set[tuple[str, str]] = set()
    for profile, statuses in PROFILES.items():
        members = [status for status, count in statuses.items() for _ in range(count)]
        # Key accounts first, then watched, then the rest: index order is stable for campaign membership.
        disclosed, requested = IDENTIFIED.get(profile, (0, 0))
        for index, status in enumerate(members):
            code = r.choices(list(PLATFORMS_BY_PROFILE[profile]), weights=list(PLATFORMS_BY_PROFILE[profile].values()))[
                0
            ]
            uid, profile_url = _uid(r, code)
            while (code, uid) in uids:
                uid, profile_url = _uid(r, code)
            uids.add((code, uid))
            name = _name(r, profile, taken)
            level, low, high = RISK[profile]
            score = r.randint(low, high)
            if status == "key":
                level, score = (
                    ("critical" if profile in ("extortion", "kol_black") and score > 85 else "high"),
                    max(score, 75),
                )
            agency = next(
                (agency_ids[a] for start, stop, a in AGENCY_OF.get(profile, []) if start <= index < stop), None
            )
            identity = (
                "disclosed"
                if index < disclosed
                else "disclosure_requested"
                if index < disclosed + requested
                else "anonymous"
            )
            city, province = r.choice(texts.CITIES)
            world.accounts.append(
                {
                    "profile": profile,
                    "index": index,
                    "platform_code": code,
                    "row": {
                        "platform_id": world.platforms[code],
                        "platform_uid": uid,
                        "name": name,
                        "former_names": [_name(r, profile, taken) for _ in range(r.choice((0, 0, 0, 1, 2)))],
                        "profile_url": profile_url,
                        "followers": int(FOLLOWERS[profile] * r.lognormvariate(0, 1.0)),
                        "verification": _verification(r, profile, agency),
                        "ip_location": province,
                        "agency_id": agency,
                        "watch_status": status,
                        "risk_level": level if status != "not_watched" or profile == "critic" else "medium",
                        "risk_score": score,
                        "identity_status": identity,
                        "first_seen_at": None,
                        "last_seen_at": None,
                        "notes": _account_note(profile, status, city),
                        "created_at": None,
                    },
                }
            )


def _verification(r: random.Random, profile: str, agency: int | None) -> str:
    if profile == "media":
        return "media"
    if agency is not None and profile == "kol_black":
        return "mcn"
    if profile in ("kol_black", "critic"):
        return r.choice(("personal", "personal", "none"))
    if profile == "extortion":
        return r.choice(("enterprise", "none"))
    return "none"


def _account_note(profile: str, status: str, city: str) -> str:
    if status == "archived":
        return "账号已被平台封禁，归档保存。"
    return {
        "kol_black": "多次发布未经核实的测评和事故视频，疑与黑公关合作。",
        "extortion": "曾私信要求「合作费」，以发布负面内容相要挟。",
        "troll": "疑似水军账号：注册时间短、发帖时间集中、文案高度雷同。",
        "owner_attacker": f"多次对{city}等地车主进行人身攻击。",
        "rumor": "频繁搬运未经核实的事故图片和视频。",
        "critic": "正常车主/评测账号，批评有事实依据，不作处置。",
        "media": "汽车垂类媒体，报道总体客观。",
    }[profile]


def write_accounts(world: World) -> None:
    """Write the accounts, with first/last seen taken from their items."""
    r = rng("accounts/seen")
    seen: dict[int, list[datetime.datetime]] = {}
    for item in world.items:
        if item["account"] is not None:
            seen.setdefault(item["account"], []).append(item["row"]["published_at"])
    for index, account in enumerate(world.accounts):
        moments = seen.get(index) or [START + datetime.timedelta(days=r.randint(0, 500))]
        first = min(moments) - datetime.timedelta(days=r.randint(0, 40), hours=r.randint(0, 23))
        row = account["row"]
        row["first_seen_at"] = clamp(first, START)
        row["last_seen_at"] = max(moments)
        row["created_at"] = row["first_seen_at"]
    ids = upsert(MonitoredAccount, [a["row"] for a in world.accounts], ("platform_id", "platform_uid"))
    for account, pk in zip(world.accounts, ids, strict=True):
        account["pk"] = pk


def accounts_of(world: World, profile: str) -> list[int]:
    """Return the indexes (in world.accounts) of one profile's accounts, in profile order."""
    return [i for i, a in enumerate(world.accounts) if a["profile"] == profile]


def account_label(account: dict[str, Any]) -> str:
    return account["row"]["name"]
