"""The app as production runs it (gunicorn, Celery on Redis, cache on Redis) on real services that fail.

These tests stop and pause the PostgreSQL and Redis servers themselves, which cuts every other
client of those servers, so they are marked ``faults``, left out of the main run (pyproject
addopts) and run on their own afterwards: ``make test-faults`` (the last step of ``make test``).
They open no Django test database: gunicorn and the Celery worker are subprocesses on a database
of their own (FAULTS_DATABASE, default legalcases_faults), created and migrated here and dropped
at the end. Targets: tests/faults/services.py.
"""

from __future__ import annotations

import atexit
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.faults.services import HOST, Postgres, Redis, children, wait_until

ROOT = Path(__file__).resolve().parents[2]
DATABASE = os.environ.get("FAULTS_DATABASE", "legalcases_faults")
REDIS_DB = int(os.environ.get("FAULTS_REDIS_DB", "12"))
PASSWORD = "correct-horse-battery-staple-42"

SETUP = f"""
import django
django.setup()
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
from accounts.models import User
User.objects.create_user(username="analyst", password={PASSWORD!r}, role="analyst", display_name="analyst")
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session", autouse=True)
def _sigterm_runs_the_teardown() -> Iterator[None]:
    """A run stopped with SIGTERM (a CI timeout) still resumes and restarts the servers: as with Ctrl-C,
    pytest unwinds and the fixtures' teardown runs. (Nothing survives SIGKILL: `pg_ctlcluster 15 main start`,
    `kill -CONT <postmaster and backends>`, `redis-server …` by hand then.)"""

    def interrupt(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@pytest.fixture(scope="session")
def pg() -> Iterator[Postgres]:
    target = Postgres()
    reason = target.why_not_usable()
    if reason:
        pytest.skip(reason)
    atexit.register(target.restore)  # even if pytest is interrupted mid-test
    try:
        yield target
    finally:
        target.restore()


@pytest.fixture(scope="session")
def rd() -> Iterator[Redis]:
    target = Redis()
    reason = target.why_not_usable()
    if reason:
        pytest.skip(reason)
    atexit.register(target.restore)
    try:
        yield target
    finally:
        target.restore()


@pytest.fixture
def pg_restored(pg: Postgres) -> Iterator[Postgres]:
    """A test that stops or pauses PostgreSQL gets it back, answering, whatever happens."""
    try:
        yield pg
    finally:
        pg.restore()


@pytest.fixture
def rd_restored(rd: Redis) -> Iterator[Redis]:
    try:
        yield rd
    finally:
        rd.restore()


class App:
    """gunicorn (deploy/gunicorn.conf.py, one sync worker) and, on demand, a Celery worker."""

    def __init__(self, pg: Postgres, rd: Redis, media: Path, log_dir: Path) -> None:
        self.pg, self.rd = pg, rd
        self.port = _free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.log_dir = log_dir
        redis_url = f"redis://{HOST}:{rd.port}/{REDIS_DB}"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.faults.settings",
            "LEGALCASES_IGNORE_DOTENV": "1",
            "PYTHONUNBUFFERED": "1",
            "DEBUG": "false",
            "DATABASE_URL": pg.url(DATABASE),
            "CELERY_BROKER_URL": redis_url,
            "CELERY_RESULT_BACKEND": redis_url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "CACHE_URL": redis_url,
            "MEDIA_ROOT": str(media),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_COOKIES": "false",
            "GUNICORN_BIND": f"{HOST}:{self.port}",
            "GUNICORN_WORKERS": "1",
        }
        self.env.pop("DATABASE_TEST_NAME", None)
        self.server: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None

    def _spawn(self, command: list[str], log_name: str) -> subprocess.Popen:
        log = open(self.log_dir / log_name, "ab")  # noqa: SIM115 — closed with the process
        return subprocess.Popen(  # noqa: S603
            command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def start(self) -> None:
        self.server = self._spawn(
            [str(ROOT / ".venv/bin/gunicorn"), "-c", "deploy/gunicorn.conf.py", "legalcases.wsgi:application"],
            "gunicorn.log",
        )
        wait_until(self._healthy, 60, "gunicorn to answer /healthz")

    def _healthy(self) -> bool:
        assert self.server is not None and self.server.poll() is None, self.log("gunicorn.log")
        try:
            return requests.get(self.base + "/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def worker_pids(self) -> set[int]:
        """gunicorn's worker processes: the same set after a fault means no worker was killed or restarted."""
        assert self.server is not None
        return set(children(self.server.pid))

    def start_worker(self) -> None:
        self.worker = self._spawn(
            [str(ROOT / ".venv/bin/celery"), "-A", "legalcases", "worker", "--pool", "solo", "--without-heartbeat",
             "--without-gossip", "--without-mingle", "--loglevel", "INFO", "--hostname", f"faults-{os.getpid()}@localhost"],
            "worker.log",
        )  # fmt: skip

    def log(self, name: str) -> str:
        path = self.log_dir / name
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def stop(self) -> None:
        running = [(proc, sig) for proc, sig in ((self.worker, signal.SIGTERM), (self.server, signal.SIGQUIT))
                   if proc is not None and proc.poll() is None]  # fmt: skip
        for proc, sig in running:  # the worker's warm shutdown and gunicorn's quick one, side by side
            os.killpg(proc.pid, sig)
        for proc, _sig in running:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)

    def sql(self, query: str, *params) -> list[tuple]:
        """Read or change the app's database directly (the app is the one under test, not this helper)."""
        with self.pg.connect(DATABASE) as conn:
            cursor = conn.execute(query, params)
            return cursor.fetchall() if cursor.description else []


@pytest.fixture(scope="session")
def app(pg: Postgres, rd: Redis, tmp_path_factory) -> Iterator[App]:
    with pg.connect() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        conn.execute(
            f"""CREATE DATABASE "{DATABASE}" ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8' TEMPLATE template0"""
        )
    server = App(pg, rd, tmp_path_factory.mktemp("media"), tmp_path_factory.mktemp("logs"))
    try:
        rd.client(REDIS_DB).flushdb()  # no message left from an earlier run
        # Migrations and the two servers' start-up (which needs no table) overlap: the run stays short.
        setup = server._spawn([sys.executable, "-c", SETUP], "setup.log")
        server.start_worker()
        server.start()
        assert setup.wait(timeout=300) == 0, server.log("setup.log")
        yield server
    finally:
        server.stop()
        pg.restore()
        with pg.connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


def timed(method: str, url: str, **kwargs) -> tuple[requests.Response, float]:
    """One request with a generous client timeout (gunicorn's is 60 s); returns it and the seconds it took."""
    started = time.monotonic()
    response = requests.request(method, url, timeout=90, allow_redirects=False, **kwargs)
    return response, time.monotonic() - started
