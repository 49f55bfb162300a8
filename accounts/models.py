from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class UserQuerySet(models.QuerySet):
    def for_user(self, user) -> "UserQuerySet":
        from accounts import permissions  # permissions imports this module

        return self.all() if permissions.can_view(user, self.model) else self.none()


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

    objects = UserManager()

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
