"""Deployment configuration (issue 9 item 7): the files in deploy/ parse and agree with the settings."""

from __future__ import annotations

import configparser
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from django.conf import settings

BASE = Path(settings.BASE_DIR)
DEPLOY = BASE / "deploy"
NGINX = (DEPLOY / "nginx" / "legalcases.conf").read_text()


def nginx_size(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kmg]?)", value.lower()).groups()
    return int(number) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit]


def directive(name: str, text: str = NGINX) -> list[str]:
    return re.findall(rf"^\s*{name}\s+([^;]+);", text, flags=re.MULTILINE)


def test_nginx_upload_limit_matches_the_largest_upload_the_app_accepts():
    (limit,) = directive("client_max_body_size")
    size = nginx_size(limit)
    largest = max(settings.EVIDENCE_MAX_UPLOAD_BYTES, settings.API_BULK_ASYNC_MAX_BYTES)
    assert largest <= size <= largest * 1.1  # room for the multipart envelope, no more


def test_nginx_buffers_slow_clients_sets_proxy_headers_and_serves_static_files():
    assert directive("proxy_request_buffering") == ["on"] and directive("proxy_buffering") == ["on"]
    assert directive("server_tokens") == ["off"]
    headers = dict(h.split(None, 1) for h in directive("proxy_set_header"))
    assert headers["X-Forwarded-Proto"] == "$scheme"
    assert headers["X-Forwarded-For"] == "$remote_addr"  # overwritten, never appended to
    assert headers["X-Request-ID"] == "$request_id"
    aliases = re.findall(r"location /static/ \{\s*alias ([^;]+);", NGINX)
    assert aliases and aliases[0].rstrip("/").endswith(Path(settings.STATIC_ROOT).name)
    assert re.search(r"location /media/ \{ return 404; \}", NGINX)  # files only through the app
    assert NGINX.count("{") == NGINX.count("}")
    for upstream in ("upstream.conf", "upstream-compose.conf"):
        assert "upstream legalcases_web" in (DEPLOY / "nginx" / upstream).read_text()


def test_access_logs_never_hold_query_strings_or_tracking_tokens():
    log_format = NGINX[NGINX.index("log_format") : NGINX.index(";", NGINX.index("log_format"))]
    assert not re.search(r"\$(request|request_uri|args|query_string)\b", log_format)
    assert "/intake/track/[redacted]/" in NGINX
    gunicorn = (DEPLOY / "gunicorn.conf.py").read_text()
    access_format = re.search(r"access_log_format = '(.*)'", gunicorn).group(1)
    assert "%(U)s" in access_format and "%(r)s" not in access_format and "%(q)s" not in access_format


def test_gunicorn_config_is_valid_and_its_timeout_fits_nginx():
    env = {
        **os.environ,
        "LEGALCASES_IGNORE_DOTENV": "true",
        "DATABASE_URL": os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
    }
    result = subprocess.run(  # noqa: S603
        [str(BASE / ".venv/bin/gunicorn"), "--check-config", "-c", "deploy/gunicorn.conf.py", "legalcases.wsgi:application"],
        cwd=BASE, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    namespace: dict = {}
    exec(compile((DEPLOY / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), namespace)  # noqa: S102
    read_timeout = int(directive("proxy_read_timeout")[0].rstrip("s"))
    assert namespace["timeout"] < read_timeout
    assert namespace["worker_class"] == "sync" and namespace["forwarded_allow_ips"] == "127.0.0.1"


@pytest.mark.parametrize("unit", ["web", "worker", "beat"])
def test_systemd_units_parse_and_run_the_right_process(unit):
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read_string((DEPLOY / "systemd" / f"legalcases-{unit}.service").read_text())
    assert {"Unit", "Service", "Install"} <= set(parser.sections())
    service = parser["Service"]
    assert service["User"] == "legalcases" and service["EnvironmentFile"] == "/etc/legalcases/legalcases.env"
    assert service["Restart"] == "on-failure" and service["NoNewPrivileges"] == "true"
    command = service["ExecStart"]
    expected = {"web": "gunicorn -c deploy/gunicorn.conf.py legalcases.wsgi:application",
                "worker": "celery -A legalcases worker", "beat": "celery -A legalcases beat"}[unit]  # fmt: skip
    assert expected in command


def test_compose_runs_every_part_and_one_beat():
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"web", "worker", "beat", "postgres", "redis", "nginx"}
    assert services["beat"]["deploy"]["replicas"] == 1
    assert "gunicorn" in services["web"]["command"][0] and "deploy/gunicorn.conf.py" in services["web"]["command"]
    assert services["worker"]["command"][3] == "worker" and services["beat"]["command"][3] == "beat"
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["LOG_FORMAT"] == "json" and env["CELERY_BROKER_URL"].startswith("redis://redis:")
        assert env["DATABASE_URL"].startswith("postgres://") and "@postgres:5432/" in env["DATABASE_URL"]
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["postgres"]["image"].startswith("postgres:15")
    for volume in services["nginx"]["volumes"]:
        source = volume.split(":")[0]
        if source.startswith("./nginx/"):
            assert (DEPLOY / source).is_file()
    assert (DEPLOY / "Dockerfile").is_file() and (DEPLOY / "compose.env.example").is_file()


@pytest.mark.parametrize("script", ["scripts/backup.sh", "scripts/restore.sh"])
def test_scripts_are_valid_bash_and_executable(script):
    path = BASE / script
    assert os.access(path, os.X_OK)
    assert subprocess.run(["bash", "-n", str(path)], capture_output=True).returncode == 0  # noqa: S603, S607


def test_s3_evidence_storage_is_selected_by_environment():
    code = (
        "from django.conf import settings; from django.core.files.storage import default_storage as s; "
        "print(settings.STORAGES['default']['BACKEND'], s.bucket_name, s.endpoint_url, s.file_overwrite)"
    )
    env = {
        **os.environ, "LEGALCASES_IGNORE_DOTENV": "true", "DJANGO_SETTINGS_MODULE": "legalcases.settings",
        "EVIDENCE_STORAGE": "s3", "EVIDENCE_S3_BUCKET": "evidence-bucket",
        "EVIDENCE_S3_ENDPOINT_URL": "http://127.0.0.1:9000",
    }  # fmt: skip
    result = subprocess.run(  # noqa: S603
        [str(BASE / ".venv/bin/python"), "-c", f"import django; django.setup(); {code}"],
        cwd=BASE, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["storages.backends.s3.S3Storage", "evidence-bucket", "http://127.0.0.1:9000", "False"]
    env["EVIDENCE_STORAGE"] = "ftp"
    bad = subprocess.run(  # noqa: S603
        [str(BASE / ".venv/bin/python"), "-c", "import django; django.setup()"],
        cwd=BASE, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert bad.returncode != 0 and "EVIDENCE_STORAGE must be local or s3" in bad.stderr
