"""Cleaning one imported row: from a vendor's loosely typed mapping to values a ContentItem accepts.

Pure functions, no database access: the import service (cases/services/intake.py) hands in a
``PlatformDirectory`` built once per import. Every refusal is a ``RowRejected`` carrying a
translated reason that names the field and, shortened, the value.
"""

from __future__ import annotations

import datetime
import functools
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from cases.meta import concrete_field, max_length
from cases.models import Assessment, ContentItem, MonitoredAccount, Platform
from cases.normalize import normalize_url
from cases.services.triage import AssessmentInput

# Longest cell accepted anywhere (the body text); titles and names have their own, shorter limits.
MAX_CELL = 10_000
MAX_URL = max_length(ContentItem, "url")
MAX_COUNT = 2**63 - 1  # PositiveBigIntegerField
# Oldest publication date taken as real; anything earlier is a typo or an Excel serial gone wrong.
EARLIEST = datetime.datetime(1990, 1, 1, tzinfo=datetime.UTC)

# A normalised URL (cases.normalize): https, lower-case IDNA host with a top-level domain or an IPv4
# address, optional port, then an already percent-encoded path and query. Cheaper than URLValidator,
# which would parse every URL a second time.
_NORMAL_URL_RE = re.compile(
    r"^https://(?:(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})"
    r"|(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3})"
    r"(?::\d{1,5})?(?:/[^\s]*)?(?:\?[^\s]*)?$"
)


# URLs that normalize_url returns unchanged: https, a lower-case ASCII host with no "www." or "m." to
# drop, no port, query or fragment, and a path of characters percent-encoding leaves alone, not
# ending in "/". Most vendors send such URLs; they skip urlsplit and the re-encoding.
_ALREADY_NORMAL_RE = re.compile(
    r"^https://(?!www\.|m\.)[a-z0-9-]+(?:\.[a-z0-9-]+)+(?:/|/[A-Za-z0-9._~/-]*[A-Za-z0-9._~-])\Z"
)


class NumberedRow(NamedTuple):
    """A row with the number its report should use (a file's line number, an API batch's index)."""

    number: int
    data: Mapping[str, Any]


