"""The public assistance-request form: what it stores, what it refuses, and its spam defences."""

from __future__ import annotations

import re
import struct
import zlib

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from cases.fields import digest
from cases.models import AssistanceRequest, ConsentRecord, Evidence
from cases.services.assistance import token_digest
from tests.accounts.test_views import assert_csp_clean

pytestmark = pytest.mark.django_db

FORM = reverse("cases:public-request-create")
THANKS = reverse("cases:public-request-thanks")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def png_bytes() -> bytes:
    """A real 1×1 PNG, so the type sniffer sees an image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


def screenshot(name: str = "截图.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def form_data(**overrides) -> dict:
    data = {
        "name": "王小明",
        "phone": "+86 138-1234-5678",
        "email": "owner@example.com",
        "city": "合肥",
        "vehicle_model": "星辰 S7",
        "vin_last6": "a12345",
        "description": "有人在微博上说我的车自燃是假的，还公开了我的车牌。",
        "links": "https://weibo.com/123/abc\nhttps://www.douyin.com/video/42",
        "help_types": ["evidence_guidance", "lawyer_letter"],
        "consent": "on",
        "sensitive_data": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def submit(client, **overrides):
    return client.post(FORM, form_data(**overrides))


def test_the_form_shows_the_privacy_notice_before_asking_for_anything(client, settings):
    response = client.get(FORM)

    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-CN">' in html
    notice = html.index('class="notice-summary"')
    assert notice < html.index('name="name"')
    assert settings.PRIVACY_NOTICE_VERSION in html
    assert 'name="consent"' in html and 'name="sensitive_data"' in html and 'name="share_with_counsel"' in html
    assert 'class="hp"' in html  # the honeypot is hidden by a CSS class, not an inline style
    assert 'enctype="multipart/form-data"' in html
    assert_csp_clean(html)


def test_a_valid_request_is_stored_encrypted_with_its_consent_and_evidence(client, settings):
    response = client.post(FORM, {**form_data(), "files": [screenshot(), screenshot("second.png")]})

    assert response.status_code == 302 and response.url == THANKS
    req = AssistanceRequest.objects.get()
    assert req.owner_phone == "13812345678"  # +86 and dashes dropped
    assert req.phone_digest == digest("13812345678")
    assert req.vin_last6 == "A12345"
    assert req.content_links == ["https://weibo.com/123/abc", "https://www.douyin.com/video/42"]
    assert req.help_types == ["evidence_guidance", "lawyer_letter"]
    assert req.has_evidence is True and req.status == "submitted"
    assert re.fullmatch(r"YZ-\d{4}-\d{6}", req.reference)
    consent = ConsentRecord.objects.get(assistance_request=req)
    assert consent.notice_version == settings.PRIVACY_NOTICE_VERSION
    assert set(consent.purposes) == {"assistance", "contact", "evidence"}
    assert consent.sensitive_data is True and consent.share_with_counsel is False
    evidence = Evidence.objects.filter(assistance_requests=req)
    assert evidence.count() == 2
    first = evidence.first()
    assert (first.capture_method, first.status, first.mime_type) == ("screenshot", "collecting", "image/png")
    assert "截图" not in first.file.name  # stored under a generated name
    with connection.cursor() as cursor:
        cursor.execute("SELECT owner_name, owner_phone, owner_email FROM cases_assistancerequest")
        stored = " ".join(cursor.fetchone())
    assert "王小明" not in stored and "13812345678" not in stored and "owner@example.com" not in stored


def test_the_thank_you_page_shows_the_private_link_once_and_the_link_works(client):
    submit(client)

    first = client.get(THANKS)
    html = first.content.decode()
    req = AssistanceRequest.objects.get()
    assert req.reference in html
    token = re.search(r"/intake/track/([A-Za-z0-9_-]{43})/", html).group(1)
    assert first["Cache-Control"] == "no-store"
    assert req.token_digest == token_digest(token)
    second = client.get(THANKS).content.decode()
    assert token not in second and req.reference not in second
    assert client.get(reverse("cases:public-request-track", args=[token])).status_code == 200


def test_the_token_is_never_stored_in_plain_form(client):
    submit(client)
    token = re.search(r"/intake/track/([A-Za-z0-9_-]{43})/", client.get(THANKS).content.decode()).group(1)

    with connection.cursor() as cursor:
        cursor.execute("SELECT row_to_json(r)::text FROM cases_assistancerequest r")
        row = cursor.fetchone()[0]
        cursor.execute("SELECT coalesce(string_agg(row_to_json(a)::text, ''), '') FROM cases_auditevent a")
        audit = cursor.fetchone()[0]
        cursor.execute("SELECT coalesce(string_agg(session_data, ''), '') FROM django_session")
        sessions = cursor.fetchone()[0]
    assert token not in row and token not in audit
    assert token not in sessions  # the receipt left the session when it was shown


def test_the_owner_gets_the_link_by_email_and_sms(client, capsys, settings):
    settings.DEBUG = True
    submit(client)

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["owner@example.com"]
    assert "/intake/track/" in mail.outbox[0].body
    printed = capsys.readouterr().out
    assert "[SMS to 13812345678]" in printed and "/intake/track/" in printed


def test_the_link_is_never_logged(client, caplog, settings):
    settings.DEBUG = False
    with caplog.at_level("DEBUG"):
        submit(client)
        token = re.search(r"/intake/track/([A-Za-z0-9_-]{43})/", client.get(THANKS).content.decode()).group(1)
        client.get(reverse("cases:public-request-track", args=[token]))
        client.get(reverse("cases:public-request-track", args=["x" * 43]))

    logged = " ".join(record.getMessage() for record in caplog.records)
    assert token not in logged and "x" * 43 not in logged and "13812345678" not in logged


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "王" * 10_000),
        ("description", "字" * 10_000),
        ("phone", "12345"),
        ("phone", "11812345678"),
        ("vin_last6", "ABC12O"),
        ("vin_last6", "ABC"),
        ("links", "\n".join(f"https://weibo.com/p/{n}" for n in range(50))),
        ("links", "javascript:alert(1)"),
        ("links", "http://192.168.1.10/admin"),
        ("links", "http://localhost:8000/"),
        ("name", "张\x00三"),
        ("consent", None),
        ("help_types", None),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(client, field, value):
    response = submit(client, **{field: value})

    assert response.status_code == 200
    assert field in response.context["form"].errors
    html = response.content.decode()
    assert 'class="form-errors"' in html
    assert f'id="id_{field}_error"' in html or field in ("help_types",)
    assert AssistanceRequest.objects.count() == 0


def test_what_the_owner_typed_survives_a_validation_error(client):
    response = submit(client, consent=None)

    html = response.content.decode()
    assert "有人在微博上说我的车自燃是假的" in html and 'value="王小明"' in html
    assert 'aria-describedby="id_consent_error"' in html


def test_emoji_and_chinese_names_are_accepted(client):
    submit(client, name="欧阳🚗娜娜")

    assert AssistanceRequest.objects.get().owner_name == "欧阳🚗娜娜"


def test_script_in_the_description_is_shown_escaped_to_staff(client, lawyer_client):
    submit(client, description="<script>alert('x')</script> 造谣")

    req = AssistanceRequest.objects.get()
    html = lawyer_client.get(req.get_absolute_url()).content.decode()
    assert "<script>alert(" not in html
    assert "&lt;script&gt;alert(" in html


def test_a_disguised_file_is_refused(client):
    fake = SimpleUploadedFile("photo.png", b"MZ\x90\x00\x03\x00\x00\x00 not an image at all", content_type="image/png")
    response = client.post(FORM, {**form_data(), "files": [fake]})

    assert response.status_code == 200
    assert "files" in response.context["form"].errors
    assert AssistanceRequest.objects.count() == 0 and Evidence.objects.count() == 0


def test_more_than_ten_files_are_refused(client):
    response = client.post(FORM, {**form_data(), "files": [screenshot(f"{n}.png") for n in range(11)]})

    assert "files" in response.context["form"].errors
    assert AssistanceRequest.objects.count() == 0


def test_a_filled_honeypot_stores_nothing_but_looks_like_success(client):
    response = submit(client, website="http://spam.example")

    assert response.status_code == 302 and response.url == THANKS
    assert AssistanceRequest.objects.count() == 0
    html = client.get(THANKS).content.decode()
    assert "/intake/track/" not in html


def test_too_many_requests_from_one_address_get_429(client):
    for n in range(5):
        assert submit(client, phone=f"1390000000{n}").status_code == 302

    response = submit(client, phone="13900000009")

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert 'class="form-errors"' in response.content.decode()
    assert AssistanceRequest.objects.count() == 5


def test_too_many_requests_for_one_phone_get_429(client):
    for n in range(3):
        assert submit(client, links=f"https://weibo.com/p/{n}").status_code == 302

    response = client.post(FORM, form_data(links="https://weibo.com/p/9"), REMOTE_ADDR="10.0.0.99")

    assert response.status_code == 429
    assert AssistanceRequest.objects.count() == 3


def test_the_same_phone_and_links_make_no_second_request(client):
    submit(client)
    client.get(THANKS)

    response = submit(client, phone="138 1234 5678", links="https://m.douyin.com/video/42\nhttps://weibo.com/123/abc/")

    assert response.status_code == 302
    assert AssistanceRequest.objects.count() == 1
    html = client.get(THANKS).content.decode()
    assert 'class="lead duplicate-notice"' in html
    assert AssistanceRequest.objects.get().reference not in html
    assert "/intake/track/" not in html


@pytest.mark.parametrize(
    "spelling", ["13812345678", "+86 138-1234-5678", "0086 138 1234 5678", "86-13812345678", "(138) 1234.5678"]
)
def test_every_spelling_of_a_mobile_number_normalises_to_its_eleven_digits(spelling):
    from cases.normalize import normalize_phone

    assert normalize_phone(spelling) == "13812345678"


def test_a_flood_of_invalid_posts_from_one_address_is_throttled_without_errors(client):
    statuses = [submit(client, consent=None).status_code for _ in range(40)]

    assert statuses[:30] == [200] * 30
    assert set(statuses[30:]) == {429}
    assert AssistanceRequest.objects.count() == 0
