"""Lawsuit workflow actions through the API: stage moves and outcomes go through the lawsuit
page's services (state machine, dates, deadlines), illegal moves are 409 with a JSON message,
and only the roles that may edit litigation in the UI may call them."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases import models as m
from tests import factories as f
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db
St = m.Lawsuit.Stage


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.LITIGATION_HOLIDAYS = []


def post(client: Client, url: str, body: dict) -> object:
    return client.post(url, data=json.dumps(body), content_type="application/json")


def move_url(lawsuit: m.Lawsuit) -> str:
    return f"/api/v1/lawsuits/{lawsuit.pk}/move/"


def outcome_url(lawsuit: m.Lawsuit) -> str:
    return f"/api/v1/lawsuits/{lawsuit.pk}/outcome/"


def accepted_suit(**extra) -> m.Lawsuit:
    return f.FiledLawsuitFactory(accepted_on=timezone.localdate() - datetime.timedelta(days=20), **extra)


def test_a_lawyer_moves_a_suit_on_the_event_date_and_the_move_is_recorded(lawyer_client, lawyer):
    suit = accepted_suit()
    served = timezone.localdate() - datetime.timedelta(days=3)
    response = post(lawyer_client, move_url(suit), {"to": "service", "on": served.isoformat(), "reason": "送达"})
    assert response.status_code == 200, response.content
    assert response.json()["stage"] == "service" and response.json()["id"] == suit.pk
    suit.refresh_from_db()
    assert suit.stage == St.SERVICE
    change = m.StateChange.objects.filter(object_type="cases.lawsuit", object_id=suit.pk).latest("id")
    assert (change.to_state, change.actor_id, change.reason) == ("service", lawyer.pk, "送达")


def test_the_date_defaults_to_today_and_acceptance_records_the_case_number(lawyer_client):
    suit = f.FiledLawsuitFactory(stage=St.SUBMITTED, accepted_on=None)
    response = post(lawyer_client, move_url(suit), {"to": "accepted", "case_number": "(2025)京0491民初12345号"})
    assert response.status_code == 200, response.content
    suit.refresh_from_db()
    assert suit.stage == St.ACCEPTED and suit.accepted_on == timezone.localdate()
    assert suit.proceedings.get().case_number == "(2025)京0491民初12345号"
    assert response.json()["proceedings"][0]["case_number"] == "(2025)京0491民初12345号"


def test_an_illegal_move_is_409_with_a_message_and_changes_nothing(lawyer_client):
    suit = accepted_suit()
    response = post(lawyer_client, move_url(suit), {"to": "closed"})
    assert response.status_code == 409
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == "illegal_transition"
    assert "Cannot move from" in body["detail"]
    suit.refresh_from_db()
    assert suit.stage == St.ACCEPTED
    assert not m.StateChange.objects.filter(object_type="cases.lawsuit", object_id=suit.pk).exists()


def test_bad_input_is_400_with_field_errors(lawyer_client):
    suit = accepted_suit()
    future = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    assert post(lawyer_client, move_url(suit), {"to": "nowhere"}).json().keys() == {"to"}
    response = post(lawyer_client, move_url(suit), {"to": "service", "on": future})
    assert response.status_code == 400 and "on" in response.json()
    before_acceptance = (suit.accepted_on - datetime.timedelta(days=1)).isoformat()
    response = post(lawyer_client, move_url(suit), {"to": "service", "on": before_acceptance})
    assert response.status_code == 400 and "on" in response.json()
    suit.refresh_from_db()
    assert suit.stage == St.ACCEPTED


def test_a_lawyer_records_a_judgment_outcome_with_money_and_claim_decisions(lawyer_client):
    suit = accepted_suit(stage=St.JUDGED_FIRST, judgment_on=timezone.localdate() - datetime.timedelta(days=1))
    claim = f.LawsuitClaimFactory(lawsuit=suit)
    other = f.LawsuitClaimFactory()
    body = {
        "outcome": "won",
        "damages_awarded": "80000.00",
        "damages_collected": "20000",
        "apology_published": True,
        "claims": [
            {"id": claim.pk, "granted": True, "amount_awarded": "80000"},
            {"id": other.pk, "granted": True},
        ],
    }
    response = post(lawyer_client, outcome_url(suit), body)
    assert response.status_code == 200, response.content
    assert response.json()["outcome"] == "won" and response.json()["damages_awarded"] == "80000.00"
    suit.refresh_from_db()
    claim.refresh_from_db()
    other.refresh_from_db()
    assert (suit.damages_collected, suit.apology_published) == (Decimal("20000"), True)
    assert (claim.granted, claim.amount_awarded) == (True, Decimal("80000"))
    assert other.granted is None  # another suit's claim is left alone


def test_an_outcome_the_stage_does_not_allow_is_409(lawyer_client):
    suit = accepted_suit()
    response = post(lawyer_client, outcome_url(suit), {"outcome": "won"})
    assert response.status_code == 409
    assert response.json()["code"] == "outcome_not_allowed"
    suit.refresh_from_db()
    assert suit.outcome == m.Lawsuit.Outcome.PENDING


def test_inconsistent_money_is_400_and_nothing_changes(lawyer_client):
    suit = accepted_suit(stage=St.JUDGED_FIRST, judgment_on=timezone.localdate())
    response = post(
        lawyer_client, outcome_url(suit), {"outcome": "won", "damages_awarded": "10", "damages_collected": "20"}
    )
    assert response.status_code == 400 and "damages_collected" in response.json()
    assert post(lawyer_client, outcome_url(suit), {"outcome": "won", "court_fee": "-1"}).status_code == 400
    suit.refresh_from_db()
    assert (suit.outcome, suit.damages_awarded) == (m.Lawsuit.Outcome.PENDING, Decimal("0"))


@pytest.mark.parametrize("role", ["analyst", "executive"])
def test_roles_that_may_not_edit_litigation_are_refused(role, request):
    client = request.getfixturevalue(f"{role}_client")
    suit = accepted_suit()
    assert post(client, move_url(suit), {"to": "service"}).status_code == 403
    assert post(client, outcome_url(suit), {"outcome": "withdrawn"}).status_code == 403
    suit.refresh_from_db()
    assert suit.stage == St.ACCEPTED


def test_admins_may_move_like_lawyers(admin_client_):
    suit = accepted_suit()
    assert post(admin_client_, move_url(suit), {"to": "service"}).status_code == 200


def test_a_vendor_import_only_token_is_refused(import_client):
    suit = accepted_suit()
    response = post(import_client, move_url(suit), {"to": "service"})
    assert response.status_code == 403 and "code" in response.json()
    assert post(import_client, outcome_url(suit), {"outcome": "withdrawn"}).status_code == 403
    suit.refresh_from_db()
    assert suit.stage == St.ACCEPTED


def test_a_lawyer_token_needs_the_write_scope(make_token, lawyer):
    suit = accepted_suit()
    _t, read_key = make_token(user=lawyer, scopes=["read"])
    assert post(token_client(read_key), move_url(suit), {"to": "service"}).status_code == 403
    _t, write_key = make_token(user=lawyer, scopes=["read", "write"])
    assert post(token_client(write_key), move_url(suit), {"to": "service"}).status_code == 200


def test_anonymous_is_401_and_unknown_suits_are_404(anonymous_client, lawyer_client):
    suit = accepted_suit()
    assert post(anonymous_client, move_url(suit), {"to": "service"}).status_code == 401
    assert post(lawyer_client, "/api/v1/lawsuits/999999/move/", {"to": "service"}).status_code == 404


def test_get_is_not_allowed_on_actions(lawyer_client):
    suit = accepted_suit()
    assert lawyer_client.get(move_url(suit)).status_code == 405


def test_protected_fields_in_the_body_are_ignored(lawyer_client, lawyer, analyst):
    suit = accepted_suit()
    original_lawyer = suit.lawyer_id
    body = {"to": "service", "stage": "closed", "lawyer": lawyer.pk, "outcome": "won", "actor": analyst.pk}
    assert post(lawyer_client, move_url(suit), body).status_code == 200
    suit.refresh_from_db()
    assert (suit.stage, suit.outcome, suit.lawyer_id) == (St.SERVICE, m.Lawsuit.Outcome.PENDING, original_lawyer)
    change = m.StateChange.objects.filter(object_type="cases.lawsuit", object_id=suit.pk).get()
    assert change.actor_id == lawyer.pk


def _queries_of_a_move(client: Client, extra_rows: int) -> int:
    suit = accepted_suit()
    for _ in range(extra_rows):
        f.LawsuitClaimFactory(lawsuit=suit)
        f.LawsuitPartyFactory(lawsuit=suit)
    with CaptureQueriesContext(connection) as queries:
        assert post(client, move_url(suit), {"to": "service"}).status_code == 200
    return len(queries)


def test_a_move_costs_a_fixed_number_of_queries_however_big_the_suit(lawyer_client):
    small = _queries_of_a_move(lawyer_client, 0)
    assert _queries_of_a_move(lawyer_client, 5) == small
    # The service (lock, state change, deadlines, audit) plus the suit's answer with its prefetches.
    assert small <= 30
