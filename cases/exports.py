"""CSV and XLSX exports of the staff lists: the rows the list shows, with the same filters.

A list view mixes in ``ExportMixin`` and names an ``ExportSpec`` (the columns, in
``cases/export_columns.py``); ``?export=csv`` or ``?export=xlsx`` on the list's own URL
then answers with a file instead of the page. So an export can never show more than the
list: it starts from the view's ``get_queryset()`` (``for_user()`` plus the FilterSet).

- CSV streams (``StreamingHttpResponse``) from one ``.values_list().iterator()`` query on a
  server-side cursor: constant memory and a constant number of queries at any row count.
  UTF-8 with a BOM so Excel on Chinese Windows reads it.
- XLSX is written by openpyxl in write-only mode into a temporary file, up to
  ``EXPORT_XLSX_MAX_ROWS``; a filter selecting more gets a message instead of a cut file.
- Cells starting with ``= + - @``, a tab or a carriage return get a leading apostrophe, so a
  spreadsheet never runs a formula someone typed into a monitored post (formula injection).
- Executives get the columns not marked ``detail`` (figures, states, dates); owners' contact
  data is never a column. Every export is recorded in the audit log, with its filters.
"""

from __future__ import annotations

import csv
import json
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import messages
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponseRedirect, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from accounts.models import User
from accounts.permissions import role_of
from cases.audit import record

FORMATS = ("csv", "xlsx")
# First characters that make a spreadsheet treat a cell as a formula (or start one after a tab/CR).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Rows fetched per round trip of the server-side cursor.
CHUNK_SIZE = 2000
# CSV rows written per chunk sent to the client.
ROWS_PER_CHUNK = 500
BOM = "\ufeff"


def xlsx_max_rows() -> int:
    return int(getattr(settings, "EXPORT_XLSX_MAX_ROWS", 100_000))


@dataclass(frozen=True)
class Column:
    """One exported column: a ``values_list`` path and its header; ``detail`` columns
    (free text, names) are left out of executives' exports."""

    path: str
    header: Any = None  # default: the field's verbose name
    detail: bool = False
    choices: Any = None  # labels for a column without model choices

    def label(self, model: type[models.Model]) -> str:
        if self.header is not None:
            return str(self.header)
        # "lawyer__username" is headed by the relation ("lawyer"), "title" by the field.
        first = model._meta.get_field(self.path.split("__")[0])
        return str(getattr(first, "verbose_name", self.path))


@dataclass(frozen=True)
class ExportSpec:
    name: str
    model: type[models.Model]
    columns: tuple[Column, ...]
    # Filters whose values may be personal data (a search for an owner's phone number): the audit
    # event records that they were used, not their values.
    masked_filters: tuple[str, ...] = ()

    def columns_for(self, user: Any) -> list[Column]:
        if role_of(user) == User.Role.EXECUTIVE:
            return [column for column in self.columns if not column.detail]
        return list(self.columns)


def neutralise(value: str) -> str:
    """Return ``value`` with a leading apostrophe if a spreadsheet would read it as a formula."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def _field_at(model: type[models.Model], path: str) -> models.Field:
    field: Any = None
    for part in path.split("__"):
        field = model._meta.get_field(part)
        if field.is_relation and field.related_model is not None:
            model = field.related_model
    if field.is_relation:  # a bare foreign key: the value is its id
        field = field.target_field
    return field


def _text(for_xlsx: bool) -> Callable[[Any], Any]:
    """Free text: neutralised (and, for XLSX, stripped of the control characters XML cannot hold)."""
    if for_xlsx:

        def cell(value: Any) -> Any:
            if value is None:
                return None
            return neutralise(ILLEGAL_CHARACTERS_RE.sub("", str(value)))

        return cell
    return lambda value: "" if value is None else neutralise(str(value))


def _labels(pairs: Any) -> dict[Any, str]:
    return {key: neutralise(str(label)) for key, label in pairs}


def _converter(field: models.Field, for_xlsx: bool, choices: Any = None) -> Callable[[Any], Any]:
    """Return a function turning a database value of ``field`` into a safe cell value.

    Labels and the time zone are resolved now, in the request's language and zone: a CSV
    body is generated after the view has returned. Runs once per cell, so kept lean.
    """
    empty = None if for_xlsx else ""
    text = _text(for_xlsx)
    if isinstance(field, ArrayField):
        array_labels = _labels(field.base_field.choices or ())
        return lambda value: "; ".join(array_labels.get(v) or text(v) for v in value) if value else empty
    if choices is not None or field.choices:
        labels = _labels(choices or field.flatchoices)
        return lambda value: empty if value is None else (labels.get(value) or text(value))
    if isinstance(field, models.BooleanField):
        yes, no = str(_("Yes")), str(_("No"))
        return lambda value: empty if value is None else (yes if value else no)
    if isinstance(field, models.DateTimeField):
        zone = timezone.get_current_timezone()
        if for_xlsx:
            return lambda value: None if value is None else value.astimezone(zone).replace(tzinfo=None)
        return lambda value: "" if value is None else value.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(field, models.DateField):
        return (lambda value: value) if for_xlsx else (lambda value: "" if value is None else value.isoformat())
    if isinstance(field, models.JSONField):
        return lambda value: empty if value in (None, {}, []) else text(json.dumps(value, ensure_ascii=False))
    if isinstance(field, models.IntegerField | models.FloatField | models.DecimalField):
        return (lambda value: value) if for_xlsx else (lambda value: "" if value is None else value)
    return text


def export_rows(qs: QuerySet, columns: list[Column], *, for_xlsx: bool, limit: int | None = None) -> Iterator[list]:
    """Yield one list of cell values per row, from a single streaming query."""
    converters = [_converter(_field_at(qs.model, column.path), for_xlsx, column.choices) for column in columns]
    rows = qs.values_list(*(column.path for column in columns))
    if limit is not None:
        rows = rows[:limit]
    for row in rows.iterator(chunk_size=CHUNK_SIZE):
        yield [convert(value) for convert, value in zip(converters, row, strict=True)]


class _Echo:
    """A file-like object whose ``write`` returns what it was given (csv.writer into a generator)."""

    def write(self, value: str) -> str:
        return value


def _csv_body(headers: list[str], rows: Iterable[list]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow([neutralise(h) for h in headers])
    chunk: list[str] = []
    for row in rows:
        chunk.append(writer.writerow(row))
        if len(chunk) >= ROWS_PER_CHUNK:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)


def _filename(spec: ExportSpec, extension: str) -> str:
    return f"{spec.name}-{timezone.localtime():%Y%m%d-%H%M}.{extension}"


def _filters_for_audit(request: HttpRequest, spec: ExportSpec) -> dict[str, Any]:
    """Return the filters in force (the query string minus paging and the format), each value cut short."""
    return {
        key: ["***"] if key in spec.masked_filters else [value[:200] for value in values]
        for key, values in request.GET.lists()
        if key not in {"export", "page"} and any(values)
    }


class _ListTarget:
    """What an export is about in the audit log: a model's list, not one object."""

    def __init__(self, model: type[models.Model]) -> None:
        self._meta = model._meta
        self.pk = "list"


