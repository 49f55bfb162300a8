"""A few evidence rows with small real files (a PNG screenshot, HTML web captures).

Evidence is never overwritten or deleted (DESIGN.md §6), so the seed only adds the rows it
misses, recognised by their file's SHA-256, and rewrites a file only when it went missing
from storage. It writes no custody events: their hash chain belongs to the evidence service.
"""

from __future__ import annotations

import datetime
import hashlib
import html
import random
import struct
import uuid
import zlib
from typing import Any

import magic
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from cases.demo import texts
from cases.demo.common import SNAPSHOT, World, rng
from cases.demo.sync import sync_m2m
from cases.models import Evidence

TOOLS = ("可信时间戳取证 App 5.2.1", "区块链存证助手 3.8.0", "网页取证浏览器 2.4.6")
DEVICES = ("iPhone 15（iOS 18.1）", "Xiaomi 14（HyperOS 2.0）", "联想 ThinkPad X1（Windows 11）")


def png(r: random.Random, width: int = 240, height: int = 160) -> bytes:
    """Return a small, valid PNG that looks like a screenshot of a post (header, text lines, a picture)."""
    header = (r.randint(180, 240), r.randint(40, 90), r.randint(40, 90))
    lines = [r.randint(60, 220) for _ in range(6)]
    rows = []
    for y in range(height):
        row = bytearray([0])
        for x in range(width):
            if y < 24:
                pixel = header
            elif 34 <= y < 94 and (y - 34) % 10 < 5 and x < 10 + lines[(y - 34) // 10]:
                pixel = (90, 90, 90)
            elif 100 <= y < 150 and 10 <= x < 130:
                pixel = (60 + (x * 3) % 120, 60 + (y * 2) % 100, 140)
            else:
                pixel = (250, 250, 250)
            row.extend(pixel)
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )


def page(item: dict[str, Any], account: str, captured: datetime.datetime, note: str = "") -> bytes:
    """Return an HTML web capture of one item, as a capture tool would save it."""
    row = item["row"]
    body = (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(row['title'] or row['text'][:20])}</title>\n</head>\n<body>\n"
        f'<p class="capture">取证地址：{html.escape(row["url"])}<br>取证时间：{captured:%Y-%m-%d %H:%M:%S} (UTC+8)</p>\n'
        f"<article>\n<h1>{html.escape(account)}</h1>\n<p>{html.escape(row['text'])}</p>\n"
        f"<p>发布时间：{row['published_at']:%Y-%m-%d %H:%M} · 浏览 {row['views']} · 点赞 {row['likes']} · "
        f"转发 {row['shares']} · 评论 {row['comments']}</p>\n</article>\n"
        f"{f'<p class=note>{html.escape(note)}</p>' if note else ''}</body>\n</html>\n"
    )
    return body.encode("utf-8")


def _spec(world: World, r: random.Random) -> list[dict[str, Any]]:
    """Return the evidence to hold: a file, its metadata and what it is linked to."""
    filed = [s for s in world.suits if s["role"] == "plaintiff" and s["stage"] != "preparing" and s["items"]][:3]
    owners = [s for s in world.suits if s["role"] == "supporting_owner" and s["stage"] != "preparing" and s["items"]][
        :2
    ]
    j5 = next(c for c in world.campaigns if c["spec"]["key"] == "j5")
    specs = []
    for suit in filed:
        item = world.items[suit["items"][0]]
        specs.append({"item": item, "kind": "png", "method": "notarisation", "status": "notarised", "suit": suit})
        specs.append({"item": item, "kind": "html", "method": "blockchain", "status": "submitted", "suit": suit})
    for suit in owners:
        specs.append(
            {
                "item": world.items[suit["items"][0]],
                "kind": "png",
                "method": "screenshot",
                "status": "fixed",
                "suit": suit,
                "request": suit["request"],
            }
        )
    specs.append({"item": j5["items"][0], "kind": "html", "method": "web_capture", "status": "fixed", "version": 1})
    specs.append({"item": j5["items"][0], "kind": "html", "method": "timestamp", "status": "fixed", "version": 2})
    return specs


