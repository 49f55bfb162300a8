"""Settings of the benchmark server and scripts: the app's own settings with three changes.

- ``ROOT_URLCONF`` adds the bare JSON view (the ceiling every HTTP figure is compared with); the
  app's URLs never contain it.
- Per-token API throttling is off: it exists to cap one vendor at 20 requests/s, which would
  measure the throttle, not the server. The bulk endpoints keep theirs at a rate the import never hits.
- Static files are served by name (no collectstatic manifest) and uploads go to the bench folder.
"""

from __future__ import annotations

import os
import warnings

from legalcases.settings import *  # noqa: F403
from legalcases.settings import REST_FRAMEWORK, STORAGES

ROOT_URLCONF = "bench.urls"
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_CLASSES": [],
    "DEFAULT_THROTTLE_RATES": {"api": "100000/minute", "api_bulk": "100000/minute"},
}
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = os.environ.get("BENCH_MEDIA_ROOT", MEDIA_ROOT)  # noqa: F405
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
# The bench server is plain http on loopback; the test client's host is accepted too.
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
SECURE_SSL_REDIRECT = False
# whitenoise warns that collectstatic never ran: the bench serves no static files.
warnings.filterwarnings("ignore", message="No directory at")
