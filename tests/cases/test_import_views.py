"""Intake pages: upload, job progress and report, job list, manual entry; who may use them."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases import models as m

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "imports"


def upload(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (FIXTURES / name).read_bytes(), content_type="text/csv")


def job_for(user, **kwargs) -> m.ImportJob:
    return m.ImportJob.objects.create(created_by=user, original_name="vendor.csv", **kwargs)


def test_anonymous_visitors_are_sent_to_log_in(client, analyst):
    job = job_for(analyst)
    for url in (
        reverse("cases:import-job-create"),
        reverse("cases:import-job-list"),
        reverse("cases:import-job-detail", args=[job.pk]),
        reverse("cases:content-item-create"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert reverse("accounts:login") in response["Location"]


def test_executives_may_not_import_or_enter_items(executive_client, analyst):
    job = job_for(analyst, dry_run=True, status="completed", finished_at="2025-10-01T00:00:00Z")
    assert executive_client.get(reverse("cases:import-job-create")).status_code == 403
    response = executive_client.post(reverse("cases:import-job-create"), {"file": upload("vendor_utf8_bom.csv")})
    assert response.status_code == 403
    assert executive_client.get(reverse("cases:content-item-create")).status_code == 403
    response = executive_client.post(reverse("cases:content-item-create"), {"url": "https://weibo.com/1/a"})
    assert response.status_code == 403
    assert executive_client.post(reverse("cases:import-job-confirm", args=[job.pk])).status_code == 403
    assert m.ImportJob.objects.count() == 1 and not m.ContentItem.objects.exists()


def test_executives_can_read_the_import_history_without_import_buttons(executive_client, analyst):
    job = job_for(analyst, status="completed", finished_at="2025-10-01T00:00:00Z", dry_run=True)
    listing = executive_client.get(reverse("cases:import-job-list"))
    detail = executive_client.get(reverse("cases:import-job-detail", args=[job.pk]))
    assert listing.status_code == detail.status_code == 200
    assert reverse("cases:import-job-create") not in listing.content.decode()
    assert reverse("cases:import-job-confirm", args=[job.pk]) not in detail.content.decode()


def test_the_upload_form_offers_file_platform_and_preview(analyst_client):
    response = analyst_client.get(reverse("cases:import-job-create"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in html
    assert 'name="file"' in html and 'name="default_platform"' in html and 'name="dry_run"' in html
    assert "链接" in html  # the recognised column names are listed
    assert 'style="' not in html  # CSP: no inline styles


def test_uploading_a_file_runs_the_import_and_shows_its_report(analyst_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = analyst_client.post(reverse("cases:import-job-create"), {"file": upload("bad_rows.csv")})
    job = m.ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:import-job-detail", args=[job.pk])
    assert (job.status, job.created_count, job.rejected_count, job.source) == ("completed", 2, 10, "file")
    page = analyst_client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert 'http-equiv="refresh"' not in html  # finished: no more refreshing
    assert '<progress id="job-progress" max="100" value="100">' in html
    assert html.count('<tr><td class="num">') == 10  # one row per rejected line
    assert "bad_rows.csv" in html


def test_a_running_job_page_refreshes_itself_and_shows_progress(analyst_client, analyst):
    job = job_for(analyst, status="running", total_rows=200, processed_rows=50)
    html = analyst_client.get(reverse("cases:import-job-detail", args=[job.pk])).content.decode()
    assert '<meta http-equiv="refresh" content="2">' in html
    assert '<progress id="job-progress" max="100" value="25">' in html


def test_a_failed_job_shows_why(analyst_client, analyst):
    job = job_for(analyst, status="failed", failure="文件不是CSV", finished_at="2025-10-01T00:00:00Z")
    html = analyst_client.get(reverse("cases:import-job-detail", args=[job.pk])).content.decode()
    assert "文件不是CSV" in html
    assert 'http-equiv="refresh"' not in html


def test_an_upload_without_a_file_is_refused_with_a_message(analyst_client):
    response = analyst_client.post(reverse("cases:import-job-create"), {"dry_run": "on"})
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert not m.ImportJob.objects.exists()


def test_a_file_over_the_limit_is_refused_by_the_form(analyst_client, monkeypatch):
    monkeypatch.setattr("cases.forms.intake.MAX_FILE_BYTES", 10)
    response = analyst_client.post(reverse("cases:import-job-create"), {"file": upload("vendor_utf8_bom.csv")})
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert not m.ImportJob.objects.exists()


def test_a_preview_saves_nothing_and_its_confirm_button_imports(analyst_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        analyst_client.post(reverse("cases:import-job-create"), {"file": upload("vendor_gb18030.csv"), "dry_run": "on"})
    preview = m.ImportJob.objects.get()
    assert (preview.dry_run, preview.status, preview.created_count) == (True, "completed", 4)
    assert not m.ContentItem.objects.exists()
    html = analyst_client.get(reverse("cases:import-job-detail", args=[preview.pk])).content.decode()
    assert reverse("cases:import-job-confirm", args=[preview.pk]) in html
    with django_capture_on_commit_callbacks(execute=True):
        response = analyst_client.post(reverse("cases:import-job-confirm", args=[preview.pk]))
    job = m.ImportJob.objects.exclude(pk=preview.pk).get()
    assert response["Location"] == reverse("cases:import-job-detail", args=[job.pk])
    assert (job.status, job.created_count) == ("completed", 4)
    assert m.ContentItem.objects.count() == 4


def test_only_a_finished_preview_can_be_confirmed(analyst_client, analyst):
    job = job_for(analyst, status="completed", finished_at="2025-10-01T00:00:00Z")
    response = analyst_client.post(reverse("cases:import-job-confirm", args=[job.pk]))
    assert response.status_code == 302
    assert m.ImportJob.objects.count() == 1
    assert analyst_client.get(reverse("cases:import-job-confirm", args=[job.pk])).status_code == 405


def test_the_job_list_shows_jobs_newest_first(analyst_client, analyst):
    older = job_for(analyst)
    newer = job_for(analyst, dry_run=True)
    html = analyst_client.get(reverse("cases:import-job-list")).content.decode()
    assert html.index(f"#{newer.pk}<") < html.index(f"#{older.pk}<")


def test_entering_a_url_adds_an_item_and_opens_it(analyst_client):
    response = analyst_client.post(
        reverse("cases:content-item-create"),
        {"url": "https://m.weibo.cn/status/4950000000000001?from=share", "title": "标题", "text": "正文"},
    )
    item = m.ContentItem.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:content-item-detail", args=[item.pk])
    assert (item.url, item.source, item.platform.code, item.title) == (
        "https://weibo.cn/status/4950000000000001", "manual", "weibo", "标题",
    )  # fmt: skip


def test_entering_a_known_url_updates_that_item(analyst_client):
    analyst_client.post(reverse("cases:content-item-create"), {"url": "https://weibo.com/1/a", "title": "旧"})
    response = analyst_client.post(
        reverse("cases:content-item-create"), {"url": "http://www.weibo.com/1/a/", "title": "新"}
    )
    item = m.ContentItem.objects.get()
    assert response["Location"] == reverse("cases:content-item-detail", args=[item.pk])
    assert item.title == "新"


def test_a_bad_url_or_unknown_platform_is_explained_on_the_form(analyst_client):
    for data in ({"url": "javascript:alert(1)"}, {"url": "https://bbs.example.org/t/1"}):
        response = analyst_client.post(reverse("cases:content-item-create"), data)
        assert response.status_code == 200
        assert response.context["form"].errors["url"]
    other = m.Platform.objects.get(code="other")
    response = analyst_client.post(
        reverse("cases:content-item-create"), {"url": "https://bbs.example.org/t/1", "platform": other.pk}
    )
    assert response.status_code == 302
    assert m.ContentItem.objects.get().platform == other