def _row(world: World, r: random.Random, spec: dict[str, Any], data: bytes) -> dict[str, Any]:
    item = spec["item"]
    row = item["row"]
    started = min(
        max(row["assessed_at"] or row["discovered_at"], row["discovered_at"])
        + datetime.timedelta(hours=r.randint(1, 20)),
        SNAPSHOT - datetime.timedelta(hours=3),
    ).replace(microsecond=0)
    method = spec["method"]
    account = world.accounts[item["account"]] if item["account"] is not None else None
    suffix = "png" if spec["kind"] == "png" else "html"
    return {
        "title": f"{'截图' if suffix == 'png' else '网页取证'}：{(row['title'] or row['text'])[:30]}"
        + ("（更正版）" if spec.get("version") == 2 else ""),
        "original_name": f"{item['code']}_{started:%Y%m%d_%H%M}.{suffix}",
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
        "mime_type": magic.from_buffer(data, mime=True),
        "capture_method": method,
        "status": spec["status"],
        "capture_url": row["url"],
        "platform_id": row["platform_id"],
        "account_id": account["pk"] if account else None,
        "published_at_display": f"{row['published_at']:%m-%d %H:%M}",
        "capture_started_at": started,
        "capture_finished_at": started + datetime.timedelta(minutes=r.randint(3, 25)),
        "tool": r.choice(TOOLS),
        "device": r.choice(DEVICES),
        "network": "cellular" if method != "notarisation" else "wired",
        "clean_environment_checked": method in ("notarisation", "timestamp", "blockchain"),
        "engagement_at_capture": {k: row[k] for k in ("views", "likes", "shares", "comments")},
        "certificate_number": f"TSA-{started:%Y%m%d}-{r.randint(10**7, 10**8 - 1)}" if method == "timestamp" else "",
        "deposit_platform": "司法区块链存证平台" if method == "blockchain" else "",
        "deposit_number": f"BC{started:%Y%m%d}{r.randint(10**9, 10**10 - 1)}" if method == "blockchain" else "",
        "tx_hash": f"{r.getrandbits(256):064x}" if method == "blockchain" else "",
        "notary_office": texts.NOTARY_OFFICES[0] if method == "notarisation" else "",
        "notary_certificate_number": f"（{started:%Y}）京京诚内民证字第{r.randint(1000, 29999)}号"
        if method == "notarisation"
        else "",
        "ai_label_present": row["ai_label_present"],
        "content_live_status": "live",
        "contains_third_party_pi": spec.get("request") is not None,
        "fixed_by_id": r.choice(world.analysts()),
        "integrity": "ok",
        "last_verified_at": SNAPSHOT - datetime.timedelta(hours=r.randint(2, 30)),
        "litigation_hold": spec.get("suit") is not None,
        "created_at": started + datetime.timedelta(minutes=30),
    }


def build(world: World) -> None:
    r = rng("evidence")
    specs = _spec(world, r)
    previous: int | None = None
    links: dict[str, set[tuple[int, int]]] = {"items": set(), "suits": set(), "requests": set()}
    ids = []
    for spec in specs:
        account = world.accounts[spec["item"]["account"]]["row"]["name"] if spec["item"]["account"] is not None else ""
        captured = SNAPSHOT - datetime.timedelta(days=1)
        note = "更正：补充账号主页及IP属地信息。" if spec.get("version") == 2 else ""
        data = png(r) if spec["kind"] == "png" else page(spec["item"], account, captured, note)
        row = _row(world, r, spec, data)
        name = f"evidence/{row['created_at']:%Y/%m}/{uuid.UUID(int=r.getrandbits(128), version=4).hex}"
        evidence = Evidence.objects.filter(sha256=row["sha256"], title=row["title"]).order_by("pk").first()
        if evidence is None:
            stored = _store(name, data)
            evidence = Evidence.objects.create(
                **row, file=stored, previous_version_id=previous if spec.get("version") == 2 else None
            )
        elif not default_storage.exists(evidence.file.name):
            _store(evidence.file.name, data)
        previous = evidence.pk
        ids.append(evidence.pk)
        links["items"].add((evidence.pk, spec["item"]["pk"]))
        if spec.get("suit"):
            links["suits"].add((evidence.pk, spec["suit"]["pk"]))
        if spec.get("request"):
            links["requests"].add((evidence.pk, spec["request"]["pk"]))
    sync_m2m(Evidence.content_items, links["items"], ids)
    sync_m2m(Evidence.lawsuits, links["suits"], ids)
    sync_m2m(Evidence.assistance_requests, links["requests"], ids)
    world.counts["evidence"] = len(ids)


def _store(name: str, data: bytes) -> str:
    """Write a file through the default storage; an identical file already there is reused."""
    if default_storage.exists(name):
        with default_storage.open(name, "rb") as existing:
            if hashlib.sha256(existing.read()).digest() == hashlib.sha256(data).digest():
                return name
    return default_storage.save(name, ContentFile(data))
