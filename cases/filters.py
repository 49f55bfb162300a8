"""FilterSets shared by the staff list pages and the REST API.

Every list is narrowed here and only here (STYLE.md §19): views and viewsets bind
one of these to ``request.GET`` / ``request.query_params``; nothing parses the
query string by hand. Filters are written so that PostgreSQL can serve them
from the indexes named in the models: date filters become ranges on the raw
column (never ``__date``, which hides the index behind a time-zone cast),
multiple choices become ``IN`` (never ``DISTINCT``), text search hits the
trigram indexes.
"""

from __future__ import annotations

import copy
import datetime
from typing import TYPE_CHECKING, Any

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Exists, F, Lookup, OuterRef, Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django_filters.constants import EMPTY_VALUES

from cases.models import (
    Assessment,
    AssistanceRequest,
    Campaign,
    ContentItem,
    Lawsuit,
    MonitoredAccount,
    Platform,
)
from cases.normalize import normalize_url

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

User = get_user_model()

ME = "me"
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
BOOLEAN_CHOICES = (("true", _("Yes")), ("false", _("No")))
# Largest value a bigint primary key can hold: larger ids would make PostgreSQL raise.
MAX_ID = 2**63 - 1


def local_day_start(day: datetime.date) -> datetime.datetime | None:
    """Return the aware local midnight that starts ``day``; None past the calendar's end."""
    try:
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    except OverflowError:
        return None


def local_day_end(day: datetime.date) -> datetime.datetime | None:
    """Return the aware local midnight that ends ``day`` (exclusive bound); None for the last day."""
    if day >= datetime.date.max:
        return None
    return local_day_start(day + datetime.timedelta(days=1))


class ILike(Lookup):
    """``column ILIKE pattern``. Django's ``icontains`` compiles to ``UPPER(column) LIKE UPPER(…)``,
    which the trigram GIN indexes (built on the bare column) cannot serve; ILIKE they can."""

    lookup_name = "ilike"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} ILIKE {rhs}", [*lhs_params, *rhs_params]


def contains_text(field: str, value: str) -> ILike:
    """Return the condition "field contains value, ignoring case", with LIKE wildcards in value escaped."""
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return ILike(F(field), f"%{escaped}%")


class ChoicesInFilter(django_filters.MultipleChoiceFilter):
    """Several values of one column as a single ``IN``: no DISTINCT, so list orderings keep their index."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("distinct", False)
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet, value: list[str]) -> QuerySet:
        if not value:
            return qs
        return qs.filter(**{f"{self.field_name}__in": list(value)})


class IdFilter(django_filters.Filter):
    """A primary key typed as a whole number (``?account=12``); no <select> of every row is rendered."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class YesNoFilter(django_filters.ChoiceFilter):
    """A yes/no filter spelled ``true``/``false`` in the query string."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("choices", BOOLEAN_CHOICES)
        kwargs.setdefault("empty_label", _("Any"))
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet, value: str) -> QuerySet:
        if value in EMPTY_VALUES:
            return qs
        return self.apply(qs, value == "true")

    def apply(self, qs: QuerySet, value: bool) -> QuerySet:
        return qs.filter(**{f"{self.field_name}__{self.lookup_expr}": value})


class NotNullFilter(YesNoFilter):
    """``true``: the column has a value; ``false``: it is empty (e.g. ``assessed`` on ``assessed_at``)."""

    def apply(self, qs: QuerySet, value: bool) -> QuerySet:
        return qs.filter(**{f"{self.field_name}__isnull": not value})


class OpenFilter(YesNoFilter):
    """``true``: still someone's work, as the model's open states define it; ``false``: finished."""

    def __init__(
        self, *args: Any, open_values: tuple[str, ...] = (), finished_values: tuple[str, ...] = (), **kwargs: Any
    ) -> None:
        self.open_values = open_values
        self.finished_values = finished_values
        super().__init__(*args, **kwargs)

    def apply(self, qs: QuerySet, value: bool) -> QuerySet:
        lookup = {f"{self.field_name}__in": list(self.open_values or self.finished_values)}
        matches_open = bool(self.open_values)
        return qs.filter(**lookup) if value == matches_open else qs.exclude(**lookup)


class LocalDateFromFilter(django_filters.DateFilter):
    """On or after a local calendar day, as ``column >= local midnight`` (index-friendly)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", DATE_WIDGET)
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet, value: datetime.date | None) -> QuerySet:
        if value is None or value in EMPTY_VALUES:
            return qs
        start = local_day_start(value)
        return qs if start is None else qs.filter(**{f"{self.field_name}__gte": start})


