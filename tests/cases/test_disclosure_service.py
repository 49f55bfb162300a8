"""Identity disclosure (cases/services/disclosures.py): requests, answers, the masked or audited
read of the holder's identity, and adding the holder as a defendant."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone, translation

from cases import models as m
from cases.services import disclosures
from tests import factories as f

pytestmark = pytest.mark.django_db
St = m.IdentityDisclosure.Status


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def disclosed(lawyer, account=None) -> m.IdentityDisclosure:
    account = account or f.MonitoredAccountFactory(identity_status="anonymous")
    request = disclosures.disclosure_request(actor=lawyer, account=account, route="court_order")
    return disclosures.disclosure_record_response(
        disclosure=request,
        actor=lawyer,
        status=St.DISCLOSED,
        name="张伟",
        contact="13812345678",
        address="北京市海淀区中关村大街1号",
    )


def test_a_request_marks_the_account_and_a_disclosure_names_the_holder(lawyer):
    account = f.MonitoredAccountFactory(identity_status="anonymous")
    request = disclosures.disclosure_request(actor=lawyer, account=account, route="platform", notes="调查令已送达")
    account.refresh_from_db()
    assert account.identity_status == "disclosure_requested" and request.requested_by == lawyer
    disclosures.disclosure_record_response(disclosure=request, actor=lawyer, status=St.DISCLOSED, name="张伟")
    account.refresh_from_db()
    assert account.identity_status == "disclosed"


def test_the_identity_is_encrypted_at_rest(lawyer):
    disclosure = disclosed(lawyer)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT disclosed_name, disclosed_contact FROM cases_identitydisclosure WHERE id = %s", [disclosure.pk]
        )
        name, contact = cursor.fetchone()
    assert "张伟" not in name and "13812345678" not in contact


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"status": St.DISCLOSED, "name": ""}, "name"),
        ({"status": St.REFUSED, "name": "张伟"}, "name"),
        ({"status": "maybe"}, "status"),
        ({"status": St.REFUSED, "answered_at": timezone.now() + datetime.timedelta(days=1)}, "answered_at"),
    ],
)
def test_bad_answers_are_refused_and_nothing_changes(lawyer, kwargs, field):
    request = disclosures.disclosure_request(actor=lawyer, account=f.MonitoredAccountFactory(), route="platform")
    with pytest.raises(ValidationError) as error:
        disclosures.disclosure_record_response(disclosure=request, actor=lawyer, **kwargs)
    assert field in error.value.message_dict
    request.refresh_from_db()
    assert request.status == St.REQUESTED and request.disclosed_name == ""


def test_an_answered_request_cannot_be_answered_again(lawyer):
    disclosure = disclosed(lawyer)
    with pytest.raises(ValidationError, match="already been answered"):
        disclosures.disclosure_record_response(disclosure=disclosure, actor=lawyer, status=St.REFUSED)


def test_analysts_may_neither_request_nor_record(analyst, lawyer):
    with pytest.raises(PermissionDenied):
        disclosures.disclosure_request(actor=analyst, account=f.MonitoredAccountFactory(), route="platform")
    request = disclosures.disclosure_request(actor=lawyer, account=f.MonitoredAccountFactory(), route="platform")
    with pytest.raises(PermissionDenied):
        disclosures.disclosure_record_response(disclosure=request, actor=analyst, status=St.REFUSED)


def test_a_lawyer_reads_the_identity_in_clear_and_the_read_is_audited(lawyer):
    disclosure = disclosed(lawyer)
    before = m.AuditEvent.objects.filter(action="view", object_type="cases.identitydisclosure").count()
    identity = disclosures.disclosure_identity(disclosure=disclosure, actor=lawyer)
    assert (identity.name, identity.contact, identity.masked) == ("张伟", "13812345678", False)
    events = m.AuditEvent.objects.filter(
        action="view", object_type="cases.identitydisclosure", object_id=str(disclosure.pk)
    )
    assert events.count() == before + 1
    assert events.latest("at").diff == {"fields": ["disclosed_name", "disclosed_contact", "disclosed_address"]}


@pytest.mark.parametrize("role", ["analyst", "executive"])
def test_other_roles_get_the_identity_masked_and_nothing_is_audited(role, role_users, lawyer):
    disclosure = disclosed(lawyer)
    before = m.AuditEvent.objects.filter(action="view").count()
    identity = disclosures.disclosure_identity(disclosure=disclosure, actor=role_users[role])
    assert identity.masked and identity.name == "张*" and identity.contact == "138****5678"
    assert "中关村" not in identity.address and identity.address.startswith("北京市海淀区")
    assert m.AuditEvent.objects.filter(action="view").count() == before


def test_the_disclosed_holder_joins_the_suit_as_a_defendant_under_a_masked_name(lawyer):
    account = f.MonitoredAccountFactory(name="汽车黑料王", identity_status="anonymous")
    lawsuit = f.FiledLawsuitFactory(lawyer=lawyer, defendant__monitored_account=account)
    disclosure = disclosed(lawyer, account)
    party = disclosures.disclosure_add_defendant(disclosure=disclosure, lawsuit=lawsuit, actor=lawyer)
    assert party.kind == "person" and party.role == "defendant" and "张*" in party.name and "张伟" not in party.name
    # Twice is once.
    disclosures.disclosure_add_defendant(disclosure=disclosure, lawsuit=lawsuit, actor=lawyer)
    assert lawsuit.parties.filter(kind="person").count() == 1
    disclosure.refresh_from_db()
    assert disclosure.lawsuit == lawsuit


def test_a_refused_disclosure_adds_nobody(lawyer):
    request = disclosures.disclosure_request(actor=lawyer, account=f.MonitoredAccountFactory(), route="platform")
    disclosures.disclosure_record_response(disclosure=request, actor=lawyer, status=St.NO_RECORD)
    with pytest.raises(ValidationError, match="Only a disclosed holder"):
        disclosures.disclosure_add_defendant(disclosure=request, lawsuit=f.FiledLawsuitFactory(), actor=lawyer)
