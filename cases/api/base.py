"""What every API view shares: DRF does the authentication (token or session), roles and token
scopes decide (accounts/permissions.py), querysets start from ``for_user()``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model, Prefetch, QuerySet
from rest_framework import viewsets
from rest_framework.routers import APIRootView

from accounts.permissions import ApiRolePermission, ApiStaffPermission, ApiTokenScopePermission

if TYPE_CHECKING:
    from rest_framework.permissions import _PermissionClass

# Numeric ids only: anything else is a 404 from the URL resolver (as JSON, see api_urls).
ID_PATTERN = r"[0-9]{1,18}"


def ids_only(relation: str, model: type[Model]) -> Prefetch:
    """Prefetch a to-many relation loading nothing but the related ids (serialized as a list of ids)."""
    return Prefetch(relation, queryset=model._default_manager.only("id"))


class ApiViewMixin:
    """What every API view shares: DRF authenticates (token or session), so the site's
    LoginRequiredMiddleware must let the request through; roles and token scopes decide."""

    permission_classes: Sequence[_PermissionClass] = (ApiRolePermission, ApiTokenScopePermission)

    @classmethod
    def as_view(cls, *args: Any, **kwargs: Any) -> Any:
        view = super().as_view(*args, **kwargs)  # type: ignore[misc]
        # DRF (3.15+) already marks its views so; stated here because the API depends on it:
        # LoginRequiredMiddleware must not redirect API clients to the login page.
        view.login_required = False
        return view


class ApiRootView(ApiViewMixin, APIRootView):
    """Links to every resource of /api/v1/."""

    permission_classes = (ApiStaffPermission, ApiTokenScopePermission)


class ResourceViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """A read-only resource. Subclasses set ``queryset`` (the model, for permissions) and
    ``get_queryset`` (for_user + what the serializer reads)."""

    lookup_value_regex = ID_PATTERN
    # Ordering terms whose primary-key tie-break must run the other way to match an index.
    ordering_tiebreaks: ClassVar[dict[str, str]] = {}

    def visible(self) -> QuerySet:
        if self.queryset is None:
            raise ImproperlyConfigured(f"{type(self).__name__} must set queryset (its model decides permissions).")
        return self.queryset.model.objects.for_user(self.request.user)
