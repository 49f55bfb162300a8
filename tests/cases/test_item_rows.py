"""{% content_item_rows %} (cases/templatetags/item_rows.py) writes exactly what the row markup it
replaced wrote: both are rendered here for varied items, in both modes, languages and time zones."""

from __future__ import annotations

import datetime
import html

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from cases import models as m
from tests import factories as f

pytestmark = pytest.mark.django_db

# The row loop of templates/cases/_contentitem_rows.html before it became a tag (the reference).
REFERENCE = Template(
    "{% load i18n listing triage %}"
    + '      {% for item in items %}{% with url=item.get_absolute_url %}\n      <tr data-href="{{ url }}" data-item="{{ item.pk }}">\n        {% if selectable %}<td class="select-cell">\n          <label class="row-check"><input type="checkbox" name="items" value="{{ item.pk }}"{% if checked_ids and item.pk|stringformat:"d" in checked_ids %} checked{% endif %}><span class="visually-hidden">{% blocktranslate with title=item.title|default:item.text|default:item.url|truncatechars:60 %}Select “{{ title }}”{% endblocktranslate %}</span></label>\n        </td>{% endif %}\n        <td class="item-cell">\n          <a class="clip" href="{{ url }}" title="{{ item.title|default:item.text|truncatechars:200 }}">{{ item.title|default:item.text|default:item.url|truncatechars:80 }}</a>\n          {% if queue %}<span class="sub clip">{{ item.platform }} · {{ item.get_content_type_display }}</span>{% else %}<span class="sub clip">{{ item.platform }}{% if item.account %} · <a href="{{ item.account.get_absolute_url }}">{{ item.account.name }}</a>{% endif %}</span>{% endif %}\n        </td>\n        {% if queue %}<td class="account-cell">{% if item.account %}<a class="clip narrow" href="{{ item.account.get_absolute_url }}">{{ item.account.name }}</a><span class="sub nowrap">{% blocktranslate with followers=item.account.followers|figure %}{{ followers }} followers{% endblocktranslate %}</span>{% else %}<span class="muted">—</span>{% endif %}</td>{% endif %}\n        <td class="nowrap">{% if item.published_at %}<time datetime="{{ item.published_at|date:\'c\' }}" title="{{ item.published_at|date:\'Y-m-d H:i\' }}">{{ item.published_at|age }}</time><span class="sub">{{ item.published_at|date:"Y-m-d H:i" }}</span>{% else %}<span class="muted">—</span><span class="sub">{% blocktranslate with age=item.discovered_at|age %}found {{ age }}{% endblocktranslate %}</span>{% endif %}</td>\n        <td><span class="badge badge-{{ item.triage_state|badge:\'triage\' }}">{{ item.get_triage_state_display }}</span>{% if queue and item.conclusion %}<span class="sub nowrap">{% blocktranslate with conclusion=item.conclusion|conclusion_label %}was: {{ conclusion }}{% endblocktranslate %}</span>{% endif %}</td>\n        {% if not queue %}<td>{% if item.conclusion %}<span class="badge badge-{{ item.conclusion|badge:\'conclusion\' }}">{{ item.conclusion|conclusion_label }}</span>{% else %}<span class="muted">—</span>{% endif %}</td>{% endif %}\n        <td class="num">{% if item.severity %}<span class="severity severity-{{ item.severity }}">{{ item.severity }}</span>{% else %}<span class="muted">—</span>{% endif %}</td>\n        <td class="num">{{ item.reach|figure }}</td>\n        <td><span class="badge badge-{{ item.live_status|badge:\'live\' }}">{{ item.get_live_status_display }}</span></td>\n      </tr>\n      {% endwith %}{% endfor %}'
)
FAST = Template(
    "{% load item_rows %}      {% content_item_rows items selectable=selectable queue=queue checked_ids=checked_ids %}"
)


