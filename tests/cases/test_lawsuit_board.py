"""The lawsuit board: columns per stage with counts and bounded cards, the "mine" and overdue
filters (shared with the list and the API), outcomes and costs by cause and by court, query bounds."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases import models as m
from cases.selectors import lawsuit_board
from tests import factories as f

pytestmark = pytest.mark.django_db
BOARD = reverse("cases:lawsuit-board")
St = m.Lawsuit.Stage


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def columns_by_stage(response) -> dict[str, lawsuit_board.Column]:
    return {c.stage: c for c in response.context["columns"]}


def test_columns_follow_the_stages_with_counts_and_bounded_cards(analyst, monkeypatch):
    monkeypatch.setattr(lawsuit_board, "CARDS_PER_STAGE", 2)
    f.LawsuitFactory.create_batch(3)
    f.FiledLawsuitFactory.create_batch(1)
    response = client_for(analyst).get(BOARD)
    cols = columns_by_stage(response)
    assert [c.stage for c in response.context["columns"]] == [St.PREPARING, St.ACCEPTED]
    assert cols[St.PREPARING].count == 3 and len(cols[St.PREPARING].cards) == 2
    assert cols[St.ACCEPTED].count == 1 and len(cols[St.ACCEPTED].cards) == 1
    page = response.content.decode()
    assert f"?stage={St.PREPARING}" in page  # the link to the full column


def test_a_card_shows_defendants_lawyer_and_next_deadline(analyst):
    suit = f.FiledLawsuitFactory(title="<b>诉某博主</b>")
    defendant = suit.parties.get()
    due = timezone.localdate() + datetime.timedelta(days=5)
    f.DeadlineFactory(lawsuit=suit, due_on=due + datetime.timedelta(days=9))
    f.DeadlineFactory(lawsuit=suit, due_on=due)
    f.DeadlineFactory(lawsuit=suit, due_on=due - datetime.timedelta(days=3), done_at=timezone.now())
    response = client_for(analyst).get(BOARD)
    card = columns_by_stage(response)[St.ACCEPTED].cards[0]
    assert card.next_deadline == due
    page = response.content.decode()
    assert defendant.monitored_account.name in page and str(suit.lawyer) in page and due.isoformat() in page
    assert "<b>诉某博主</b>" not in page


def test_mine_and_overdue_filters(lawyer):
    mine = f.FiledLawsuitFactory(lawyer=lawyer)
    f.FiledLawsuitFactory()
    late = f.FiledLawsuitFactory()
    f.DeadlineFactory(lawsuit=late, due_on=timezone.localdate() - datetime.timedelta(days=1))
    proceeding = f.ProceedingFactory(lawsuit=mine)
    f.DeadlineFactory(proceeding=proceeding, lawsuit=None, due_on=timezone.localdate() - datetime.timedelta(days=2))
    done = f.FiledLawsuitFactory()
    f.DeadlineFactory(lawsuit=done, due_on=timezone.localdate() - datetime.timedelta(days=1), done_at=timezone.now())
    client = client_for(lawyer)
    ids = lambda r: {c.pk for col in r.context["columns"] for c in col.cards}  # noqa: E731
    assert ids(client.get(BOARD, {"lawyer": "me"})) == {mine.pk}
    assert ids(client.get(BOARD, {"overdue": "true"})) == {late.pk, mine.pk}
    listed = client.get(reverse("cases:lawsuit-list"), {"overdue": "true"})
    assert {s.pk for s in listed.context["page_obj"].object_list} == {late.pk, mine.pk}


def test_outcomes_and_costs_by_cause_and_court(analyst):
    common = {"court_name": "北京互联网法院"}
    f.FiledLawsuitFactory(outcome="won", court_fee=Decimal("1000"), lawyer_fee=Decimal("20000"), **common)
    f.FiledLawsuitFactory(outcome="partly_won", notary_fee=Decimal("3000"), **common)
    f.FiledLawsuitFactory(outcome="lost", court_fee=Decimal("500"), **common)
    f.FiledLawsuitFactory(outcome="mediated", cause="commercial_disparagement", court_name="杭州互联网法院")
    f.FiledLawsuitFactory()  # pending: not counted
    response = client_for(analyst).get(BOARD)
    by_cause = {r.key: r for r in response.context["by_cause"]}
    rep = by_cause["reputation"]
    assert (rep.decided, rep.won, rep.lost, rep.other, rep.win_rate) == (3, 2, 1, 0, 67)
    assert rep.court_fee == Decimal("1500") and rep.notary_fee == Decimal("3000") and rep.costs == Decimal("24500")
    assert by_cause["commercial_disparagement"].win_rate is None
    by_court = {r.label: r for r in response.context["by_court"]}
    assert by_court["北京互联网法院"].decided == 3 and by_court["杭州互联网法院"].other == 1
    assert "67%" in response.content.decode()


def test_executives_read_the_board_but_owners_data_never_appears(executive):
    f.FiledLawsuitFactory()
    assert client_for(executive).get(BOARD).status_code == 200


def test_the_board_runs_a_fixed_number_of_queries(analyst, django_assert_max_num_queries):
    def seed(n: int) -> None:
        for stage in (St.ACCEPTED, St.SERVICE, St.HEARING):
            for suit in f.FiledLawsuitFactory.create_batch(n, stage=stage, outcome="won"):
                f.DeadlineFactory(lawsuit=suit, due_on=timezone.localdate())

    client = client_for(analyst)
    seed(2)
    with django_assert_max_num_queries(20) as small:  # two pages
        client.get(BOARD, {"lawyer": "me"})
        client.get(BOARD)
    seed(6)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(BOARD, {"lawyer": "me"})
        client.get(BOARD)
    assert not any("COUNT(*)" in q["sql"] and "LIMIT" not in q["sql"] and "GROUP BY" not in q["sql"] for q in small.captured_queries)
