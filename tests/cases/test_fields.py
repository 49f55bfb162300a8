"""Personal data at rest: encrypted fields, key rotation, digests and masking."""

from __future__ import annotations

import pickle

import pytest
from cryptography.fernet import Fernet
from django import forms
from django.db import connection

from cases import fields
from cases.fields import PREFIX, UNDECRYPTABLE, digest, mask_email, mask_name, mask_phone
from cases.models import AssistanceRequest, AuditEvent, IdentityDisclosure
from tests import factories as f

KEY_OLD = Fernet.generate_key().decode()
KEY_NEW = Fernet.generate_key().decode()
KEY_OTHER = Fernet.generate_key().decode()


def raw_column(model, pk: int, column: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {model._meta.db_table} WHERE id = %s", [pk])  # noqa: S608 - names are ours
        return cursor.fetchone()[0]


# --- encryption at rest -------------------------------------------------------------


@pytest.mark.django_db
def test_encrypted_field_stores_ciphertext_and_reads_back_plaintext():
    request = f.AssistanceRequestFactory(owner_name="王小明", owner_phone="13812345678", owner_email="wxm@example.com")

    for column, plain in (("owner_name", "王小明"), ("owner_phone", "13812345678"), ("owner_email", "wxm@example.com")):
        stored = raw_column(AssistanceRequest, request.pk, column)
        assert stored.startswith(PREFIX)
        assert plain not in stored

    fresh = AssistanceRequest.objects.get(pk=request.pk)
    assert (fresh.owner_name, fresh.owner_phone, fresh.owner_email) == ("王小明", "13812345678", "wxm@example.com")


@pytest.mark.django_db
def test_encrypted_field_keeps_empty_values_empty():
    request = f.AssistanceRequestFactory(owner_email="")
    assert raw_column(AssistanceRequest, request.pk, "owner_email") == ""
    assert AssistanceRequest.objects.get(pk=request.pk).owner_email == ""


@pytest.mark.django_db
def test_identity_disclosure_holder_data_is_encrypted():
    disclosure = f.IdentityDisclosureFactory(disclosed_name="李四", disclosed_contact="13900001111")
    assert raw_column(IdentityDisclosure, disclosure.pk, "disclosed_name").startswith(PREFIX)
    assert "李四" not in raw_column(IdentityDisclosure, disclosure.pk, "disclosed_name")
    assert IdentityDisclosure.objects.get(pk=disclosure.pk).disclosed_contact == "13900001111"


@pytest.mark.django_db
def test_plain_value_written_by_raw_sql_is_readable_and_encrypted_on_next_save():
    request = f.AssistanceRequestFactory()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_assistancerequest SET owner_name = %s WHERE id = %s", ["赵六", request.pk])
    fresh = AssistanceRequest.objects.get(pk=request.pk)
    assert fresh.owner_name == "赵六"
    fresh.save()
    assert raw_column(AssistanceRequest, request.pk, "owner_name").startswith(PREFIX)
    assert AssistanceRequest.objects.get(pk=request.pk).owner_name == "赵六"


@pytest.mark.django_db
def test_saving_unchanged_personal_data_keeps_the_same_ciphertext():
    request = f.AssistanceRequestFactory()
    before = raw_column(AssistanceRequest, request.pk, "owner_phone")

    fresh = AssistanceRequest.objects.get(pk=request.pk)
    fresh.city = "上海"
    fresh.full_clean()
    fresh.save()
    assert raw_column(AssistanceRequest, request.pk, "owner_phone") == before

    # The instance that created the row also writes the same ciphertext again.
    request.save()
    assert raw_column(AssistanceRequest, request.pk, "owner_phone") == before


class OwnerForm(forms.ModelForm):
    class Meta:
        model = AssistanceRequest
        fields = ["owner_name", "owner_phone", "owner_email", "status"]


@pytest.mark.django_db
def test_form_that_posts_back_unchanged_personal_data_keeps_the_ciphertext(settings):
    request = f.AssistanceRequestFactory(owner_name="王小明", owner_phone="13812345678", owner_email="")
    before = raw_column(AssistanceRequest, request.pk, "owner_name")
    fresh = AssistanceRequest.objects.get(pk=request.pk)
    form = OwnerForm(
        {"owner_name": "王小明", "owner_phone": "13900000000", "owner_email": "", "status": "screening"}, instance=fresh
    )
    assert form.is_valid(), form.errors
    form.save()
    assert raw_column(AssistanceRequest, request.pk, "owner_name") == before
    assert AssistanceRequest.objects.get(pk=request.pk).owner_phone == "13900000000"
    event = AuditEvent.objects.filter(object_type="cases.assistancerequest", action="update").latest("id")
    assert set(event.diff) == {"owner_phone", "status"}


@pytest.mark.django_db
def test_editing_personal_data_encrypts_the_new_value():
    request = f.AssistanceRequestFactory(owner_phone="13812345678")
    before = raw_column(AssistanceRequest, request.pk, "owner_phone")
    fresh = AssistanceRequest.objects.get(pk=request.pk)
    fresh.owner_phone = "13987654321"
    fresh.save()
    after = raw_column(AssistanceRequest, request.pk, "owner_phone")
    assert after != before and after.startswith(PREFIX)
    assert AssistanceRequest.objects.get(pk=request.pk).owner_phone == "13987654321"


@pytest.mark.django_db
def test_text_that_looks_like_ciphertext_is_encrypted_as_text():
    request = f.AssistanceRequestFactory.build(owner_name="enc1:not-a-token")
    request.full_clean()
    request.save()
    stored = raw_column(AssistanceRequest, request.pk, "owner_name")
    assert stored != "enc1:not-a-token"
    assert AssistanceRequest.objects.get(pk=request.pk).owner_name == "enc1:not-a-token"


def test_decrypted_value_survives_pickling():
    value = fields.Decrypted("王小明", "enc1:abc")
    copy = pickle.loads(pickle.dumps(value))  # noqa: S301 - our own value
    assert copy == "王小明" and copy.ciphertext == "enc1:abc"


# --- key rotation ---------------------------------------------------------------------


@pytest.mark.django_db
def test_old_ciphertext_still_decrypts_after_a_new_key_is_put_first(settings):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_OLD]
    request = f.AssistanceRequestFactory(owner_name="王小明")
    old_cipher = raw_column(AssistanceRequest, request.pk, "owner_name")

    settings.FIELD_ENCRYPTION_KEYS = [KEY_NEW, KEY_OLD]
    assert AssistanceRequest.objects.get(pk=request.pk).owner_name == "王小明"

    rotated = fields.rotate(old_cipher)
    assert rotated != old_cipher and rotated.startswith(PREFIX)
    settings.FIELD_ENCRYPTION_KEYS = [KEY_NEW]
    assert fields.decrypt(rotated) == "王小明"
    assert fields.decrypt(old_cipher) == UNDECRYPTABLE