def record_export(request: HttpRequest, spec: ExportSpec, fmt: str, columns: list[Column]) -> None:
    record(
        action="export",
        obj=_ListTarget(spec.model),
        diff={
            "export": spec.name,
            "format": fmt,
            "filters": _filters_for_audit(request, spec),
            "columns": [column.path for column in columns],
        },
    )


def csv_response(request: HttpRequest, qs: QuerySet, spec: ExportSpec) -> StreamingHttpResponse:
    columns = spec.columns_for(request.user)
    headers = [column.label(spec.model) for column in columns]
    record_export(request, spec, "csv", columns)
    response = StreamingHttpResponse(
        _csv_body(headers, export_rows(qs, columns, for_xlsx=False)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(spec, "csv")}"'
    response["Cache-Control"] = "no-store"
    return response


def xlsx_too_many(qs: QuerySet) -> bool:
    """Tell whether the filtered list holds more rows than an XLSX export takes (a bounded count)."""
    limit = xlsx_max_rows()
    return qs.order_by()[: limit + 1].count() > limit


def xlsx_response(request: HttpRequest, qs: QuerySet, spec: ExportSpec) -> FileResponse:
    columns = spec.columns_for(request.user)
    record_export(request, spec, "xlsx", columns)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=spec.name[:31])
    sheet.append([neutralise(column.label(spec.model)) for column in columns])
    for row in export_rows(qs, columns, for_xlsx=True, limit=xlsx_max_rows()):
        sheet.append(row)
    target = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    workbook.save(target)
    target.seek(0)
    response = FileResponse(
        target,
        as_attachment=True,
        filename=_filename(spec, "xlsx"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Cache-Control"] = "no-store"
    return response


def _back_to_list(request: HttpRequest) -> HttpResponseRedirect:
    query = request.GET.copy()
    query.pop("export", None)
    encoded = query.urlencode()
    return HttpResponseRedirect(request.path + (f"?{encoded}" if encoded else ""))


def export_response(request: HttpRequest, qs: QuerySet, spec: ExportSpec, fmt: str) -> HttpResponseBase:
    """Answer ``?export=<fmt>`` for a list whose visible, filtered rows are ``qs``."""
    if fmt == "csv":
        return csv_response(request, qs, spec)
    if fmt == "xlsx":
        if xlsx_too_many(qs):
            messages.error(
                request,
                _(
                    "These filters select more than %(limit)s rows, more than an XLSX file takes. "
                    "Narrow the filters, or export CSV, which has no limit."
                )
                % {"limit": f"{xlsx_max_rows():,}"},
            )
            return _back_to_list(request)
        return xlsx_response(request, qs, spec)
    messages.error(request, _("Unknown export format. Choose CSV or XLSX."))
    return _back_to_list(request)


if TYPE_CHECKING:
    from django.views.generic.list import BaseListView

    # The mixin only ever joins a list view: type it as one.
    _ListView = BaseListView[Any]
else:
    _ListView = object


class ExportMixin(_ListView):
    """For list views: ``?export=csv|xlsx`` answers with the filtered list as a file.

    Put it before the ListView in the bases and set ``export_spec``; the view's own role
    check (``RoleRequiredMixin.dispatch``) runs first, and ``get_queryset()`` is the list's.
    """

    export_spec: ExportSpec

    # A view may answer with any HttpResponseBase (View.dispatch does; the CSV export streams), but
    # django-stubs narrow BaseListView.get to HttpResponse: a stubs limitation, hence the ignore.
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:  # type: ignore[override]
        fmt = request.GET.get("export")
        if fmt is not None:
            return export_response(request, self.get_queryset(), self.export_spec, fmt)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["export_xlsx_limit"] = xlsx_max_rows()
        context["can_export"] = True
        return context