class RowRejected(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class CleanAccount:
    platform_uid: str
    names: list[str]  # every name this import gave, oldest first; the last one is current
    attrs: dict[str, Any] = field(default_factory=dict)  # followers, profile_url, ip_location, verification


@dataclass
class CleanRow:
    number: int
    platform_id: int
    url: str
    fields: dict[str, Any]  # only the ContentItem fields the row gave
    account: CleanAccount | None = None
    assessment: AssessmentInput | None = None
    assessed_at: datetime.datetime | None = None

    @property
    def key(self) -> tuple[int, str]:
        return (self.platform_id, self.url)


class PlatformDirectory:
    """Platforms by code, name and host, loaded once per import (one query)."""

    def __init__(self, platforms: list[Platform]) -> None:
        self.by_name: dict[str, int] = {}
        domains: list[tuple[str, int]] = []
        for platform in platforms:
            for name in (platform.code, platform.name_zh, platform.name_en):
                self.by_name.setdefault(_fold(name), platform.pk)
            for domain in platform.domains:
                domain = domain.strip().lower().removeprefix("www.")
                if domain:
                    domains.append((domain, platform.pk))
        # Longest first, so mp.weixin.qq.com wins over a shorter qq.com entry.
        self.domains = sorted(domains, key=lambda pair: -len(pair[0]))

    def named(self, value: str) -> int | None:
        return self.by_name.get(_fold(value))

    def for_host(self, host: str) -> int | None:
        for domain, platform_id in self.domains:
            if host == domain or host.endswith("." + domain):
                return platform_id
        return None


def _fold(value: str) -> str:
    return unicodedata.normalize("NFKC", str(value)).strip().lower()


@functools.cache
def _label(model: type[Model], name: str) -> Any:
    # The lazy verbose name: translated only if an error message needs it (most rows need none).
    return concrete_field(model, name).verbose_name


def _show(value: Any) -> str:
    return Truncator(str(value).replace("\n", " ")).chars(40)


# --- Aliases vendors use for choice values -----------------------------------

CONTENT_TYPES = {
    **{code: code for code in ContentItem.Type.values},
    "帖子": "post", "微博": "post", "动态": "post", "笔记": "post", "图文": "post", "weibo": "post",
    "视频": "video", "短视频": "video", "评论": "comment", "回复": "comment",
    "文章": "article", "新闻": "article", "公众号文章": "article", "直播": "live",
}  # fmt: skip
LIVE_STATUSES = {
    **{code: code for code in ContentItem.LiveStatus.values},
    "正常": "live", "在线": "live", "存在": "live", "online": "live",
    "已删除": "deleted", "删除": "deleted", "已下架": "deleted", "不可见": "deleted", "removed": "deleted",
    "未知": "unknown",
}  # fmt: skip
VERIFICATIONS = {
    **{code: code for code in MonitoredAccount.Verification.values},
    "无": "none", "未认证": "none", "普通用户": "none", "个人": "personal", "个人认证": "personal", "黄v": "personal",
    "橙v": "personal", "企业": "enterprise", "企业认证": "enterprise", "蓝v": "enterprise", "机构认证": "enterprise",
    "媒体": "media", "媒体认证": "media", "mcn认证": "mcn",
}  # fmt: skip
CONCLUSIONS = {
    **{code: code for code in Assessment.Conclusion.values},
    "不构成侵权": "none", "无侵权": "none", "正常批评": "criticism", "持续观察": "watch", "观察": "watch",
    "涉嫌侵权": "suspected", "严重侵权": "serious", "涉嫌犯罪": "crime",
}  # fmt: skip
INFRINGEMENT_TYPES = {
    **{code: code for code in Assessment.InfringementType.values},
    "捏造事实": "fabrication", "歪曲事实": "distortion", "侮辱贬损": "insult", "误导性信息": "misleading",
    "虚假测评": "fake_review", "恶意解读销量财报": "distorted_figures", "ai伪造内容": "ai_fabrication",
    "仿冒": "impersonation", "泄露隐私": "privacy_leak", "人身攻击车主": "owner_attack", "敲诈勒索": "extortion",
    "有偿删帖": "paid_deletion", "水军刷量": "troll_amplification",
}  # fmt: skip
STATEMENT_TYPES = {
    **{code: code for code in Assessment.StatementType.values},
    "事实陈述": "fact", "意见评价": "opinion", "混合": "mixed", "事实与意见混合": "mixed",
}  # fmt: skip
TRUE_WORDS = frozenset({"1", "true", "yes", "y", "是", "有", "t", "√", "✓"})
FALSE_WORDS = frozenset({"0", "false", "no", "n", "否", "无", "f", ""})
ASSESSMENT_KEYS = frozenset(
    {
        "conclusion", "rationale", "category", "infringement_types", "statement_type", "severity",
        "estimated_loss", "recommended_actions", "target_identifiable", "insulting_language",
        "falsity_provable", "assessed_at",
    }
)  # fmt: skip


# --- Scalar cleaners ---------------------------------------------------------


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def clean_text(value: Any, *, label: Any, max_length: int) -> str:
    """Return the value as text; numbers from spreadsheets lose a trailing .0."""
    if type(value) is str:  # nearly every value: skip the conversions below
        text = value.strip()
    else:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, datetime.datetime | datetime.date):
            value = value.isoformat(sep=" ") if isinstance(value, datetime.datetime) else value.isoformat()
        if isinstance(value, Mapping | list | tuple):
            raise RowRejected(_("“%(field)s” must be text.") % {"field": label})
        text = str(value).strip()
    if "\x00" in text:
        raise RowRejected(_("The row contains NUL bytes (\\0), which text cannot hold."))
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise RowRejected(_("The row contains broken characters (unpaired surrogates), which text cannot hold."))
    if len(text) > max_length:
        raise RowRejected(
            _("“%(field)s” is too long: %(length)d characters (at most %(limit)d).")
            % {"field": label, "length": len(text), "limit": max_length}
        )
    return text


_COUNT_RE = re.compile(r"^(\d+(?:\.\d+)?)(万|w|千|k|亿|百万|m)?\+?$")
_MULTIPLIERS = {None: 1, "万": 10_000, "w": 10_000, "千": 1_000, "k": 1_000, "亿": 100_000_000,
                "百万": 1_000_000, "m": 1_000_000}  # fmt: skip


