"""Role policy: who sees and who changes what (accounts/permissions.py), and for_user() applying it."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser, Group
from django.core.exceptions import PermissionDenied

from accounts import permissions
from accounts.models import ApiToken, User
from accounts.permissions import AREA, CAN_EDIT, CAN_VIEW
from cases import models as m
from tests import factories as f
from tests.conftest import PASSWORD

CASES_MODELS = list(apps.get_app_config("cases").get_models())
SECURITY_MODELS = [
    apps.get_model(label)
    for label in ("otp_totp.TOTPDevice", "otp_static.StaticDevice", "axes.AccessAttempt", "axes.AccessLog", "axes.AccessFailureLog")
]
POLICY_MODELS = [*CASES_MODELS, User, ApiToken, *SECURITY_MODELS]

# Who each kind of user is, and the role the policy should treat them as (None: no access at all).
PEOPLE = {
    "analyst": ({"role": "analyst"}, "analyst"),
    "lawyer": ({"role": "lawyer"}, "lawyer"),
    "executive": ({"role": "executive"}, "executive"),
    "admin": ({"role": "admin"}, "admin"),
    "superuser_analyst": ({"role": "analyst", "is_superuser": True}, "admin"),
    "inactive_lawyer": ({"role": "lawyer", "is_active": False}, None),
    "anonymous": (None, None),
}


def person(kind: str, *, save: bool = False):
    attrs, _role = PEOPLE[kind]
    if attrs is None:
        return AnonymousUser()
    if save:
        return User.objects.create_user(username=kind, password=PASSWORD, **attrs)
    return User(username=kind, **attrs)


def expected(table: dict[str, frozenset[str]], kind: str, model) -> bool:
    role = PEOPLE[kind][1]
    return role is not None and role in table[AREA[model._meta.label_lower]]


# --- the tables cover everything ------------------------------------------------------------------


@pytest.mark.parametrize("model", POLICY_MODELS, ids=lambda model: model._meta.label)
def test_every_model_has_a_policy_area(model):
    assert model._meta.label_lower in AREA, "add the new model to permissions.AREA"
    area = AREA[model._meta.label_lower]
    assert area in CAN_VIEW and area in CAN_EDIT


def test_policy_names_no_model_that_does_not_exist():
    labels = {model._meta.label_lower for model in POLICY_MODELS}
    assert set(AREA) <= labels


def test_editing_an_area_implies_seeing_it():
    for area, editors in CAN_EDIT.items():
        assert editors <= CAN_VIEW[area], area


# --- generated from the tables ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(PEOPLE))
@pytest.mark.parametrize("model", POLICY_MODELS, ids=lambda model: model._meta.label)
def test_can_view_and_can_edit_follow_the_tables(kind, model):
    user = person(kind)
    assert permissions.can_view(user, model) is expected(CAN_VIEW, kind, model)
    assert permissions.can_edit(user, model) is expected(CAN_EDIT, kind, model)


def _one_of_each() -> None:
    """At least one row in every table the policy covers."""
    lawyer = User.objects.create_user(username="seed-lawyer", password=PASSWORD, role="lawyer")
    item = f.ContentItemFactory()
    f.AssessmentFactory(content_item=item, assessor=lawyer)
    f.AuthorityReportFactory().content_items.add(item)
    f.CampaignFactory()
    m.AuditRetention.objects.create(days=400, reason="年度审查", set_by=lawyer)
    f.AgencyFactory()
    f.CustodyEventFactory()
    f.PlatformComplaintFactory()
    f.RebuttalFactory()
    f.LawyerLetterFactory()
    f.IdentityDisclosureFactory()
    lawsuit = f.FiledLawsuitFactory(lawyer=lawyer)
    f.LawsuitClaimFactory(lawsuit=lawsuit)
    f.HearingFactory(proceeding=f.ProceedingFactory(lawsuit=lawsuit))
    f.DeadlineFactory(lawsuit=lawsuit)
    f.ConsentRecordFactory()
    f.OwnerNotificationFactory()
    f.ImportJobFactory()
    f.StateChangeFactory()
    f.WebhookDeliveryFactory()
    from accounts.services import api_token_create

    api_token_create(name="vendor", user=lawyer, scopes=["import"])


@pytest.fixture
def one_of_each(db):
    _one_of_each()


def _for_user_params():
    # The security models (django-otp, django-axes) have no for_user(): only their admin reads them.
    for model in [*CASES_MODELS, User, ApiToken]:
        yield pytest.param(model, id=model._meta.label)


@pytest.mark.parametrize("model", list(_for_user_params()))
def test_for_user_returns_every_row_or_none_as_the_tables_say(one_of_each, model):
    people = {kind: person(kind, save=kind != "anonymous") for kind in PEOPLE}
    total = model._default_manager.count()
    assert total > 0, f"seed a {model.__name__} row"
    for kind, user in people.items():
        visible = model._default_manager.for_user(user)
        assert visible.count() == (total if expected(CAN_VIEW, kind, model) else 0), (kind, model.__name__)


# --- the policy in plain words (fails if someone edits the tables by mistake) ----------------------


@pytest.mark.parametrize(
    ("kind", "model", "view", "edit"),
    [
        ("executive", m.Lawsuit, True, False),
        ("executive", m.ContentItem, True, False),
        ("executive", m.AssistanceRequest, False, False),
        ("executive", m.ConsentRecord, False, False),
        ("executive", m.Evidence, False, False),
        ("executive", m.CustodyEvent, False, False),
        ("analyst", m.Lawsuit, True, False),
        ("analyst", m.Proceeding, True, False),
        ("analyst", m.ContentItem, True, True),
        ("analyst", m.Evidence, True, True),
        ("analyst", m.AssistanceRequest, True, True),
        ("lawyer", m.Lawsuit, True, True),
        ("lawyer", m.AssistanceRequest, True, True),
        ("lawyer", m.AuditEvent, False, False),
        ("lawyer", User, False, False),
        ("admin", m.AuditEvent, True, False),
        ("admin", User, True, True),
        ("superuser_analyst", m.AuditEvent, True, False),
        ("superuser_analyst", m.Lawsuit, True, True),
        ("inactive_lawyer", m.Lawsuit, False, False),
        ("anonymous", m.Platform, False, False),
    ],
)
def test_policy_examples(kind, model, view, edit):
    user = person(kind)
    assert permissions.can_view(user, model) is view
    assert permissions.can_edit(user, model) is edit


@pytest.mark.parametrize("kind", list(PEOPLE))
def test_nobody_edits_the_audit_trail(kind):
    assert not permissions.can_edit(person(kind), m.AuditEvent)


@pytest.mark.parametrize("kind", list(PEOPLE))
def test_only_administrators_see_the_audit_trail_and_users(kind):
    is_admin = PEOPLE[kind][1] == "admin"
    assert permissions.can_view(person(kind), m.AuditEvent) is is_admin
    assert permissions.can_view(person(kind), User) is is_admin


@pytest.mark.parametrize("model", POLICY_MODELS, ids=lambda model: model._meta.label)
def test_anonymous_and_inactive_users_see_nothing(model):
    for kind in ("anonymous", "inactive_lawyer"):
        assert not permissions.can_view(person(kind), model)
        assert not permissions.can_edit(person(kind), model)


def test_inactive_superuser_has_no_access():
    user = User(username="gone", role="admin", is_superuser=True, is_active=False)
    assert permissions.role_of(user) is None
    assert not permissions.can_view(user, m.Platform)


def test_model_missing_from_the_policy_is_for_administrators_only():
    # Deny by default: Group is not in AREA.
    assert "auth.group" not in AREA
    assert permissions.can_view(person("admin"), Group)
    assert not any(permissions.can_view(person(k), Group) for k in ("analyst", "lawyer", "executive", "anonymous"))
    assert not permissions.can_edit(person("admin"), Group)


@pytest.mark.parametrize(
    ("kind", "allowed"),
    [
        ("analyst", False),
        ("lawyer", True),
        ("executive", False),
        ("admin", True),
        ("superuser_analyst", True),
        ("inactive_lawyer", False),
        ("anonymous", False),
    ],
)
def test_only_lawyers_and_admins_see_personal_data(kind, allowed):
    assert permissions.can_see_personal_data(person(kind)) is allowed
    assert permissions.can_use_admin(person(kind)) is allowed


@pytest.mark.parametrize("kind", list(PEOPLE))
def test_every_active_staff_member_sees_the_dashboard(kind):
    assert permissions.can_view_dashboard(person(kind)) is (PEOPLE[kind][1] is not None)
    assert permissions.is_staff_member(person(kind)) is (PEOPLE[kind][1] is not None)


def test_ensure_can_edit_raises_permission_denied():
    permissions.ensure_can_edit(person("lawyer"), m.Lawsuit)
    with pytest.raises(PermissionDenied):
        permissions.ensure_can_edit(person("analyst"), m.Lawsuit)
    with pytest.raises(PermissionDenied):
        permissions.ensure_can_edit(person("executive"), m.ContentItem)
