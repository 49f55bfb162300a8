"""Bad input gets a JSON 400/404/405/413/415, never a 500 or an HTML page, and changes nothing."""

from __future__ import annotations

import json

import pytest

from cases import models as m
from tests import factories as f

pytestmark = pytest.mark.django_db

BULK = "/api/v1/content-items/bulk/"
ITEMS = "/api/v1/content-items/"


def assert_json_error(response, status: int) -> dict:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    data = response.json()
    assert isinstance(data, dict) and data
    return data


@pytest.mark.parametrize(
    "raw",
    [b'{"items": [', b"{'items': []}", b'{"items": [NaN]}', b"\xff\xfe\x00garbage", b'{"items": [1,]}'],
    ids=["truncated", "single-quotes", "nan", "not-utf8", "trailing-comma"],
)
def test_malformed_json_is_a_400(raw, import_client):
    data = assert_json_error(import_client.post(BULK, raw, content_type="application/json"), 400)
    assert data["code"] == "parse_error"
    assert not m.ContentItem.objects.exists()


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml"]
)
def test_a_body_that_is_not_json_is_a_415(content_type, import_client):
    data = assert_json_error(import_client.post(BULK, b"items=1", content_type=content_type), 415)
    assert data["code"] == "unsupported_media_type"


def test_a_body_over_10_mb_is_a_413(import_client):
    body = b'{"items": ["' + b"x" * (10 * 1024 * 1024) + b'"]}'
    data = assert_json_error(import_client.post(BULK, body, content_type="application/json"), 413)
    assert data["code"] == "payload_too_large"


def test_a_50_mb_body_is_a_413_even_for_the_asynchronous_import(import_client):
    body = b'{"items": ["' + b"x" * (50 * 1024 * 1024) + b'"]}'
    response = import_client.post("/api/v1/content-items/bulk-async/", body, content_type="application/json")
    assert_json_error(response, 413)
    assert not m.ImportJob.objects.exists()


def test_a_body_that_lies_about_its_length_is_still_capped(import_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = b'{"items": ["' + b"x" * 5000 + b'"]}'
    assert_json_error(import_client.post(BULK, body, content_type="application/json"), 413)


@pytest.mark.parametrize("depth", [10_000, 100])
def test_deeply_nested_json_is_a_400(depth, import_client):
    body = '{"items": ' + "[" * depth + "]" * depth + "}"
    data = assert_json_error(import_client.post(BULK, body, content_type="application/json"), 400)
    assert "nested" in data["detail"] or "嵌套" in data["detail"]


def test_unknown_fields_are_ignored(analyst_client):
    item = f.ContentItemFactory()
    body = {"conclusion": "none", "colour": "blue", "nested": {"a": [1, 2]}}
    response = analyst_client.post(f"{ITEMS}{item.pk}/assess/", body, content_type="application/json")
    assert response.status_code == 201


def test_wrong_types_are_400_field_errors(analyst_client):
    item = f.ContentItemFactory()
    body = {"conclusion": ["none"], "severity": "very", "infringement_types": "fabrication", "estimated_loss": -5}
    data = assert_json_error(
        analyst_client.post(f"{ITEMS}{item.pk}/assess/", body, content_type="application/json"), 400
    )
    assert {"conclusion", "severity", "infringement_types", "estimated_loss"} <= set(data)
    assert all(isinstance(messages, list) for messages in data.values())
    assert not m.Assessment.objects.exists()


def test_nul_bytes_in_an_action_body_are_a_400(analyst_client):
    item = f.ContentItemFactory()
    body = {"conclusion": "suspected", "rationale": "捏造事实\u0000" * 5}
    data = assert_json_error(
        analyst_client.post(f"{ITEMS}{item.pk}/assess/", body, content_type="application/json"), 400
    )
    assert "rationale" in data


@pytest.mark.parametrize(
    "query",
    [
        "q=%00",
        "q=ab%00cd",
        "q='; DROP TABLE cases_contentitem; --",
        "q=%25%25%5F%5C",
        "platform=weibo' OR '1'='1",
        "account=1 OR 1=1",
        "account=99999999999999999999999",
        "triage_state=new%00",
        "ordering=text;DELETE",
        "ordering=-published_at,%00",
        "page=%00",
        "page=-1",
        "page=99999999999999",
        "page_size=0",
        "page_size=1e3",
        "published_from=0000-00-00",
        "published_from=9999-12-31&published_to=9999-12-31",
    ],
)
def test_hostile_filters_give_400_or_a_result_never_500(query, analyst_client):
    f.ContentItemFactory()
    response = analyst_client.get(f"{ITEMS}?{query}")
    assert response.status_code in (200, 400, 404), response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    assert m.ContentItem.objects.count() == 1


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/content-items/abc/",
        "/api/v1/content-items/99999999999999999999999/",
        "/api/v1/content-items/-1/",
        "/api/v1/platforms/NOT%20A%20CODE/",
        "/api/v1/nothing-here/",
        "/api/v1/content-items/1/unknown-action/",
    ],
)
def test_unknown_paths_are_json_404s(path, analyst_client):
    data = assert_json_error(analyst_client.get(path), 404)
    assert data["code"] == "not_found"


def test_wrong_methods_are_json_405s(analyst_client):
    item = f.ContentItemFactory()
    assert_json_error(analyst_client.get(BULK), 405)
    assert_json_error(analyst_client.delete(f"{ITEMS}{item.pk}/"), 405)
    assert_json_error(analyst_client.get(f"{ITEMS}{item.pk}/assess/"), 405)
    assert_json_error(analyst_client.put("/api/v1/stats/summary/", {}, content_type="application/json"), 405)
    assert m.ContentItem.objects.filter(pk=item.pk).exists()


def test_an_empty_post_body_is_a_400_not_a_crash(analyst_client):
    item = f.ContentItemFactory()
    data = assert_json_error(analyst_client.post(f"{ITEMS}{item.pk}/assess/", content_type="application/json"), 400)
    assert "conclusion" in data


def test_a_json_string_or_number_as_the_body_is_a_400(analyst_client, import_client):
    assert_json_error(import_client.post(BULK, json.dumps("items"), content_type="application/json"), 400)
    item = f.ContentItemFactory()
    assert_json_error(analyst_client.post(f"{ITEMS}{item.pk}/assess/", "42", content_type="application/json"), 400)
