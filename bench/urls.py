"""The app's URLs plus ``/bench/bare/``: a Django view returning small JSON, with no database work."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.urls import include, path


@login_not_required
def bare(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True, "items": [1, 2, 3]})


urlpatterns = [
    path("bench/bare/", bare),
    path("", include("legalcases.urls")),
]
