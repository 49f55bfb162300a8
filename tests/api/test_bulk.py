"""Bulk import through the API (DESIGN.md §5): per-item results, idempotent re-import, limits,
the asynchronous variant with its job, and throttling per token."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings
from rest_framework.settings import api_settings

from cases import models as m
from tests import factories as f
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db

BULK = "/api/v1/content-items/bulk/"
BULK_ASYNC = "/api/v1/content-items/bulk-async/"


def item(n: int, **extra) -> dict:
    return {
        "platform": "weibo",
        "url": f"https://weibo.com/7654321/Bulk{n}",
        "title": f"标题{n}",
        "text": f"“刹车失灵”传言第{n}条",
        "published_at": "2025-03-01T10:00:00+08:00",
        "views": 100 + n,
        "account": {"platform_uid": f"uid-{n % 3}", "name": f"汽车真相{n % 3}号"},
        **extra,
    }


def post(client, url: str, body, **extra):
    return client.post(url, body, content_type="application/json", **extra)


def test_a_batch_creates_items_and_accounts_and_reports_counts(import_client):
    response = post(import_client, BULK, {"items": [item(n) for n in range(10)]})
    assert response.status_code == 200, response.content
    assert response.json() == {"created": 10, "updated": 0, "rejected": 0, "errors": []}
    assert m.ContentItem.objects.count() == 10
    assert m.MonitoredAccount.objects.filter(platform__code="weibo").count() == 3
    assert set(m.ContentItem.objects.values_list("source", flat=True)) == {"vendor"}


def test_re_sending_a_batch_updates_and_never_duplicates(import_client):
    post(import_client, BULK, {"items": [item(n) for n in range(5)]})
    changed = [item(n, views=9999) for n in range(5)]
    changed[0]["url"] = "HTTPS://WEIBO.COM/7654321/Bulk0?utm_source=x"  # the same item, written another way
    response = post(import_client, BULK, {"items": changed})
    assert response.json() == {"created": 0, "updated": 5, "rejected": 0, "errors": []}
    assert m.ContentItem.objects.count() == 5
    assert set(m.ContentItem.objects.values_list("views", flat=True)) == {9999}


def test_bad_items_are_rejected_by_index_and_the_good_ones_kept(import_client):
    items = [
        item(0),
        {"platform": "weibo"},
        item(2, platform="myspace"),
        "not an object",
        item(4, views="lots"),
        item(5, text="NUL\u0000inside"),
        item(6),
    ]
    response = post(import_client, BULK, {"items": items})
    assert response.status_code == 200
    data = response.json()
    assert (data["created"], data["updated"], data["rejected"]) == (2, 0, 5)
    assert [error["index"] for error in data["errors"]] == [1, 2, 3, 4, 5]
    assert all(error["reason"] for error in data["errors"])
    assert m.ContentItem.objects.count() == 2


def test_protected_fields_in_an_item_are_ignored(import_client, analyst):
    existing = f.ContentItemFactory(url="https://weibo.com/7654321/Bulk1", triage_state="suspected")
    hostile = item(1, triage_state="removed", id=1, source="manual", conclusion="none", assessed_at="2025-01-01",
                   created_at="2000-01-01", campaign=5)  # fmt: skip
    response = post(import_client, BULK, {"items": [hostile]})
    assert response.json()["updated"] == 1
    existing.refresh_from_db()
    assert (existing.triage_state, existing.source, existing.conclusion) == ("suspected", "vendor", "")
    assert existing.campaign_id is None


def test_5001_items_are_refused_with_a_clear_message_and_nothing_is_saved(import_client):
    response = post(import_client, BULK, {"items": [{"url": f"https://weibo.com/1/{n}"} for n in range(5001)]})
    assert response.status_code == 400
    message = response.json()["items"][0]
    assert "5,000" in message and "bulk-async" in message
    assert not m.ContentItem.objects.exists()


def test_exactly_5000_items_are_accepted(import_client):
    items = [{"platform": "weibo", "url": f"https://weibo.com/1/Max{n}"} for n in range(5000)]
    response = post(import_client, BULK, {"items": items})
    assert response.status_code == 200
    assert response.json()["created"] == 5000


@pytest.mark.parametrize("body", [{}, {"items": []}, {"items": "x"}, [item(0)], {"items": None}])
def test_a_body_without_a_list_of_items_is_a_400(body, import_client):
    response = post(import_client, BULK, body)
    assert response.status_code == 400
    assert not m.ContentItem.objects.exists()


def test_a_dry_run_classifies_and_saves_nothing(import_client):
    f.ContentItemFactory(url="https://weibo.com/7654321/Bulk0")
    response = post(import_client, f"{BULK}?dry_run=true", {"items": [item(0), item(1), {"url": "x"}]})
    assert response.json()["created"] == 1 and response.json()["updated"] == 1 and response.json()["rejected"] == 1
    assert m.ContentItem.objects.count() == 1


def test_historical_assessments_are_recorded_for_the_token_user(make_token, vendor):
    _token, key = make_token(scopes=["import"])
    reason = "发布者捏造“刹车失灵”事实，经核实无依据，不属于正常批评。"
    body = {"items": [item(0, assessment={"conclusion": "suspected", "rationale": reason, "severity": 3})]}
    assert post(token_client(key), BULK, body).json()["created"] == 1
    assessment = m.Assessment.objects.get()
    assert assessment.assessor == vendor
    assert m.ContentItem.objects.get().triage_state == "suspected"


# --- asynchronous variant -------------------------------------------------------------------------------


def test_a_large_batch_is_queued_and_its_job_polled_to_completion(import_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(import_client, BULK_ASYNC, {"items": [item(n) for n in range(20)] + [{"url": "bad"}]})
    assert response.status_code == 202, response.content
    job = response.json()
    assert response["Location"] == job["url"] and job["status"] == "queued"
    polled = import_client.get(job["url"]).json()
    assert polled["status"] == "completed"
    assert (polled["created_count"], polled["rejected_count"]) == (20, 1)
    assert polled["errors"] == [{"index": 20, "reason": polled["errors"][0]["reason"]}]
    assert m.ContentItem.objects.count() == 20


@override_settings(API_BULK_ASYNC_MAX_ITEMS=3)
def test_the_asynchronous_import_has_a_cap_too(import_client):
    response = post(import_client, BULK_ASYNC, {"items": [item(n) for n in range(4)]})
    assert response.status_code == 400 and "items" in response.json()
    assert not m.ImportJob.objects.exists()


def test_a_vendor_cannot_poll_another_users_job(import_client, analyst):
    other = f.ImportJobFactory(created_by=analyst)
    assert import_client.get(f"/api/v1/import-jobs/{other.pk}/").status_code == 404


# --- throttling ----------------------------------------------------------------------------------------------


def _rates(**rates: str) -> dict:
    return {**api_settings.user_settings, "DEFAULT_THROTTLE_RATES": {"api": "1000/minute", "api_bulk": "1000/minute", **rates}}


def test_a_token_over_its_rate_gets_429_json_with_retry_after(make_token, settings):
    settings.REST_FRAMEWORK = _rates(api="3/minute")
    _token, key = make_token(scopes=["read"])
    client = token_client(key)
    statuses = [client.get("/api/v1/platforms/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get("/api/v1/platforms/")
    assert response.status_code == 429
    assert response.json()["code"] == "throttled" and int(response["Retry-After"]) > 0


def test_each_token_has_its_own_budget(make_token, settings):
    settings.REST_FRAMEWORK = _rates(api="2/minute")
    clients = [token_client(make_token(scopes=["read"])[1]) for _ in range(2)]
    for client in clients:
        assert [client.get("/api/v1/platforms/").status_code for _ in range(2)] == [200, 200]
    assert clients[0].get("/api/v1/platforms/").status_code == 429


def test_bulk_calls_have_their_own_lower_rate(import_client, settings):
    settings.REST_FRAMEWORK = _rates(api_bulk="1/minute")
    assert post(import_client, BULK, {"items": [item(0)]}).status_code == 200
    assert post(import_client, BULK, {"items": [item(1)]}).status_code == 429
    assert import_client.get("/api/v1/platforms/").status_code == 200
    assert m.ContentItem.objects.count() == 1


def test_the_asynchronous_import_takes_bodies_over_the_10_mb_of_the_synchronous_one(
    import_client, django_capture_on_commit_callbacks
):
    items = [item(n, text="长" * 2000) for n in range(2000)]  # ~12 MB of UTF-8
    body = json.dumps({"items": items}, ensure_ascii=False).encode()
    assert 10 * 1024 * 1024 < len(body) < 40 * 1024 * 1024
    assert import_client.post(BULK, body, content_type="application/json").status_code == 413
    with django_capture_on_commit_callbacks(execute=True):
        response = import_client.post(BULK_ASYNC, body, content_type="application/json")
    assert response.status_code == 202, response.content[:300]
    assert import_client.get(response["Location"]).json()["created_count"] == 2000

