"""The rows of the content-item table (cases/_contentitem_rows.html), written in Python.

The triage queue and the content list show 50 rich rows; as template markup each row cost about
0.7 ms of lookups, filters and ``{% blocktranslate %}`` nodes, two thirds of the page's time
(``make bench``, docs/benchmarks.md). ``{% content_item_rows %}`` writes the same HTML, byte for
byte, with the same filters and translations (tests/cases/test_item_rows.py renders both and
compares them). Change both when the row changes.

Whatever is the same for every row (choice labels, translated phrases, the URL around the id,
platform names, the time zone and "now") is prepared once per table (``_Table``); a row then costs
a few string operations (about 20 µs).
"""

from __future__ import annotations

import datetime
import html
import unicodedata
from collections.abc import Collection, Iterable
from typing import Any

from django import template
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.html import avoid_wrapping
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator, add_truncation_text, calculate_truncate_chars_length
from django.utils.timesince import TIME_CHUNKS, TIME_STRINGS
from django.utils.translation import get_language, gettext, pgettext

from cases.templatetags.listing import BADGES, figure

register = template.Library()


NONE = '<span class="muted">—</span>'
# An id no row has, to split a reversed URL around the id ("/content/" + id + "/").
_ID_MARK = 987654321987654321
_MINUTE = datetime.timedelta(minutes=1)
_CHUNKS = tuple(zip(("week", "day", "hour", "minute"), TIME_CHUNKS, strict=True))
_TRIAGE_BADGES = BADGES["triage"]
_CONCLUSION_BADGES = BADGES["conclusion"]
_LIVE_BADGES = BADGES["live"]


def _e(value: Any) -> str:
    """What ``{{ value }}`` writes for a str, an int or None: the text, escaped (ints unlocalized, as
    USE_THOUSAND_SEPARATOR is off)."""
    return html.escape(value if type(value) is str else str(value))


def _url_parts(name: str) -> tuple[str, str]:
    """The escaped text before and after the id in ``reverse(name, args=[id])``."""
    before, after = reverse(name, args=[_ID_MARK]).split(str(_ID_MARK))
    return html.escape(before), html.escape(after)


def _checked(item: Any, checked_ids: Collection[str] | None) -> str:
    if not checked_ids:
        return ""
    try:
        return " checked" if f"{item.pk:d}" in checked_ids else ""
    except TypeError:
        return ""


# What tables of one model share in one language (and URL prefix): built once per process.
_SHARED: dict[tuple[Any, str | None, str], dict[str, Any]] = {}


def _shared(model: Any) -> dict[str, Any]:
    key = (model, get_language(), get_script_prefix())
    shared = _SHARED.get(key)
    if shared is None:
        from cases.models import Assessment

        def choices(name: str) -> dict[Any, str]:
            return {value: _e(str(label)) for value, label in model._meta.get_field(name).flatchoices}

        ellipsis = pgettext("String to return when truncating text", "%(truncated_text)s…")
        shared = _SHARED[key] = {
            "content_type": choices("content_type"),
            "triage_state": choices("triage_state"),
            "live_status": choices("live_status"),
            "conclusion": {value: _e(str(label)) for value, label in Assessment.Conclusion.choices},
            "item_url": _url_parts("cases:content-item-detail"),
            "account_url": _url_parts("cases:monitored-account-detail"),
            # Translations are trusted markup in the templates too ({% blocktranslate %} escapes only values).
            "select": gettext("Select “%(title)s”"),
            "followers": gettext("%(followers)s followers"),
            "found": gettext("found %(age)s"),
            "was": gettext("was: %(conclusion)s"),
            "just_now": _e(gettext("just now")),
            "ago": gettext("%(age)s ago"),
            # timesince's phrases ("3 hours") and the escaped "3 hours ago", filled as rows need them.
            "units": {},
            "ages": {},
            # What Truncator.chars() appends, and how many characters it keeps, per length.
            "ellipsis": ellipsis,
            "keep": {n: calculate_truncate_chars_length(n, ellipsis) for n in (60, 80, 200)},
        }
    return shared