def clean_count(value: Any, *, label: Any) -> int:
    """Return a non-negative whole number; accepts "1,234", "1.2万", "3.5w", "10万+"."""
    if type(value) is int and 0 <= value <= MAX_COUNT:  # the usual case: no Decimal round trip
        return value
    if isinstance(value, bool):
        raise _bad_count(value, label)
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float | Decimal):
        number = Decimal(str(value))
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip().lower().replace(",", "").replace(" ", "")
        match = _COUNT_RE.match(text)
        if not match:
            raise _bad_count(value, label)
        number = Decimal(match.group(1)) * _MULTIPLIERS[match.group(2)]
    if number < 0 or number > MAX_COUNT or number != number.to_integral_value():
        raise _bad_count(value, label)
    return int(number)


def _bad_count(value: Any, label: Any) -> RowRejected:
    return RowRejected(
        _("“%(field)s” must be a whole number of at least 0, not “%(value)s”.") % {"field": label, "value": _show(value)}
    )


_DATE_RE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[\sT]*(\d{1,2})\s*[:时點点]\s*(\d{1,2})(?:\s*[:分]\s*(\d{1,2})(?:\.\d+)?)?\s*秒?)?$"
)


def clean_datetime(value: Any, *, label: Any) -> datetime.datetime:
    """Return an aware datetime; naive values are Beijing time (vendors export local time)."""
    parsed: datetime.datetime | None = None
    if isinstance(value, datetime.datetime):
        parsed = value
    elif isinstance(value, datetime.date):
        parsed = datetime.datetime(value.year, value.month, value.day)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        # Unix time in seconds or milliseconds, as some vendors' APIs give it.
        seconds = value / 1000 if value > 10**11 else value
        try:
            parsed = datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)
        except (OverflowError, OSError, ValueError):
            raise _bad_date(value, label)
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip()
        if re.fullmatch(r"\d{10}|\d{13}", text):
            return clean_datetime(int(text), label=label)
        try:
            parsed = datetime.datetime.fromisoformat(text)
        except ValueError:
            match = _DATE_RE.match(text)
            if not match:
                raise _bad_date(value, label)
            year, month, day, hour, minute, second = (int(part) if part else 0 for part in match.groups())
            try:
                parsed = datetime.datetime(year, month, day, hour, minute, second)
            except ValueError:
                raise _bad_date(value, label)
    if timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=ZoneInfo(settings.TIME_ZONE))
    if parsed < EARLIEST or parsed > timezone.now() + datetime.timedelta(days=1):
        raise RowRejected(
            _("“%(field)s” is out of range: “%(value)s”.") % {"field": label, "value": _show(value)}
        )
    return parsed


def _bad_date(value: Any, label: Any) -> RowRejected:
    return RowRejected(_("“%(field)s” is not a date and time: “%(value)s”.") % {"field": label, "value": _show(value)})


