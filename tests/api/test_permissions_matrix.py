"""Role × endpoint × method, generated from the tables of accounts/permissions.py, and token scopes.

The API obeys the same policy as the staff pages: reads need ``can_view``, writes ``can_edit``,
nobody anonymous gets anything (deny by default). A token acts as its user, narrowed by its scopes.
"""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import ApiToken
from accounts.permissions import AREA, CAN_EDIT, CAN_SIGN_OFF, CAN_VIEW, CAN_VIEW_DASHBOARD
from cases import models as m
from tests import factories as f
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db

API = "/api/v1"
ROLES = ["analyst", "lawyer", "executive", "admin"]

# Every resource of DESIGN.md §5, with the model whose policy area governs it and a way to make a row.
RESOURCES = {
    "platforms": (m.Platform, f.PlatformFactory),
    "agencies": (m.Agency, f.AgencyFactory),
    "monitored-accounts": (m.MonitoredAccount, f.MonitoredAccountFactory),
    "content-items": (m.ContentItem, f.ContentItemFactory),
    "assessments": (m.Assessment, f.AssessmentFactory),
    "campaigns": (m.Campaign, f.CampaignFactory),
    "evidence": (m.Evidence, f.EvidenceFactory),
    "platform-complaints": (m.PlatformComplaint, f.PlatformComplaintFactory),
    "lawyer-letters": (m.LawyerLetter, f.LawyerLetterFactory),
    "lawsuits": (m.Lawsuit, f.LawsuitFactory),
    "assistance-requests": (m.AssistanceRequest, f.AssistanceRequestFactory),
    "import-jobs": (m.ImportJob, f.ImportJobFactory),
}


def allowed(table: dict[str, frozenset[str]], role: str, model) -> bool:
    return role in table[AREA[model._meta.label_lower]]


def detail_url(resource: str, obj) -> str:
    key = obj.code if resource == "platforms" else obj.pk
    return f"{API}/{resource}/{key}/"


def client_for(role_users, role: str) -> Client:
    client = Client()
    client.force_login(role_users[role])
    return client


@pytest.mark.parametrize("resource", list(RESOURCES))
@pytest.mark.parametrize("role", ROLES)
def test_reading_follows_can_view(role, resource, role_users):
    model, factory = RESOURCES[resource]
    obj = factory()
    client = client_for(role_users, role)
    expected = 200 if allowed(CAN_VIEW, role, model) else 403
    list_response = client.get(f"{API}/{resource}/")
    detail_response = client.get(detail_url(resource, obj))
    assert (list_response.status_code, detail_response.status_code) == (expected, expected)
    if expected == 200:
        assert list_response.json()["count"] >= 1
        assert detail_response.json()[("code" if resource == "platforms" else "id")] in (obj.pk, getattr(obj, "code", None))
    else:
        assert list_response.json()["code"] == "permission_denied"


@pytest.mark.parametrize("resource", list(RESOURCES))
@pytest.mark.parametrize("role", ROLES)
def test_generic_writes_never_succeed_403_without_edit_rights_else_405(role, resource, role_users):
    # Resources are read-only: changes go through the workflow actions and the bulk import.
    model, factory = RESOURCES[resource]
    obj = factory()
    client = client_for(role_users, role)
    expected = 405 if allowed(CAN_EDIT, role, model) else 403
    calls = [
        ("post", f"{API}/{resource}/"),
        ("put", detail_url(resource, obj)),
        ("patch", detail_url(resource, obj)),
        ("delete", detail_url(resource, obj)),
    ]
    for method, url in calls:
        response = getattr(client, method)(url, {"id": 1}, content_type="application/json")
        assert response.status_code == expected, (method, url, response.content)
        assert "detail" in response.json()
    assert model.objects.filter(pk=obj.pk).exists()


@pytest.mark.parametrize("resource", list(RESOURCES))
def test_anonymous_requests_get_401_everywhere(resource, anonymous_client):
    _model, factory = RESOURCES[resource]
    obj = factory()
    assert anonymous_client.get(f"{API}/{resource}/").status_code == 401
    assert anonymous_client.get(detail_url(resource, obj)).status_code == 401
    assert anonymous_client.post(f"{API}/{resource}/", {}, content_type="application/json").status_code == 401


def test_a_deactivated_users_session_counts_as_anonymous(outsider):
    client = Client()
    client.force_login(outsider)
    assert client.get(f"{API}/content-items/").status_code == 401


# --- workflow actions -------------------------------------------------------------------------------------

REASON = "视频捏造“刹车失灵致事故”的事实，无任何检测依据，不属于正常批评。"


def _assess_item():
    item = f.ContentItemFactory()
    return f"{API}/content-items/{item.pk}/assess/", {"conclusion": "suspected", "rationale": REASON}


