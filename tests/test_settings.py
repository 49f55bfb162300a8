"""A wrong or missing setting stops manage.py with one line naming the variable, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOOD_SECRET = "a-production-like-secret-key-used-only-by-this-test-0123456789abcdef"
GOOD_FERNET_KEY = "dGVzdC1vbmx5LWZlcm5ldC1rZXktbm90LXNlY3JldCE="
# Settings never connect at import time, so a placeholder URL keeps the embedded server out of it.
PLACEHOLDER_DB = "postgres://postgres@127.0.0.1:5432/legalcases_settings_check"

PRODUCTION_LIKE = {
    "DEBUG": "false",
    "SECRET_KEY": GOOD_SECRET,
    "ALLOWED_HOSTS": "legal.example.com",
    "FIELD_ENCRYPTION_KEYS": GOOD_FERNET_KEY,
    "DATABASE_URL": PLACEHOLDER_DB,
}


def run_check(**overrides: str | None) -> subprocess.CompletedProcess[str]:
    """Run `manage.py check` with a production-like environment, changed by ``overrides`` (None removes)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        # A developer's .env must not fill in what the test leaves out.
        "LEGALCASES_IGNORE_DOTENV": "1",
        **PRODUCTION_LIKE,
    }
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_complete_production_configuration_passes_the_check():
    result = run_check()

    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    # Warnings may appear (e.g. a missing static/ folder in a fresh clone), but the check ran.
    assert "System check identified" in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("overrides", "variable"),
    [
        pytest.param({"SECRET_KEY": None}, "SECRET_KEY", id="missing-secret-key"),
        pytest.param({"SECRET_KEY": "too-short"}, "SECRET_KEY", id="short-secret-key"),
        pytest.param({"ALLOWED_HOSTS": None}, "ALLOWED_HOSTS", id="missing-allowed-hosts"),
        pytest.param({"DEBUG": "maybe"}, "DEBUG", id="debug-not-a-boolean"),
        pytest.param({"DATABASE_URL": "mysql://root@127.0.0.1/legalcases"}, "DATABASE_URL", id="mysql-url"),
        pytest.param({"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/"}, "DATABASE_URL", id="url-without-db"),
        pytest.param({"FIELD_ENCRYPTION_KEYS": None}, "FIELD_ENCRYPTION_KEYS", id="missing-encryption-keys"),
        pytest.param({"FIELD_ENCRYPTION_KEYS": "not-a-fernet-key"}, "FIELD_ENCRYPTION_KEYS", id="bad-encryption-key"),
        pytest.param(
            {"FIELD_ENCRYPTION_KEYS": f"{GOOD_FERNET_KEY},short"}, "FIELD_ENCRYPTION_KEYS", id="bad-second-key"
        ),
        pytest.param({"DATABASE_CONN_MAX_AGE": "a minute"}, "DATABASE_CONN_MAX_AGE", id="conn-age-not-a-number"),
        pytest.param({"ASSISTANCE_RETENTION_DAYS": "0"}, "ASSISTANCE_RETENTION_DAYS", id="retention-below-minimum"),
        pytest.param(
            {"DATABASE_URL": "postgres://postgres@127.0.0.1:port/legalcases"},
            "DATABASE_URL",
            id="url-with-bad-port",
        ),
        pytest.param(
            {"LOG_LEVEL": "LOUD"},
            "LOG_LEVEL",
            id="unknown-log-level",
        ),
    ],
)
def test_a_bad_setting_stops_with_one_line_naming_the_variable(overrides, variable):
    result = run_check(**overrides)

    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert variable in lines[0]
