"""Import files and import jobs: encodings, XLSX, line numbers, bad files, the job lifecycle."""

from __future__ import annotations

import datetime
import io
import random
from pathlib import Path

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.utils import translation

from cases import models as m
from cases.services import intake, intake_files
from cases.services.intake_files import ImportFileError, read_rows

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "imports"


def rows_of(data: bytes, **kwargs) -> list:
    with translation.override("en"):
        return list(read_rows(io.BytesIO(data), **kwargs).rows)


def file_error(data: bytes, **kwargs) -> str:
    with translation.override("en"), pytest.raises(ImportFileError) as exc:
        rows_of(data, **kwargs)
    return exc.value.message


def workbook_bytes(rows: list[list]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_gb18030_file_with_chinese_headers_gives_rows_numbered_by_file_line():
    data = (FIXTURES / "vendor_gb18030.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # the fixture really is GB18030
    parsed = read_rows(io.BytesIO(data))
    rows = list(parsed.rows)
    assert (parsed.kind, parsed.estimated_rows) == ("csv", 4)
    assert [row.number for row in rows] == [2, 4, 6, 7]  # header is line 1; row 1 spans lines 2-3; line 5 is blank
    first = rows[0].data
    assert first["platform"] == "微博"
    assert first["text"] == "正文第一行\r\n第二行：𠮷"  # embedded newline and a character outside GBK
    assert first["account"] == {"platform_uid": "1001", "name": "车评人老王", "followers": "1.2万"}
    assert (first["views"], first["likes"], first["shares"], first["comments"]) == ("3.5w", "120", "15", "8")
    assert "title" not in rows[1].data  # empty cells are left out, so they never blank a stored value


def test_a_utf8_file_with_a_byte_order_mark_and_english_headers_is_read():
    rows = rows_of((FIXTURES / "vendor_utf8_bom.csv").read_bytes())
    assert [row.number for row in rows] == [2, 3]
    assert rows[0].data["platform"] == "weibo"  # the BOM did not stick to the first header
    assert rows[0].data["text"] == "+cmd|' /C calc'!A0"
    assert rows[1].data["account"]["name"] == "B站UP主"


def test_plain_gbk_and_utf16_tab_separated_text_are_read():
    text = "链接\t标题\nhttps://weibo.com/1/a\t标题一\n"
    for data in (text.replace("\t", ",").encode("gbk"), text.encode("utf-16")):
        rows = rows_of(data)
        assert [(r.number, r.data) for r in rows] == [(2, {"url": "https://weibo.com/1/a", "title": "标题一"})]


def test_an_xlsx_workbook_is_read_with_its_row_numbers_and_formulas_as_text():
    data = workbook_bytes(
        [
            ["2025年10月舆情监测报告"],  # a title row above the header
            ["平台", "链接", "标题", "正文", "发布时间", "播放量", "点赞", "账号ID", "昵称"],
            ["抖音", "https://www.douyin.com/video/1", "标题", "=1+1", datetime.datetime(2025, 10, 1, 12, 30), 1200, 3.0,
             1234567890, "汽车真相君"],
            [None, None, None, None, None, None, None, None, None],
            ["微博", '=HYPERLINK("https://weibo.com/1/b","原帖")', "@SUM(A1:A2)", "-2+3", "2025/10/02 08:00", "1.2万", 0,
             None, None],
        ]
    )  # fmt: skip
    parsed = read_rows(io.BytesIO(data))
    rows = list(parsed.rows)
    assert parsed.kind == "xlsx"
    assert [row.number for row in rows] == [3, 5]
    first, second = rows[0].data, rows[1].data
    assert first["text"] == "=1+1"
    assert first["published_at"] == datetime.datetime(2025, 10, 1, 12, 30)
    assert first["account"] == {"platform_uid": 1234567890, "name": "汽车真相君"}
    assert second["url"] == '=HYPERLINK("https://weibo.com/1/b","原帖")'
    assert (second["title"], second["text"]) == ("@SUM(A1:A2)", "-2+3")


def test_garbage_bytes_are_not_an_importable_file():
    garbage = random.Random(7).randbytes(4096)
    assert "neither a CSV file nor an Excel workbook" in file_error(garbage) or "neither UTF-8" in file_error(garbage)
    assert "neither a CSV file nor an Excel workbook" in file_error(b"%PDF-1.7\n" + garbage)
    assert "neither a CSV file nor an Excel workbook" in file_error(b"\x00\x01\x02\x03" * 1000)


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "The file is empty"),
        (b"title,text\nhello,world\n", "No URL column"),
        ("这是一封信，不是表格。\n".encode(), "No URL column"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "old Excel file"),
        (b"PK\x03\x04" + b"\x00" * 100, "neither a CSV file nor an Excel workbook"),
        (b'{"items": [{"url": "https://weibo.com/1/a"}]}', "No URL column"),
    ],
)
def test_files_that_cannot_be_imported_say_why(data, message):
    assert message in file_error(data)


