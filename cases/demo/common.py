"""Shared state and helpers of the demo builders: the random sources, the clock, the world."""

from __future__ import annotations

import datetime
import math
import random
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from cases.demo import texts

TZ = ZoneInfo("Asia/Shanghai")
SEED = 2025
# The data set describes the department up to this moment; only scheduled hearings and
# pending deadlines lie after it. Fixed dates keep every run identical (idempotency).
START = datetime.datetime(2025, 6, 1, tzinfo=TZ)
SNAPSHOT = datetime.datetime(2026, 11, 29, 20, 0, tzinfo=TZ)
PROGRAM_START = datetime.datetime(2025, 9, 26, 9, 0, tzinfo=TZ)
VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
ALPHABET = string.digits + string.ascii_letters


def rng(topic: str) -> random.Random:
    """Return a random source of its own for one topic, so builders stay independent of each other."""
    return random.Random(f"{SEED}/{topic}")


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=TZ)


def clamp(moment: datetime.datetime, low: datetime.datetime, high: datetime.datetime = SNAPSHOT) -> datetime.datetime:
    return max(low, min(moment, high))


def seconds(moment: datetime.datetime) -> datetime.datetime:
    return moment.replace(microsecond=0)


def lognormal_delay(r: random.Random, median_hours: float, sigma: float = 1.0) -> datetime.timedelta:
    return datetime.timedelta(seconds=int(3600 * median_hours * math.exp(r.gauss(0, sigma))))


def money(value: float) -> Decimal:
    return Decimal(int(round(value / 100.0)) * 100).quantize(Decimal("0.01"))


def pick_weighted(r: random.Random, weights: Mapping[str, float]) -> str:
    """Return a key drawn with the given weights (a plain loop: the dicts are small and this runs often)."""
    point = r.random() * sum(weights.values())
    for key, weight in weights.items():
        point -= weight
        if point < 0:
            return key
    return key


def digits(r: random.Random, n: int) -> str:
    """Return n random digits, the first not zero."""
    return str(r.randrange(10 ** (n - 1), 10**n))


def alnum(r: random.Random, n: int) -> str:
    """Return n random letters and digits (base 62)."""
    number = r.getrandbits(6 * n)
    out = []
    for _ in range(n):
        number, rest = divmod(number, 62)
        out.append(ALPHABET[rest])
    return "".join(out)


def person_name(r: random.Random) -> str:
    given = "".join(r.choice(texts.GIVEN) for _ in range(r.choice((1, 2, 2))))
    return r.choice(texts.SURNAMES) + given


def phone(r: random.Random) -> str:
    return "1" + r.choice("3456789") + f"{r.randrange(10**9):09d}"


class Slots(dict):
    """Template values drawn only when a template asks for them."""

    def __init__(self, r: random.Random, extra: dict[str, Any]) -> None:
        super().__init__({"brand": texts.BRAND, "account": "", "detail": "", **extra})
        self.r = r

    def __missing__(self, key: str) -> Any:
        r = self.r
        value = {
            "model": lambda: r.choice(texts.MODELS),
            "city": lambda: r.choice(texts.CITIES)[0],
            "pct": lambda: r.choice((23, 31, 38, 42, 47, 55, 61)),
            "n": lambda: r.randint(2, 30),
            "month": lambda: r.randint(1, 12),
            "part": lambda: r.choice(texts.CAR_PARTS),
            "defect": lambda: r.choice(texts.DEFECTS),
        }[key]()
        self[key] = value
        return value


def fill(template: str, r: random.Random, **extra: Any) -> str:
    """Fill a text template's slots with plausible values."""
    return template.format_map(Slots(r, extra))


@dataclass
class World:
    """Everything built so far, with database ids once a builder has written its rows."""

    platforms: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    agencies: list[dict[str, Any]] = field(default_factory=list)
    accounts: list[dict[str, Any]] = field(default_factory=list)
    campaigns: list[dict[str, Any]] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    suits: list[dict[str, Any]] = field(default_factory=list)
    complaints: list[dict[str, Any]] = field(default_factory=list)
    letters: list[dict[str, Any]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict)

    def user(self, username: str) -> int:
        return self.users[username]

    def analysts(self) -> list[int]:
        return [self.users[name] for name in ("analyst", "analyst_li", "analyst_zhou")]

    def lawyers(self) -> list[int]:
        return [self.users[name] for name in ("lawyer", "lawyer_sun")]
