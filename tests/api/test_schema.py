"""The OpenAPI 3 schema documents every resource, filter, error and both authentications; the
interactive docs load with no asset from another host (intranet deployments, strict CSP)."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db

RESOURCES = [
    "platforms", "agencies", "monitored-accounts", "content-items", "assessments", "campaigns", "evidence",
    "platform-complaints", "lawyer-letters", "lawsuits", "assistance-requests",
]  # fmt: skip


@pytest.fixture
def schema(analyst_client) -> dict:
    response = analyst_client.get("/api/schema/?format=json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.json()


def test_the_schema_is_valid_openapi_3(schema):
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)  # raises on any violation of the OpenAPI 3 meta-schema


def test_the_schema_documents_every_resource_and_action(schema):
    paths = set(schema["paths"])
    for resource in RESOURCES:
        assert f"/api/v1/{resource}/" in paths, resource
    assert {
        "/api/v1/content-items/bulk/",
        "/api/v1/content-items/bulk-async/",
        "/api/v1/content-items/{id}/assess/",
        "/api/v1/content-items/{id}/start-action/",
        "/api/v1/assessments/{id}/sign-off/",
        "/api/v1/campaigns/{id}/assess/",
        "/api/v1/lawsuits/{id}/move/",
        "/api/v1/lawsuits/{id}/outcome/",
        "/api/v1/import-jobs/{id}/",
        "/api/v1/stats/summary/",
    } <= paths


def test_the_schema_documents_both_authentications(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["tokenAuth"] == {**schemes["tokenAuth"], "type": "apiKey", "in": "header", "name": "Authorization"}
    assert "cookieAuth" in schemes
    assert {"tokenAuth": []} in schema["paths"]["/api/v1/content-items/bulk/"]["post"]["security"]


def test_the_schema_documents_filters_and_pagination(schema):
    names = {p["name"] for p in schema["paths"]["/api/v1/content-items/"]["get"]["parameters"]}
    assert {"platform", "triage_state", "q", "published_from", "ordering", "page", "page_size"} <= names
    listed = schema["components"]["schemas"]["PaginatedContentItemList"]["properties"]
    assert {"count", "count_is_estimate", "next", "previous", "results"} <= set(listed)


def test_the_schema_documents_json_errors(schema):
    bulk = schema["paths"]["/api/v1/content-items/bulk/"]["post"]["responses"]
    assert {"200", "400", "401", "403", "413", "415", "429"} <= set(bulk)
    assess = schema["paths"]["/api/v1/content-items/{id}/assess/"]["post"]["responses"]
    assert {"201", "404", "409"} <= set(assess)
    assert "Error" in schema["components"]["schemas"]
    for action in ("move", "outcome"):
        answers = schema["paths"][f"/api/v1/lawsuits/{{id}}/{action}/"]["post"]["responses"]
        assert {"200", "400", "403", "404", "409"} <= set(answers), action


def test_the_schema_needs_credentials_but_any_valid_token(anonymous_client, import_client):
    assert anonymous_client.get("/api/schema/").status_code == 401
    assert import_client.get("/api/schema/?format=json").status_code == 200


def test_the_docs_page_loads_everything_from_this_site(analyst_client):
    response = analyst_client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", html, re.IGNORECASE), "an asset from another host"
    assert "<style" not in html
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts and all("src=" in attrs for attrs in scripts), "inline script breaks the CSP"
    for url in re.findall(r'(?:src|href)="(/static/[^"?]+)', html):
        assert finders.find(url.removeprefix("/static/")), url


def test_the_docs_start_up_script_is_served_from_the_same_view(analyst_client):
    response = analyst_client.get("/api/docs/?script=")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in response.content.decode()


def test_the_docs_page_sends_visitors_to_the_login(anonymous_client):
    response = anonymous_client.get("/api/docs/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