def test_a_zip_that_is_not_a_workbook_is_refused():
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    assert "neither a CSV file nor an Excel workbook" in file_error(buffer.getvalue())


def test_json_batches_are_read_only_for_the_api():
    rows = rows_of(b'{"items": [{"url": "https://weibo.com/1/a"}, 5]}', allow_json=True)
    assert [(r.number, r.data) for r in rows] == [(0, {"url": "https://weibo.com/1/a"}), (1, 5)]
    assert "not valid JSON" in file_error(b"[{", allow_json=True)


# --- Jobs ----------------------------------------------------------------------


def make_job(user, name: str, *, data: bytes | None = None, **kwargs) -> m.ImportJob:
    content = ContentFile(data if data is not None else (FIXTURES / name).read_bytes(), name=name)
    with translation.override("en"):
        return intake.import_job_create(file=content, actor=user, enqueue=False, **kwargs)


def run_job(job: m.ImportJob) -> m.ImportJob:
    return intake.import_job_run(job.pk, language="en")


@pytest.mark.django_db
def test_a_job_stores_the_upload_under_a_generated_name_and_keeps_the_original_name(analyst):
    job = make_job(analyst, "vendor_gb18030.csv")
    assert job.status == "queued"
    assert job.original_name == "vendor_gb18030.csv"
    assert "vendor" not in job.file.name and job.file.name.startswith("imports/")
    assert job.created_by == analyst


@pytest.mark.django_db
def test_a_job_imports_a_vendor_file_and_importing_it_again_changes_nothing(analyst):
    job = run_job(make_job(analyst, "vendor_gb18030.csv"))
    assert (job.status, job.total_rows, job.processed_rows) == ("completed", 4, 4)
    assert (job.created_count, job.updated_count, job.rejected_count, job.errors) == (4, 0, 0, [])
    assert job.started_at and job.finished_at and job.failure == ""
    items = {i.url: i for i in m.ContentItem.objects.select_related("platform", "account")}
    weibo = items["https://weibo.cn/status/4950000000000001"]
    assert (weibo.platform.code, weibo.views, weibo.account.name, weibo.account.followers) == (
        "weibo",
        35000,
        "车评人老王",
        12000,
    )
    assert items["https://xiaohongshu.com/explore/65f0aa"].platform.code == "xiaohongshu"  # from the host
    assert items["https://xiaohongshu.com/explore/65f0aa"].text.startswith("=HYPERLINK(")
    ids = sorted(i.pk for i in items.values())

    again = run_job(make_job(analyst, "vendor_gb18030.csv"))
    assert (again.status, again.created_count, again.updated_count, again.rejected_count) == ("completed", 0, 4, 0)
    assert sorted(m.ContentItem.objects.values_list("pk", flat=True)) == ids


