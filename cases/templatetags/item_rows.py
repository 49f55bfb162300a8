"""The rows of the content-item table (cases/_contentitem_rows.html), written in Python.

The triage queue and the content list show 50 rich rows; as template markup each row cost about
0.7 ms of lookups, filters and ``{% blocktranslate %}`` nodes, two thirds of the page's time
(``make bench``, docs/benchmarks.md). ``{% content_item_rows %}`` writes the same HTML, byte for
byte, with the same filters and translations (tests/cases/test_item_rows.py renders both and
compares them). Change both when the row changes.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from django import template
from django.utils import dateformat, timezone
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext

from cases.templatetags.listing import badge, figure
from cases.templatetags.triage import age

register = template.Library()

NONE = '<span class="muted">—</span>'


def _e(value: Any) -> str:
    """What ``{{ value }}`` writes: localized (numbers), then escaped."""
    return conditional_escape(localize(value) if isinstance(value, int) and not isinstance(value, bool) else value)


def _truncated(value: Any, length: int) -> str:
    """``value|truncatechars:length``."""
    return Truncator(str(value)).chars(length)


def _date(value: Any, fmt: str) -> str:
    """``value|date:fmt`` for an aware datetime (shown in the current time zone)."""
    return dateformat.format(timezone.localtime(value), fmt)


def _checked(item: Any, checked_ids: Collection[str] | None) -> str:
    if not checked_ids:
        return ""
    try:
        return " checked" if f"{item.pk:d}" in checked_ids else ""
    except TypeError:
        return ""


class _Labels:
    """The choice labels the rows show, translated once per table instead of once per cell
    (``get_FOO_display()`` translates every choice of the field on each call)."""

    def __init__(self, model: Any) -> None:
        from cases.models import Assessment

        def choices(name: str) -> dict[Any, str]:
            return {value: str(label) for value, label in model._meta.get_field(name).flatchoices}

        self.content_type = choices("content_type")
        self.triage_state = choices("triage_state")
        self.live_status = choices("live_status")
        self.conclusion = {value: str(label) for value, label in Assessment.Conclusion.choices}

    def conclusion_label(self, value: str) -> str:
        """``value|conclusion_label``."""
        return self.conclusion.get(value, value)


def _display(labels: dict[Any, str], value: Any) -> Any:
    """``get_FOO_display()`` from a prepared label map."""
    return labels.get(value, value)


def _row(item: Any, labels: _Labels, *, selectable: bool, queue: bool, checked_ids: Collection[str] | None) -> str:
    url = _e(item.get_absolute_url())
    pk = _e(item.pk)
    account = item.account
    out = [f'\n      <tr data-href="{url}" data-item="{pk}">\n        ']
    if selectable:
        title = _e(_truncated(item.title or item.text or item.url, 60))
        label = gettext("Select “%(title)s”") % {"title": title}
        out.append(
            f'<td class="select-cell">\n          <label class="row-check"><input type="checkbox" name="items" '
            f'value="{pk}"{_checked(item, checked_ids)}><span class="visually-hidden">{label}</span></label>\n'
            "        </td>"
        )
    out.append(
        f'\n        <td class="item-cell">\n          <a class="clip" href="{url}" '
        f'title="{_e(_truncated(item.title or item.text, 200))}">'
        f"{_e(_truncated(item.title or item.text or item.url, 80))}</a>\n          "
    )
    if queue:
        out.append(f'<span class="sub clip">{_e(item.platform)} · {_e(_display(labels.content_type, item.content_type))}</span>')
    else:
        linked = f' · <a href="{_e(account.get_absolute_url())}">{_e(account.name)}</a>' if account else ""
        out.append(f'<span class="sub clip">{_e(item.platform)}{linked}</span>')
    out.append("\n        </td>\n        ")
    if queue:
        if account:
            followers = gettext("%(followers)s followers") % {"followers": _e(figure(account.followers))}
            cell = (
                f'<a class="clip narrow" href="{_e(account.get_absolute_url())}">{_e(account.name)}</a>'
                f'<span class="sub nowrap">{followers}</span>'
            )
        else:
            cell = NONE
        out.append(f'<td class="account-cell">{cell}</td>')
    published = item.published_at
    if published:
        shown = _e(_date(published, "Y-m-d H:i"))
        when = (
            f'<time datetime="{_e(_date(published, "c"))}" title="{shown}">{_e(age(published))}</time>'
            f'<span class="sub">{shown}</span>'
        )
    else:
        found = gettext("found %(age)s") % {"age": _e(age(item.discovered_at))}
        when = f'{NONE}<span class="sub">{found}</span>'
    out.append(f'\n        <td class="nowrap">{when}</td>\n        ')
    state = f'<span class="badge badge-{_e(badge(item.triage_state, "triage"))}">{_e(_display(labels.triage_state, item.triage_state))}</span>'
    if queue and item.conclusion:
        was = gettext("was: %(conclusion)s") % {"conclusion": _e(labels.conclusion_label(item.conclusion))}
        state += f'<span class="sub nowrap">{was}</span>'
    out.append(f"<td>{state}</td>\n        ")
    if not queue:
        if item.conclusion:
            conclusion = (
                f'<span class="badge badge-{_e(badge(item.conclusion, "conclusion"))}">'
                f"{_e(labels.conclusion_label(item.conclusion))}</span>"
            )
        else:
            conclusion = NONE
        out.append(f"<td>{conclusion}</td>")
    severity = (
        f'<span class="severity severity-{_e(item.severity)}">{_e(item.severity)}</span>' if item.severity else NONE
    )
    out.append(
        f'\n        <td class="num">{severity}</td>\n        <td class="num">{_e(figure(item.reach))}</td>\n'
        f'        <td><span class="badge badge-{_e(badge(item.live_status, "live"))}">'
        f"{_e(_display(labels.live_status, item.live_status))}</span></td>\n      </tr>\n      "
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
    labels = _Labels(type(items[0]))
    rows = [
        _row(item, labels, selectable=bool(selectable), queue=bool(queue), checked_ids=checked_ids) for item in items
    ]
    return mark_safe("".join(rows))  # noqa: S308 — every interpolated value went through _e()
