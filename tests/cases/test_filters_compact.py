"""The API's cheaper FilterSets (cases/filters.py: ``fields_in_data_only`` and ``_copy_filter``) narrow
every list exactly as the full ones the pages render: same SQL for every filter of every API list,
with a value and empty; invalid values still refused; filters never shared between FilterSets."""

from __future__ import annotations

import django_filters
import pytest
from django.http import QueryDict
from django.test import RequestFactory

from cases.filters import ContentItemFilter, StaffFilterSet
from legalcases.api_urls import router
from tests import factories as f

pytestmark = pytest.mark.django_db


def _api_filtersets() -> list[type[StaffFilterSet]]:
    classes = {getattr(viewset, "filterset_class", None) for _prefix, viewset, _basename in router.registry}
    found = sorted((c for c in classes if c and issubclass(c, StaffFilterSet)), key=lambda c: c.__name__)
    assert len(found) >= 8  # every API list with filters
    return found


def _sample(filter_: django_filters.Filter) -> str:
    """A valid value for the filter."""
    if isinstance(filter_, django_filters.ModelChoiceFilter):
        return "weibo"
    if isinstance(filter_, django_filters.DateFilter):
        return "2026-01-01"
    if isinstance(filter_, django_filters.ChoiceFilter | django_filters.MultipleChoiceFilter):
        choices = [str(value) for value, _label in filter_.field.choices if value not in ("", None)]
        return "true" if "true" in choices else choices[-1]
    if isinstance(filter_.field, django_filters.fields.forms.IntegerField):
        return "7"
    if filter_.field_name == "sha256":
        return "ab" * 32
    return "刹车 failure"


def _sql(filterset_class: type[StaffFilterSet], data: QueryDict, user, *, compact: bool) -> str:
    """The list's SQL, or the form's errors (an empty multiple choice, ``?status=``, is refused)."""
    request = RequestFactory().get("/")
    request.user = user
    filterset = filterset_class(data, request=request, fields_in_data_only=compact)
    if not filterset.is_valid():
        return f"invalid: {filterset.errors.as_json()}"
    return str(filterset.qs.query)


@pytest.mark.parametrize("filterset_class", _api_filtersets(), ids=lambda c: c.__name__)
def test_the_compact_form_narrows_like_the_full_form(filterset_class, analyst):
    f.ensure_platforms()
    full = filterset_class(QueryDict(), request=None)
    for name, filter_ in full.filters.items():
        for value in ("", _sample(filter_)):
            data = QueryDict(mutable=True)
            data[name] = value
            data["ordering"] = "-id"  # a parameter that is no filter
            expected = _sql(filterset_class, data, analyst, compact=False)
            assert _sql(filterset_class, data, analyst, compact=True) == expected, (name, value)
            if value:
                assert not expected.startswith("invalid"), (name, value, expected)
                assert expected != _sql(filterset_class, QueryDict(), analyst, compact=False), (name, value)
    assert _sql(filterset_class, QueryDict(), analyst, compact=True) == _sql(
        filterset_class, QueryDict(), analyst, compact=False
    )


def test_the_compact_form_holds_only_the_named_filters_and_still_refuses_bad_values(analyst):
    filterset = ContentItemFilter(QueryDict("triage_state=pending&page=2"), fields_in_data_only=True, user=analyst)
    assert list(filterset.form.fields) == ["triage_state"]
    bad = ContentItemFilter(QueryDict("triage_state=nonsense"), fields_in_data_only=True, user=analyst)
    assert not bad.is_valid()
    assert "triage_state" in bad.errors
    assert list(bad.qs) == []


def test_copied_filters_are_each_filtersets_own():
    first = ContentItemFilter(QueryDict("q=刹车"))
    second = ContentItemFilter(QueryDict("q=车主"))
    for name in first.filters:
        assert first.filters[name] is not second.filters[name]
        assert first.filters[name] is not ContentItemFilter.base_filters[name]
        assert first.filters[name].extra is not ContentItemFilter.base_filters[name].extra
        assert first.filters[name].parent is first
    # A method= filter calls its own FilterSet's method, as after copy.deepcopy.
    assert first.filters["q"].filter.f is first.filters["q"]
    assert second.filters["q"].filter.f is second.filters["q"]
    # The platform filter's queryset, written into ``extra`` when its field is built, stays its own.
    assert first.form.fields["platform"].queryset is not None
    assert "queryset" in first.filters["platform"].extra
    assert callable(ContentItemFilter.base_filters["platform"].extra["queryset"])
    assert str(first.qs.query) != str(second.qs.query)
