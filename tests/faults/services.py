"""Stop, start, pause and resume a real PostgreSQL server and a real Redis server (fault tests).

By default the targets are the machine's own services, as CI has them: the Debian cluster
``15/main`` on 127.0.0.1:5432 (``pg_ctlcluster``) and Redis on 127.0.0.1:6379. The environment
points them elsewhere (a private cluster and Redis, so other work on the machine is not disturbed):

    FAULTS_PG_PORT      port of the PostgreSQL server (default 5432)
    FAULTS_PG_CLUSTER   Debian cluster controlled with pg_ctlcluster (default 15/main), or
    FAULTS_PG_DATADIR   a data directory controlled with pg_ctl as its owner (instead of a cluster)
    FAULTS_REDIS_PORT   port of the Redis server (default 6379)

Every change is undone by ``restore()``, which the fixtures call in their teardown (and at exit):
a paused server is resumed, a stopped one started, and it waits until the server answers.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import psycopg
import redis

HOST = "127.0.0.1"


def _run(command: list[str], timeout: float = 60) -> None:
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)  # noqa: S603
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}): {result.stdout} {result.stderr}")


def wait_until(predicate, timeout: float, what: str) -> float:
    """Poll ``predicate`` until it is true; return the seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if predicate():
            return time.monotonic() - started
        time.sleep(0.1)
    raise RuntimeError(f"timed out after {timeout}s waiting for {what}")


def children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
            found.append(int(entry.name))
    return found


