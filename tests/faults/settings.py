"""Settings of the fault tests' gunicorn and Celery worker: the app's own, with static files served by name.

Production runs collectstatic first (a manifest of hashed names); the tests do not build one.
"""

from __future__ import annotations

from legalcases.settings import *  # noqa: F403
from legalcases.settings import STORAGES

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
