"""A Celery worker killed mid-import (issue 9 item 6): a real worker, a real broker, a real SIGKILL.

The worker runs an import of a large file against the test database through RabbitMQ (which hands
an unacknowledged message to the next consumer at once, marked "redelivered"). It is killed with
SIGKILL once the first batches are committed; a second worker receives the redelivered message
(acks_late) and fails the job with a report that matches exactly what the database holds.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import kombu
import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.db import connection
from django.utils import translation

from cases.models import ContentItem, ImportJob
from cases.services import intake

BASE = Path(django_settings.BASE_DIR)
BROKER = os.environ.get("TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")


def broker_reachable() -> bool:
    try:
        with kombu.Connection(BROKER, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1)
    except Exception:  # noqa: BLE001
        return False
    return True


def big_csv(rows: int) -> bytes:
    lines = ["platform,url,title,published_at,platform_uid,account_name"]
    lines += [
        f"weibo,https://weibo.com/{7000 + n % 50}/kill{n},帖子 {n},2025-10-05T10:00:00+08:00,{7000 + n % 50},账号{n % 50}"
        for n in range(rows)
    ]
    return ("\n".join(lines) + "\n").encode()


def start_worker(queue: str, media_root: Path) -> subprocess.Popen:
    s = connection.settings_dict
    env = {
        **os.environ,
        "LEGALCASES_IGNORE_DOTENV": "true",
        "DATABASE_URL": f"postgres://{s['USER'] or 'postgres'}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}",
        "CELERY_BROKER_URL": BROKER,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "MEDIA_ROOT": str(media_root),
    }
    return subprocess.Popen(  # noqa: S603
        [str(BASE / ".venv/bin/celery"), "-A", "legalcases", "worker", "--pool", "solo", "-Q", queue,
         "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel", "WARNING",
         "--hostname", f"{queue}-{uuid.uuid4().hex[:6]}@localhost"],
        cwd=BASE, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not broker_reachable(), reason="needs RabbitMQ on 127.0.0.1:5672 (CI has it)")
def test_a_worker_killed_mid_import_leaves_the_job_failed_with_an_exact_report(analyst, settings):
    from legalcases.celery import app

    queue = f"test-kill-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    job = ImportJob(created_by=analyst, original_name="big.csv")
    job.file.save("upload", ContentFile(big_csv(60_000)), save=False)
    job.save()

    saved = (app.conf.broker_url, app.conf.task_always_eager)
    app.conf.broker_url, app.conf.task_always_eager = BROKER, False
    app._pool = None
    app.amqp._producer_pool = None
    workers: list[subprocess.Popen] = []
    try:
        from cases.tasks.intake import run_import_job

        run_import_job.apply_async(args=[job.pk, "en"], queue=queue)
        workers.append(start_worker(queue, Path(settings.MEDIA_ROOT)))
        # Killed once at least one batch is committed and the job is still running.
        wait_for(lambda: ImportJob.objects.filter(pk=job.pk, status="running", processed_rows__gt=0).exists(), 120,
                 "the first committed batch")  # fmt: skip
        os.killpg(workers[0].pid, signal.SIGKILL)
        workers[0].wait(timeout=10)
        job.refresh_from_db()
        assert job.status == "running"  # what a dead worker leaves behind...

        workers.append(start_worker(queue, Path(settings.MEDIA_ROOT)))  # ...until the broker redelivers
        wait_for(lambda: ImportJob.objects.filter(pk=job.pk, status="failed").exists(), 120, "the job to fail")
    finally:
        for worker in workers:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGTERM)
                worker.wait(timeout=30)
        with app.connection_for_write() as conn:
            conn.default_channel.queue_delete(queue)
        app._pool = None
        app.amqp._producer_pool = None
        app.conf.broker_url, app.conf.task_always_eager = saved

    job.refresh_from_db()
    created = ContentItem.objects.count()
    assert 0 < job.processed_rows < 60_000 and job.finished_at
    assert job.created_count == created  # the report matches what the database holds, exactly
    with translation.override("en"):
        assert job.failure == intake._interrupted_report(job)
    assert f"{job.processed_rows} of 60000 rows were processed: {created} items created" in job.failure
