from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from cases.api.docs import ApiDocsView, ApiSchemaView
from legalcases import health

urlpatterns = [
    # Probes for load balancers and orchestrators (no login, no details): docs/deploy.md.
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    # Owners on the public pages switch language too, so this one view needs no login.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("reports/", include("reports.urls")),
    # REST API v1 (DESIGN.md §5): token or session auth, decided by DRF (the views are login_not_required).
    path("api/v1/", include("legalcases.api_urls")),
    path("api/schema/", ApiSchemaView.as_view(), name="api-schema"),
    path("api/docs/", ApiDocsView.as_view(), name="api-docs"),
    path("", include("cases.urls")),
]

# Generic error page with the request id, never a traceback (accounts/errors.py).
handler500 = "accounts.errors.server_error"

if settings.DEBUG:
    # Development only: uploaded files, still behind the login (LoginRequiredMiddleware).
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
