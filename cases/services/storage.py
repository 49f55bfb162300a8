"""Writing uploaded files so that a failure leaves nothing behind (disk full, quota, lost bucket)."""

from __future__ import annotations

import errno
import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.storage import Storage, default_storage
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})


def storage_full_error() -> ValidationError:
    return ValidationError(
        _("The server has no room left to store files, so nothing was saved. Please try again later."),
        code="storage_full",
    )


def save_whole(name: str, content: Any, storage: Storage | None = None) -> str:
    """Save ``content`` under the generated ``name``; return the stored name.

    If the write fails part-way the partial file is removed before the error propagates
    (FileSystemStorage keeps what it wrote), and a full disk or quota becomes a ValidationError
    that forms show, instead of a server error.
    """
    storage = storage or default_storage
    try:
        return storage.save(name, content)
    except BaseException as exc:
        try:
            if storage.exists(name):
                storage.delete(name)
        except Exception:  # noqa: BLE001 — report the original failure, not the clean-up's
            logger.warning("Could not remove a partly written upload", exc_info=True)
        if isinstance(exc, OSError) and exc.errno in FULL_ERRNOS:
            logger.error("Upload refused: storage full (errno %s)", exc.errno)
            raise storage_full_error() from exc
        raise
