"""manage.py import_items: synchronous imports from the command line."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from cases import models as m

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "imports"


def import_items(*args: str) -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command("import_items", *args, stdout=out)
    return out.getvalue()


def test_the_command_imports_a_file_and_prints_the_counts(analyst):
    output = import_items(str(FIXTURES / "vendor_gb18030.csv"), "--user", "analyst")
    assert "rows: 4 · created: 4 · updated: 0 · rejected: 0" in output
    job = m.ImportJob.objects.get()
    assert (job.source, job.status, job.created_by, job.original_name) == ("command", "completed", analyst, "vendor_gb18030.csv")
    assert m.ContentItem.objects.count() == 4
    again = import_items(str(FIXTURES / "vendor_gb18030.csv"), "--user", "analyst")
    assert "created: 0 · updated: 4" in again
    assert m.ContentItem.objects.count() == 4


def test_bad_rows_are_listed_and_the_command_still_succeeds():
    output = import_items(str(FIXTURES / "bad_rows.csv"))
    assert "rows: 13 · created: 2 · updated: 1 · rejected: 10" in output
    assert "line 2: The URL is missing." in output
    assert "line 15: Assessment refused" in output
    assert m.ImportJob.objects.get().created_by is None


def test_a_dry_run_saves_nothing(analyst):
    output = import_items(str(FIXTURES / "vendor_utf8_bom.csv"), "--dry-run", "--user", "analyst")
    assert output.startswith("Preview of import")
    assert "created: 2" in output
    assert not m.ContentItem.objects.exists()


def test_the_default_platform_option_is_used(tmp_path):
    path = tmp_path / "forum.csv"
    path.write_text("链接,标题\nhttps://bbs.example.org/t/1,论坛帖\n", encoding="utf-8")
    import_items(str(path), "--platform", "other")
    assert m.ContentItem.objects.get().platform.code == "other"


@pytest.mark.parametrize(
    "args, message",
    [
        (["/no/such/file.csv"], "No such file"),
        ([str(FIXTURES / "bad_rows.csv"), "--user", "nobody"], "No such user"),
        ([str(FIXTURES / "bad_rows.csv"), "--platform", "myspace"], "Unknown platform"),
    ],
)
def test_unusable_arguments_fail_with_a_message(args, message):
    with pytest.raises(CommandError, match=message):
        import_items(*args)
    assert not m.ImportJob.objects.exists()


def test_a_user_who_may_not_import_is_refused(executive):
    with pytest.raises(CommandError, match="may not import"):
        import_items(str(FIXTURES / "bad_rows.csv"), "--user", "executive")


def test_a_file_that_cannot_be_read_exits_non_zero_and_records_the_failed_job(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    with pytest.raises(CommandError, match="neither a CSV file nor an Excel workbook"):
        import_items(str(path))
    assert m.ImportJob.objects.get().status == "failed"
