"""The one import service (cases/services/intake.py import_rows): cleaning, upserts, reports, speed."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from cases import models as m
from cases.services import intake, intake_rows, triage
from cases.services.intake import import_rows

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
REASON = "视频称“刹车失灵致事故”，但鉴定显示系驾驶员操作失误，属捏造事实，并非正常批评。"


def run(rows, actor, **kwargs) -> intake.ImportResult:
    with translation.override("en"):
        return import_rows(rows=rows, source="api", actor=actor, **kwargs)


def post(n: int, **extra) -> dict:
    return {"platform": "weibo", "url": f"https://weibo.com/7001/post{n}", "text": f"第{n}条", **extra}


def test_valid_rows_are_stored_with_cleaned_values(analyst):
    result = run(
        [
            {
                "url": "https://weibo.com/1/abc",
                "title": "标题",
                "text": "正文",
                "views": "1.2万",
                "likes": "3.5w",
                "shares": "1,234",
                "comments": 7,
                "published_at": "2025年10月1日 12:30",
                "content_type": "视频",
                "live_status": "已删除",
                "ai_label_present": "是",
                "platform_content_id": "4950000000000001",
            }
        ],
        analyst,
    )
    assert (result.created, result.updated, result.rejected) == (1, 0, 0)
    item = m.ContentItem.objects.get(pk=result.item_ids[0])
    assert item.platform.code == "weibo"  # inferred from the host
    assert (item.views, item.likes, item.shares, item.comments) == (12000, 35000, 1234, 7)
    assert item.reach == 12000 + 35000 + 12340 + 35
    assert item.published_at == datetime.datetime(2025, 10, 1, 12, 30, tzinfo=SHANGHAI)
    assert (item.content_type, item.live_status, item.ai_label_present) == ("video", "deleted", True)
    assert (item.source, item.triage_state) == ("vendor", "new")


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2025-10-01 12:30", datetime.datetime(2025, 10, 1, 12, 30, tzinfo=SHANGHAI)),
        ("2025/10/01 12:30:00", datetime.datetime(2025, 10, 1, 12, 30, tzinfo=SHANGHAI)),
        ("2025年10月1日 12:30", datetime.datetime(2025, 10, 1, 12, 30, tzinfo=SHANGHAI)),
        ("2025-10-01", datetime.datetime(2025, 10, 1, tzinfo=SHANGHAI)),
        ("2025-10-01T04:30:00Z", datetime.datetime(2025, 10, 1, 4, 30, tzinfo=datetime.UTC)),
        ("2025-10-01T12:30:00+08:00", datetime.datetime(2025, 10, 1, 12, 30, tzinfo=SHANGHAI)),
        ("1759293000", datetime.datetime(2025, 10, 1, 4, 30, tzinfo=datetime.UTC)),
        (datetime.datetime(2025, 10, 1, 12, 30), datetime.datetime(2025, 10, 1, 12, 30, tzinfo=SHANGHAI)),
    ],
)
def test_dates_in_vendor_formats_are_read_as_beijing_time_when_naive(value, expected):
    assert intake_rows.clean_datetime(value, label="published") == expected


@pytest.mark.parametrize(
    "value, expected",
    [("12", 12), ("1,234", 1234), ("1.2万", 12000), ("3.5w", 35000), ("10万+", 100000), ("2亿", 200000000),
     ("１２", 12), (5.0, 5), ("1.5k", 1500)],
)  # fmt: skip
def test_counts_accept_chinese_units(value, expected):
    assert intake_rows.clean_count(value, label="views") == expected


BAD_ROWS = [
    ({"platform": "weibo", "text": "没有链接"}, "URL is missing"),
    ({"platform": "weibo", "url": "   "}, "URL is missing"),
    ({"platform": "weibo", "url": "not a url"}, "not a web address"),
    ({"platform": "weibo", "url": "ftp://weibo.com/1/x"}, "not a web address"),
    ({"platform": "weibo", "url": "javascript:alert(1)"}, "not a web address"),
    ({"platform": "weibo", "url": "https://weibo.com/" + "a" * 2000}, "URL is too long"),
    ({"platform": "myspace", "url": "https://myspace.com/x"}, "Unknown platform"),
    ({"url": "https://example.org/x"}, "Cannot tell the platform"),
    ({**post(1), "published_at": "2025-13-45"}, "not a date"),
    ({**post(1), "published_at": "yesterday"}, "not a date"),
    ({**post(1), "published_at": "2999-01-01"}, "out of range"),
    ({**post(1), "views": -5}, "whole number of at least 0"),
    ({**post(1), "likes": "-3"}, "whole number of at least 0"),
    ({**post(1), "shares": "lots"}, "whole number of at least 0"),
    ({**post(1), "comments": 2.5}, "whole number of at least 0"),
    ({**post(1), "views": True}, "whole number of at least 0"),
    ({**post(1), "text": "长" * 10_001}, "too long: 10001 characters (at most 10000)"),
    ({**post(1), "title": "题" * 501}, "too long: 501 characters (at most 500)"),
    ({**post(1), "text": "a\x00b"}, "NUL bytes"),
    ({**post(1), "account": {"platform_uid": "u\x00"}}, "NUL bytes"),
    ({**post(1), "title": "\ud800"}, "broken characters"),
    ({**post(1), "content_type": "podcast"}, "unknown value"),
    ({**post(1), "account": {"name": "无ID账号"}}, "The account needs"),
    ({**post(1), "account": "老王"}, "account must be an object"),
    ({**post(1), "assessment": {"conclusion": "suspected"}}, "Escalating needs a written reason"),
    ({**post(1), "assessment": {"conclusion": "serious", "rationale": "太短"}}, "Escalating needs a written reason"),
    ({**post(1), "assessment": {"conclusion": "guilty"}}, "unknown value"),
    ({**post(1), "assessment": {"conclusion": "watch", "severity": 9}}, "Severity runs from 1 to 5"),
    ({**post(1), "assessment": {"conclusion": "watch", "role": "admin"}}, "Unknown assessment fields: role"),
    ("not an object", "must be an object"),
]


@pytest.mark.parametrize("row, reason", BAD_ROWS)
def test_each_kind_of_bad_row_is_rejected_with_its_reason_and_saves_nothing(analyst, row, reason):
    result = run([row], analyst)
    assert (result.created, result.updated, result.rejected) == (0, 0, 1)
    assert result.errors[0]["row"] == 0
    assert reason in result.errors[0]["reason"]
    assert not m.ContentItem.objects.exists()
    assert not m.MonitoredAccount.objects.exists()


def test_bad_rows_never_cost_the_valid_ones(analyst):
    rows = [post(1), *(row for row, _reason in BAD_ROWS), post(2), post(3)]
    result = run(rows, analyst)
    assert result.imported + result.rejected == len(rows)
    assert (result.created, result.rejected) == (3, len(BAD_ROWS))
    assert [e["row"] for e in result.errors] == list(range(1, len(BAD_ROWS) + 1))
    assert m.ContentItem.objects.count() == 3
    assert [r.status for r in result.results][:2] == ["created", "rejected"]


def test_reimporting_the_same_rows_changes_nothing(analyst):
    rows = [post(n, views=n, account={"platform_uid": f"u{n % 3}", "name": f"账号{n % 3}"},
                 published_at="2025-10-01 12:00") for n in range(30)]  # fmt: skip
    first = run(rows, analyst)
    before = {i.pk: i.updated_at for i in m.ContentItem.objects.all()}
    accounts_before = list(m.MonitoredAccount.objects.order_by("pk").values())
    audit_before = m.AuditEvent.objects.count()
    second = run(rows, analyst)
    assert (first.created, first.updated) == (30, 0)
    assert (second.created, second.updated, second.rejected) == (0, 30, 0)
    assert second.item_ids == first.item_ids
    assert {i.pk: i.updated_at for i in m.ContentItem.objects.all()} == before
    assert list(m.MonitoredAccount.objects.order_by("pk").values()) == accounts_before
    assert m.AuditEvent.objects.count() == audit_before  # nothing was written at all


def test_the_same_post_by_another_spelling_updates_one_item(analyst):
    spellings = [
        "https://m.douyin.com/video/7300000000000000001",
        "http://www.douyin.com/video/7300000000000000001/",
        "https://www.douyin.com/video/7300000000000000001?share_token=abc&utm_source=wx#comments",
        "HTTPS://WWW.DOUYIN.COM/video/7300000000000000001",
    ]
    result = run([{"url": url, "views": n} for n, url in enumerate(spellings)], analyst)
    assert (result.created, result.updated, result.merged) == (1, 3, 3)
    item = m.ContentItem.objects.get()
    assert item.platform.code == "douyin"
    assert item.url == "https://douyin.com/video/7300000000000000001"
    assert item.views == 3  # the last row wins
    again = run([{"url": "douyin.com/video/7300000000000000001", "views": 99}], analyst)
    assert (again.created, again.updated) == (0, 1)
    assert m.ContentItem.objects.get().views == 99


def test_mobile_hosts_of_a_platform_are_recognised(analyst):
    result = run(
        [{"url": "https://m.weibo.cn/status/4950000000000001"}, {"url": "https://v.douyin.com/iRNBho5/"}], analyst
    )
    codes = list(m.ContentItem.objects.order_by("pk").values_list("platform__code", flat=True))
    assert result.created == 2
    assert codes == ["weibo", "douyin"]


def test_resending_updates_what_is_sent_and_keeps_the_rest(analyst):
    run([post(1, title="原标题", views=10, likes=1)], analyst)
    result = run([{"platform": "weibo", "url": post(1)["url"], "views": "2万"}], analyst)
    item = m.ContentItem.objects.get()
    assert result.updated == 1
    assert (item.title, item.text, item.views, item.likes) == ("原标题", "第1条", 20000, 1)


def test_a_default_platform_serves_rows_that_name_none(analyst):
    result = run([{"url": "https://example.org/forum/1"}], analyst, default_platform="other")
    assert result.created == 1
    assert m.ContentItem.objects.get().platform.code == "other"
    named = run([{"platform": "抖音", "url": "https://example.org/forum/2"}], analyst, default_platform="other")
    assert named.created == 1
    assert m.ContentItem.objects.get(url__endswith="/2").platform.code == "douyin"


def test_an_unknown_default_platform_is_refused_before_anything_is_read(analyst):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        run([post(1)], analyst, default_platform="myspace")
    assert not m.ContentItem.objects.exists()


def test_accounts_are_upserted_by_platform_and_uid_and_renames_are_kept(analyst):
    run([post(1, published_at="2025-10-01 08:00",
              account={"platform_uid": "1001", "name": "老王说车", "followers": "1.2万", "verification": "黄V"})],
        analyst)  # fmt: skip
    run([post(2, published_at="2025-10-03 08:00", account={"platform_uid": "1001", "name": "老王聊车", "followers": 15000}),
         post(3, published_at="2025-09-30 08:00", account={"platform_uid": "1001", "name": "老王评车"})], analyst)  # fmt: skip
    account = m.MonitoredAccount.objects.get()
    assert account.name == "老王评车"
    assert account.former_names == ["老王说车", "老王聊车"]
    assert (account.followers, account.verification) == (15000, "personal")
    assert account.first_seen_at == datetime.datetime(2025, 9, 30, 8, tzinfo=SHANGHAI)
    assert account.last_seen_at == datetime.datetime(2025, 10, 3, 8, tzinfo=SHANGHAI)
    assert m.ContentItem.objects.filter(account=account).count() == 3
    run([{"platform": "douyin", "url": "https://douyin.com/video/1", "account": {"platform_uid": "1001"}}], analyst)
    assert m.MonitoredAccount.objects.count() == 2  # same uid on another platform is another account


def test_spreadsheet_formulas_are_stored_as_plain_text(analyst):
    formulas = ['=HYPERLINK("http://evil.example","点我")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)"]
    run([post(n, text=value, title=value) for n, value in enumerate(formulas)], analyst)
    stored = list(m.ContentItem.objects.order_by("pk").values_list("text", "title"))
    assert stored == [(value, value) for value in formulas]


def test_a_hyperlink_formula_in_the_url_cell_gives_its_target(analyst):
    result = run([{"url": '=HYPERLINK("https://weibo.com/1/xyz","原帖")'}], analyst)
    assert result.created == 1
    assert m.ContentItem.objects.get().url == "https://weibo.com/1/xyz"


def test_a_historical_assessment_is_recorded_like_the_triage_service_does(analyst):
    rows = [
        post(1, views=100, assessment={"conclusion": "suspected", "rationale": REASON, "severity": 4,
                                       "infringement_types": "捏造事实、误导性信息", "assessed_at": "2025-10-02 09:00"}),
        post(2, assessment={"conclusion": "criticism", "severity": 1}),
        post(3),
    ]  # fmt: skip
    result = run(rows, analyst)
    assert result.created == 3
    first, second, third = m.ContentItem.objects.order_by("pk")
    assert (first.triage_state, first.conclusion, first.severity) == ("suspected", "suspected", 4)
    assert first.assessed_at == datetime.datetime(2025, 10, 2, 9, tzinfo=SHANGHAI)
    assessment = first.assessments.get()
    assert (assessment.assessor, assessment.reach, assessment.rationale) == (analyst, 100, REASON)
    assert assessment.infringement_types == ["fabrication", "misleading"]
    assert triage.needs_sign_off(assessment) is False
    moves = list(
        m.StateChange.objects.filter(object_id=first.pk).order_by("pk").values_list("from_state", "to_state", "reason")
    )
    assert moves == [("new", "pending", ""), ("pending", "assessing", ""), ("assessing", "suspected", REASON)]
    assert (second.triage_state, second.conclusion) == ("dismissed", "criticism")
    assert (third.triage_state, third.assessed_at) == ("new", None)
    again = run(rows, analyst)  # re-import: the items are assessed already, nothing is added
    assert again.updated == 3
    assert m.Assessment.objects.count() == 2
    assert m.StateChange.objects.count() == 6


def test_an_assessment_never_overrides_the_departments_own(analyst):
    run([post(1)], analyst)
    item = m.ContentItem.objects.get()
    triage.content_item_assess(item=item, assessor=analyst, data=triage.AssessmentInput(conclusion="watch"))
    run([post(1, assessment={"conclusion": "crime", "rationale": REASON, "severity": 5})], analyst)
    item.refresh_from_db()
    assert (item.conclusion, item.triage_state, item.assessments.count()) == ("watch", "watch", 1)


def test_a_dry_run_reports_what_would_happen_and_writes_nothing(analyst):
    run([post(1)], analyst)
    audit_before = m.AuditEvent.objects.count()
    result = run([post(1, views=5), post(2), post(2), {"url": "bad"},
                  post(3, assessment={"conclusion": "suspected", "rationale": REASON}),
                  post(4, account={"platform_uid": "9"})], analyst, dry_run=True)  # fmt: skip
    assert (result.created, result.updated, result.rejected) == (3, 2, 1)
    assert result.dry_run
    assert m.ContentItem.objects.count() == 1
    assert m.ContentItem.objects.get().views == 0
    assert not m.MonitoredAccount.objects.exists()
    assert not m.Assessment.objects.exists()
    assert m.AuditEvent.objects.count() == audit_before


def test_roles_that_cannot_edit_items_cannot_import(executive, outsider):
    for user in (executive, outsider):
        with pytest.raises(PermissionDenied):
            run([post(1)], user)
    assert not m.ContentItem.objects.exists()


def test_a_system_import_without_a_user_cannot_record_assessments():
    result = run([post(1), post(2, assessment={"conclusion": "watch"})], None)
    assert (result.created, result.rejected) == (1, 1)
    assert "needs a user" in result.errors[0]["reason"]


def test_manual_source_and_error_cap(analyst):
    result = import_rows(rows=[post(1), {"url": ""}, {"url": ""}], source="manual", actor=analyst, max_errors=1)
    assert m.ContentItem.objects.get().source == "manual"
    assert result.rejected == 2 and len(result.errors) == 1


def test_batches_commit_separately_and_report_progress(analyst):
    seen = []
    result = run([post(n) for n in range(25)], analyst, batch_size=10, on_batch=lambda r: seen.append(r.rows))
    assert seen == [10, 20, 25]
    assert result.created == 25


def test_a_row_the_database_refuses_costs_only_itself(analyst, monkeypatch):
    real = intake_rows.clean_count
    # Slip a value past validation that the database's CHECK (views >= 0) refuses.
    monkeypatch.setattr(intake_rows, "clean_count", lambda v, label: -1 if v == "boom" else real(v, label=label))
    result = run([post(1), post(2, views="boom"), post(3)], analyst)
    assert (result.created, result.rejected) == (2, 1)
    assert result.errors[0]["row"] == 1
    assert "database refused" in result.errors[0]["reason"]
    assert sorted(m.ContentItem.objects.values_list("text", flat=True)) == ["第1条", "第3条"]


def _queries_for(rows: list[dict], actor) -> int:
    with CaptureQueriesContext(connection) as ctx:
        run(rows, actor)
    return len(ctx.captured_queries)


def _mixed_rows(start: int, count: int) -> list[dict]:
    return [
        post(n, views=n, published_at="2025-10-01 12:00", account={"platform_uid": f"acct{start}-{n % 7}", "name": f"号{n % 7}"},
             assessment={"conclusion": "suspected", "rationale": REASON} if n % 2 else None)
        for n in range(start, start + count)
    ]  # fmt: skip


def test_queries_per_batch_do_not_grow_with_its_size(analyst):
    small_new = _queries_for(_mixed_rows(0, 10), analyst)
    large_new = _queries_for(_mixed_rows(1000, 200), analyst)
    assert large_new == small_new
    # Re-sending with changes: the update path is as flat.
    small_again = _queries_for([{**r, "views": 1} for r in _mixed_rows(0, 10)], analyst)
    large_again = _queries_for([{**r, "views": 1} for r in _mixed_rows(1000, 200)], analyst)
    assert large_again == small_again
    assert large_new <= 12


def test_stale_jobs_are_failed_so_none_stays_running(analyst):
    job = m.ImportJob.objects.create(status="running", created_by=analyst, started_at=timezone.now())
    m.ImportJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - datetime.timedelta(hours=2))
    fresh = m.ImportJob.objects.create(status="queued", created_by=analyst)
    assert intake.import_jobs_fail_stale() == 1
    job.refresh_from_db()
    fresh.refresh_from_db()
    assert (job.status, fresh.status) == ("failed", "queued")
    assert job.failure and job.finished_at


def test_a_batch_writes_its_items_in_one_statement_with_the_models_defaults(analyst):
    run([post(1, views=5)], analyst)
    before = m.ContentItem.objects.get(url="https://weibo.com/7001/post1")
    with CaptureQueriesContext(connection) as ctx:
        result = run([post(1, views=9), post(2), post(3, title="标题")], analyst)
    writes = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("INSERT INTO cases_contentitem")]
    assert len(writes) == 1 and "json_to_recordset(" in writes[0]  # one JSON document, not a parameter per row and column
    assert (result.created, result.updated) == (2, 1)
    assert set(result.item_ids) == set(m.ContentItem.objects.values_list("pk", flat=True))
    updated = m.ContentItem.objects.get(pk=before.pk)
    assert (updated.views, updated.created_at, updated.triage_state) == (9, before.created_at, "new")
    assert updated.updated_at > before.updated_at
    new = m.ContentItem.objects.get(url="https://weibo.com/7001/post3")
    assert (new.title, new.triage_state, new.severity, new.conclusion, new.source) == ("标题", "new", 0, "", "vendor")
    assert new.assessed_at is None and new.campaign_id is None and new.live_status == "live"
    assert new.discovered_at is not None and new.created_at == new.updated_at
    assert new.reach == new.views + new.likes + new.shares * 10 + new.comments * 5
