"""Import jobs stream their file: memory stays bounded by a batch, whatever the file's length (issue 10).

``make bench`` imports a 100,000-row CSV file through the job; these tests prove the same property
on small files, fast: a file four times longer must not need four times the memory.
"""

from __future__ import annotations

import csv
import io
import random
import tracemalloc

import pytest
from django.core.files.base import ContentFile
from django.utils import translation

from cases import models as m
from cases.services import intake, intake_files
from cases.services.intake_files import read_rows

# Each row carries ~6 KB of Chinese text, so the file, not the per-batch work, dominates a
# reader that holds it whole.
BODY = "这台车开了三个月，说说真实感受：空调反应快，底盘扎实，充电排队太久。" * 60


def vendor_csv(rows: int, *, tag: str, bad_every: int = 0) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["平台", "链接", "标题", "正文", "阅读数", "账号ID", "账号名称"])
    for i in range(rows):
        views = "很多" if bad_every and i % bad_every == bad_every - 1 else str(i)
        writer.writerow(
            ["weibo", f"https://weibo.com/{tag}/{i}", f"帖子{i}", f"{BODY}{i}", views, f"u{i % 7}", f"车主{i % 7}"]
        )
    return out.getvalue().encode("utf-8-sig")


def run_file(user, data: bytes, **kwargs) -> m.ImportJob:
    with translation.override("en"):
        job = intake.import_job_create(file=ContentFile(data, name="vendor.csv"), actor=user, enqueue=False, **kwargs)
    return intake.import_job_run(job.pk, language="en")


def traced_peak(user, data: bytes) -> tuple[int, m.ImportJob]:
    """Return the most memory Python held at once while the job ran, above what it held before."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        job = run_file(user, data)
        return tracemalloc.get_traced_memory()[1] - before, job
    finally:
        tracemalloc.stop()


@pytest.mark.django_db
def test_a_job_four_times_longer_does_not_need_four_times_the_memory(analyst, monkeypatch):
    monkeypatch.setattr(intake, "BATCH_SIZE", 50)
    monkeypatch.setattr(intake_files, "_CHUNK", 64 * 1024)
    # A reader may allocate the size limit up front (one read of the whole file): keep it near the files' size.
    monkeypatch.setattr(intake_files, "MAX_FILE_BYTES", 4 * 1024 * 1024)
    short, long = vendor_csv(100, tag="short"), vendor_csv(400, tag="long", bad_every=40)
    run_file(analyst, vendor_csv(20, tag="warm"))  # imports, translations and query plans loaded once
    short_peak, short_job = traced_peak(analyst, short)
    long_peak, long_job = traced_peak(analyst, long)
    assert (short_job.status, short_job.created_count) == ("completed", 100)
    assert (long_job.status, long_job.created_count, long_job.rejected_count) == ("completed", 390, 10)
    # Rejected rows are reported exactly, by their line in the file (the header is line 1).
    assert [error["row"] for error in long_job.errors] == [i + 2 for i in range(400) if i % 40 == 39]
    # Holding the file would add at least the 1.8 MB the long file has more than the short one
    # (measured before the fix: 4.2 MB for 150 rows, 14.9 MB for 600); streaming adds nothing that grows with it.
    assert len(long) - len(short) > 1_800_000
    assert long_peak - short_peak < (len(long) - len(short)) / 4, (short_peak, long_peak)


@pytest.mark.django_db
@pytest.mark.parametrize("dry_run", [False, True])
def test_rows_repeating_an_item_of_an_earlier_batch_are_merged_into_it(analyst, monkeypatch, dry_run):
    assert run_file(analyst, "平台,链接\nweibo,https://weibo.com/old/1\n".encode()).created_count == 1
    monkeypatch.setattr(intake, "BATCH_SIZE", 2)
    rows = ["https://weibo.com/new/1", "https://weibo.com/old/1", "https://weibo.com/new/2", "https://weibo.com/new/1",
            "https://weibo.com/old/1", "https://weibo.com/new/2"]  # fmt: skip
    data = ("平台,链接\n" + "".join(f"weibo,{url}\n" for url in rows)).encode()
    job = run_file(analyst, data, dry_run=dry_run)
    assert (job.status, job.created_count, job.updated_count, job.rejected_count) == ("completed", 2, 4, 0)
    assert m.ContentItem.objects.count() == (1 if dry_run else 3)


def test_lines_split_across_any_chunking_exactly_as_stringio_splits_them():
    text = 'url,text\r\n"https://weibo.com/1","两行\r\n正文"\r\nx\ry\n\n\r\r\nz,末行无换行'
    expected = list(io.StringIO(text, newline=""))
    rng = random.Random(10)
    for size in (1, 2, 3, 5, 8, len(text)):
        chunks = [text[i : i + size] for i in range(0, len(text), size)]
        assert list(intake_files._lines(chunks)) == expected
    for _attempt in range(200):
        cuts = sorted(rng.sample(range(1, len(text)), rng.randint(1, 12)))
        chunks = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
        assert list(intake_files._lines(chunks)) == expected


class _Stream(io.RawIOBase):
    """A handle that cannot seek, as a pipe gives."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def test_a_handle_that_cannot_seek_is_read_too_with_the_same_rows(monkeypatch):
    monkeypatch.setattr(intake_files, "_CHUNK", 4096)
    data = vendor_csv(30, tag="pipe")
    with translation.override("en"):
        streamed = read_rows(_Stream(data))
        seekable = read_rows(io.BytesIO(data))
        assert streamed.estimated_rows == seekable.estimated_rows == 30
        assert list(streamed.rows) == list(seekable.rows)
