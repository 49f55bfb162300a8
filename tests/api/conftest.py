"""Fixtures for the REST API tests: tokens, clients that send them, a clean throttle cache."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pytest
from django.core.cache import cache
from django.test import Client

from accounts.models import ApiToken, User
from accounts.services import api_token_create


@pytest.fixture(autouse=True)
def _clean_throttle_cache():
    # Throttle counters live in the cache (LocMem in tests): never carry them from one test to the next.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def vendor(db, django_user_model) -> User:
    """A monitoring vendor's service user: role analyst, cannot log in."""
    user = django_user_model(username="vendor-x", role=User.Role.ANALYST, display_name="vendor-x")
    user.set_unusable_password()
    user.save()
    return user


MakeToken = Callable[..., tuple[ApiToken, str]]


@pytest.fixture
def make_token(vendor) -> MakeToken:
    def make(*, user: User | None = None, scopes: Iterable[str] = ("read",), **extra) -> tuple[ApiToken, str]:
        return api_token_create(name="test token", user=user or vendor, scopes=scopes, **extra)

    return make


def token_client(key: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {key}")


@pytest.fixture
def import_client(make_token) -> Client:
    """A vendor's import-only token."""
    _token, key = make_token(scopes=["import"])
    return token_client(key)


@pytest.fixture
def anonymous_client() -> Client:
    return Client()


@pytest.fixture(autouse=True)
def _english_api(settings):
    """Machines read the API's messages; these tests check the English wording (zh-hans is the UI default)."""
    settings.LANGUAGE_CODE = "en"
