"""The import's fast paths (make bench, docs/benchmarks.md) give exactly what the general paths gave."""

from __future__ import annotations

import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from cases import models as m
from cases.normalize import normalize_url
from cases.services import intake_rows
from cases.services.intake import import_rows
from cases.services.intake_rows import RowRejected, clean_count, clean_url

pytestmark = pytest.mark.django_db


def run(rows, actor):
    with translation.override("en"):
        return import_rows(rows=rows, source="api", actor=actor)


EDGE_URLS = [
    "https://weibo.com", "https://weibo.com/", "https://weibo.com/a/", "https://weibo.com//",
    "https://weibo.com/a//b", "https://www.weibo.com/a", "https://m.weibo.com/a", "https://WEIBO.com/a",
    "https://weibo.com:443/a", "https://weibo.com/a?b=1", "https://weibo.com/a#x", "https://weibo.com/a%2Fb",
    "https://weibo.com/车", "http://weibo.com/a", "https://weibo.com/A_b-c.d~e", "https://1.2.3.4/a",
    "https://" + "a" * 70 + ".com/x", "https://xn--fiqs8s.com/a", "https://weibo.com./a",
]  # fmt: skip


@pytest.mark.parametrize("url", EDGE_URLS)
def test_a_url_taken_as_already_normal_is_exactly_what_normalize_url_returns(url):
    if intake_rows._ALREADY_NORMAL_RE.match(url):
        assert normalize_url(url) == url
    # Whichever path it takes, clean_url answers as normalising first always did.
    try:
        expected = normalize_url(url)
    except ValueError:
        expected = None
    if expected is not None and intake_rows._NORMAL_URL_RE.match(expected):
        assert clean_url(url) == expected


def test_the_url_fast_path_agrees_with_normalize_url_on_random_urls():
    rng = random.Random(10)
    hits = 0
    for _ in range(20_000):
        host = "".join(rng.choice("abwm.-0") for _ in range(rng.randint(1, 12)))
        url = "https://" + host + "".join(rng.choice("abcAZ09./-_~%:?#@!wm") for _ in range(rng.randint(0, 10)))
        if intake_rows._ALREADY_NORMAL_RE.match(url):
            hits += 1
            assert normalize_url(url) == url
    assert hits > 50  # the sample reached the fast path


def test_counts_take_the_int_fast_path_with_the_same_answers():
    assert clean_count(0, label="x") == 0
    assert clean_count(2**63 - 1, label="x") == 2**63 - 1
    assert clean_count("1.2万", label="x") == 12000
    for bad in (-1, 2**63, True, False, 1.5, "abc"):
        with translation.override("en"), pytest.raises(RowRejected, match="must be a whole number"):
            clean_count(bad, label="x")


def test_accounts_are_upserted_in_one_statement_and_audited(analyst):
    run([{"platform": "weibo", "url": "https://weibo.com/u1/p1", "account": {"platform_uid": "u1", "name": "老王说车"}}], analyst)
    old = m.MonitoredAccount.objects.get(platform_uid="u1")
    audit_before = m.AuditEvent.objects.count()
    rows = [
        {"platform": "weibo", "url": "https://weibo.com/u1/p2", "account": {"platform_uid": "u1", "name": "老王聊车"}},
        {"platform": "weibo", "url": "https://weibo.com/u2/p1", "account": {"platform_uid": "u2", "name": "新号", "followers": "1.5万"}},
    ]  # fmt: skip
    with CaptureQueriesContext(connection) as ctx:
        result = run(rows, analyst)
    writes = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("INSERT INTO cases_monitoredaccount")]
    assert len(writes) == 1 and "json_to_recordset(" in writes[0]
    assert (result.created, result.updated, result.rejected) == (2, 0, 0)
    updated = m.MonitoredAccount.objects.get(pk=old.pk)
    assert (updated.name, updated.former_names) == ("老王聊车", ["老王说车"])
    assert updated.created_at == old.created_at and updated.updated_at > old.updated_at
    new = m.MonitoredAccount.objects.get(platform_uid="u2")
    assert (new.name, new.followers, new.former_names, new.risk_factors) == ("新号", 15000, [], {})
    assert (new.watch_status, new.risk_level, new.identity_status, new.verification) == (
        "watching", "low", "anonymous", "none",
    )  # fmt: skip
    items = m.ContentItem.objects.filter(pk__in=result.item_ids)
    assert {i.url: i.account_id for i in items} == {"https://weibo.com/u1/p2": old.pk, "https://weibo.com/u2/p1": new.pk}
    events = m.AuditEvent.objects.order_by("pk")[audit_before:]
    by_object = {(e.object_type, e.object_id, e.action): e for e in events}
    assert ("cases.monitoredaccount", str(new.pk), "create") in by_object
    change = by_object[("cases.monitoredaccount", str(old.pk), "update")].diff
    assert change["name"] == ["老王说车", "老王聊车"] and change["former_names"] == [[], ["老王说车"]]
    assert sum(e.object_type == "cases.contentitem" and e.action == "create" for e in events) == 2


def test_a_partly_changed_reimport_writes_and_audits_only_the_changed_item(analyst):
    rows = [{"platform": "weibo", "url": f"https://weibo.com/7/p{n}", "views": n, "published_at": "2025-10-01 12:00",
             "account": {"platform_uid": "u7", "name": "账号"}} for n in range(3)]  # fmt: skip
    first = run(rows, analyst)
    before = {i.pk: i.updated_at for i in m.ContentItem.objects.all()}
    audit_before = m.AuditEvent.objects.count()
    rows[1] = {**rows[1], "views": 99}
    second = run(rows, analyst)
    assert [(r.status, r.item_id) for r in second.results] == [("updated", pk) for pk in first.item_ids]
    after = {i.pk: i.updated_at for i in m.ContentItem.objects.all()}
    changed = [pk for pk in before if after[pk] != before[pk]]
    assert changed == [first.item_ids[1]]
    events = list(m.AuditEvent.objects.order_by("pk")[audit_before:])
    assert [(e.action, e.object_type, e.object_id, e.diff) for e in events] == [
        ("update", "cases.contentitem", str(first.item_ids[1]), {"views": [1, 99], "reach": [1, 99]})
    ]


def test_per_row_results_of_a_mixed_batch(analyst):
    run([{"url": "https://weibo.com/9/old", "views": 1}], analyst)
    rows = [
        {"url": "https://weibo.com/9/new", "views": 5},
        {"url": "not a url"},
        {"url": "https://WWW.weibo.com/9/new/", "views": 6},  # the same item, another spelling: merged
        {"url": "https://weibo.com/9/old", "views": -3},
        {"url": "https://weibo.com/9/old", "views": 2},
    ]
    result = run(rows, analyst)
    new_id = m.ContentItem.objects.get(url="https://weibo.com/9/new").pk
    old_id = m.ContentItem.objects.get(url="https://weibo.com/9/old").pk
    assert [(r.row, r.status, r.item_id) for r in result.results] == [
        (0, "created", new_id), (1, "rejected", None), (2, "updated", new_id), (3, "rejected", None),
        (4, "updated", old_id),
    ]  # fmt: skip
    assert result.errors == [
        {"row": 1, "reason": "This is not a web address (http or https): “not a url”."},
        {"row": 3, "reason": "“views” must be a whole number of at least 0, not “-3”."},
    ]
    assert (result.merged, m.ContentItem.objects.get(pk=new_id).views) == (1, 6)
