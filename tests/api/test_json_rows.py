"""The content-item list's rows built as JSON by PostgreSQL (cases/api/json_rows.py, migration 0015)
equal DRF's field-by-field representation: keys, order and values, for awkward text, missing
relations, microseconds and every kind of UTC offset."""

from __future__ import annotations

import datetime
import json
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from cases import models as m
from cases.api import json_rows, pagination
from cases.api.serializers import ContentItemSerializer, _iso
from tests import factories as f

pytestmark = pytest.mark.django_db

API = "/api/v1/content-items/"
UTC = datetime.UTC

AWKWARD_TEXT = 'quote " backslash \\ newline \n tab \t bell \x07 中文 😀 </script><b>&amp;'


def _items() -> list[m.ContentItem]:
    campaign = f.CampaignFactory()
    return [
        f.ContentItemFactory(title=AWKWARD_TEXT, text=AWKWARD_TEXT * 3),
        f.ContentItemFactory(account=None, published_at=None, title="", text=""),
        f.ContentItemFactory(
            campaign=campaign, triage_state="dismissed", conclusion="none", severity=1,
            assessed_at=datetime.datetime(2026, 3, 1, 4, 5, 6, 500, tzinfo=UTC), views=7, likes=3, shares=2,
            comments=1, ai_label_present=True, live_status="deleted", source="owner",
        ),
        # Whole seconds; Shanghai's summer time (1986-1991, +09:00); local mean time (+08:05:43).
        f.ContentItemFactory(published_at=datetime.datetime(2026, 1, 1, 0, 0, 0, tzinfo=UTC)),
        f.ContentItemFactory(published_at=datetime.datetime(1988, 7, 1, 4, 5, 6, 123456, tzinfo=UTC)),
        f.ContentItemFactory(published_at=datetime.datetime(1890, 3, 1, 4, 5, 6, tzinfo=UTC)),
        f.ContentItemFactory(published_at=datetime.datetime(1991, 9, 14, 17, 0, 0, tzinfo=UTC)),
        f.ContentItemFactory(published_at=datetime.datetime(1991, 9, 14, 16, 59, 59, 999999, tzinfo=UTC)),
    ]  # fmt: skip


def _expected(items: list[m.ContentItem]) -> dict[int, dict]:
    rows = m.ContentItem.objects.select_related("platform", "account").filter(pk__in=[i.pk for i in items])
    return {item.pk: ContentItemSerializer(item).generic_representation(item) for item in rows}


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC", "America/New_York", "Asia/Kolkata"])
def test_list_rows_equal_drfs_representation(analyst_client, settings, zone):
    settings.TIME_ZONE = zone
    items = _items()
    with timezone.override(zone), translation.override("en"):
        expected = _expected(items)
        response = analyst_client.get(f"{API}?page_size=200")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    assert list(body) == ["count", "count_is_estimate", "next", "previous", "results"]
    assert len(body["results"]) == len(items)
    for row in body["results"]:
        assert row == expected[row["id"]]
        assert list(row) == list(expected[row["id"]])  # the same key order


def test_deep_pages_are_json_rows_too(analyst_client):
    items = _items()
    expected = _expected(items)
    order = list(m.ContentItem.objects.order_by("-published_at", "id").values_list("pk", flat=True))
    body = analyst_client.get(f"{API}?page_size=3&page=2").json()
    assert [row["id"] for row in body["results"]] == order[3:6]
    assert all(row == expected[row["id"]] for row in body["results"])
    assert body["previous"].endswith(f"{API}?page_size=3")


def test_the_sql_timestamp_equals_pythons_isoformat_around_every_change_of_offset():
    zone_names = ["Asia/Shanghai", "America/New_York", "Europe/London", "Asia/Kolkata", "UTC"]
    moments = [datetime.datetime(1890, 1, 1, tzinfo=UTC), datetime.datetime(2026, 11, 30, 1, 2, 3, 4, tzinfo=UTC)]
    for zone_name in zone_names:
        since, _offset = json_rows.fixed_offset(zone_name)
        if since != json_rows.NEVER:
            moments += [since, since - datetime.timedelta(microseconds=1), since + datetime.timedelta(seconds=1)]
    moments += [datetime.datetime(y, mo, 1, 12, tzinfo=UTC) for y in (1941, 1988, 1991, 2000) for mo in (1, 4, 7, 10)]
    with connection.cursor() as cursor:
        for zone_name in zone_names:
            since, offset = json_rows.fixed_offset(zone_name)
            zone = zoneinfo.ZoneInfo(zone_name)
            for moment in moments:
                cursor.execute("SELECT lc_iso_datetime(%s, %s, %s, %s)", [moment, zone_name, since, offset])
                assert cursor.fetchone()[0] == _iso(moment, zone), (zone_name, moment)
            cursor.execute("SELECT lc_iso_datetime(NULL, %s, %s, %s)", [zone_name, since, offset])
            assert cursor.fetchone()[0] is None


def test_fixed_offset_finds_the_zones_last_change():
    since, offset = json_rows.fixed_offset("Asia/Shanghai")
    shanghai = zoneinfo.ZoneInfo("Asia/Shanghai")
    assert offset == "+08:00"
    assert since == datetime.datetime(1991, 9, 14, 17, 0, tzinfo=UTC)  # the end of China's summer time
    assert (since - datetime.timedelta(seconds=1)).astimezone(shanghai).utcoffset() == datetime.timedelta(hours=9)
    assert json_rows.fixed_offset("Europe/Berlin") == (json_rows.NEVER, "")  # still changes its clocks
    assert json_rows.fixed_offset("UTC")[1] == "Z"


def test_the_planners_estimate_is_remembered_for_a_while(analyst_client, monkeypatch):
    for _ in range(3):
        f.ContentItemFactory(triage_state="pending")
    pagination._estimates.clear()
    path = f"{API}?triage_state=pending&page_size=1"

    def explains() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert analyst_client.get(path).status_code == 200
        return sum(q["sql"].startswith("EXPLAIN") for q in ctx.captured_queries)

    assert explains() == 1
    assert explains() == 0  # the same query within ESTIMATE_TTL
    monkeypatch.setattr(pagination, "ESTIMATE_TTL", 0.0)
    assert explains() == 1
    monkeypatch.setattr(pagination, "ESTIMATE_CACHE_SIZE", 1)
    assert analyst_client.get(f"{API}?triage_state=dismissed&triage_state=pending&page_size=1").status_code == 200
    assert len(pagination._estimates) == 1


def test_an_empty_filter_needs_no_estimate():
    assert pagination.query_estimate(m.ContentItem.objects.filter(pk__in=[])) == 0
