"""gunicorn on 127.0.0.1 (2 sync workers, as PERFORMANCE.md measured) serving the app with bench.settings."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bench.common import log

ROOT = Path(__file__).resolve().parent.parent


class Server:
    def __init__(self, port: int, workers: int = 2) -> None:
        self.port = port
        self.workers = workers
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        gunicorn = Path(sys.executable).with_name("gunicorn")
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"}
        self.process = subprocess.Popen(  # noqa: S603 — fixed argv, no shell
            [str(gunicorn), "-w", str(self.workers), "-k", "sync", "-b", f"127.0.0.1:{self.port}",
             "--timeout", "600", "--log-level", "warning", "legalcases.wsgi"],
            cwd=ROOT, env=env,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                status, _body = self.get("/bench/bare/")
                if status == 200 and len(self.worker_pids()) == self.workers:
                    log(f"gunicorn up on 127.0.0.1:{self.port} (pid {self.process.pid})")
                    return self
            except OSError:
                pass
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn exited at start")
            time.sleep(0.3)
        raise RuntimeError("gunicorn did not answer within 60 s")

    def __exit__(self, *exc: object) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        conn = self.connection()
        try:
            conn.request("GET", path, headers=headers or {})
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def worker_pids(self) -> list[int]:
        assert self.process is not None
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def worker_peak_rss_mb(self) -> float:
        """The largest VmHWM (peak resident set) among the workers, in MB."""
        peak = 0
        for pid in self.worker_pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peak = max(peak, int(line.split()[1]))
            except OSError:
                continue
        return peak / 1024