class LocalDateToFilter(LocalDateFromFilter):
    """On or before a local calendar day (inclusive), as ``column < next local midnight``."""

    def filter(self, qs: QuerySet, value: datetime.date | None) -> QuerySet:
        if value is None or value in EMPTY_VALUES:
            return qs
        end = local_day_end(value)
        if end is None:  # the calendar's last day: any moment with a value is on or before it
            return qs.filter(**{f"{self.field_name}__isnull": False})
        return qs.filter(**{f"{self.field_name}__lt": end})


class DateBoundFilter(django_filters.DateFilter):
    """A bound on a DateField (``filed_on``): plain comparison, no time zone involved."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", DATE_WIDGET)
        super().__init__(*args, **kwargs)


def _staff_choices() -> list[tuple[str, StrOrPromise]]:
    """Return "me" plus every lawyer and administrator, for the responsible-person filters."""
    people = User.objects.filter(role__in=[User.Role.LAWYER, User.Role.ADMIN]).order_by("username")
    return [(ME, _("Me")), *((str(person.pk), str(person)) for person in people)]


class PersonFilter(django_filters.ChoiceFilter):
    """A responsible person by id, or ``me`` for whoever is asking (home-page links use ``?lawyer=me``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("choices", _staff_choices)
        kwargs.setdefault("empty_label", _("Anyone"))
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet, value: str) -> QuerySet:
        if value in EMPTY_VALUES:
            return qs
        if value == ME:
            user = getattr(self.parent, "user", None)
            if user is None or not user.is_authenticated:
                return qs.none()
            return qs.filter(**{f"{self.field_name}_id": user.pk})
        return qs.filter(**{f"{self.field_name}_id": int(value)})


UNASSIGNED = "none"


def _assignee_choices() -> list[tuple[str, StrOrPromise]]:
    me, *people = _staff_choices()
    return [me, (UNASSIGNED, _("Unassigned")), *people]


