"""Run one CSV import job through its Celery task (eager, in this process) and print JSON figures.

Run by bench/imports.py as a separate process so that its peak RSS is the import's alone.
Campaign detection, which a finished import queues, is measured on its own (bench/campaigns.py)
and is switched off here.

The peak is this process's ``VmHWM``, not ``ru_maxrss``: Linux carries ``ru_maxrss`` over ``execve``
from the process that spawned it, so it reported the harness's own peak (the 1M-item data set and the
API import's bodies, 509-520 MB) instead of the job's (~200 MB).
"""

from __future__ import annotations

import json
import resource
import sys
import time

import django

django.setup()

from django.core.files import File  # noqa: E402

from accounts.models import User  # noqa: E402
from bench.common import peak_rss_mb  # noqa: E402
from cases.models import ImportJob  # noqa: E402
from cases.services import intake  # noqa: E402
from cases.tasks.intake import run_import_job  # noqa: E402

intake.start_campaign_detection = lambda **kwargs: None


def main(path: str, username: str) -> None:
    user = User.objects.get(username=username)
    with open(path, "rb") as handle:
        job = intake.import_job_create(file=File(handle, name="bench.csv"), actor=user, enqueue=False)
    started = time.perf_counter()
    run_import_job.apply(args=(job.pk, "zh-hans"))
    seconds = time.perf_counter() - started
    job = ImportJob.objects.get(pk=job.pk)
    print(json.dumps({
        "seconds": seconds, "status": job.status, "created": job.created_count, "updated": job.updated_count,
        "rejected": job.rejected_count, "failure": job.failure, "peak_rss_mb": peak_rss_mb(),
        "ru_maxrss_mb_with_parent": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))  # fmt: skip


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
