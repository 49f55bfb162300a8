"""Shared pieces of the admin: role checks, cheap counts on big tables, indexed search, audit history.

Every ``has_*_permission`` asks ``accounts.permissions`` (the one place role checks live);
Django's model permissions and groups play no part.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import PAGE_VAR, ChangeList
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.forms import SimpleArrayField
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connections, models
from django.db.models import Lookup, Max, Min, Q, QuerySet, Value
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts import permissions
from cases.fields import EncryptedTextField

# Tables this big get the planner's estimate instead of COUNT(*) on unfiltered changelists.
ESTIMATE_THRESHOLD = 10_000


def estimated_row_count(model: type[models.Model], using: str = "default") -> int | None:
    """Return PostgreSQL's estimate of the table's rows, or None if the table was never analysed."""
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
            [connection.ops.quote_name(model._meta.db_table)],
        )
        row = cursor.fetchone()
    if row is None or row[0] is None or row[0] < 0:
        return None
    return int(row[0])


def is_unfiltered(queryset: Any) -> bool:
    """True when the queryset selects every row of its table (no WHERE, no DISTINCT, no set operation)."""
    if not isinstance(queryset, QuerySet):
        return False
    query = queryset.query
    return not query.where and not query.distinct and query.combinator is None and not query.is_sliced


class EstimatedCountPaginator(Paginator):
    """A paginator that does not COUNT(*) a big table just to number the pages.

    Unfiltered, a million-row changelist spends most of its time counting (PERFORMANCE.md,
    "Admin changelist"); the planner's estimate is close enough to draw the page links.
    Any filter or search gets an exact count, which the filter's index keeps cheap.
    """

    estimate_threshold = ESTIMATE_THRESHOLD

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if isinstance(queryset, QuerySet) and is_unfiltered(queryset):
            estimate = estimated_row_count(queryset.model, queryset.db)
            if estimate is not None and estimate > self.estimate_threshold:
                return estimate
        return super().count


class ILike(Lookup):
    """``column ILIKE pattern``, which a ``gin_trgm_ops`` index serves.

    Django's ``icontains`` compiles to ``UPPER(column) LIKE UPPER(…)``, which no trigram index
    on the plain column can answer, so a million-row search would scan the table.
    """

    lookup_name = "ilike"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} ILIKE {rhs}", [*lhs_params, *rhs_params]


def contains_q(field: str, term: str) -> Q:
    """Return a case-insensitive substring match on ``field`` that a trigram index can serve."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return Q(ILike(models.F(field), Value(f"%{escaped}%")))


if TYPE_CHECKING:
    # The mixins only ever join these classes: type them as such.
    from django.contrib.admin.options import BaseModelAdmin

    _AdminBase = BaseModelAdmin[Any]
    _ModelAdminBase = admin.ModelAdmin[Any]
else:
    _AdminBase = _ModelAdminBase = object


def search_bits(search_term: str) -> list[str]:
    """Split the search box's text into words (every word must match, as in Django's search)."""
    return [bit for bit in search_term.split() if bit]


