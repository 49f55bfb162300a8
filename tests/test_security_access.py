"""Access control through the UI (issue 9, item 3): the permission matrix generated from
accounts/permissions.py, checked cell by cell on the staff pages and on the admin site (the API
side: tests/api/test_permissions_matrix.py); open redirects, CSRF from a foreign origin, IDOR by
walking ids, and XSS payloads in text fields on pages and in the admin."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from accounts.permissions import AREA, CAN_EDIT, CAN_USE_ADMIN, CAN_VIEW
from cases import models as m
from tests import factories as f
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

ROLES = ["analyst", "lawyer", "executive", "admin"]
DENIED = (403, 404)  # 404: the rows are invisible to the role (docs/permissions.md)


def area_of(model) -> str:
    return AREA[model._meta.label_lower]


def client_for(role_users, role: str) -> Client:
    client = Client()
    client.force_login(role_users[role])
    return client


# --- The staff pages -----------------------------------------------------------------------------
# (area, action, name, how to build the URL, method). Every area that has staff pages appears with
# both actions; test_every_cell_is_probed_through_the_ui checks that nothing is left out.

Probe = tuple[str, str, str, Callable[[], str], str]


def _detail(name: str, factory: Callable[[], Any]) -> Callable[[], str]:
    return lambda: reverse(name, args=[factory().pk])


STAFF_PROBES: list[Probe] = [
    ("monitoring", "view", "content list", lambda: reverse("cases:content-item-list"), "get"),
    ("monitoring", "view", "content detail", _detail("cases:content-item-detail", f.ContentItemFactory), "get"),
    ("monitoring", "view", "account list", lambda: reverse("cases:monitored-account-list"), "get"),
    (
        "monitoring",
        "view",
        "account detail",
        _detail("cases:monitored-account-detail", f.MonitoredAccountFactory),
        "get",
    ),
    ("monitoring", "view", "campaign list", lambda: reverse("cases:campaign-list"), "get"),
    ("monitoring", "view", "campaign detail", _detail("cases:campaign-detail", f.CampaignFactory), "get"),
    ("monitoring", "view", "import list", lambda: reverse("cases:import-job-list"), "get"),
    ("monitoring", "edit", "manual entry", lambda: reverse("cases:content-item-create"), "get"),
    ("monitoring", "edit", "file import", lambda: reverse("cases:import-job-create"), "get"),
    ("evidence", "view", "evidence list", lambda: reverse("cases:evidence-list"), "get"),
    ("evidence", "view", "evidence detail", _detail("cases:evidence-detail", f.EvidenceFactory), "get"),
    ("evidence", "edit", "fix evidence", lambda: reverse("cases:evidence-create"), "get"),
    ("litigation", "view", "lawsuit list", lambda: reverse("cases:lawsuit-list"), "get"),
    ("litigation", "view", "lawsuit detail", _detail("cases:lawsuit-detail", f.LawsuitFactory), "get"),
    ("litigation", "view", "deadline list", lambda: reverse("cases:deadline-list"), "get"),
    ("litigation", "edit", "prepare a suit", _detail("cases:lawsuit-prepare", f.MonitoredAccountFactory), "get"),
    ("assistance", "view", "request list", lambda: reverse("cases:assistance-request-list"), "get"),
    (
        "assistance",
        "view",
        "request detail",
        _detail("cases:assistance-request-detail", f.AssistanceRequestFactory),
        "get",
    ),
    (
        "assistance",
        "edit",
        "screen a request",
        _detail("cases:assistance-request-screen", f.AssistanceRequestFactory),
        "post",
    ),
]


def allowed(area: str, action: str, role: str) -> bool:
    return role in (CAN_VIEW if action == "view" else CAN_EDIT)[area]


@pytest.mark.parametrize("probe", STAFF_PROBES, ids=lambda p: f"{p[0]}-{p[1]}-{p[2]}")
@pytest.mark.parametrize("role", ROLES)
def test_staff_pages_follow_the_matrix(role, probe, role_users):
    area, action, _label, make_url, method = probe
    url = make_url()
    response = getattr(client_for(role_users, role), method)(url)

    if allowed(area, action, role):
        assert response.status_code not in (*DENIED, 401), f"{role} should {action} {area} at {url}"
        assert response.status_code in (200, 302, 400)
    else:
        assert response.status_code in DENIED, f"{role} must not {action} {area} at {url}"


# --- The admin site: every registered model, both actions ----------------------------------------

ADMIN_MODELS = sorted(admin.site._registry, key=lambda model: model._meta.label)


def _admin_url(model, view: str) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}")


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda model: model._meta.label)
@pytest.mark.parametrize("role", ROLES)
def test_the_admin_follows_the_matrix(role, model, role_users, rf, admin_user):
    client = client_for(role_users, role)
    model_admin = admin.site._registry[model]
    area = area_of(model)

    changelist = client.get(_admin_url(model, "changelist"))
    add = client.get(_admin_url(model, "add"))

    if role not in CAN_USE_ADMIN:
        # No admin at all: sent to the (staff) login, which refuses a signed-in user without the right.
        assert changelist.status_code == add.status_code == 302
        assert client.get(changelist["Location"]).status_code in (302, 403)
        return
    sees = role in CAN_VIEW[area] or role in CAN_EDIT[area]
    assert changelist.status_code == (200 if sees else 403)
    # Some models are never added in the admin (only through their services): closed to everyone.
    request = rf.get("/")
    request.user = admin_user
    addable = model_admin.has_add_permission(request)
    assert add.status_code == (200 if role in CAN_EDIT[area] and addable else 403)


def test_every_cell_is_probed_through_the_ui():
    """Each (area, view) cell has a UI check; each (area, edit) cell where someone may edit too."""
    probed = {(area, action) for area, action, *_ in STAFF_PROBES}
    admin_areas = {area_of(model) for model in ADMIN_MODELS}
    for area in CAN_VIEW:
        assert (area, "view") in probed or area in admin_areas, f"no UI check for viewing {area}"
        if CAN_EDIT[area]:
            assert (area, "edit") in probed or area in admin_areas, f"no UI check for editing {area}"


# --- Open redirects ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/", "/\\evil.example/", "https:evil.example", "javascript:alert(1)"],
)
def test_login_refuses_to_redirect_off_site(client, analyst, target):
    response = client.post(reverse("accounts:login"), {"username": "analyst", "password": PASSWORD, "next": target})

    assert response.status_code == 302
    assert response["Location"] == reverse("cases:home")


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x"])
def test_language_switch_and_logout_refuse_to_redirect_off_site(analyst_client, target):
    switched = analyst_client.post(reverse("set_language"), {"language": "en", "next": target})
    logged_out = analyst_client.post(reverse("accounts:logout"), {"next": target})

    for response in (switched, logged_out):
        assert "evil.example" not in response.get("Location", "")


# --- CSRF from a foreign origin ----------------------------------------------------------------------


def test_a_post_from_a_foreign_origin_is_refused(analyst):
    client = Client(enforce_csrf_checks=True)
    client.force_login(analyst)
    page = client.get(reverse("cases:content-item-create"))
    token = page.cookies["csrftoken"].value
    before = m.ContentItem.objects.count()

    response = client.post(
        reverse("cases:content-item-create"),
        {"csrfmiddlewaretoken": token, "url": "https://weibo.com/1/abc"},
        HTTP_ORIGIN="https://evil.example",
        secure=True,
        HTTP_REFERER="https://evil.example/attack",
    )

    assert response.status_code == 403
    assert m.ContentItem.objects.count() == before


def test_a_post_without_a_token_is_refused_even_from_our_origin(analyst):
    client = Client(enforce_csrf_checks=True)
    client.force_login(analyst)

    response = client.post(reverse("cases:content-item-create"), {"url": "https://weibo.com/1/abc"})

    assert response.status_code == 403


def test_the_api_refuses_a_session_post_without_csrf(lawyer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(lawyer)
    lawsuit = f.LawsuitFactory()

    response = client.post(f"/api/v1/lawsuits/{lawsuit.pk}/", {}, content_type="application/json")

    assert response.status_code == 403


# --- IDOR: walking ids -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "factory", "roles_denied"),
    [
        ("cases:evidence-detail", f.EvidenceFactory, ["executive"]),
        ("cases:evidence-download", f.EvidenceFactory, ["executive"]),
        ("cases:assistance-request-detail", f.AssistanceRequestFactory, ["executive"]),
    ],
)
def test_walking_ids_reveals_nothing_to_roles_without_the_area(role_users, name, factory, roles_denied):
    objects = [factory() for _ in range(3)]
    ids = [obj.pk for obj in objects]
    for role in roles_denied:
        client = client_for(role_users, role)
        for pk in [*ids, max(ids) + 1, max(ids) + 1000]:
            response = client.get(reverse(name, args=[pk]))
            assert response.status_code in DENIED, (role, name, pk)


def test_walking_ids_cannot_tell_existing_from_missing_rows(executive_client):
    existing = f.AssistanceRequestFactory()
    seen = executive_client.get(reverse("cases:assistance-request-detail", args=[existing.pk]))
    missing = executive_client.get(reverse("cases:assistance-request-detail", args=[existing.pk + 999]))

    assert seen.status_code == missing.status_code


def test_an_owners_tracking_link_walks_nowhere(client):
    f.AssistanceRequestFactory()
    for guess in ["1", "2", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "../1"]:
        response = client.get(f"/intake/track/{guess}/")
        assert response.status_code in (404, 429)


# --- XSS ---------------------------------------------------------------------------------------------

PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>"\'><svg/onload=alert(2)>'


def _assert_escaped(html: str) -> None:
    assert "<script>alert" not in html
    assert "<img src=x onerror" not in html
    assert "<svg/onload" not in html
    assert "&lt;script&gt;alert" in html


def test_text_fields_are_escaped_on_staff_pages(lawyer_client):
    account = f.MonitoredAccountFactory(name=PAYLOAD, notes=PAYLOAD)
    item = f.ContentItemFactory(account=account, title=PAYLOAD, text=PAYLOAD)
    lawsuit = f.LawsuitFactory(title=PAYLOAD)
    evidence = f.EvidenceFactory(title=PAYLOAD)
    request = f.AssistanceRequestFactory(description=PAYLOAD)
    pages = [
        reverse("cases:content-item-detail", args=[item.pk]),
        reverse("cases:content-item-list"),
        reverse("cases:triage"),
        reverse("cases:monitored-account-detail", args=[account.pk]),
        reverse("cases:lawsuit-detail", args=[lawsuit.pk]),
        reverse("cases:lawsuit-list"),
        reverse("cases:evidence-detail", args=[evidence.pk]),
        reverse("cases:evidence-list"),
        reverse("cases:assistance-request-detail", args=[request.pk]),
    ]
    for url in pages:
        response = lawyer_client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert "alert" in html, f"the payload is not shown at {url}: the test proves nothing there"
        _assert_escaped(html)


def test_text_fields_are_escaped_in_the_admin(admin_client_):
    account = f.MonitoredAccountFactory(name=PAYLOAD)
    item = f.ContentItemFactory(account=account, title=PAYLOAD, text=PAYLOAD)
    lawsuit = f.LawsuitFactory(title=PAYLOAD)
    pages = [
        _admin_url(m.ContentItem, "changelist"),
        reverse("admin:cases_contentitem_change", args=[item.pk]),
        _admin_url(m.MonitoredAccount, "changelist"),
        reverse("admin:cases_monitoredaccount_change", args=[account.pk]),
        reverse("admin:cases_lawsuit_change", args=[lawsuit.pk]),
    ]
    for url in pages:
        response = admin_client_.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert "alert" in html, url
        _assert_escaped(html)


def test_a_payload_typed_into_a_form_is_stored_as_text_and_shown_escaped(analyst_client):
    response = analyst_client.post(
        reverse("cases:content-item-create"),
        {"url": "https://weibo.com/9/xss", "title": PAYLOAD, "text": PAYLOAD},
        follow=True,
    )

    item = m.ContentItem.objects.get(url__contains="weibo.com/9/xss")
    assert item.title == PAYLOAD  # stored as typed: escaping is the template's job, not the database's
    assert response.status_code == 200 and response.redirect_chain
    _assert_escaped(response.content.decode())


# --- Object-level: an owner's token reaches one request ---------------------------------------------------


def _submit(description: str, phone: str):
    from cases.services import assistance

    submission = assistance.assistance_request_submit(
        name="李雷",
        phone=phone,
        email="",
        description=description,
        links=["https://www.douyin.com/video/7"],
        help_types=["evidence_guidance"],
        files=[],
    )
    return submission.assistance_request, submission.token


def test_an_owners_token_reaches_only_its_own_request(client):
    from django.core.cache import cache

    cache.clear()
    mine, my_token = _submit("我的车被造谣是拼装车。", "13912345678")
    theirs, _their_token = _submit("另一位车主的私密描述。", "13987654321")

    page = client.get(reverse("cases:public-request-track", args=[my_token])).content.decode()
    client.post(
        reverse("cases:public-request-withdraw"),
        {"token": my_token, "confirm": "on", "pk": theirs.pk, "id": theirs.pk, "assistance_request": theirs.pk},
    )

    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert "另一位车主" not in page
    assert theirs.status == m.AssistanceRequest.Status.SUBMITTED
    assert mine.status == m.AssistanceRequest.Status.WITHDRAWN
    cache.clear()
