"""Issue 6 "Bad input": the public form and the tracking link refuse it clearly, in Chinese, and store nothing."""

from __future__ import annotations

import secrets
import socket

import pytest
from django.core.cache import cache
from django.urls import reverse

from cases.models import AssistanceRequest, ConsentRecord, Evidence, StateChange
from tests.cases.test_public_form import FORM, form_data, screenshot, submit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def nothing_stored() -> bool:
    return not (AssistanceRequest.objects.exists() or ConsentRecord.objects.exists() or Evidence.objects.exists())


@pytest.mark.parametrize(
    "link",
    [
        "http://127.0.0.1/admin",
        "http://127.0.0.1:8000/",
        "https://10.1.2.3/internal",
        "http://[::1]/",
        "http://[fe80::1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://intranet.local/",
    ],
)
def test_private_network_links_are_refused_with_a_clear_message(client, link):
    response = client.post(FORM, form_data(links=f"https://weibo.com/1/ok\n{link}"), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert [e.code for e in response.context["form"].errors.as_data()["links"]] == ["private_link"]
    html = response.content.decode()
    assert "Links to this computer or to a private network are not accepted" in html
    assert "https://weibo.com/1/ok" in html  # the owner's links are kept for correcting
    assert nothing_stored()


def test_a_host_name_that_resolves_to_loopback_is_refused(client, monkeypatch):
    real = socket.getaddrinfo

    def fake(host, *args, **kwargs):
        if host == "sneaky.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 0))]
        if host == "fine.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", 0))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr("cases.forms.assistance.socket.getaddrinfo", fake)

    response = submit(client, links="https://fine.example/post\nhttps://sneaky.example/post")

    assert "links" in response.context["form"].errors
    assert "sneaky.example" in str(response.context["form"].errors["links"])
    assert "fine.example" not in str(response.context["form"].errors["links"])
    assert nothing_stored()


def test_links_whose_host_does_not_resolve_here_are_accepted(client):
    assert submit(client, links="https://weibo.com/123/abc\nhttps://no-such-host.invalid/x").status_code == 302


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("name", "a" * 10_240, "max_length"),
        ("name", "王" * 10_240, "max_length"),
        ("description", "造谣\x00内容", "null_characters_not_allowed"),
        ("city", "合\x00肥", "null_characters_not_allowed"),
        ("vehicle_model", "S7\x07", "control_chars"),
        ("phone", "138\x001234\x005678", "null_characters_not_allowed"),
        ("phone", "+1 415 555 0100", "phone"),
        ("phone", "00852 1381 234 567", "phone"),
        ("phone", "电话号码", "phone"),
        ("links", "ftp://weibo.com/file", "bad_link"),
        ("links", "https://weibo.com/a b", "bad_link"),
        ("links", "file:///etc/passwd", "bad_link"),
        ("consent", None, "required"),
    ],
)
def test_bad_values_get_a_translated_field_error_and_store_nothing(client, field, value, code):
    response = submit(client, **{field: value})

    assert response.status_code == 200
    assert code in [e.code for e in response.context["form"].errors.as_data()[field]]
    html = response.content.decode()
    assert 'class="form-errors"' in html and 'lang="zh-CN"' in html
    assert nothing_stored()


def test_consent_error_is_chinese_by_default_and_english_on_request(client):
    assert "只有在您同意后" in submit(client, consent=None).content.decode()

    english = client.post(FORM, form_data(consent=None), HTTP_ACCEPT_LANGUAGE="en")
    assert "We can only take your request with your consent." in english.content.decode()


def test_unknown_fields_are_ignored_and_cannot_set_staff_values(client):
    data = form_data(
        status="closed",
        eligibility="suable",
        litigation_hold="on",
        assigned_lawyer="1",
        reference="YZ-1999-000001",
        token_digest="0" * 64,
        purged_at="2020-01-01",
        is_staff="1",
    )

    assert client.post(FORM, data).status_code == 302

    req = AssistanceRequest.objects.get()
    assert (req.status, req.eligibility, req.litigation_hold, req.assigned_lawyer_id) == (
        "submitted",
        "unknown",
        False,
        None,
    )
    assert req.reference != "YZ-1999-000001" and req.token_digest != "0" * 64 and req.purged_at is None


@pytest.mark.parametrize("name", ["欧阳娜娜", "🚗🔥", "Ng 吴 👍🏽 family", "阿卜杜热合曼·买买提"])
def test_emoji_and_chinese_names_are_accepted_as_typed(client, name):
    assert submit(client, name=name).status_code == 302
    assert AssistanceRequest.objects.get().owner_name == name


def test_200_submissions_in_a_minute_from_one_address_get_429_with_retry_after_and_no_5xx(client):
    statuses, retry_after = [], set()
    for n in range(200):
        response = submit(client, phone=f"13{n:09d}", links=f"https://weibo.com/p/{n}")
        statuses.append(response.status_code)
        if response.status_code == 429:
            retry_after.add(response["Retry-After"])
            assert "请稍后再试" in response.content.decode()

    assert max(statuses) < 500
    assert statuses[:5] == [302] * 5 and set(statuses[5:]) == {429}
    assert retry_after and all(int(value) > 0 for value in retry_after)
    assert AssistanceRequest.objects.count() == 5


def test_a_throttled_form_keeps_what_the_owner_typed(client):
    for n in range(5):
        submit(client, phone=f"1390000000{n}")

    response = submit(client, phone="13900000009", name="赵四", description="还想再报一次。")

    assert response.status_code == 429
    html = response.content.decode()
    assert 'value="赵四"' in html and "还想再报一次。" in html


def test_a_failed_validation_keeps_the_typed_values_and_asks_to_choose_the_files_again(client):
    response = client.post(FORM, {**form_data(phone="12"), "files": [screenshot()]})

    html = response.content.decode()
    assert 'value="王小明"' in html and "owner@example.com" in html and "https://weibo.com/123/abc" in html
    assert 'value="合肥"' in html and 'value="a12345"' in html  # as typed
    assert 'value="lawyer_letter"' in html and "checked" in html
    assert "请重新选择" in html or "choose them again" in html
    assert nothing_stored()


def test_1000_guessed_tracking_tokens_are_all_404_then_throttled_never_5xx(client):
    from cases.services import assistance

    statuses = []
    for _ in range(1000):
        token = secrets.token_urlsafe(32)
        statuses.append(client.get(reverse("cases:public-request-track", args=[token])).status_code)

    assert max(statuses) < 500
    limit = assistance.TRACK_MISS_LIMIT
    assert statuses[:limit] == [404] * limit and set(statuses[limit:]) == {429}
    throttled = client.get(reverse("cases:public-request-track", args=[secrets.token_urlsafe(32)]))
    assert int(throttled["Retry-After"]) > 0 and throttled["Cache-Control"] == "no-store"
    assert not StateChange.objects.exists()


@pytest.mark.parametrize("name", ["public-request-upload", "public-request-withdraw", "public-request-export"])
def test_guessed_tokens_in_the_tracking_forms_are_404_and_change_nothing(client, name):
    statuses = [
        client.post(reverse(f"cases:{name}"), {"token": secrets.token_urlsafe(32), "confirm": "on"}).status_code
        for _ in range(30)
    ]

    assert max(statuses) < 500 and set(statuses) <= {404, 429} and 429 in statuses
    assert not StateChange.objects.exists()