class _Table:
    """What every row of one table shares, computed once: labels (``get_FOO_display()`` translates
    every choice of the field on each call), phrases and URLs (per language, ``_shared``), platform
    names, time zone and now. Everything kept here is already escaped."""

    def __init__(self, model: Any) -> None:
        self.__dict__.update(_shared(model))
        self.zone = timezone.get_current_timezone()
        self.now = timezone.now()
        self.platforms: dict[Any, str] = {}

    def __getattr__(self, name: str) -> Any:
        # The per-language labels and URLs are set from ``_shared()`` by name; tell mypy so.
        raise AttributeError(name)

    def cut(self, value: Any, length: int) -> str:
        """``value|truncatechars:length`` (``Truncator(value).chars(length)``), escaped, without the
        per-character Python loop when no combining character is involved."""
        text = unicodedata.normalize("NFC", str(value))
        if len(text) > length:  # else nothing to cut: combining characters only ever lower the count
            keep = self.keep.get(length, 0)
            if keep <= 0 or any(map(unicodedata.combining, text[: length + 1])):
                text = Truncator(text).chars(length)
            else:
                text = add_truncation_text(text[:keep], self.ellipsis)
        return html.escape(text)

    def platform(self, item: Any) -> str:
        """``{{ item.platform }}`` (its name in the current language), escaped, once per platform."""
        key = item.platform_id
        name = self.platforms.get(key)
        if name is None:
            name = self.platforms[key] = _e(item.platform)
        return name

    def age(self, value: datetime.datetime) -> str:
        """``value|age`` (cases/templatetags/triage.py) against this table's "now", escaped."""
        if self.now - value < _MINUTE:
            return self.just_now
        since = self.since(value)
        text = self.ages.get(since)
        if text is None:
            text = self.ages[since] = _e(self.ago % {"age": since})
        return text

    def since(self, d: datetime.datetime) -> str:
        """``timesince(d, now, depth=1)`` (django/utils/timesince.py, same steps) with each phrase
        translated once per table (tests/cases/test_item_rows.py holds the two equal over many dates)."""
        now = self.now.astimezone(d.tzinfo)
        delta = now - d
        if delta.days * 86400 + delta.seconds <= 0:
            return self.unit("minute", 0)
        months = (now.year - d.year) * 12 + (now.month - d.month)
        if d.day > now.day or (d.day == now.day and d.time() > now.time()):
            months -= 1
        years, months = divmod(months, 12)
        if years:
            return self.unit("year", years)
        if months:
            return self.unit("month", months)
        remaining = delta.total_seconds()
        for name, chunk in _CHUNKS:
            count = int(remaining // chunk)
            if count:
                return self.unit(name, count)
            remaining -= chunk * count
        return self.unit("minute", 0)

    def unit(self, name: str, count: int) -> str:
        text = self.units.get((name, count))
        if text is None:
            text = self.units[name, count] = avoid_wrapping(str(TIME_STRINGS[name] % {"num": count}))
        return text

    def dates(self, value: datetime.datetime) -> tuple[str, str]:
        """``value|date:"c"`` and ``value|date:"Y-m-d H:i"`` in the current time zone (nothing to escape)."""
        local = value.astimezone(self.zone)
        shown = f"{local.year:04d}-{local.month:02d}-{local.day:02d} {local.hour:02d}:{local.minute:02d}"
        return local.isoformat(), shown


def _label(labels: dict[Any, str], value: Any) -> str:
    """``get_FOO_display()`` from a prepared (escaped) label map."""
    label = labels.get(value)
    return _e(value) if label is None else label


def _number(value: Any) -> str:
    """``value|figure``, escaped (an int's "1,234" needs no escaping)."""
    return figure(value) if type(value) is int else _e(figure(value))


def _row(item: Any, t: _Table, *, selectable: bool, queue: bool, checked_ids: Collection[str] | None) -> str:
    pk = str(item.pk)
    url = f"{t.item_url[0]}{pk}{t.item_url[1]}"
    account = item.account
    title = item.title
    headline = title or item.text or item.url
    out = [f'\n      <tr data-href="{url}" data-item="{pk}">\n        ']
    if selectable:
        label = t.select % {"title": t.cut(headline, 60)}
        out.append(
            f'<td class="select-cell">\n          <label class="row-check"><input type="checkbox" name="items" '
            f'value="{pk}"{_checked(item, checked_ids)}><span class="visually-hidden">{label}</span></label>\n'
            "        </td>"
        )
    out.append(
        f'\n        <td class="item-cell">\n          <a class="clip" href="{url}" '
        f'title="{t.cut(title or item.text, 200)}">{t.cut(headline, 80)}</a>\n          '
    )
    if account:
        account_url = f"{t.account_url[0]}{account.pk}{t.account_url[1]}"
        account_name = _e(account.name)
    if queue:
        out.append(f'<span class="sub clip">{t.platform(item)} · {_label(t.content_type, item.content_type)}</span>')
    else:
        linked = f' · <a href="{account_url}">{account_name}</a>' if account else ""
        out.append(f'<span class="sub clip">{t.platform(item)}{linked}</span>')
    out.append("\n        </td>\n        ")
    if queue:
        if account:
            followers = t.followers % {"followers": _number(account.followers)}
            cell = (
                f'<a class="clip narrow" href="{account_url}">{account_name}</a>'
                f'<span class="sub nowrap">{followers}</span>'
            )
        else:
            cell = NONE
        out.append(f'<td class="account-cell">{cell}</td>')
    published = item.published_at
    if published:
        iso, shown = t.dates(published)
        when = f'<time datetime="{iso}" title="{shown}">{t.age(published)}</time><span class="sub">{shown}</span>'
    else:
        found = t.found % {"age": t.age(item.discovered_at)}
        when = f'{NONE}<span class="sub">{found}</span>'
    out.append(f'\n        <td class="nowrap">{when}</td>\n        ')
    state_value = item.triage_state
    conclusion_value = item.conclusion
    # Badge variants come from the constant BADGES maps: nothing to escape.
    state = (
        f'<span class="badge badge-{_TRIAGE_BADGES.get(str(state_value), "neutral")}">'
        f"{_label(t.triage_state, state_value)}</span>"
    )
    if queue and conclusion_value:
        was = t.was % {"conclusion": _label(t.conclusion, conclusion_value)}
        state += f'<span class="sub nowrap">{was}</span>'
    out.append(f"<td>{state}</td>\n        ")
    if not queue:
        if conclusion_value:
            conclusion = (
                f'<span class="badge badge-{_CONCLUSION_BADGES.get(str(conclusion_value), "neutral")}">'
                f"{_label(t.conclusion, conclusion_value)}</span>"
            )
        else:
            conclusion = NONE
        out.append(f"<td>{conclusion}</td>")
    severity = item.severity
    severity_cell = f'<span class="severity severity-{severity}">{severity}</span>' if severity else NONE
    live = item.live_status
    out.append(
        f'\n        <td class="num">{severity_cell}</td>\n        <td class="num">{_number(item.reach)}</td>\n'
        f'        <td><span class="badge badge-{_LIVE_BADGES.get(str(live), "neutral")}">'
        f"{_label(t.live_status, live)}</span></td>\n      </tr>\n      "
    )
    return "".join(out)


@register.simple_tag
def content_item_rows(
    items: Iterable[Any], selectable: bool = False, queue: bool = False, checked_ids: Collection[str] | None = None
) -> SafeString:
    """Return the table rows of ``items`` (every value escaped here; see the module docstring)."""
    items = list(items)
    if not items:
        return mark_safe("")
    table = _Table(type(items[0]))
    selectable, queue = bool(selectable), bool(queue)
    rows = [_row(item, table, selectable=selectable, queue=queue, checked_ids=checked_ids) for item in items]
    return mark_safe("".join(rows))  # noqa: S308 — every interpolated value went through _e()


@register.simple_tag
def content_item_ids(items: Iterable[Any], name: str) -> SafeString:
    """Return a hidden input named ``name`` per item, holding its id (the queue's "every item on this page")."""
    field = html.escape(name)
    return mark_safe("".join(f'<input type="hidden" name="{field}" value="{item.pk:d}">' for item in items))  # noqa: S308
