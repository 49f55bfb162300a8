"""``manage.py create_api_token --user vendor-x --scope import``: create an API token and print its key once.

A user that does not exist yet is created as a service user for the vendor: role analyst
(what an import needs), no usable password (it cannot log in to the site), not staff.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from accounts.models import ApiToken, User
from accounts.services import api_token_create
from cases.audit import audit_context


class Command(BaseCommand):
    help = "Create an API token acting as a user (a vendor's service user is created if missing); print its key once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="Username the token acts as, e.g. vendor-x.")
        parser.add_argument(
            "--scope",
            action="append",
            choices=ApiToken.Scope.values,
            required=True,
            help="import (bulk import only), read, write. Repeat for several.",
        )
        parser.add_argument("--name", default="", help="What the token is for (default: “<user> API token”).")
        parser.add_argument("--expires-in-days", type=int, default=None, help="Expire after this many days.")
        parser.add_argument(
            "--no-create-user", action="store_true", help="Fail instead of creating a missing user."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["user"]
        expires_at = None
        if options["expires_in_days"] is not None:
            if options["expires_in_days"] < 1:
                raise CommandError("--expires-in-days must be at least 1")
            expires_at = timezone.now() + datetime.timedelta(days=options["expires_in_days"])
        with audit_context(actor_type="system"), transaction.atomic():
            user = User.objects.filter(username=username).first()
            if user is None:
                if options["no_create_user"]:
                    raise CommandError(f"No user {username!r}")
                user = self._create_service_user(username)
            try:
                token, key = api_token_create(
                    name=options["name"] or f"{username} API token",
                    user=user,
                    scopes=options["scope"],
                    expires_at=expires_at,
                )
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(f"Token #{token.pk} “{token.name}” acts as {user.username} ({user.role}); scopes: "
                          f"{', '.join(token.scopes)}.")
        self.stdout.write("Key (shown only now; store it in the vendor's secret store):")
        self.stdout.write(key)

    def _create_service_user(self, username: str) -> User:
        user = User(username=username, role=User.Role.ANALYST, display_name=username, is_staff=False)
        user.set_unusable_password()
        try:
            user.full_clean()
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        user.save()
        self.stderr.write(f"Created service user {username!r} (role analyst, cannot log in to the site).")
        return user