@pytest.mark.django_db
def test_a_bad_rows_file_imports_every_valid_row_once_and_reports_each_bad_line(analyst):
    job = run_job(make_job(analyst, "bad_rows.csv"))
    assert job.status == "completed"
    assert job.total_rows == 13
    assert job.created_count + job.updated_count + job.rejected_count == job.total_rows
    assert (job.created_count, job.updated_count, job.rejected_count) == (2, 1, 10)
    reasons = {error["row"]: error["reason"] for error in job.errors}
    assert sorted(reasons) == [2, 3, 4, 5, 6, 7, 8, 9, 10, 15]
    assert "URL is missing" in reasons[2]
    assert "not a web address" in reasons[3]
    assert "Unknown platform" in reasons[4]
    assert "not a date" in reasons[5]
    assert "whole number" in reasons[6] and "whole number" in reasons[7]
    assert "at most 10000" in reasons[8]
    assert "at most 500" in reasons[9]
    assert "NUL" in reasons[10]
    assert "written reason" in reasons[15]
    item = m.ContentItem.objects.get(url="https://weibo.com/1/g")
    assert (item.title, item.text) == ("multi\nline title", "same post again")


@pytest.mark.django_db
def test_the_user_default_platform_and_english_file_work_together(analyst):
    other = m.Platform.objects.get(code="other")
    job = run_job(make_job(analyst, "x.csv", data=b"url\nhttps://bbs.example.org/t/1\n", default_platform=other))
    assert (job.status, job.created_count) == ("completed", 1)
    assert m.ContentItem.objects.get().platform == other


@pytest.mark.django_db
def test_an_xlsx_job_imports_its_rows(analyst):
    data = workbook_bytes([["URL", "Title", "Views"], ["https://www.bilibili.com/video/BV1", "标题", 12], ["", "", ""]])
    job = run_job(make_job(analyst, "vendor.xlsx", data=data))
    assert (job.status, job.created_count, job.total_rows) == ("completed", 1, 1)
    assert m.ContentItem.objects.get().views == 12


@pytest.mark.django_db
def test_a_garbage_file_fails_the_job_with_a_clear_reason(analyst):
    job = run_job(make_job(analyst, "report.csv", data=b"\x89PNG\r\n\x1a\n" + random.Random(3).randbytes(2048)))
    assert job.status == "failed"
    assert "neither a CSV file nor an Excel workbook" in job.failure
    assert job.finished_at is not None
    assert not m.ContentItem.objects.exists()