def test_rotate_encrypts_plain_values_and_leaves_empty_ones(settings):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_NEW]
    rotated = fields.rotate("13812345678")
    assert rotated.startswith(PREFIX)
    assert fields.decrypt(rotated) == "13812345678"
    assert fields.rotate("") == ""


@pytest.mark.django_db
def test_rotating_a_stored_row_re_encrypts_under_the_new_key(settings):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_OLD]
    request = f.AssistanceRequestFactory(owner_phone="13812345678")

    settings.FIELD_ENCRYPTION_KEYS = [KEY_NEW, KEY_OLD]
    # What a rotation command does: rewrite the raw column through rotate().
    rotated = fields.rotate(raw_column(AssistanceRequest, request.pk, "owner_phone"))
    AssistanceRequest.objects.filter(pk=request.pk).update(owner_phone=rotated)
    assert raw_column(AssistanceRequest, request.pk, "owner_phone") == rotated

    settings.FIELD_ENCRYPTION_KEYS = [KEY_NEW]
    assert AssistanceRequest.objects.get(pk=request.pk).owner_phone == "13812345678"


@pytest.mark.django_db
def test_value_under_an_unknown_key_reads_as_undecryptable_and_is_not_overwritten(settings):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_OLD]
    request = f.AssistanceRequestFactory(owner_name="王小明")
    cipher = raw_column(AssistanceRequest, request.pk, "owner_name")

    settings.FIELD_ENCRYPTION_KEYS = [KEY_OTHER]
    fresh = AssistanceRequest.objects.get(pk=request.pk)
    assert fresh.owner_name == UNDECRYPTABLE

    # Saving the row for another reason must not replace the owner's name with the placeholder.
    fresh.status = AssistanceRequest.Status.SCREENING
    fresh.save()
    assert raw_column(AssistanceRequest, request.pk, "owner_name") == cipher
    settings.FIELD_ENCRYPTION_KEYS = [KEY_OLD]
    assert AssistanceRequest.objects.get(pk=request.pk).owner_name == "王小明"


@pytest.mark.django_db
def test_saving_a_request_without_changes_records_no_personal_data_change(settings):
    request = f.AssistanceRequestFactory()
    fresh = AssistanceRequest.objects.get(pk=request.pk)
    fresh.status = AssistanceRequest.Status.SCREENING
    fresh.save()
    event = AuditEvent.objects.filter(object_type="cases.assistancerequest", action="update").latest("id")
    assert set(event.diff) == {"status"}


# --- digest ------------------------------------------------------------------------------------


def test_digest_is_stable_and_differs_per_value():
    assert digest("13812345678") == digest("13812345678")
    assert digest("13812345678") != digest("13812345679")
    assert len(digest("13812345678")) == 64
    assert "13812345678" not in digest("13812345678")


def test_digest_depends_on_the_secret_key(settings):
    before = digest("13812345678")
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789abcdef"
    assert digest("13812345678") != before


# --- masking -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812345678", "138****5678"),
        (" 13812345678 ", "138****5678"),
        ("+8613812345678", "+86*******5678"),
        ("01088886666", "010****6666"),
        ("88886666", "****6666"),
        ("12345", "****5"),
        ("1234", "****"),
        ("12", "**"),
        ("", ""),
    ],
)
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize("phone", ["12345", "123456", "1234567", "12345678", "13812345678", "+8613812345678"])
def test_mask_phone_never_shows_a_number_whole_and_hides_at_least_four(phone):
    masked = mask_phone(phone)
    assert len(masked) == len(phone)
    assert masked.count("*") >= 4


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("张三丰", "张**"),
        ("欧阳娜娜", "欧***"),
        ("John", "J***"),
        (" 王五 ", "王*"),
        ("李", "*"),
        ("", ""),
    ],
)
def test_mask_name(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("email", "masked"),
    [
        ("zhang@example.com", "z***@example.com"),
        ("a@qq.com", "a***@qq.com"),
        ("@example.com", "****@example.com"),
        ("not-an-email", "n***********"),
    ],
)
def test_mask_email(email, masked):
    assert mask_email(email) == masked


@pytest.mark.django_db
def test_assistance_request_exposes_masked_contact_details():
    request = f.AssistanceRequestFactory(owner_name="王小明", owner_phone="13812345678", owner_email="wxm@example.com")
    fresh = AssistanceRequest.objects.get(pk=request.pk)
    assert (fresh.masked_name, fresh.masked_phone, fresh.masked_email) == ("王**", "138****5678", "w***@example.com")
    fresh.owner_email = ""
    assert fresh.masked_email == ""