def clean_bool(value: Any, *, label: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = _fold(value)
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise RowRejected(_("“%(field)s” must be yes or no, not “%(value)s”.") % {"field": label, "value": _show(value)})


def clean_choice(value: Any, *, label: Any, aliases: Mapping[str, str]) -> str:
    choice = aliases.get(_fold(value))
    if choice is None:
        raise RowRejected(
            _("“%(field)s” has an unknown value: “%(value)s”.") % {"field": label, "value": _show(value)}
        )
    return choice


def _choice_list(value: Any, *, label: Any, aliases: Mapping[str, str]) -> tuple[str, ...]:
    items = value if isinstance(value, list | tuple) else re.split(r"[,，、;；/|]", str(value))
    return tuple(clean_choice(item, label=label, aliases=aliases) for item in items if not _is_blank(item))


_HYPERLINK_RE = re.compile(r'^=\s*HYPERLINK\(\s*"([^"]+)"', re.IGNORECASE)


def clean_url(value: Any) -> str:
    """Return the normalised URL, or reject a missing, malformed or overlong one."""
    if _is_blank(value):
        raise RowRejected(_("The URL is missing."))
    text = clean_text(value, label="URL", max_length=MAX_CELL)
    # A spreadsheet link cell exported as a formula: read its target, evaluate nothing.
    match = _HYPERLINK_RE.match(text)
    if match:
        text = match.group(1)
    if _ALREADY_NORMAL_RE.match(text):
        url = text  # normalize_url would return it unchanged (tested); it is a fifth of a row's cleaning
    else:
        if re.search(r"\s", text) or not re.match(r"^(https?://|//|[\w.-]+\.[a-z]{2,}\b)", text, re.IGNORECASE):
            raise _bad_url(text)
        try:
            url = normalize_url(text)
        except ValueError:
            raise _bad_url(text)
    if not _NORMAL_URL_RE.match(url):
        raise _bad_url(text)
    if len(url) > MAX_URL:
        raise RowRejected(
            _("The URL is too long: %(length)d characters (at most %(limit)d).") % {"length": len(url), "limit": MAX_URL}
        )
    return url


def _bad_url(text: str) -> RowRejected:
    return RowRejected(_("This is not a web address (http or https): “%(value)s”.") % {"value": _show(text)})


def host_of(url: str) -> str:
    return url.split("://", 1)[1].split("/", 1)[0].split(":", 1)[0]


# --- Rows ----------------------------------------------------------------------

TEXT_FIELDS = {"platform_content_id": 128, "title": 500, "text": MAX_CELL}
COUNT_FIELDS = ("views", "likes", "shares", "comments")


def clean_row(row: NumberedRow, *, platforms: PlatformDirectory, default_platform_id: int | None) -> CleanRow:
    """Return the row's cleaned values or raise RowRejected with the first problem found."""
    data = row.data
    if not isinstance(data, Mapping):
        raise RowRejected(_("A row must be an object with named fields."))
    url = clean_url(data.get("url"))
    platform_id = _platform_for(data.get("platform"), url, platforms, default_platform_id)
    fields: dict[str, Any] = {}
    for name, limit in TEXT_FIELDS.items():
        if data.get(name) is not None and not _is_blank(data[name]):
            fields[name] = clean_text(data[name], label=_label(ContentItem, name), max_length=limit)
    for name in COUNT_FIELDS:
        if data.get(name) is not None and not _is_blank(data[name]):
            fields[name] = clean_count(data[name], label=_label(ContentItem, name))
    if data.get("published_at") is not None and not _is_blank(data["published_at"]):
        fields["published_at"] = clean_datetime(data["published_at"], label=_label(ContentItem, "published_at"))
    if data.get("content_type") is not None and not _is_blank(data["content_type"]):
        fields["content_type"] = clean_choice(
            data["content_type"], label=_label(ContentItem, "content_type"), aliases=CONTENT_TYPES
        )
    if data.get("live_status") is not None and not _is_blank(data["live_status"]):
        fields["live_status"] = clean_choice(
            data["live_status"], label=_label(ContentItem, "live_status"), aliases=LIVE_STATUSES
        )
    if data.get("ai_label_present") is not None:
        fields["ai_label_present"] = clean_bool(data["ai_label_present"], label=_label(ContentItem, "ai_label_present"))
    clean = CleanRow(number=row.number, platform_id=platform_id, url=url, fields=fields)
    if data.get("account") is not None and not _is_blank(data["account"]):
        clean.account = clean_account(data["account"])
    if data.get("assessment") is not None and not _is_blank(data["assessment"]):
        clean.assessment, clean.assessed_at = clean_assessment(data["assessment"])
    return clean


def _platform_for(value: Any, url: str, platforms: PlatformDirectory, default_id: int | None) -> int:
    if not _is_blank(value):
        platform_id = platforms.named(str(value))
        if platform_id is None:
            raise RowRejected(_("Unknown platform: “%(value)s”.") % {"value": _show(value)})
        return platform_id
    platform_id = platforms.for_host(host_of(url)) or default_id
    if platform_id is None:
        raise RowRejected(
            _("Cannot tell the platform of this URL: name the platform in the row or choose a default platform.")
        )
    return platform_id


def clean_account(value: Any) -> CleanAccount:
    if not isinstance(value, Mapping):
        raise RowRejected(_("The account must be an object with named fields."))
    uid_label = _label(MonitoredAccount, "platform_uid")
    if _is_blank(value.get("platform_uid")):
        raise RowRejected(_("The account needs its “%(field)s”.") % {"field": uid_label})
    uid = clean_text(value["platform_uid"], label=uid_label, max_length=128)
    names = []
    if not _is_blank(value.get("name")):
        names.append(clean_text(value["name"], label=_label(MonitoredAccount, "name"), max_length=200))
    attrs: dict[str, Any] = {}
    if not _is_blank(value.get("followers")):
        attrs["followers"] = clean_count(value["followers"], label=_label(MonitoredAccount, "followers"))
    if not _is_blank(value.get("profile_url")):
        attrs["profile_url"] = clean_url(value["profile_url"])
        if len(attrs["profile_url"]) > 1000:
            raise RowRejected(_("The profile URL is too long."))
    if not _is_blank(value.get("ip_location")):
        attrs["ip_location"] = clean_text(
            value["ip_location"], label=_label(MonitoredAccount, "ip_location"), max_length=64
        )
    if not _is_blank(value.get("verification")):
        attrs["verification"] = clean_choice(
            value["verification"], label=_label(MonitoredAccount, "verification"), aliases=VERIFICATIONS
        )
    return CleanAccount(platform_uid=uid, names=names, attrs=attrs)


def clean_assessment(value: Any) -> tuple[AssessmentInput, datetime.datetime | None]:
    """Return a historical assessment's input and its date, checked as the triage service checks one."""
    if not isinstance(value, Mapping):
        raise RowRejected(_("The assessment must be an object with named fields."))
    unknown = sorted(str(key) for key in value if key not in ASSESSMENT_KEYS)
    if unknown:
        raise RowRejected(_("Unknown assessment fields: %(fields)s.") % {"fields": ", ".join(unknown)})
    label = _label(Assessment, "conclusion")
    if _is_blank(value.get("conclusion")):
        raise RowRejected(_("The assessment needs a conclusion."))
    kwargs: dict[str, Any] = {"conclusion": clean_choice(value["conclusion"], label=label, aliases=CONCLUSIONS)}
    if not _is_blank(value.get("rationale")):
        kwargs["rationale"] = clean_text(value["rationale"], label=_label(Assessment, "rationale"), max_length=MAX_CELL)
    if not _is_blank(value.get("category")):
        kwargs["category"] = clean_text(value["category"], label=_label(Assessment, "category"), max_length=32)
    if not _is_blank(value.get("statement_type")):
        kwargs["statement_type"] = clean_choice(
            value["statement_type"], label=_label(Assessment, "statement_type"), aliases=STATEMENT_TYPES
        )
    if not _is_blank(value.get("severity")):
        kwargs["severity"] = clean_count(value["severity"], label=_label(Assessment, "severity"))
    if not _is_blank(value.get("estimated_loss")):
        try:
            kwargs["estimated_loss"] = Decimal(str(value["estimated_loss"]).replace(",", "")).quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            raise RowRejected(_("The estimated loss must be an amount of money."))
    if not _is_blank(value.get("infringement_types")):
        kwargs["infringement_types"] = _choice_list(
            value["infringement_types"], label=_label(Assessment, "infringement_types"), aliases=INFRINGEMENT_TYPES
        )
    if not _is_blank(value.get("recommended_actions")):
        actions = {code: code for code in Assessment.Action.values}
        kwargs["recommended_actions"] = _choice_list(
            value["recommended_actions"], label=_label(Assessment, "recommended_actions"), aliases=actions
        )
    for name in ("target_identifiable", "insulting_language", "falsity_provable"):
        if value.get(name) is not None:
            kwargs[name] = clean_bool(value[name], label=_label(Assessment, name))
    assessed_at = None
    if not _is_blank(value.get("assessed_at")):
        assessed_at = clean_datetime(value["assessed_at"], label=_label(ContentItem, "assessed_at"))
    data = AssessmentInput(**kwargs)
    try:
        data.clean()
    except ValidationError as exc:
        messages = [str(message) for messages in exc.message_dict.values() for message in messages]
        raise RowRejected(_("Assessment refused: %(reasons)s") % {"reasons": " ".join(messages)})
    return data, assessed_at