class AssigneeFilter(PersonFilter):
    """The staff queue's "assigned" filter: me (mine), nobody yet (``none``), or a person."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("choices", _assignee_choices)
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet, value: str) -> QuerySet:
        if value == UNASSIGNED:
            return qs.filter(**{f"{self.field_name}__isnull": True})
        return super().filter(qs, value)


def _copy_filter(filter_: django_filters.Filter) -> django_filters.Filter:
    """A declared filter's copy for one FilterSet: what ``copy.deepcopy`` gives, without its cost.

    The attributes and ``extra`` (which a filter writes, e.g. the request's queryset) are the
    copy's own; a cached form field is dropped (each FilterSet builds its own); a ``method=``
    filter is re-bound to the copy, as deepcopy would do. tests/cases/test_filters_compact.py.
    """
    copied = copy.copy(filter_)
    copied.extra = dict(filter_.extra)
    copied.__dict__.pop("_field", None)
    if getattr(filter_, "_method", None) is not None:
        copied.method = filter_._method
    return copied


class StaffFilterSet(django_filters.FilterSet):
    """Knows who is asking, for the ``me`` values; works with a request (views, DRF) or a user (selectors)."""

    def __init__(
        self,
        data: Any = None,
        queryset: QuerySet | None = None,
        *,
        request: Any = None,
        prefix: str | None = None,
        user: Any = None,
        fields_in_data_only: bool = False,
    ) -> None:
        # BaseFilterSet.__init__ (django-filter 26), except for its deep copy of every declared filter
        # (about 600 copy calls for the content items' sixteen): ``filters`` copies them when first
        # used (a list page without a query string whose filter bar is cached never needs them), and
        # attribute-wise (see _copy_filter), in a third of the time.
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self._model = queryset.model
        self.user = user if user is not None else getattr(request, "user", None)
        self.fields_in_data_only = fields_in_data_only

    def get_form_class(self) -> type[forms.Form]:
        """The form of every filter, or (``fields_in_data_only``) of those the query string names.

        The API renders no form: building, copying and cleaning all sixteen fields of the content
        items' form was a sixth of a list request's CPU, and a person filter's choices cost a query.
        A filter the query string does not name has an empty value, and every filter here leaves
        the list unchanged on an empty value, so both forms narrow the list identically
        (tests/cases/test_filters_compact.py checks each filter of each API list).
        """
        if not (self.fields_in_data_only and self.is_bound):
            return super().get_form_class()
        keys = [key for key in self.data if isinstance(key, str)]
        prefix = f"{self.form_prefix}-" if self.form_prefix else ""
        named = {
            name: filter_.field
            for name, filter_ in self.filters.items()
            if any(key == prefix + name or key.startswith(f"{prefix}{name}_") for key in keys)
        }
        return type(f"{type(self).__name__}Form", (self._meta.form,), named)

    @cached_property
    def filters(self) -> dict[str, Any]:
        filters = {name: _copy_filter(filter_) for name, filter_ in self.base_filters.items()}
        for filter_ in filters.values():  # as BaseFilterSet.__init__ does
            filter_.model = self._model
            filter_.parent = self
        return filters

    @property
    def qs(self) -> QuerySet:
        # An invalid value narrows to nothing instead of being silently dropped: a list that
        # ignored "lawyer=<bad>" would look like an answer to the question that was asked.
        if not hasattr(self, "_qs"):
            self._qs = super().qs if not self.is_bound or self.is_valid() else self.queryset.none()
        return self._qs


def _platform_choices(request: Any = None) -> QuerySet:
    return Platform.objects.filter(is_active=True)


class ContentItemFilter(StaffFilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        min_length=2,
        max_length=500,
        help_text=_("Words in the text, or the item's full URL."),
    )
    platform = django_filters.ModelChoiceFilter(
        label=_("Platform"),
        field_name="platform",
        queryset=_platform_choices,
        to_field_name="code",
        empty_label=_("All platforms"),
    )
    triage_state = ChoicesInFilter(
        label=_("Triage state"), field_name="triage_state", choices=ContentItem.TriageState.choices
    )
    conclusion = ChoicesInFilter(
        label=_("Assessment conclusion"), field_name="conclusion", choices=Assessment.Conclusion.choices
    )
    # Optional: TriageFilter removes these four.
    open: OpenFilter | None = OpenFilter(
        label=_("Open"), field_name="triage_state", open_values=tuple(ContentItem.OPEN_STATES)
    )
    assessed: NotNullFilter | None = NotNullFilter(label=_("Assessed"), field_name="assessed_at")
    source = django_filters.ChoiceFilter(
        label=_("Source"), field_name="source", choices=ContentItem.Source.choices, empty_label=_("Any")
    )
    live_status = django_filters.ChoiceFilter(
        label=_("Status on the platform"),
        field_name="live_status",
        choices=ContentItem.LiveStatus.choices,
        empty_label=_("Any"),
    )
    account = IdFilter(label=_("Account ID"), field_name="account_id")
    campaign = IdFilter(label=_("Campaign ID"), field_name="campaign_id")
    published_from = LocalDateFromFilter(label=_("Published from"), field_name="published_at")
    published_to = LocalDateToFilter(label=_("Published to"), field_name="published_at")
    discovered_from = LocalDateFromFilter(label=_("Discovered from"), field_name="discovered_at")
    discovered_to = LocalDateToFilter(label=_("Discovered to"), field_name="discovered_at")
    assessed_from: LocalDateFromFilter | None = LocalDateFromFilter(label=_("Assessed from"), field_name="assessed_at")
    assessed_to: LocalDateToFilter | None = LocalDateToFilter(label=_("Assessed to"), field_name="assessed_at")

    class Meta:
        model = ContentItem
        fields = [
            "q",
            "platform",
            "triage_state",
            "open",
            "conclusion",
            "assessed",
            "source",
            "live_status",
            "account",
            "campaign",
            "published_from",
            "published_to",
            "discovered_from",
            "discovered_to",
            "assessed_from",
            "assessed_to",
        ]

    def search(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return qs
        if value.lower().startswith(("http://", "https://")):
            # Listing the platforms lets PostgreSQL probe the (platform, url) unique index
            # once per platform instead of scanning every row for the URL.
            platform_ids = list(Platform.objects.values_list("pk", flat=True))
            return qs.filter(platform_id__in=platform_ids, url=normalize_url(value))
        # ILIKE '%…%' on text: served by the cases_item_text_trgm GIN index.
        return qs.filter(contains_text("text", value))


class OrderingChoiceFilter(django_filters.ChoiceFilter):
    """Sort by one of a few named orderings (``?ordering=-reach``); empty keeps the list's default order.

    Each value maps to a full ``order_by`` with a unique tie-breaker, so pages never overlap.
    """

    def __init__(self, *args: Any, orderings: dict[str, tuple[tuple[str, ...], Any]], **kwargs: Any) -> None:
        self.orderings = {value: fields for value, (fields, _label) in orderings.items()}
        kwargs.setdefault("choices", [(value, label) for value, (_fields, label) in orderings.items()])
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet, value: str) -> QuerySet:
        if value in EMPTY_VALUES:
            return qs
        return qs.order_by(*self.orderings[value])


SEVERITY_CHOICES = [("0", _("0 (not assessed)")), *((str(level), str(level)) for level in range(1, 6))]
QUEUE_STATES = (ContentItem.TriageState.NEW, ContentItem.TriageState.PENDING, ContentItem.TriageState.ASSESSING)


class TriageFilter(ContentItemFilter):
    """The triage queue's filters: the content filters that make sense for waiting items, plus
    severity, campaign category and the queue's sort orders."""

    triage_state = ChoicesInFilter(
        label=_("Triage state"),
        field_name="triage_state",
        choices=[(value, label) for value, label in ContentItem.TriageState.choices if value in QUEUE_STATES],
    )
    severity = ChoicesInFilter(label=_("Severity"), field_name="severity", choices=SEVERITY_CHOICES)
    category = ChoicesInFilter(
        label=_("Campaign category"), field_name="campaign__category", choices=Campaign.Category.choices
    )
    # The default (empty) order is the queue's own: most severe, then widest reach (cases_item_queue_idx).
    # Newest first walks cases_item_published_idx. Widest reach first sorts the waiting items.
    ordering = OrderingChoiceFilter(
        label=_("Sort by"),
        empty_label=_("Most severe first"),
        orderings={
            "-reach": (("-reach", "id"), _("Widest reach first")),
            "-published_at": (("-published_at", "id"), _("Newest first")),
        },
    )
    # Meaningless for items that are waiting for their first (or next) assessment.
    open = None
    assessed = None
    assessed_from = None
    assessed_to = None

    class Meta:
        model = ContentItem
        fields = [
            "q",
            "platform",
            "triage_state",
            "severity",
            "ordering",
            "account",
            "campaign",
            "category",
            "conclusion",
            "source",
            "live_status",
            "published_from",
            "published_to",
            "discovered_from",
            "discovered_to",
        ]


class MonitoredAccountFilter(StaffFilterSet):
    q = django_filters.CharFilter(label=_("Name"), method="search", min_length=2, max_length=200)
    platform = django_filters.ModelChoiceFilter(
        label=_("Platform"),
        field_name="platform",
        queryset=_platform_choices,
        to_field_name="code",
        empty_label=_("All platforms"),
    )
    watch_status = ChoicesInFilter(
        label=_("Watch status"), field_name="watch_status", choices=MonitoredAccount.WatchStatus.choices
    )
    risk_level = ChoicesInFilter(
        label=_("Risk level"), field_name="risk_level", choices=MonitoredAccount.RiskLevel.choices
    )
    identity_status = django_filters.ChoiceFilter(
        label=_("Identity status"),
        field_name="identity_status",
        choices=MonitoredAccount.IdentityStatus.choices,
        empty_label=_("Any"),
    )
    agency = IdFilter(label=_("Agency ID"), field_name="agency_id")

    class Meta:
        model = MonitoredAccount
        fields = ["q", "platform", "watch_status", "risk_level", "identity_status", "agency"]

    def search(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        # ILIKE '%…%' on name: served by the cases_macct_name_trgm GIN index.
        value = value.strip()
        return qs.filter(contains_text("name", value)) if value else qs


class MonitoredAccountListFilter(MonitoredAccountFilter):
    """The account list page's filters plus its sort orders (the API sorts with DRF's ``ordering``)."""

    # Empty keeps the list's default: highest risk score first (cases_macct_risk_idx).
    ordering = OrderingChoiceFilter(
        label=_("Sort by"),
        empty_label=_("Highest risk first"),
        orderings={
            "risk_score": (("risk_score", "-id"), _("Lowest risk first")),
            "-followers": (("-followers", "id"), _("Most followers first")),
            "-last_seen_at": (("-last_seen_at", "id"), _("Seen most recently first")),
        },
    )

    class Meta:
        model = MonitoredAccount
        fields = ["q", "platform", "watch_status", "risk_level", "ordering", "identity_status", "agency"]


class FiledFilter(YesNoFilter):
    """``true``: the suit reached a court (past preparation), as ``Lawsuit.objects.filed()`` defines it."""

    def apply(self, qs: QuerySet, value: bool) -> QuerySet:
        preparing = Lawsuit.Stage.PREPARING
        return qs.exclude(stage=preparing) if value else qs.filter(stage=preparing)


class OverdueDeadlineFilter(YesNoFilter):
    """``true``: suits with a pending deadline (on the suit or one of its proceedings) already past."""

    def apply(self, qs: QuerySet, value: bool) -> QuerySet:
        from cases.models import Deadline

        overdue = Deadline.objects.pending().filter(
            Q(lawsuit=OuterRef("pk")) | Q(proceeding__lawsuit=OuterRef("pk")), due_on__lt=timezone.localdate()
        )
        return qs.filter(Exists(overdue)) if value else qs.exclude(Exists(overdue))


class LawsuitFilter(StaffFilterSet):
    stage = ChoicesInFilter(label=_("Stage"), field_name="stage", choices=Lawsuit.Stage.choices)
    open = OpenFilter(label=_("Open"), field_name="stage", finished_values=tuple(Lawsuit.FINISHED_STAGES))
    filed = FiledFilter(label=_("Filed with a court"), field_name="stage")
    our_role = django_filters.ChoiceFilter(
        label=_("Our role"), field_name="our_role", choices=Lawsuit.OurRole.choices, empty_label=_("Any")
    )
    cause = django_filters.ChoiceFilter(
        label=_("Cause of action"), field_name="cause", choices=Lawsuit.Cause.choices, empty_label=_("Any")
    )
    outcome = ChoicesInFilter(label=_("Outcome"), field_name="outcome", choices=Lawsuit.Outcome.choices)
    lawyer = PersonFilter(label=_("Responsible lawyer"), field_name="lawyer")
    overdue = OverdueDeadlineFilter(label=_("Overdue deadline"))
    filed_from = DateBoundFilter(label=_("Filed from"), field_name="filed_on", lookup_expr="gte")
    filed_to = DateBoundFilter(label=_("Filed to"), field_name="filed_on", lookup_expr="lte")
    judged_from = DateBoundFilter(label=_("Judgment from"), field_name="judgment_on", lookup_expr="gte")
    judged_to = DateBoundFilter(label=_("Judgment to"), field_name="judgment_on", lookup_expr="lte")

    class Meta:
        model = Lawsuit
        fields = [
            "stage",
            "open",
            "filed",
            "our_role",
            "cause",
            "outcome",
            "lawyer",
            "overdue",
            "filed_from",
            "filed_to",
            "judged_from",
            "judged_to",
        ]


class AssistanceRequestFilter(StaffFilterSet):
    q = django_filters.CharFilter(
        label=_("Reference"), method="by_reference", max_length=20, help_text=_("e.g. YZ-2025-000123")
    )
    status = ChoicesInFilter(label=_("Status"), field_name="status", choices=AssistanceRequest.Status.choices)
    open = OpenFilter(label=_("Open"), field_name="status", finished_values=tuple(AssistanceRequest.FINISHED_STATUSES))
    eligibility = django_filters.ChoiceFilter(
        label=_("Eligibility"),
        field_name="eligibility",
        choices=AssistanceRequest.Eligibility.choices,
        empty_label=_("Any"),
    )
    help_type = django_filters.ChoiceFilter(
        label=_("Help wanted"),
        method="by_help_type",
        choices=AssistanceRequest.HelpType.choices,
        empty_label=_("Any"),
    )
    has_evidence = YesNoFilter(label=_("Came with evidence"), field_name="has_evidence", lookup_expr="exact")
    assigned = AssigneeFilter(label=_("Assigned lawyer"), field_name="assigned_lawyer")
    submitted_from = LocalDateFromFilter(label=_("Submitted from"), field_name="submitted_at")
    submitted_to = LocalDateToFilter(label=_("Submitted to"), field_name="submitted_at")

    class Meta:
        model = AssistanceRequest
        fields = [
            "q",
            "status",
            "open",
            "eligibility",
            "help_type",
            "has_evidence",
            "assigned",
            "submitted_from",
            "submitted_to",
        ]

    def by_reference(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip().upper()
        return qs.filter(reference=value) if value else qs

    def by_help_type(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        # Array containment, served by the cases_assist_help_gin index; same test as asking_for().
        return qs.filter(help_types__contains=[value]) if value else qs
