"""What every staff list page shares: FilterSet binding and pagination that never counts a big table.

``COUNT(*)`` over a million content items costs 26-42 ms on every page view and a deep
``OFFSET`` much more (PERFORMANCE.md §e). So a page fetches ``per_page + 1`` rows to learn
whether a next page exists, and the total shown is exact only up to ``COUNT_LIMIT`` rows
(a ``LIMIT``-ed count). Past that it is the planner's estimate from ``pg_class.reltuples``
when the list is unfiltered (shown as "about N"), else "more than N".
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.views.generic import ListView
from django_filters import FilterSet

from accounts.permissions import RoleRequiredMixin
from cases import fragments

PER_PAGE = 50
# Totals are exact up to this many rows; counting further would scan the table.
COUNT_LIMIT = 1000
# Pages deeper than this need an OFFSET that costs more than a page is worth: narrow the filters.
MAX_PAGE = 1000


class CheapPaginator:
    """A paginator for lists that may hold millions of rows; see the module docstring."""

    def __init__(
        self,
        object_list: QuerySet,
        per_page: int,
        count_limit: int = COUNT_LIMIT,
        fetch: Callable[[QuerySet], list[Any]] = list,
    ) -> None:
        self.object_list = object_list
        self.per_page = per_page
        self.count_limit = count_limit
        self.fetch = fetch  # turns a page's slice of the list into its rows
        self._total: tuple[int | None, bool] | None = None

    def _estimate(self) -> int | None:
        """Return the planner's row estimate for the whole table, or None if it was never analysed."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                [self.object_list.model._meta.db_table],
            )
            row = cursor.fetchone()
        return int(row[0]) if row and row[0] > self.count_limit else None

    @property
    def total(self) -> tuple[int | None, bool]:
        """Return (rows, is_estimate); rows is None when only "more than count_limit" is known."""
        if self._total is None:
            if self.object_list.query.is_empty():
                self._total = (0, False)
            else:
                bounded = self.object_list.order_by()[: self.count_limit + 1].count()
                if bounded <= self.count_limit:
                    self._total = (bounded, False)
                elif not self.object_list.query.where:
                    estimate = self._estimate()
                    self._total = (estimate, True) if estimate else (None, False)
                else:
                    self._total = (None, False)
        return self._total

    @property
    def count(self) -> int | None:
        """Return the exact number of rows, or None when it was not counted."""
        rows, is_estimate = self.total
        return None if is_estimate else rows

    @property
    def count_is_estimate(self) -> bool:
        return self.total[1]

    @property
    def count_display(self) -> int | None:
        """Return the number to show: exact, estimated, or None for "more than count_limit"."""
        return self.total[0]

    @property
    def num_pages(self) -> int | None:
        count = self.count
        if count is None:
            return None
        return max(1, math.ceil(count / self.per_page))

    def page(self, number: int) -> CheapPage:
        offset = (number - 1) * self.per_page
        rows = self.fetch(self.object_list[offset : offset + self.per_page + 1])
        return CheapPage(rows[: self.per_page], number, self, has_next=len(rows) > self.per_page)


class CheapPage(Sequence):
    """The subset of Django's Page API that templates use, without a total page count."""

    def __init__(self, object_list: list[Any], number: int, paginator: CheapPaginator, *, has_next: bool) -> None:
        self.object_list = object_list
        self.number = number
        self.paginator = paginator
        self._has_next = has_next and number < MAX_PAGE
        # More rows exist but we stop here: the template asks the user to narrow the filters.
        self.truncated = has_next and number >= MAX_PAGE

    def __repr__(self) -> str:
        return f"<Page {self.number}>"

    def __len__(self) -> int:
        return len(self.object_list)

    def __getitem__(self, index: Any) -> Any:
        return self.object_list[index]

    def has_next(self) -> bool:
        return self._has_next

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next() or self.has_previous()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1

    def start_index(self) -> int:
        return (self.number - 1) * self.paginator.per_page + 1 if self.object_list else 0

    def end_index(self) -> int:
        return (self.number - 1) * self.paginator.per_page + len(self.object_list)


def page_number_from(raw: str | None) -> int:
    """Return a usable page number: anything unparsable or below 1 is page 1, anything huge is MAX_PAGE."""
    try:
        number = int(str(raw or "1").strip())
    except ValueError:
        return 1
    return min(max(number, 1), MAX_PAGE)


class FilteredListView(RoleRequiredMixin, ListView):
    """A staff list: a selector's queryset, narrowed by a FilterSet, paginated cheaply.

    Subclasses set ``permission_model``, ``filterset_class`` and ``template_name`` and
    implement ``base_queryset()`` by calling their selector.
    """

    filterset_class: type[FilterSet]
    paginate_by = PER_PAGE
    # Filters shown in the filter bar; the others sit under "More filters".
    primary_filters: tuple[str, ...] = ()
    # Keep the rendered filter bar (cases/fragments.py; the template wraps it in {% cache %} when
    # ``filter_bar_key`` is set). Only for FilterSets whose choices come from code or the platforms.
    filter_bar_cache = False

    def base_queryset(self) -> QuerySet:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet:
        self.filterset = self.filterset_class(
            self.request.GET or None, queryset=self.base_queryset(), request=self.request
        )
        return self.filterset.qs

    def fetch_rows(self, queryset: QuerySet) -> list[Any]:
        """Return the rows of one page (a sliced queryset). Lists with rich rows may read only what they show."""
        return list(queryset)

    def paginate_queryset(self, queryset: object, page_size: int) -> tuple:
        # ListView hands in get_queryset()'s result; CheapPaginator counts and slices a queryset.
        if not isinstance(queryset, QuerySet):
            raise TypeError(f"{type(self).__name__} pages a queryset, not {type(queryset).__name__}")
        paginator = CheapPaginator(queryset, page_size, fetch=self.fetch_rows)
        page = paginator.page(page_number_from(self.request.GET.get(self.page_kwarg)))
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        filterset = self.filterset
        context["filter"] = filterset
        context["primary_filters"] = self.primary_filters
        # An unbound FilterSet (no query string) builds its form only if the template renders it: a
        # cached filter bar does not (building the form deep-copies every field and its choices).
        form = filterset.form if filterset.is_bound else None
        # A form with errors is rendered afresh (its messages echo what was typed).
        if self.filter_bar_cache and not (form is not None and form.errors):
            context["filter_bar_key"] = fragments.filter_bar_key(
                type(self).__name__, self.request.path, self.request.GET, filterset.base_filters
            )
        context["fragment_seconds"] = fragments.FRAGMENT_SECONDS
        secondary = [name for name in filterset.base_filters if name not in self.primary_filters]
        context["filters_more_open"] = (
            any(self.request.GET.get(name) or form[name].errors for name in secondary)
            if self.primary_filters and form is not None
            else False
        )
        return context