@pytest.mark.django_db
def test_an_unexpected_error_fails_the_job_instead_of_leaving_it_running(analyst, monkeypatch):
    def explode(**kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(intake, "import_rows", explode)
    job = run_job(make_job(analyst, "vendor_gb18030.csv"))
    assert job.status == "failed"
    assert "RuntimeError: disk on fire" in job.failure
    assert job.finished_at is not None


@pytest.mark.django_db
def test_a_failure_late_in_a_file_keeps_the_batches_already_saved(analyst, monkeypatch):
    monkeypatch.setattr(intake, "BATCH_SIZE", 2)
    real = intake._write_safely
    calls = []

    def fail_on_second_batch(run, accepted):
        calls.append(len(accepted))
        if len(calls) == 2:
            raise MemoryError("out of memory")
        return real(run, accepted)

    monkeypatch.setattr(intake, "_write_safely", fail_on_second_batch)
    job = run_job(make_job(analyst, "vendor_gb18030.csv"))
    assert job.status == "failed"
    assert (job.processed_rows, job.created_count) == (2, 2)
    assert m.ContentItem.objects.count() == 2


@pytest.mark.django_db
def test_progress_is_saved_after_each_batch(analyst, monkeypatch):
    monkeypatch.setattr(intake, "BATCH_SIZE", 2)
    seen = []
    real = intake.import_rows

    def spy(**kwargs):
        on_batch = kwargs.pop("on_batch")

        def record(result):
            on_batch(result)
            seen.append(m.ImportJob.objects.values_list("status", "processed_rows", "total_rows").get())

        return real(on_batch=record, **kwargs)

    monkeypatch.setattr(intake, "import_rows", spy)
    job = run_job(make_job(analyst, "vendor_gb18030.csv"))
    assert seen == [("running", 2, 4), ("running", 4, 4)]
    assert job.status == "completed"


@pytest.mark.django_db
def test_a_job_runs_once_even_if_its_task_is_delivered_twice(analyst):
    job = run_job(make_job(analyst, "vendor_gb18030.csv"))
    finished = job.finished_at
    again = run_job(job)
    assert (again.status, again.finished_at, again.created_count) == ("completed", finished, 4)
    assert m.ContentItem.objects.count() == 4


@pytest.mark.django_db
def test_a_preview_job_writes_nothing_and_can_then_be_imported(analyst):
    preview = run_job(make_job(analyst, "vendor_gb18030.csv", dry_run=True))
    assert (preview.status, preview.dry_run, preview.created_count) == ("completed", True, 4)
    assert not m.ContentItem.objects.exists() and not m.MonitoredAccount.objects.exists()
    job = intake.import_job_confirm(job=preview, actor=analyst)
    assert (job.dry_run, job.file.name, job.original_name) == (False, preview.file.name, "vendor_gb18030.csv")
    job = run_job(job)
    assert (job.status, job.created_count) == ("completed", 4)
    assert m.ContentItem.objects.count() == 4


@pytest.mark.django_db
def test_a_job_whose_user_lost_the_right_to_import_fails(analyst):
    job = make_job(analyst, "vendor_gb18030.csv")
    analyst.role = "executive"
    analyst.save()
    job = run_job(job)
    assert job.status == "failed"
    assert "may no longer import" in job.failure


@pytest.mark.django_db
def test_a_committed_job_is_run_by_the_celery_task(analyst, django_capture_on_commit_callbacks):
    content = ContentFile((FIXTURES / "vendor_utf8_bom.csv").read_bytes(), name="vendor_utf8_bom.csv")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = intake.import_job_create(file=content, actor=analyst)
    assert len(callbacks) == 2  # the import, then campaign detection over what it brought in
    job.refresh_from_db()
    assert (job.status, job.created_count) == ("completed", 2)
    assert m.MonitoredAccount.objects.get(platform__code="weibo").name == "车评人老王-改名"


@pytest.mark.django_db
def test_campaign_detection_starts_after_an_import_but_not_after_a_preview(analyst, monkeypatch, django_capture_on_commit_callbacks):
    from cases.tasks import campaigns

    started = []
    monkeypatch.setattr(campaigns.detect_campaigns, "delay", lambda **kwargs: started.append(kwargs))
    with django_capture_on_commit_callbacks(execute=True):
        preview = run_job(make_job(analyst, "vendor_gb18030.csv", dry_run=True))
    assert started == []
    with django_capture_on_commit_callbacks(execute=True):
        job = run_job(make_job(analyst, "vendor_gb18030.csv"))
    assert preview.status == job.status == "completed"
    assert started == [{"since_iso": job.started_at.isoformat()}]


@pytest.mark.django_db
def test_a_detection_that_cannot_start_does_not_fail_the_import(analyst, monkeypatch, django_capture_on_commit_callbacks):
    from cases.tasks import campaigns

    def broken(**kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(campaigns.detect_campaigns, "delay", broken)
    with django_capture_on_commit_callbacks(execute=True):
        job = run_job(make_job(analyst, "vendor_gb18030.csv"))
    assert job.status == "completed"


def test_the_size_limit_is_enforced_while_reading(monkeypatch):
    monkeypatch.setattr(intake_files, "MAX_FILE_BYTES", 10)
    assert "larger than" in file_error(b"url\nhttps://weibo.com/1/a\n")


@pytest.mark.parametrize(
    "text", ["a,b\r\nc,d\re,f\ng", "x\n\n\ny\n", "", 'url,text\r\n"https://weibo.com/1","两行\r\n正文"\r\n', "末行无换行"]
)
def test_csv_lines_are_split_lazily_exactly_as_stringio_splits_them(text):
    import io

    assert list(intake_files._lines([text])) == list(io.StringIO(text, newline=""))
