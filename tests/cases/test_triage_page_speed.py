"""What keeps the triage queue cheap (issue 10, docs/benchmarks.md) without changing what it shows:
cached fragments (filter bar, bulk form, navigation) that follow the language, the filter values,
the role and the platforms; a fixed, small number of queries; no count of the whole table."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from cases import models as m
from tests import factories as f

pytestmark = pytest.mark.django_db

TRIAGE = reverse("cases:triage")
CONTENT = reverse("cases:content-item-list")


def _get(client: Client, path: str, language: str = "en") -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode(), [q["sql"] for q in queries.captured_queries]


def _filter_bar(html: str) -> str:
    return re.search(r'<form class="filters".*?</form>', html, re.S).group(0)


def _platform_reads(sql: list[str]) -> list[str]:
    return [q for q in sql if re.search(r'FROM "cases_platform"', q)]


@pytest.mark.parametrize("path", [TRIAGE, CONTENT])
def test_a_warm_page_reads_no_platforms_and_costs_four_queries(analyst_client, path):
    for _ in range(3):
        f.ContentItemFactory(triage_state="new")
    _html, cold = _get(analyst_client, path)
    html, warm = _get(analyst_client, path)
    assert _platform_reads(cold) and not _platform_reads(warm)
    # The session, the user, the page's rows (with platform and account joined) and the bounded count.
    assert len(warm) == 4, warm
    assert [q for q in warm if "COUNT(" in q.upper()] and all("LIMIT 1001" in q for q in warm if "COUNT(" in q)
    assert 'data-item="' in html and _filter_bar(html) == _filter_bar(_html)


def test_the_rows_query_reads_only_the_columns_the_rows_show(analyst_client):
    f.ContentItemFactory(triage_state="new")
    _html, sql = _get(analyst_client, TRIAGE)
    rows = next(q for q in sql if 'FROM "cases_contentitem"' in q and "COUNT(" not in q.upper())
    for column in ("updated_at", "created_at", "risk_factors", "engagement", "assessed_at", "notes"):
        assert f'."{column}"' not in rows, column


def test_a_new_or_renamed_platform_shows_at_once_in_the_cached_filter_bar(analyst_client):
    f.ContentItemFactory(triage_state="new")
    with translation.override("en"):
        before, _sql = _get(analyst_client, TRIAGE)
        m.Platform.objects.create(code="zz-test", name_zh="测试平台", name_en="Zz Test Platform")
        after, _sql = _get(analyst_client, TRIAGE)
        assert "Zz Test Platform" not in _filter_bar(before) and "Zz Test Platform" in _filter_bar(after)
        platform = m.Platform.objects.get(code="zz-test")
        platform.name_en = "Zz Renamed"
        platform.save()
        renamed, _sql = _get(analyst_client, TRIAGE)
        assert "Zz Renamed" in _filter_bar(renamed) and "Zz Test Platform" not in _filter_bar(renamed)
        platform.delete()
        gone, _sql = _get(analyst_client, TRIAGE)
        assert "Zz Renamed" not in _filter_bar(gone)


def test_the_cached_fragments_follow_the_language(analyst_client):
    f.ContentItemFactory(triage_state="new")
    zh, _sql = _get(analyst_client, TRIAGE, "zh-hans")
    en, _sql = _get(analyst_client, TRIAGE, "en")
    zh_again, _sql = _get(analyst_client, TRIAGE, "zh-hans")
    assert zh == zh_again.replace(_csrf(zh_again), _csrf(zh))
    with translation.override("en"):
        for text in ("All platforms", "Assess several items at once", "Keyboard shortcuts", "Triage queue"):
            assert text in en and text not in zh, text


def _csrf(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_each_set_of_filter_values_gets_its_own_bar(analyst_client):
    f.ContentItemFactory(triage_state="pending", severity=4)
    checked = 'name="severity" value="4"'
    filtered, _sql = _get(analyst_client, TRIAGE + "?severity=4&q=%E5%88%B9%E8%BD%A6")
    plain, _sql = _get(analyst_client, TRIAGE)
    paged, _sql = _get(analyst_client, TRIAGE + "?severity=4&q=%E5%88%B9%E8%BD%A6&page=2")
    bar = _filter_bar(filtered)
    assert re.search(checked + r"[^>]*checked", bar) and 'value="刹车"' in bar
    assert not re.search(checked + r"[^>]*checked", _filter_bar(plain)) and 'value="刹车"' not in _filter_bar(plain)
    assert _filter_bar(paged) == bar  # the page number does not change the bar


def test_a_filter_bar_with_errors_shows_them_and_the_next_one_does_not(analyst_client):
    f.ContentItemFactory(triage_state="new")
    with translation.override("en"):
        bad, _sql = _get(analyst_client, TRIAGE + "?account=abc")
        assert "has-error" in _filter_bar(bad) and "Correct the filters above" in bad
        good, _sql = _get(analyst_client, TRIAGE + "?account=12")
        assert "has-error" not in _filter_bar(good) and 'value="12"' in _filter_bar(good)


def test_a_bulk_form_with_errors_never_reaches_the_cached_panel(analyst_client):
    item = f.ContentItemFactory(triage_state="new")
    with translation.override("en"):
        _get(analyst_client, TRIAGE)  # the empty panel is cached
        response = analyst_client.post(
            reverse("cases:content-item-bulk-assess"),
            {"scope": "selected", "items": [item.pk], "conclusion": "", "severity": "9"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert "Choose a conclusion." in response.content.decode()
        after, _sql = _get(analyst_client, TRIAGE)
        assert "Choose a conclusion." not in after and 'class="form-errors"' not in after


def test_the_cached_navigation_follows_the_role_and_the_page(analyst_client, executive_client):
    f.ContentItemFactory(triage_state="new")
    triage_link = f'href="{TRIAGE}"'
    analyst_page, _sql = _get(analyst_client, CONTENT)
    executive_page, _sql = _get(executive_client, CONTENT)
    nav = re.compile(r'<nav class="app-nav".*?</nav>', re.S)
    assert triage_link in nav.search(analyst_page).group(0)
    assert triage_link not in nav.search(executive_page).group(0)
    queue, _sql = _get(analyst_client, TRIAGE)
    current = re.compile(r'<a href="([^"]+)" aria-current="page">')
    assert current.search(nav.search(queue).group(0)).group(1) == TRIAGE
    assert current.search(nav.search(analyst_page).group(0)).group(1) == CONTENT


def test_the_page_lists_every_row_id_for_the_whole_page_scope(analyst_client):
    items = [f.ContentItemFactory(triage_state="new") for _ in range(3)]
    html, _sql = _get(analyst_client, TRIAGE)
    assert sorted(re.findall(r'<input type="hidden" name="page_items" value="(\d+)">', html)) == sorted(
        str(i.pk) for i in items
    )


def test_page_rows_built_from_columns_equal_the_orm_rows_and_render_the_same(django_assert_num_queries):
    from django.template import Context, Template

    from cases.selectors.monitoring import content_item_rows

    lone = f.ContentItemFactory(account=None, triage_state="new", title="", text="无账号")
    for index in range(4):
        f.ContentItemFactory(triage_state="pending", severity=index, conclusion="watch" if index else "")
    queryset = m.ContentItem.objects.select_related("platform", "account").order_by("-severity", "id")
    orm = list(queryset)
    with django_assert_num_queries(1):
        fast = content_item_rows(queryset)
    assert fast == orm
    assert [(i.account_id, i.platform_id, i.published_at, i.reach) for i in fast] == [
        (i.account_id, i.platform_id, i.published_at, i.reach) for i in orm
    ]
    assert [i.account for i in fast] == [i.account for i in orm]
    assert next(i for i in fast if i.pk == lone.pk).account is None
    rows = Template("{% load item_rows %}{% content_item_rows items selectable=True queue=q %}")
    for queue in (True, False):
        with translation.override("en"):
            expected = rows.render(Context({"items": orm, "q": queue}))
        with translation.override("en"), django_assert_num_queries(0):
            assert rows.render(Context({"items": fast, "q": queue})) == expected


def test_a_filterset_copies_its_filters_only_when_they_are_used(analyst):
    from cases.filters import TriageFilter

    wanted = f.ContentItemFactory(triage_state="pending", severity=4)
    f.ContentItemFactory(triage_state="pending", severity=2)
    queryset = m.ContentItem.objects.filter(triage_state="pending").order_by("id")
    unbound = TriageFilter(None, queryset=queryset, user=analyst)
    assert list(unbound.qs) == list(queryset)
    assert "filters" not in unbound.__dict__  # an unfiltered list never needed the copies
    bound = TriageFilter({"severity": ["4"]}, queryset=queryset, user=analyst)
    assert list(bound.qs) == [wanted]
    assert bound.filters["severity"].parent is bound and bound.filters["severity"].model is m.ContentItem
    assert bound.filters["severity"] is not TriageFilter.base_filters["severity"]
    assert not hasattr(TriageFilter.base_filters["q"], "parent")
    assert list(TriageFilter({"q": "zq-无此文字"}, queryset=queryset, user=analyst).qs) == []  # a method filter
