"""Rendered HTML fragments that many requests share: a list's filter bar, the queue's bulk form.

Rendering a FilterSet's form through Django's widget templates costs milliseconds (every option of
every select and checkbox group is a template render), more than the list's rows. Those fragments
depend only on the language, the filter values in the query string and a few choice lists, so
the pages keep them with ``{% cache %}`` in the ``template_fragments`` cache (settings.CACHES: memory
of each web process, so a deploy never serves the previous release's markup) for
``FRAGMENT_SECONDS``.

The only choices read from the database are the platforms: saving or deleting one bumps
``choices_version()`` (kept in the shared default cache, so every process sees it) and with it
every fragment's key. Changes that send no signal (``QuerySet.update()``) show within
``FRAGMENT_SECONDS``.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterable
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import QueryDict
from django.utils.translation import get_language

from cases.models import Platform

FRAGMENT_SECONDS = 300
_VERSION_KEY = "cases:fragments:choices-version"
logger = logging.getLogger(__name__)


def choices_version() -> int | None:
    """Return the version of the database-backed choice lists (platforms); None when the shared cache
    cannot be read (then nothing is cached: the page renders its fragments as if uncached)."""
    try:
        return cache.get(_VERSION_KEY) or 0
    except Exception:  # noqa: BLE001 — a cache outage must not take the page down
        return None


@receiver(post_save, sender=Platform, dispatch_uid="cases-fragments-platform-saved")
@receiver(post_delete, sender=Platform, dispatch_uid="cases-fragments-platform-deleted")
def platform_changed(**kwargs: Any) -> None:
    """A platform changed: every cached fragment that lists platforms is stale. The version moves now
    and again once the transaction commits (a page rendered in between read the old platforms)."""
    bump_choices_version()
    transaction.on_commit(bump_choices_version)


def bump_choices_version() -> None:
    try:
        cache.set(_VERSION_KEY, time.time_ns(), timeout=None)
    except Exception:  # noqa: BLE001 — saving a platform must not fail for the cache; fragments expire anyway
        logger.warning("could not bump the fragment choices version; cached filter bars expire within %d s",
                       FRAGMENT_SECONDS)  # fmt: skip


def filter_bar_key(name: str, path: str, data: QueryDict, fields: Iterable[str]) -> str | None:
    """Return the fragment key of a filter bar: the view, its path, the language, the choice lists'
    version and the submitted values of the form's fields (other parameters, such as ``page``, do
    not change the bar). None: do not cache (the shared cache is unavailable)."""
    version = choices_version()
    if version is None:
        return None
    values = [(field, data.getlist(field)) for field in sorted(fields) if field in data]
    digest = hashlib.sha256(repr(values).encode()).hexdigest()[:32]
    return f"{name}:{path}:{get_language()}:{version}:{digest}"
