"""/healthz (liveness) and /readyz (database, broker, storage): no login, no details."""

from __future__ import annotations

import pytest

from legalcases import health


def test_healthz_needs_no_login_and_no_database(client):
    # No django_db mark: pytest-django makes any database access in this test an error.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"] and response["X-Request-ID"]


@pytest.mark.django_db
def test_readyz_checks_every_backing_service(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok", "storage": "ok"}}


@pytest.mark.django_db
def test_readyz_fails_without_saying_why(client, monkeypatch):
    def broken() -> None:
        raise OSError("disk /srv/secret-path is full, password=hunter2")

    monkeypatch.setitem(health.CHECKS, "storage", broken)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "fail", "checks": {"database": "ok", "broker": "ok", "storage": "fail"}}
    assert b"secret-path" not in response.content and b"hunter2" not in response.content


@pytest.mark.django_db
def test_readyz_fails_when_media_has_no_room(client, monkeypatch):
    monkeypatch.setattr(health, "MIN_FREE_BYTES", 1 << 62)
    assert client.get("/readyz").json()["checks"]["storage"] == "fail"


def test_probes_refuse_writes(client):
    assert client.post("/healthz").status_code == 405
