import datetime
import hashlib
from typing import ClassVar

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserQuerySet(models.QuerySet):
    def for_user(self, user) -> "UserQuerySet":
        from accounts import permissions  # permissions imports this module

        return self.all() if permissions.can_view(user, self.model) else self.none()


# The django-stubs plugin cannot build a class from from_queryset() on the generic UserManager.
class UserManager(DjangoUserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    pass


class User(AbstractUser):
    """A member of the legal department. Never hard-deleted: deactivate instead."""

    class Role(models.TextChoices):
        ANALYST = "analyst", _("Analyst")
        LAWYER = "lawyer", _("Lawyer")
        EXECUTIVE = "executive", _("Executive")
        ADMIN = "admin", _("Administrator")

    role = models.CharField(
        _("role"),
        max_length=16,
        choices=Role.choices,
        default=Role.ANALYST,
        help_text=_("Decides what the user may see and change."),
    )
    display_name = models.CharField(_("display name"), max_length=64, blank=True)

    objects: ClassVar[UserManager] = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=["analyst", "lawyer", "executive", "admin"]),
                name="accounts_user_role_valid",
                violation_error_message=_("Choose one of the roles."),
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    def delete(self, *args, **kwargs):
        # Every audit row must keep naming a real person.
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(_("Users are never deleted; deactivate the account instead."))

    @property
    def effective_role(self) -> str:
        """Return the role that governs access; superusers act as administrators."""
        if self.is_superuser:
            return self.Role.ADMIN
        return self.role


class ApiTokenQuerySet(models.QuerySet):
    def for_user(self, user) -> "ApiTokenQuerySet":
        from accounts import permissions  # permissions imports this module

        return self.all() if permissions.can_view(user, self.model) else self.none()


class ApiToken(models.Model):
    """A key a machine (a monitoring vendor, another internal system) uses with the REST API.

    The key itself is shown once, when the token is created; only its SHA-256 digest is
    stored. The token acts as ``user`` for every role check, narrowed further by ``scopes``.
    """

    class Scope(models.TextChoices):
        IMPORT = "import", _("Bulk import only")
        READ = "read", _("Read")
        WRITE = "write", _("Write (workflow actions)")

    name = models.CharField(_("name"), max_length=100, help_text=_("Who uses it and for what, e.g. “Vendor X feed”."))
    prefix = models.CharField(
        _("key prefix"), max_length=8, editable=False, help_text=_("The first characters of the key, to recognise it.")
    )
    # sha256 of the key: the key is 256 random bits, so a plain digest cannot be brute-forced.
    digest = models.CharField(_("key digest"), max_length=64, unique=True, editable=False)
    user = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="api_tokens",
        verbose_name=_("acts as user"),
        help_text=_("Role checks use this user's role. Give each vendor its own service user (role analyst)."),
    )
    scopes = ArrayField(
        models.CharField(max_length=16, choices=Scope.choices),
        verbose_name=_("scopes"),
        help_text=_("“Bulk import only” allows the bulk import endpoints, the platform list and its own import jobs."),
    )
    created_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="api_tokens_created",
        verbose_name=_("created by"),
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True, help_text=_("Empty: never expires."))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ("-created_at",)
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(scopes=[]) & models.Q(scopes__contained_by=["import", "read", "write"]),
                name="accounts_apitoken_scopes_valid",
                violation_error_message=_("Choose at least one scope from the list."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def digest_of(key: str) -> str:
        return hashlib.sha256(key.encode("utf-8")).hexdigest()

    def is_usable(self, now: datetime.datetime | None = None) -> bool:
        """True while the token is neither revoked nor expired."""
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
