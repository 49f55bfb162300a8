from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from cases import fields
from cases.models import AssistanceRequest
from tests.factories import AssistanceRequestFactory


def _raw_phone(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT owner_phone FROM cases_assistancerequest WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_rotation_re_encrypts_under_the_new_key_and_old_key_can_be_dropped(db, settings):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old_key]
    request = AssistanceRequestFactory(owner_phone="13812345678")
    before = _raw_phone(request.pk)

    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_encryption_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115
    after = _raw_phone(request.pk)
    assert after != before and after.startswith(fields.PREFIX)

    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    assert AssistanceRequest.objects.get(pk=request.pk).owner_phone == "13812345678"
