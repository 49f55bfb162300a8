"""The content-item list's fast paths (issue 10, ``make bench``): the hand-written representation
equals DRF's field-by-field one, deep pages select by ids first, and a list the planner expects
to be huge is not counted."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from cases import models as m
from cases.api import pagination
from cases.api.serializers import ContentItemSerializer
from tests import factories as f

pytestmark = pytest.mark.django_db

API = "/api/v1"


def test_the_fast_representation_equals_drfs_for_every_kind_of_item():
    now = timezone.now()
    items = [
        f.ContentItemFactory(),
        f.ContentItemFactory(account=None, published_at=None),
        f.ContentItemFactory(campaign=f.CampaignFactory(), triage_state="dismissed", conclusion="none",
                             severity=1, assessed_at=now, views=7, likes=3, shares=2, comments=1),
    ]  # fmt: skip
    rows = m.ContentItem.objects.select_related("platform", "account").filter(pk__in=[i.pk for i in items])
    for zone in ("Asia/Shanghai", "UTC"):
        with timezone.override(zone), translation.override("en"):
            for item in rows:
                serializer = ContentItemSerializer(item)
                fast, generic = serializer.data, serializer.generic_representation(item)
                assert fast == generic
                assert list(fast) == list(generic)  # same key order, so the same JSON


def test_deep_pages_select_ids_first_and_keep_the_order(analyst_client):
    for _ in range(7):
        f.ContentItemFactory()
    expected = list(m.ContentItem.objects.order_by("-published_at", "id").values_list("pk", flat=True))
    seen = []
    for page in (1, 2, 3, 4):
        with CaptureQueriesContext(connection) as ctx:
            body = analyst_client.get(f"{API}/content-items/?page_size=2&page={page}").json()
        seen += [row["id"] for row in body["results"]]
        if page > 1:
            assert any("IN (" in q["sql"] for q in ctx.captured_queries)  # rows fetched by their ids
    assert seen == expected


def test_a_filtered_list_the_planner_expects_to_be_huge_is_not_counted(analyst_client):
    f.ContentItemFactory(triage_state="pending")
    f.ContentItemFactory(triage_state="pending")
    huge = pagination.EXACT_COUNT_LIMIT * pagination.ESTIMATE_FIRST_FACTOR + 1
    with mock.patch.object(pagination, "query_estimate", return_value=huge), CaptureQueriesContext(connection) as ctx:
        body = analyst_client.get(f"{API}/content-items/?triage_state=pending&page_size=1").json()
    assert (body["count"], body["count_is_estimate"]) == (huge, True)
    assert not [q for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    # A small estimate still gets the exact (bounded) count.
    body = analyst_client.get(f"{API}/content-items/?triage_state=pending&page_size=1").json()
    assert (body["count"], body["count_is_estimate"]) == (2, False)


def test_a_deep_page_of_one_state_reads_its_index_in_order():
    f.ContentItemFactory(triage_state="pending")
    ids = m.ContentItem.objects.filter(triage_state="pending").order_by("-published_at", "id").values_list("pk")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table would be scanned; ask for the index path
        cursor.execute("SET LOCAL enable_sort = off")
        sql, params = ids[100:151].query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        text = "\n".join(row[0] for row in cursor.fetchall())
    assert "cases_item_state_published_idx" in text and "Sort" not in text


def _varied_items() -> list[m.ContentItem]:
    now = timezone.now()
    return [
        f.ContentItemFactory(),
        f.ContentItemFactory(account=None, published_at=None),
        f.ContentItemFactory(campaign=f.CampaignFactory(), triage_state="dismissed", conclusion="none",
                             severity=1, assessed_at=now, views=7, likes=3, shares=2, comments=1),
        f.ContentItemFactory(title="", text="引号 \" 与 \\ 反斜杠\u2028", triage_state="pending"),
    ]  # fmt: skip


def test_the_values_row_equals_the_serializers_representation():
    from cases.api.serializers import CONTENT_ITEM_VALUES, content_item_row

    items = _varied_items()
    models = m.ContentItem.objects.select_related("platform", "account").filter(pk__in=[i.pk for i in items])
    rows = {row["id"]: row for row in m.ContentItem.objects.filter(pk__in=[i.pk for i in items]).values(*CONTENT_ITEM_VALUES)}
    for zone in ("Asia/Shanghai", "UTC"):
        with timezone.override(zone):
            for item in models:
                fast = content_item_row(rows[item.pk], timezone.get_current_timezone())
                reference = ContentItemSerializer(item).generic_representation(item)
                assert fast == reference
                assert list(fast) == list(reference)


@pytest.mark.parametrize("page_size", [2, 50])
def test_the_list_pages_are_the_serializers_json_in_a_constant_number_of_queries(analyst_client, page_size):
    """The list renders .values() rows; every page holds exactly what the serializer writes."""
    _varied_items()
    for _ in range(3):
        f.ContentItemFactory()
    expected = [
        ContentItemSerializer(item).generic_representation(item)
        for item in m.ContentItem.objects.select_related("platform", "account").order_by("-published_at", "id")
    ]
    seen, queries, page = [], set(), 1
    while True:
        with CaptureQueriesContext(connection) as ctx:
            response = analyst_client.get(f"{API}/content-items/?page_size={page_size}&page={page}")
        assert response.status_code == 200
        body = response.json()
        seen += body["results"]
        queries.add((page == 1, len(ctx.captured_queries)))
        if not body["next"]:
            break
        page += 1
    assert seen == expected
    # One count of queries for the first page, one for the others, whatever the page size.
    assert len({n for first, n in queries if not first}) <= 1 and len({n for first, n in queries if first}) == 1
