"""Legal review: the eligibility checklist (identifiable infringer, reach, harm, evidence fixed, jurisdiction)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from cases.models import AssistanceRequest
from cases.services import assistance

pytestmark = pytest.mark.django_db

C = AssistanceRequest.Criterion


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


@pytest.fixture
def in_review(lawyer) -> AssistanceRequest:
    req = assistance.assistance_request_submit(
        name="李雷",
        phone="13612345678",
        description="抖音造谣。",
        links=[],
        help_types=["litigation_support"],
        files=[],
    ).assistance_request
    assistance.assistance_request_screen(assistance_request=req, actor=lawyer)
    return assistance.assistance_request_legal_review(assistance_request=req, actor=lawyer)


def decide(client, req, **data):
    with translation.override("en"):
        return client.post(
            reverse("cases:assistance-request-decide", args=[req.pk]), data, follow=True, HTTP_ACCEPT_LANGUAGE="en"
        )


def test_suable_with_every_criterion_records_the_checklist_and_reasons(lawyer_client, in_review):
    response = decide(lawyer_client, in_review, suable="yes", reasons="全部满足。", criteria=list(C.values))

    in_review.refresh_from_db()
    assert in_review.eligibility == "suable"
    assert in_review.eligibility_checklist == list(C.values)
    assert in_review.eligibility_reasons == "全部满足。"
    html = response.content.decode()
    assert html.count('badge-success">Met<') == 5


def test_suable_with_a_criterion_missing_is_refused_and_names_it(lawyer_client, in_review):
    met = [c for c in C.values if c != C.JURISDICTION]

    response = decide(lawyer_client, in_review, suable="yes", reasons="管辖不明。", criteria=met)

    in_review.refresh_from_db()
    assert in_review.eligibility == "unknown" and in_review.eligibility_checklist == []
    messages = " ".join(str(m) for m in response.context["messages"])
    assert "Not met" in messages and "jurisdiction" in messages


def test_declined_records_which_criteria_were_missing(lawyer_client, in_review):
    response = decide(lawyer_client, in_review, suable="no", reasons="无法确定侵权人。", criteria=[C.REACH, C.HARM])

    in_review.refresh_from_db()
    assert in_review.eligibility == "not_suable"
    assert in_review.eligibility_checklist == [C.REACH, C.HARM]
    assert response.content.decode().count('badge-danger">Not met<') == 3


def test_an_unknown_criterion_is_refused(lawyer, in_review):
    with pytest.raises(ValidationError):
        assistance.assistance_request_decide(
            assistance_request=in_review, actor=lawyer, suable=False, reasons="x", criteria_met=["bribes"]
        )
    in_review.refresh_from_db()
    assert in_review.eligibility == "unknown"


def test_the_review_form_shows_the_five_criteria(lawyer_client, in_review):
    html = lawyer_client.get(in_review.get_absolute_url()).content.decode()

    for n in range(5):
        assert f'id="id_criteria_{n}"' in html
