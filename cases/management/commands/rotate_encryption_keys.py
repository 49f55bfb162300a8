"""Re-encrypt every encrypted column under the first key of FIELD_ENCRYPTION_KEYS."""

from __future__ import annotations

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils.translation import gettext as _

from cases.audit import audit_context
from cases.fields import EncryptedTextField, rotate


class Command(BaseCommand):
    help = _(
        "Re-encrypt personal data under the newest key. Put the new key first in FIELD_ENCRYPTION_KEYS, "
        "run this, then remove the old key."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size: int, **options) -> None:
        with audit_context(actor_type="system"):
            for model in apps.get_models():
                columns = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
                if columns:
                    count = self._rotate_model(model, columns, batch_size)
                    self.stdout.write(_("%(model)s: %(count)d rows re-encrypted") % {"model": model._meta.label, "count": count})

    def _rotate_model(self, model, columns, batch_size: int) -> int:
        table = model._meta.db_table
        names = [c.column for c in columns]
        done = 0
        last_id = 0
        while True:
            with transaction.atomic():
                ids = list(model.objects.filter(pk__gt=last_id).order_by("pk").values_list("pk", flat=True)[:batch_size])
                if not ids:
                    return done
                with connection.cursor() as cursor:
                    # Raw values (ciphertext) are read and rotated without ever being decrypted to plaintext in bulk.
                    cursor.execute(
                        f"SELECT id, {', '.join(names)} FROM {table} WHERE id = ANY(%s) FOR UPDATE",  # noqa: S608 - model metadata
                        [ids],
                    )
                    for row in cursor.fetchall():
                        values = [rotate(v) if v else v for v in row[1:]]
                        cursor.execute(
                            f"UPDATE {table} SET {', '.join(f'{n} = %s' for n in names)} WHERE id = %s",  # noqa: S608
                            [*values, row[0]],
                        )
                done += len(ids)
                last_id = ids[-1]