def _assess_campaign():
    campaign = f.CampaignFactory()
    f.ContentItemFactory(campaign=campaign)
    return f"{API}/campaigns/{campaign.pk}/assess/", {"conclusion": "watch"}


def _start_action():
    item = f.ContentItemFactory(triage_state="suspected")
    return f"{API}/content-items/{item.pk}/start-action/", {}


def _sign_off():
    assessment = f.AssessmentFactory(conclusion="serious")
    return f"{API}/assessments/{assessment.pk}/sign-off/", {}


def _bulk():
    return f"{API}/content-items/bulk/", {"items": [{"platform": "weibo", "url": "https://weibo.com/1/Matrix"}]}


# (make the request, the model whose edit right it needs, the extra role set it needs)
ACTIONS = {
    "content-item-assess": (_assess_item, m.Assessment, None),
    "campaign-assess": (_assess_campaign, m.Assessment, None),
    "content-item-start-action": (_start_action, m.ContentItem, None),
    "assessment-sign-off": (_sign_off, m.Assessment, CAN_SIGN_OFF),
    "content-item-bulk": (_bulk, m.ContentItem, None),
}


@pytest.mark.parametrize("name", list(ACTIONS))
@pytest.mark.parametrize("role", ROLES)
def test_workflow_actions_follow_can_edit(role, name, role_users):
    make, model, extra = ACTIONS[name]
    url, body = make()
    response = client_for(role_users, role).post(url, body, content_type="application/json")
    permitted = allowed(CAN_EDIT, role, model) and (extra is None or role in extra)
    if permitted:
        # Allowed by role; the service may still refuse the move itself (409 for an item without evidence).
        assert response.status_code not in (401, 403), response.content
    else:
        assert response.status_code == 403, response.content


@pytest.mark.parametrize("role", ROLES)
def test_the_headline_figures_are_open_to_every_staff_role(role, role_users):
    response = client_for(role_users, role).get(f"{API}/stats/summary/")
    assert response.status_code == (200 if role in CAN_VIEW_DASHBOARD else 403)


# --- token scopes -------------------------------------------------------------------------------------------

# (method, path maker, scopes that allow it); the token's user is a lawyer, so only scopes can refuse.
SCOPE_CASES = [
    *[("get", (lambda r=resource: f"{API}/{r}/"), {"read"}) for resource in RESOURCES if resource not in ("platforms", "import-jobs")],
    ("get", lambda: f"{API}/platforms/", {"read", "import"}),
    ("get", lambda: f"{API}/platforms/weibo/", {"read", "import"}),
    ("get", lambda: f"{API}/import-jobs/", {"read", "import"}),
    ("get", lambda: f"{API}/stats/summary/", {"read"}),
    ("get", lambda: f"{API}/", {"read"}),
    ("post", lambda: _bulk()[0], {"write", "import"}),
    ("post", lambda: f"{API}/content-items/bulk-async/", {"write", "import"}),
    ("post", lambda: _assess_item()[0], {"write"}),
    ("post", lambda: _sign_off()[0], {"write"}),
]


@pytest.mark.parametrize("scope", ApiToken.Scope.values)
@pytest.mark.parametrize("case", range(len(SCOPE_CASES)))
def test_token_scopes_decide_what_a_token_may_call(scope, case, make_token, lawyer):
    method, path, scopes = SCOPE_CASES[case]
    _token, key = make_token(user=lawyer, scopes=[scope])
    body = {"items": [{"platform": "weibo", "url": "https://weibo.com/1/Scope"}], "conclusion": "none"}
    response = getattr(token_client(key), method)(path(), body, content_type="application/json")
    if scope in scopes:
        assert response.status_code not in (401, 403), response.content
    else:
        assert response.status_code == 403
        assert "scopes" in response.json()["detail"]


def test_an_import_token_cannot_read_anything_but_platforms_and_its_own_jobs(import_client, vendor, analyst):
    mine = f.ImportJobFactory(created_by=vendor)
    f.ImportJobFactory(created_by=analyst)
    f.ContentItemFactory()
    jobs = import_client.get(f"{API}/import-jobs/").json()["results"]
    assert [job["id"] for job in jobs] == [mine.pk]
    for resource in RESOURCES:
        if resource not in ("platforms", "import-jobs"):
            assert import_client.get(f"{API}/{resource}/").status_code == 403, resource


def test_a_token_never_exceeds_its_users_role(make_token, executive):
    _token, key = make_token(user=executive, scopes=["read", "write", "import"])
    client = token_client(key)
    assert client.get(f"{API}/assistance-requests/").status_code == 403
    assert client.post(_bulk()[0], _bulk()[1], content_type="application/json").status_code == 403
    assert not m.ContentItem.objects.exists()
