"""The OpenAPI schema (``/api/schema/``) and its interactive documentation (``/api/docs/``).

The schema answers any staff session or any valid token (vendors build against it). The
documentation page is a staff page: LoginRequiredMiddleware sends visitors to the login
first. Swagger UI's files come from drf-spectacular-sidecar through our static files: no CDN.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_not_required
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.authentication import SessionAuthentication

from accounts.authentication import ApiTokenAuthentication
from accounts.permissions import ApiStaffPermission


class ApiSchemaView(SpectacularAPIView):
    authentication_classes = (ApiTokenAuthentication, SessionAuthentication)
    permission_classes = (ApiStaffPermission,)

    @classmethod
    def as_view(cls, *args: Any, **kwargs: Any) -> Any:
        # DRF does it too; tokens authenticate here, DRF answers 401.
        return login_not_required(super().as_view(*args, **kwargs))


class ApiDocsView(SpectacularSwaggerSplitView):
    authentication_classes = (SessionAuthentication,)
    permission_classes = (ApiStaffPermission,)
    template_name = "api/swagger_ui.html"
    url_name = "api-schema"

    @classmethod
    def as_view(cls, *args: Any, **kwargs: Any) -> Any:
        view = super().as_view(*args, **kwargs)
        # DRF marks its views login_not_required; this page is for people, so let the
        # LoginRequiredMiddleware send visitors to the login page first.
        view.login_required = True  # type: ignore[attr-defined]  # the DRF stubs' AsView lacks Django's login_required
        return view