def _items() -> list[m.ContentItem]:
    now = timezone.now()
    campaign = f.CampaignFactory()
    made = [
        f.ContentItemFactory(title="<b>标题</b> & \"引号\" " + "长" * 90, severity=3, conclusion="serious",
                             triage_state="pending", live_status="deleted"),
        f.ContentItemFactory(account=None, published_at=None, title="", text="正文 <script>alert(1)</script>",
                             discovered_at=now - datetime.timedelta(days=3)),
        f.ContentItemFactory(title="", text="", url="https://example.com/p/1?a=1&b=<2>", triage_state="assessing",
                             published_at=now - datetime.timedelta(seconds=10)),
        f.ContentItemFactory(campaign=campaign, triage_state="dismissed", conclusion="none", severity=1,
                             assessed_at=now, views=1234567, likes=3, shares=2, comments=1,
                             published_at=now - datetime.timedelta(days=400)),
    ]  # fmt: skip
    # Truncation edges (truncatechars:60/80/200): lengths at and past each limit, text that is not NFC,
    # combining characters that keep a long text under the limit, and an item published seconds ago.
    for text in (
        "题" * 60,
        "题" * 61,
        "a" * 80,
        "b" * 81,
        "c" * 201,
        "e\u0301" * 70,
        "\u0915\u094d" * 50,
        "\u0915\u094d" * 45 + "x" * 40,
    ):
        made.append(f.ContentItemFactory(title="", text=text, severity=0, published_at=now))
    made.append(f.ContentItemFactory(title="t" * 59 + "\u0301", triage_state="new"))
    made[0].account.name = "<账号> & 名"
    made[0].account.followers = 1234567
    made[0].account.save()
    return list(m.ContentItem.objects.select_related("platform", "account").filter(pk__in=[i.pk for i in made]))


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC"])
def test_the_rows_tag_writes_the_reference_markup(language, zone):
    items = _items()
    ids = {str(items[0].pk), str(items[2].pk)}
    cases = [
        {"selectable": True, "queue": True, "checked_ids": ids},
        {"selectable": True, "queue": True, "checked_ids": set()},
        {"selectable": False, "queue": True},
        {"selectable": False, "queue": False},
        {},
    ]
    with translation.override(language), timezone.override(zone):
        for extra in cases:
            context = {"items": items, **extra}
            reference = REFERENCE.render(Context(context))
            fast = FAST.render(Context(context))
            assert reference.count("<tr ") == len(items)
            assert fast == reference, extra
    assert "&lt;script&gt;" in fast and "<script>" not in fast


def test_the_triage_page_and_the_content_list_show_the_rows(analyst_client):
    items = _items()
    for path in ("/triage/", "/content/"):
        body = analyst_client.get(path).content.decode()
        shown = [i for i in items if f'data-item="{i.pk}"' in body]
        assert shown, path


@pytest.mark.parametrize("value", [0, 7, 999, 1000, 16465, 1234567, -1234567, 10**15])
def test_figure_of_an_int_groups_as_the_decimal_path_does(value):
    from cases.templatetags.listing import _grouped, figure

    assert figure(value) == _grouped(value, 0)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_row_ages_equal_the_age_filter_from_seconds_to_years(language):
    """The rows compute "3 hours ago" themselves (timesince's steps, phrases translated once per table)."""
    from django.utils.timesince import timesince

    from cases.templatetags.item_rows import _Table
    from cases.templatetags.triage import age

    now = timezone.now()
    # Month ends, leap days and every unit's boundaries, seen from both sides.
    anchors = [now, datetime.datetime(2024, 3, 1, 0, 0, 30, tzinfo=datetime.UTC),
               datetime.datetime(2025, 1, 31, 23, 59, 59, 999999, tzinfo=datetime.UTC)]  # fmt: skip
    offsets = [0, 1, 59, 60, 61, 3599, 3600, 86399, 86400, 604799, 604800, 2419200, 2678400, 31535999,
               31536000, 31622400, 63158400, 10**8]  # fmt: skip
    offsets += [60 * 60 * 24 * day + extra for day in range(25, 40) for extra in (-1, 0, 1)]
    with translation.override(language):
        for anchor in anchors:
            table = _Table(m.ContentItem)
            table.now = anchor
            for seconds in offsets:
                value = anchor - datetime.timedelta(seconds=seconds)
                assert table.since(value) == timesince(value, now=anchor, depth=1), (anchor, seconds)
            # Against the filter itself, which reads the clock: the same "now" give or take a second.
            table.now = timezone.now()
            for seconds in offsets:
                value = table.now - datetime.timedelta(seconds=seconds) + datetime.timedelta(milliseconds=500)
                assert html.unescape(table.age(value)) == age(value), seconds