class Postgres:
    def __init__(self) -> None:
        self.port = int(os.environ.get("FAULTS_PG_PORT", "5432"))
        self.datadir_override = os.environ.get("FAULTS_PG_DATADIR", "")
        self.cluster = os.environ.get("FAULTS_PG_CLUSTER", "15/main")
        self.paused: list[int] = []
        self.stopped = False
        self.datadir = ""
        self.bindir = ""

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@{HOST}:{self.port}/{database}"

    def connect(self, database: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(self.url(database), connect_timeout=3, autocommit=True)

    def answers(self) -> bool:
        try:
            with self.connect() as conn:
                conn.execute("SELECT 1")
        except psycopg.Error:
            return False
        return True

    def why_not_usable(self) -> str | None:
        """A reason to skip, or None when this PostgreSQL can be controlled from here."""
        if os.geteuid() != 0:
            return "fault tests stop and pause PostgreSQL: they must run as root"
        if not self.answers():
            return f"no PostgreSQL answers on {HOST}:{self.port}"
        with self.connect() as conn:
            self.datadir = conn.execute("SHOW data_directory").fetchone()[0]
            major = int(conn.execute("SHOW server_version_num").fetchone()[0]) // 10000
        self.bindir = f"/usr/lib/postgresql/{major}/bin"
        if self.datadir_override:
            if Path(self.datadir_override).resolve() != Path(self.datadir).resolve():
                return f"FAULTS_PG_DATADIR is {self.datadir_override}, but port {self.port} serves {self.datadir}"
            if not (Path(self.bindir) / "pg_ctl").exists() or not shutil.which("runuser"):
                return f"pg_ctl ({self.bindir}) or runuser is missing"
        elif not shutil.which("pg_ctlcluster"):
            return "pg_ctlcluster is missing (set FAULTS_PG_DATADIR to control a data directory with pg_ctl)"
        return None

    def _pg_ctl(self, *args: str) -> list[str]:
        owner = pwd.getpwuid(Path(self.datadir).stat().st_uid).pw_name
        return ["runuser", "-u", owner, "--", f"{self.bindir}/pg_ctl", "-D", self.datadir, *args]

    def stop(self) -> None:
        self.stopped = True
        if self.datadir_override:
            _run(self._pg_ctl("-m", "fast", "-w", "stop"))
        else:
            _run(["pg_ctlcluster", "-m", "fast", *self.cluster.split("/"), "stop"])

    def start(self) -> float:
        """Start the server; return the seconds until it accepts connections."""
        started = time.monotonic()
        if self.datadir_override:
            log = Path(self.datadir).parent / f"faults-pg-{self.port}.log"
            _run(self._pg_ctl("-l", str(log), "-w", "start"))
        else:
            _run(["pg_ctlcluster", *self.cluster.split("/"), "start"])
        self.stopped = False
        wait_until(self.answers, 60, f"PostgreSQL on port {self.port}")
        return time.monotonic() - started

    def postmaster_pid(self) -> int:
        return int((Path(self.datadir) / "postmaster.pid").read_text().split()[0])

    def pause(self) -> None:
        """SIGSTOP the postmaster and every backend: the server keeps its sockets but answers nothing."""
        postmaster = self.postmaster_pid()
        os.kill(postmaster, signal.SIGSTOP)  # first: a stopped postmaster forks no new backend
        self.paused = [postmaster]
        for pid in children(postmaster):
            try:
                os.kill(pid, signal.SIGSTOP)
                self.paused.append(pid)
            except ProcessLookupError:
                pass

    def resume(self) -> None:
        pids, self.paused = self.paused, []
        for pid in reversed(pids):
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                pass

    def restore(self) -> None:
        if self.paused:
            self.resume()
        if self.stopped or not self.answers():
            try:
                wait_until(self.answers, 5, "PostgreSQL to answer")
            except RuntimeError:
                self.start()


class Redis:
    # The settings a restart must keep (what `redis-server` was started with may not be visible:
    # Redis rewrites its process title, so /proc/<pid>/cmdline shows "redis-server 127.0.0.1:6379").
    KEPT = ("bind", "dir", "save", "appendonly", "dbfilename", "appendfilename", "pidfile", "logfile",
            "protected-mode", "unixsocket", "unixsocketperm", "maxmemory", "maxmemory-policy")  # fmt: skip

    def __init__(self) -> None:
        self.port = int(os.environ.get("FAULTS_REDIS_PORT", "6379"))
        self.stopped = False
        self.command: list[str] = []

    def client(self, db: int = 0) -> redis.Redis:
        return redis.Redis(host=HOST, port=self.port, db=db, socket_timeout=2, socket_connect_timeout=2)

    def answers(self) -> bool:
        try:
            return bool(self.client().ping())
        except redis.RedisError:
            return False

    def why_not_usable(self) -> str | None:
        if os.geteuid() != 0:
            return "fault tests stop and restart Redis: they must run as root"
        if not shutil.which("redis-cli"):
            return "redis-cli is missing"
        if not self.answers():
            return f"no Redis answers on {HOST}:{self.port}"
        self.command = self.start_command()
        return None

    def start_command(self) -> list[str]:
        """The command line that starts this Redis again as it runs now (executable, config file, settings)."""
        client = self.client()
        info = client.info("server")
        # Not /proc/<pid>/exe: on Debian that is redis-check-rdb, which acts as the server only when called redis-server.
        executable = info.get("executable") or ""
        if not executable.endswith("redis-server") or not os.access(executable, os.X_OK):
            executable = shutil.which("redis-server") or "/usr/bin/redis-server"
        command = [executable]
        if info.get("config_file"):
            command.append(info["config_file"])
        command += ["--port", str(self.port), "--daemonize", "yes"]
        for name in self.KEPT:
            value = client.config_get(name).get(name)
            if value is None or (value == "" and name not in ("save", "bind")):
                continue
            command += [f"--{name}", *(value.split() if name in ("bind", "save") and value else [value])]
        return command

    def stop(self) -> None:
        self.stopped = True
        subprocess.run(["redis-cli", "-p", str(self.port), "shutdown", "nosave"], capture_output=True, timeout=30)  # noqa: S603, S607
        wait_until(lambda: not self._port_open(), 30, f"Redis on port {self.port} to stop")

    def start(self) -> float:
        started = time.monotonic()
        _run(self.command)
        self.stopped = False
        wait_until(self.answers, 30, f"Redis on port {self.port}")
        return time.monotonic() - started

    def _port_open(self) -> bool:
        try:
            with socket.create_connection((HOST, self.port), timeout=1):
                return True
        except OSError:
            return False

    def restore(self) -> None:
        if self.stopped or not self.answers():
            self.start()