class RoleAdminMixin(_AdminBase):
    """Ask ``accounts.permissions`` for every admin permission.

    Only roles allowed to use the admin (lawyers and administrators; superusers act as
    administrators) get anything; within it, viewing follows ``can_view`` and writing follows
    ``can_edit``. ``read_only`` admins never write; ``allow_delete`` opts a model into deletion.
    """

    read_only = False
    allow_delete = False
    formfield_overrides: ClassVar[Mapping[type[models.Field], Mapping[str, Any]]] = {
        # Personal data is a name, a phone number, an address: one line each.
        EncryptedTextField: {"widget": forms.TextInput(attrs={"class": "vTextField"})},
        # A link typed without a scheme is https (Django 6's default; every platform we watch uses it).
        models.URLField: {"assume_scheme": "https"},
    }

    def formfield_for_dbfield(self, db_field: models.Field, request: HttpRequest, **kwargs: Any) -> Any:
        # A list of choices (help types, demands, …) edits as checkboxes, not comma-separated codes.
        if isinstance(db_field, ArrayField) and db_field.base_field.choices:
            return forms.TypedMultipleChoiceField(
                choices=db_field.base_field.choices,
                coerce=str,
                required=not db_field.blank,
                widget=forms.CheckboxSelectMultiple,
                label=capfirst(db_field.verbose_name),
                help_text=db_field.help_text,
            )
        if isinstance(db_field, ArrayField) and isinstance(db_field.base_field, models.URLField):
            # ArrayField.formfield() would build its URL field with the deprecated http default.
            url_field = db_field.base_field.formfield(assume_scheme="https")
            if url_field is not None:  # always, for a URLField; the stubs allow None
                return SimpleArrayField(
                    url_field,
                    required=not db_field.blank,
                    label=capfirst(db_field.verbose_name),
                    help_text=db_field.help_text,
                )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def _admin_user(self, request: HttpRequest) -> bool:
        return permissions.can_use_admin(request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._admin_user(request) and permissions.can_view(request.user, self.model)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._admin_user(request) and (
            permissions.can_view(request.user, self.model) or permissions.can_edit(request.user, self.model)
        )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self.read_only and self._admin_user(request) and permissions.can_edit(request.user, self.model)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self.read_only and self._admin_user(request) and permissions.can_edit(request.user, self.model)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return (
            self.allow_delete
            and not self.read_only
            and self._admin_user(request)
            and permissions.can_edit(request.user, self.model)
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        # House rule: every query for a user starts from for_user() (row visibility).
        return queryset.for_user(request.user) if hasattr(queryset, "for_user") else queryset


class CheapDatesMixin:
    """Answer the date drill-down's "which years / months / days" from MIN and MAX alone.

    Django's date_hierarchy lists the periods with SELECT DISTINCT date_trunc(…) over every
    matching row: over a second on a million content items, measured. MIN and MAX come from
    the date's index; the price is that a period without rows may be listed.

    Mixed into a queryset class by with_cheap_dates(); its dates() and datetimes() answer lists,
    which is all the date drill-down iterates (QuerySet's return querysets).
    """

    aggregate: Callable[..., dict[str, Any]]  # QuerySet.aggregate, from the class it joins

    def dates(self, field_name: str, kind: str, order: str = "ASC") -> list[datetime.date]:
        return self._periods(field_name, kind, order)

    def datetimes(self, field_name: str, kind: str, order: str = "ASC", tzinfo: Any = None) -> list[datetime.date]:
        return self._periods(field_name, kind, order)

    def _periods(self, field_name: str, kind: str, order: str) -> list[datetime.date]:
        bounds = self.aggregate(first=Min(field_name), last=Max(field_name))
        first, last = bounds["first"], bounds["last"]
        if first is None or last is None:
            return []
        first, last = (timezone.localtime(v).date() if isinstance(v, datetime.datetime) else v for v in (first, last))
        periods = []
        if kind == "year":
            periods = [datetime.date(year, 1, 1) for year in range(first.year, last.year + 1)]
        elif kind == "month":
            year, month = first.year, first.month
            while (year, month) <= (last.year, last.month):
                periods.append(datetime.date(year, month, 1))
                year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        else:
            periods = [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]
        return periods[::-1] if order == "DESC" else periods


_CHEAP_DATES_CLASSES: dict[type, type] = {}


def with_cheap_dates(queryset: QuerySet) -> QuerySet:
    """Return the queryset with CheapDatesMixin's dates()/datetimes() (the class is made once per queryset class)."""
    base = type(queryset)
    if base not in _CHEAP_DATES_CLASSES:
        _CHEAP_DATES_CLASSES[base] = type(f"CheapDates{base.__name__}", (CheapDatesMixin, base), {})
    queryset = queryset.all()  # a copy (QuerySet.all() is _chain())
    queryset.__class__ = _CHEAP_DATES_CLASSES[base]
    return queryset


class CheapDatesChangeList(ChangeList):
    def get_queryset(self, request: HttpRequest, exclude_parameters: Any = None) -> QuerySet:
        return with_cheap_dates(super().get_queryset(request, exclude_parameters))


class BigTableMixin(_ModelAdminBase):
    """Changelist settings for tables that reach hundreds of thousands of rows."""

    paginator = EstimatedCountPaginator
    # The "N total" link is a second COUNT(*) over the whole table.
    show_full_result_count = False
    # Facet counts are one COUNT per filter choice over the filtered rows.
    show_facets = admin.ShowFacets.NEVER

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return CheapDatesChangeList


@dataclass(frozen=True)
class _Actor:
    label: str
    full_name: str = ""

    def get_username(self) -> str:
        return self.label

    def get_full_name(self) -> str:
        return self.full_name


@dataclass(frozen=True)
class _HistoryRow:
    """An AuditEvent shaped like the LogEntry that admin/object_history.html renders."""

    action_time: Any
    user: _Actor
    message: str

    def get_change_message(self) -> str:
        return self.message


def describe_audit_event(event: Any, model: type[models.Model] | None = None) -> str:
    """Return one line saying what an audit event did, e.g. "Changed: stage ("preparing" → "accepted")".

    The diff is keyed by column; with the model, columns are named by their field's label.
    """
    label = event.get_action_display()
    if event.action == "update" and isinstance(event.diff, dict) and event.diff:
        names = {f.column: str(f.verbose_name) for f in model._meta.concrete_fields} if model else {}
        changes = []
        for column, values in sorted(event.diff.items()):
            name = names.get(column, column)
            if isinstance(values, list) and len(values) == 2:
                before, after = (json.dumps(value, ensure_ascii=False) for value in values)
                changes.append(f"{name} ({before} → {after})")
            else:
                changes.append(str(name))
        return f"{label}: {'; '.join(changes)}"
    if event.request_id:
        return f"{label} · {gettext('request')} {event.request_id}"
    return str(label)


class AuditHistoryMixin(_ModelAdminBase):
    """The change page's "History" shows the object's audit trail (database triggers), not LogEntry.

    Only roles that may read the audit trail see it; others keep Django's admin log.
    """

    # False for the tables the triggers do not track (the audit trail itself, the custody chain).
    audit_history = True

    def history_view(self, request: HttpRequest, object_id: str, extra_context: dict | None = None) -> HttpResponse:
        from cases.models import AuditEvent

        if not self.audit_history or not permissions.can_view(request.user, AuditEvent):
            return super().history_view(request, object_id, extra_context)
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            # ModelAdmin's own redirect; django-stubs do not declare this private method.
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)  # type: ignore[attr-defined]
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        # Served by cases_audit_object_idx (object_type, object_id, -at).
        events = (
            AuditEvent.objects.for_user(request.user)
            .filter(object_type=self.opts.label_lower, object_id=str(obj.pk))
            .select_related("actor")
            .order_by("-at", "-id")
        )
        paginator = Paginator(events, 100)
        page_obj = paginator.get_page(request.GET.get(PAGE_VAR, 1))
        page_obj.object_list = [_history_row(event, self.model) for event in page_obj.object_list]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Audit trail: %s") % obj,
            "subtitle": None,
            "action_list": page_obj,
            "page_range": paginator.get_elided_page_range(page_obj.number),
            "page_var": PAGE_VAR,
            "pagination_required": paginator.num_pages > 1,
            "module_name": str(capfirst(self.opts.verbose_name_plural)),
            "object": obj,
            "opts": self.opts,
            "preserved_filters": self.get_preserved_filters(request),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/object_history.html", context)


def _history_row(event: Any, model: type[models.Model]) -> _HistoryRow:
    if event.actor is not None:
        actor = _Actor(event.actor.get_username(), str(event.actor))
    else:
        actor = _Actor(str(event.get_actor_type_display()))
    return _HistoryRow(action_time=event.at, user=actor, message=describe_audit_event(event, model))


class CasesModelAdmin(RoleAdminMixin, AuditHistoryMixin, admin.ModelAdmin):
    """Base for the domain's model admins."""

    readonly_fields: ClassVar[tuple[str, ...]] = ("created_at", "updated_at")


class BigTableModelAdmin(BigTableMixin, CasesModelAdmin):
    """Base for model admins over tables that grow to a million rows."""


class ReadOnlyModelAdmin(CasesModelAdmin):
    """View-only admin for append-only records: no add, change or delete, for anyone."""

    read_only = True


class CasesTabularInline(RoleAdminMixin, admin.TabularInline):
    extra = 0
    show_change_link = True
    # Notes and descriptions in a table row: two lines, not the full-page textarea.
    formfield_overrides = {
        **RoleAdminMixin.formfield_overrides,
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 40})},
    }


class CasesStackedInline(RoleAdminMixin, admin.StackedInline):
    extra = 0
    show_change_link = True


def values_filter(field_name: str, title: Any, values: list[tuple[str, Any]]) -> type[admin.SimpleListFilter]:
    """Return a list filter offering fixed values.

    A field without choices would otherwise get Django's AllValuesFieldListFilter, which runs
    SELECT DISTINCT over the whole table on every changelist load.
    """

    class ValuesFilter(admin.SimpleListFilter):
        parameter_name = field_name

        def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
            return values

        def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
            value = self.value()
            return queryset if value is None else queryset.filter(**{field_name: value})

    ValuesFilter.title = title
    ValuesFilter.__name__ = f"{field_name.title().replace('_', '')}Filter"
    return ValuesFilter


def choice_labels(model: type[models.Model], field_name: str, values: Iterable[str]) -> str:
    """Return the labels of the codes stored in an array-of-choices field, comma-separated."""
    field = model._meta.get_field(field_name)
    if not isinstance(field, ArrayField):
        raise TypeError(f"{model._meta.label}.{field_name} is not an array of choices")
    labels = dict(field.base_field.choices or ())
    return ", ".join(str(labels.get(value, value)) for value in values)


def personal_data_allowed(request: HttpRequest) -> bool:
    return permissions.can_see_personal_data(request.user)


def record_personal_data_view(request: HttpRequest, obj: Any, fields: Iterable[str]) -> None:
    """Audit that the user was shown the object's personal data (only if it holds any)."""
    from cases import audit

    if personal_data_allowed(request) and any(getattr(obj, name, "") for name in fields):
        audit.record(action="view", obj=obj)
