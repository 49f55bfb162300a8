"""The domain model's rules: database constraints (checked again by full_clean) and declared state machines."""

from __future__ import annotations

import datetime
from collections import deque
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone, translation
from django.utils.functional import Promise

from cases import models as m
from tests import factories as f

pytestmark = pytest.mark.django_db

VALID_CREDIT_CODE = "91110108MA01C7K53L"


# --- helpers -------------------------------------------------------------------


def constraint_message(model: type[models.Model], name: str) -> Promise:
    """Return a constraint's message, checking it is a lazy (translatable) string."""
    constraint = next(c for c in model._meta.constraints if c.name == name)
    message = constraint.violation_error_message
    assert isinstance(message, Promise), f"{name}: violation_error_message must be wrapped in gettext_lazy"
    return message


def assert_clean_rejects(obj: models.Model, message: object) -> ValidationError:
    """full_clean() must fail and name the rule in the user's words."""
    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        obj.full_clean()
    with translation.override("en"):
        assert str(message) in excinfo.value.messages
    return excinfo.value


def assert_db_rejects(write, constraint: str | None = None) -> None:
    """The database itself refuses the write (the ORM path, no validation in between)."""
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        write()
    if constraint:
        assert excinfo.value.__cause__.diag.constraint_name == constraint


def weibo() -> m.Platform:
    return m.Platform.objects.get(code="weibo")


def douyin() -> m.Platform:
    return m.Platform.objects.get(code="douyin")


def now() -> datetime.datetime:
    return timezone.now()


# --- monitoring ------------------------------------------------------------------


def test_monitored_account_platform_uid_is_unique_per_platform():
    f.MonitoredAccountFactory(platform=weibo(), platform_uid="5566778899")
    duplicate = f.MonitoredAccountFactory.build(platform=weibo(), platform_uid="5566778899", agency=None)

    assert_clean_rejects(
        duplicate,
        constraint_message(m.MonitoredAccount, "cases_monitoredaccount_platform_uid_unique"),
    )
    assert_db_rejects(duplicate.save, "cases_monitoredaccount_platform_uid_unique")


def test_monitored_account_same_uid_on_another_platform_is_allowed():
    f.MonitoredAccountFactory(platform=weibo(), platform_uid="5566778899")
    other = f.MonitoredAccountFactory.build(platform=douyin(), platform_uid="5566778899")
    other.full_clean()
    other.save()
    assert m.MonitoredAccount.objects.filter(platform_uid="5566778899").count() == 2


def test_monitored_account_risk_score_above_100_is_rejected():
    account = f.MonitoredAccountFactory.build(platform=weibo(), risk_score=101)
    with pytest.raises(ValidationError) as excinfo:
        account.full_clean()
    assert "risk_score" in excinfo.value.message_dict
    assert_db_rejects(account.save, "cases_monitoredaccount_risk_score_range")

    account.risk_score = 100
    account.full_clean()


def test_monitored_account_last_seen_before_first_seen_is_rejected():
    account = f.MonitoredAccountFactory.build(
        platform=weibo(), first_seen_at=now(), last_seen_at=now() - datetime.timedelta(days=1)
    )
    assert_clean_rejects(account, constraint_message(m.MonitoredAccount, "cases_monitoredaccount_seen_order"))
    assert_db_rejects(account.save, "cases_monitoredaccount_seen_order")


def test_content_item_url_is_unique_per_platform_after_normalisation():
    f.ContentItemFactory(platform=weibo(), url="https://weibo.com/1234567890/PqRsT")
    # The same address spelled differently: clean() normalises it before the uniqueness check.
    duplicate = f.ContentItemFactory.build(
        platform=weibo(), account=None, url="http://www.weibo.com/1234567890/PqRsT/?spm=a2h0k#comments"
    )
    assert_clean_rejects(duplicate, constraint_message(m.ContentItem, "cases_contentitem_platform_url_unique"))
    assert duplicate.url == "https://weibo.com/1234567890/PqRsT"
    assert_db_rejects(duplicate.save, "cases_contentitem_platform_url_unique")


def test_content_item_same_url_on_two_platforms_is_allowed():
    f.ContentItemFactory(platform=weibo(), url="https://example.com/shared/1")
    other = f.ContentItemFactory.build(platform=douyin(), account=None, url="https://example.com/shared/1")
    other.full_clean()
    other.save()
    assert m.ContentItem.objects.filter(url="https://example.com/shared/1").count() == 2


def test_campaign_last_item_before_first_is_rejected():
    campaign = f.CampaignFactory.build(first_item_at=now(), last_item_at=now() - datetime.timedelta(hours=1))
    assert_clean_rejects(campaign, constraint_message(m.Campaign, "cases_campaign_item_time_order"))
    assert_db_rejects(campaign.save, "cases_campaign_item_time_order")

    campaign.last_item_at = campaign.first_item_at
    campaign.full_clean()


@pytest.mark.parametrize("conclusion", ["suspected", "serious", "crime"])
def test_escalating_assessment_without_rationale_is_rejected(analyst, conclusion):
    item = f.ContentItemFactory(platform=weibo())
    assessment = f.AssessmentFactory.build(content_item=item, assessor=analyst, conclusion=conclusion, rationale="")
    assert_clean_rejects(assessment, constraint_message(m.Assessment, "cases_assessment_escalation_needs_rationale"))
    assert_db_rejects(assessment.save, "cases_assessment_escalation_needs_rationale")


@pytest.mark.parametrize("conclusion", ["none", "criticism", "watch"])
def test_non_escalating_assessment_needs_no_rationale(analyst, conclusion):
    item = f.ContentItemFactory(platform=weibo())
    assessment = f.AssessmentFactory.build(content_item=item, assessor=analyst, conclusion=conclusion, rationale="")
    assessment.full_clean()
    assessment.save()


def test_assessment_without_item_or_campaign_is_rejected(analyst):
    assessment = f.AssessmentFactory.build(content_item=None, campaign=None, assessor=analyst)
    assert_clean_rejects(assessment, constraint_message(m.Assessment, "cases_assessment_has_subject"))
    assert_db_rejects(assessment.save, "cases_assessment_has_subject")


def test_assessment_of_a_campaign_alone_is_allowed(analyst):
    assessment = f.AssessmentFactory.build(content_item=None, campaign=f.CampaignFactory(), assessor=analyst)
    assessment.full_clean()
    assessment.save()


@pytest.mark.parametrize(
    "code",
    ["91110108ma01c7k53l", "91110108MA01C7K53", "91110108MA01C7KI3L", "9111010SMA01C7KO3L", "91110108MA01C7K5 L"],
)
def test_agency_credit_code_in_wrong_format_is_rejected(code):
    agency = f.AgencyFactory.build(credit_code=code)
    assert_clean_rejects(agency, constraint_message(m.Agency, "cases_agency_credit_code_format"))
    assert_db_rejects(agency.save, "cases_agency_credit_code_format")


def test_agency_credit_code_is_unique_but_blank_is_allowed_many_times():
    f.AgencyFactory(credit_code=VALID_CREDIT_CODE)
    duplicate = f.AgencyFactory.build(credit_code=VALID_CREDIT_CODE)
    assert_clean_rejects(duplicate, constraint_message(m.Agency, "cases_agency_credit_code_unique"))
    assert_db_rejects(duplicate.save, "cases_agency_credit_code_unique")

    for _ in range(3):
        blank = f.AgencyFactory.build(credit_code="")
        blank.full_clean()
        blank.save()
    assert m.Agency.objects.filter(credit_code="").count() == 3


# --- evidence ----------------------------------------------------------------------


@pytest.mark.parametrize("sha256", ["ABC", "A" * 64, "g" * 64, "a" * 63, "a" * 62 + "\n"])
def test_evidence_with_malformed_sha256_is_rejected(sha256):
    evidence = f.EvidenceFactory.build(sha256=sha256)
    assert_clean_rejects(evidence, constraint_message(m.Evidence, "cases_evidence_sha256_format"))
    assert_db_rejects(evidence.save, "cases_evidence_sha256_format")


def test_evidence_deleted_without_reason_is_rejected():
    evidence = f.EvidenceFactory()
    evidence.is_deleted = True
    evidence.deleted_at = now()
    assert_clean_rejects(evidence, constraint_message(m.Evidence, "cases_evidence_deletion_has_reason"))
    assert_db_rejects(evidence.save, "cases_evidence_deletion_has_reason")

    evidence.deleted_reason = "重复上传的同一截图"
    evidence.full_clean()
    evidence.save()


def test_evidence_on_litigation_hold_cannot_be_deleted():
    evidence = f.EvidenceFactory(litigation_hold=True)
    evidence.is_deleted = True
    evidence.deleted_at = now()
    evidence.deleted_reason = "误传"
    assert_clean_rejects(evidence, constraint_message(m.Evidence, "cases_evidence_no_delete_under_hold"))
    assert_db_rejects(evidence.save, "cases_evidence_no_delete_under_hold")


def test_custody_event_sequence_is_unique_per_evidence():
    evidence = f.EvidenceFactory()
    f.CustodyEventFactory(evidence=evidence, sequence=1)
    duplicate = f.CustodyEventFactory.build(evidence=evidence, sequence=1)
    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        duplicate.full_clean()
    with translation.override("en"):
        assert "This link of the chain of custody already exists." in excinfo.value.messages
    assert_db_rejects(duplicate.save, "cases_custodyevent_sequence_unique")

    # Another evidence file starts its own chain at 1.
    f.CustodyEventFactory(evidence=f.EvidenceFactory(), sequence=1)


# --- actions -------------------------------------------------------------------------


def test_submitted_platform_complaint_needs_submission_time():
    complaint = f.PlatformComplaintFactory.build(platform=weibo(), status="submitted", submitted_at=None)
    assert_clean_rejects(
        complaint, constraint_message(m.PlatformComplaint, "cases_platformcomplaint_submitted_has_time")
    )
    assert_db_rejects(complaint.save, "cases_platformcomplaint_submitted_has_time")

    draft = f.PlatformComplaintFactory.build(platform=weibo(), status="draft", submitted_at=None)
    draft.full_clean()


def test_platform_complaint_first_response_before_submission_is_rejected():
    submitted = now()
    complaint = f.PlatformComplaintFactory.build(
        platform=weibo(), submitted_at=submitted, first_response_at=submitted - datetime.timedelta(minutes=5)
    )
    assert_clean_rejects(
        complaint, constraint_message(m.PlatformComplaint, "cases_platformcomplaint_response_after_submit")
    )
    assert_db_rejects(complaint.save, "cases_platformcomplaint_response_after_submit")


def test_lawyer_letter_without_any_recipient_is_rejected():
    letter = f.LawyerLetterFactory.build(recipient_account=None, recipient_agency=None, recipient_name="")
    assert_clean_rejects(letter, constraint_message(m.LawyerLetter, "cases_lawyerletter_has_recipient"))
    assert_db_rejects(letter.save, "cases_lawyerletter_has_recipient")

    letter.recipient_name = "某文化传媒有限公司"
    letter.full_clean()


# --- assistance ------------------------------------------------------------------------


@pytest.mark.parametrize("vin", ["I12345", "O12345", "Q12345", "a12345", "A1234", "A1234-"])
def test_vin_last6_in_wrong_format_is_rejected(vin):
    request = f.AssistanceRequestFactory.build(vin_last6=vin)
    assert_clean_rejects(request, constraint_message(m.AssistanceRequest, "cases_assistancerequest_vin_format"))
    assert_db_rejects(request.save, "cases_assistancerequest_vin_format")


@pytest.mark.parametrize("vin", ["A12345", "123456", "HJKLMZ", ""])
def test_vin_last6_in_right_format_or_blank_is_allowed(vin):
    request = f.AssistanceRequestFactory.build(vin_last6=vin)
    request.full_clean()


def test_suable_request_without_reasons_is_rejected():
    request = f.AssistanceRequestFactory.build(eligibility="suable", eligibility_reasons="")
    assert_clean_rejects(request, constraint_message(m.AssistanceRequest, "cases_assistancerequest_suable_has_reasons"))
    assert_db_rejects(request.save, "cases_assistancerequest_suable_has_reasons")

    request.eligibility_reasons = "发布者捏造事实并公开车主车牌号，侵害名誉权与个人信息权益。"
    request.full_clean()


# --- litigation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field", ["damages_claimed", "damages_awarded", "damages_collected", "court_fee", "notary_fee", "lawyer_fee"]
)
def test_lawsuit_negative_amounts_are_rejected(lawyer, field):
    lawsuit = f.LawsuitFactory.build(lawyer=lawyer, **{field: Decimal("-0.01")})
    assert_clean_rejects(lawsuit, constraint_message(m.Lawsuit, "cases_lawsuit_amounts_non_negative"))
    assert_db_rejects(lawsuit.save, "cases_lawsuit_amounts_non_negative")


def test_lawsuit_collecting_more_than_awarded_is_rejected(lawyer):
    lawsuit = f.LawsuitFactory.build(
        lawyer=lawyer, damages_awarded=Decimal("50000.00"), damages_collected=Decimal("50000.01")
    )
    assert_clean_rejects(lawsuit, constraint_message(m.Lawsuit, "cases_lawsuit_collected_within_awarded"))
    assert_db_rejects(lawsuit.save, "cases_lawsuit_collected_within_awarded")

    lawsuit.damages_collected = Decimal("50000.00")
    lawsuit.full_clean()


def test_lawsuit_past_preparation_needs_filing_date(lawyer):
    lawsuit = f.LawsuitFactory.build(lawyer=lawyer, stage="submitted", filed_on=None)
    assert_clean_rejects(lawsuit, constraint_message(m.Lawsuit, "cases_lawsuit_filed_has_date"))
    assert_db_rejects(lawsuit.save, "cases_lawsuit_filed_has_date")


def _check_deferred_now() -> None:
    """Fire the deferred constraint triggers now instead of at commit."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_filed_lawsuit_without_defendant_is_rejected_at_commit(lawyer):
    with pytest.raises(IntegrityError, match="cases_lawsuit_has_defendant|no defendant"), transaction.atomic():
        f.LawsuitFactory(lawyer=lawyer, stage="accepted", filed_on=timezone.localdate())
        _check_deferred_now()


def test_lawsuit_and_its_defendant_may_be_written_in_any_order(lawyer):
    with transaction.atomic():
        # The suit first, the defendant second: only the state at commit counts.
        lawsuit = f.LawsuitFactory(lawyer=lawyer, stage="accepted", filed_on=timezone.localdate())
        f.LawsuitPartyFactory(lawsuit=lawsuit)
        _check_deferred_now()
    assert lawsuit.parties.filter(role="defendant").count() == 1


def test_lawsuit_in_preparation_needs_no_defendant(lawyer):
    with transaction.atomic():
        f.LawsuitFactory(lawyer=lawyer)
        _check_deferred_now()


def test_moving_a_suit_out_of_preparation_without_defendant_is_rejected(lawyer):
    lawsuit = f.LawsuitFactory(lawyer=lawyer)
    _check_deferred_now()
    lawsuit.stage = "submitted"
    lawsuit.filed_on = timezone.localdate()
    assert_db_rejects(lawsuit.save, "cases_lawsuit_has_defendant")


def test_deleting_the_last_defendant_of_a_filed_suit_is_rejected(lawyer):
    lawsuit = f.FiledLawsuitFactory(lawyer=lawyer)
    _check_deferred_now()
    defendant = lawsuit.parties.get(role="defendant")
    assert_db_rejects(defendant.delete, "cases_lawsuit_has_defendant")

    # Turning the only defendant into a third party is the same loss.
    defendant.role = "third_party"
    assert_db_rejects(defendant.save, "cases_lawsuit_has_defendant")

    # With a second defendant, one of them may go.
    f.LawsuitPartyFactory(lawsuit=lawsuit, kind="agency", monitored_account=None, agency=f.AgencyFactory())
    defendant.delete()
    assert lawsuit.parties.filter(role="defendant").count() == 1


def test_deleting_a_whole_filed_suit_with_its_parties_is_allowed(lawyer):
    lawsuit = f.FiledLawsuitFactory(lawyer=lawyer)
    # Parties go first, then the suit: only the state at commit counts.
    lawsuit.delete()
    _check_deferred_now()
    assert not m.Lawsuit.objects.filter(pk=lawsuit.pk).exists()


VALID_CASE_NUMBERS = [
    ("(2025)京0491民初12345号", "(2025)京0491民初12345号"),
    ("（2024）京04民终367号", "(2024)京04民终367号"),
    ("(2023)沪0105执1234号", "(2023)沪0105执1234号"),
    (" (2025) 粤0192 民初 88号 ", "(2025)粤0192民初88号"),
]


@pytest.mark.parametrize(("raw", "normalised"), VALID_CASE_NUMBERS)
def test_proceeding_accepts_official_case_numbers_and_normalises_brackets(lawyer, raw, normalised):
    proceeding = f.ProceedingFactory.build(lawsuit=f.LawsuitFactory(lawyer=lawyer), case_number=raw)
    proceeding.full_clean()
    assert proceeding.case_number == normalised


@pytest.mark.parametrize(
    "raw", ["2025京0491民初12345号", "(2025)京0491民初号", "(25)京0491民初1号", "abc", "(2025)京0491民初012号"]
)
def test_proceeding_rejects_malformed_case_numbers(lawyer, raw):
    proceeding = f.ProceedingFactory.build(lawsuit=f.LawsuitFactory(lawyer=lawyer), case_number=raw)
    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        proceeding.clean()
    assert excinfo.value.code == "case_number"
    with translation.override("en"):
        assert "official format" in excinfo.value.messages[0]
        assert "case_number" not in str(excinfo.value.messages)
    with pytest.raises(ValidationError):
        proceeding.full_clean()


def test_proceeding_case_number_is_unique_but_blank_is_allowed_many_times(lawyer):
    lawsuit = f.LawsuitFactory(lawyer=lawyer)
    f.ProceedingFactory(lawsuit=lawsuit, case_number="(2024)京04民终367号")
    # Full-width brackets are the same number once normalised.
    duplicate = f.ProceedingFactory.build(lawsuit=lawsuit, case_number="（2024）京04民终367号")
    assert_clean_rejects(duplicate, constraint_message(m.Proceeding, "cases_proceeding_case_number_unique"))
    assert_db_rejects(duplicate.save, "cases_proceeding_case_number_unique")

    for instance in ("pre_mediation", "preservation"):
        blank = f.ProceedingFactory.build(lawsuit=lawsuit, instance=instance, case_number="")
        blank.full_clean()
        blank.save()
    assert m.Proceeding.objects.filter(case_number="").count() == 2


# --- state machines ------------------------------------------------------------------------

MACHINES = [
    (m.ContentItem, "triage_state", m.ContentItem.TriageState),
    (m.PlatformComplaint, "status", m.PlatformComplaint.Status),
    (m.LawyerLetter, "status", m.LawyerLetter.Status),
    (m.Lawsuit, "stage", m.Lawsuit.Stage),
    (m.AssistanceRequest, "status", m.AssistanceRequest.Status),
]
MACHINE_IDS = [model.__name__ for model, _field, _choices in MACHINES]


def can_move(model: type[models.Model], field: str, current: str, target: str) -> bool:
    """Ask the model's can_move_to(); fall back to its TRANSITIONS table where the method is missing
    (test_can_move_to_allows_legal_moves_and_refuses_illegal_ones reports that separately)."""
    probe = model(**{field: current})
    if hasattr(probe, "can_move_to"):
        return probe.can_move_to(target)
    return target in model.TRANSITIONS.get(current, set())


def reachable(model: type[models.Model], field: str, start: str) -> set[str]:
    """Walk the state graph from ``start`` (breadth first)."""
    choices = [value for value, _label in model._meta.get_field(field).choices]
    seen = {start}
    queue = deque([start])
    while queue:
        state = queue.popleft()
        for target in choices:
            if target not in seen and can_move(model, field, state, target):
                seen.add(target)
                queue.append(target)
    return seen


def assert_path(model: type[models.Model], field: str, path: list[str]) -> None:
    for current, target in zip(path, path[1:], strict=False):
        assert can_move(model, field, current, target), f"{model.__name__}: {current} → {target} refused"


@pytest.mark.parametrize(("model", "field", "choices"), MACHINES, ids=MACHINE_IDS)
def test_transitions_name_only_valid_states_and_cover_every_state(model, field, choices):
    valid = set(choices.values)
    assert set(model.TRANSITIONS) == valid, "every state needs a TRANSITIONS entry, and only real states"
    for source, targets in model.TRANSITIONS.items():
        assert targets <= valid, f"{model.__name__}.{source} → {targets - valid}"
        assert source not in targets, f"{model.__name__}.{source} moves to itself"


@pytest.mark.parametrize(("model", "field", "choices"), MACHINES, ids=MACHINE_IDS)
def test_every_state_is_reachable_from_the_initial_state(model, field, choices):
    initial = model._meta.get_field(field).default
    assert reachable(model, field, initial) == set(choices.values)


@pytest.mark.parametrize(
    ("model", "field", "legal", "illegal"),
    [
        (m.ContentItem, "triage_state", ("new", "pending"), ("new", "suspected")),
        (m.PlatformComplaint, "status", ("draft", "submitted"), ("draft", "actioned")),
        (m.LawyerLetter, "status", ("issued", "delivered"), ("closed", "issued")),
        (m.Lawsuit, "stage", ("preparing", "submitted"), ("preparing", "hearing")),
        (m.AssistanceRequest, "status", ("screening", "legal_review"), ("submitted", "letter")),
    ],
)
def test_can_move_to_allows_legal_moves_and_refuses_illegal_ones(model, field, legal, illegal):
    assert model(**{field: legal[0]}).can_move_to(legal[1])
    assert not model(**{field: illegal[0]}).can_move_to(illegal[1])
    assert not model(**{field: legal[0]}).can_move_to("no-such-state")


def test_content_item_may_not_skip_fixing_evidence():
    # DESIGN.md §3: no complaint, letter or suit before the item has fixed evidence.
    assert not m.ContentItem(triage_state="suspected").can_move_to("acting")
    assert not m.ContentItem(triage_state="fixing").can_move_to("acting")
    assert reachable(m.ContentItem, "triage_state", "suspected") >= {"acting"}


@pytest.mark.parametrize("status", [s for s in m.AssistanceRequest.Status.values if s != "withdrawn"])
def test_assistance_request_can_be_withdrawn_from_any_state(status):
    assert m.AssistanceRequest(status=status).can_move_to("withdrawn")


def test_withdrawn_assistance_request_goes_nowhere():
    request = m.AssistanceRequest(status="withdrawn")
    assert not any(request.can_move_to(s) for s in m.AssistanceRequest.Status.values)


@pytest.mark.parametrize(
    ("model", "field", "path"),
    [
        # DESIGN.md §3, one line per documented route.
        (
            m.ContentItem,
            "triage_state",
            ["new", "pending", "assessing", "suspected", "fixing", "fixed", "acting", "removed"],
        ),
        (m.ContentItem, "triage_state", ["assessing", "watch", "pending"]),
        (m.ContentItem, "triage_state", ["assessing", "dismissed"]),
        (m.ContentItem, "triage_state", ["acting", "closed"]),
        (m.ContentItem, "triage_state", ["removed", "suspected"]),
        (
            m.Lawsuit,
            "stage",
            [
                "preparing",
                "submitted",
                "accepted",
                "service",
                "pretrial",
                "hearing",
                "judged_first",
                "appeal_window",
                "effective",
                "enforcing",
                "enforced",
                "closed",
            ],
        ),
        (m.Lawsuit, "stage", ["submitted", "pre_mediation", "submitted", "rejected", "closed"]),
        (m.Lawsuit, "stage", ["pre_mediation", "mediated", "closed"]),
        (m.Lawsuit, "stage", ["hearing", "mediated"]),
        (m.Lawsuit, "stage", ["hearing", "withdrawn", "closed"]),
        (m.Lawsuit, "stage", ["appeal_window", "appeal", "judged_second", "effective", "performed", "closed"]),
        (m.Lawsuit, "stage", ["enforcing", "suspended", "closed"]),
        (
            m.AssistanceRequest,
            "status",
            ["submitted", "screening", "need_info", "screening", "legal_review", "guided", "closed"],
        ),
        (m.AssistanceRequest, "status", ["screening", "declined"]),
        (m.AssistanceRequest, "status", ["legal_review", "letter", "closed"]),
        (m.AssistanceRequest, "status", ["legal_review", "litigation", "closed"]),
        (m.AssistanceRequest, "status", ["legal_review", "police", "closed"]),
        (m.PlatformComplaint, "status", ["draft", "submitted", "in_review", "actioned", "counter_noticed", "kept"]),
        (m.PlatformComplaint, "status", ["in_review", "rejected"]),
        (m.PlatformComplaint, "status", ["in_review", "need_info", "submitted"]),
        (m.PlatformComplaint, "status", ["counter_noticed", "restored"]),
        (m.LawyerLetter, "status", ["draft", "issued", "delivered", "responded", "closed"]),
    ],
)
def test_documented_paths_are_allowed(model, field, path):
    assert_path(model, field, path)
    initial = model._meta.get_field(field).default
    assert path[-1] in reachable(model, field, initial)


@pytest.mark.parametrize(
    ("model", "field", "finished"),
    [
        (m.ContentItem, "triage_state", ["dismissed", "closed"]),
        (m.PlatformComplaint, "status", ["rejected", "kept", "restored"]),
        (m.LawyerLetter, "status", ["closed"]),
        (m.Lawsuit, "stage", ["closed"]),
        (m.AssistanceRequest, "status", ["withdrawn"]),
    ],
)
def test_final_states_have_no_way_out(model, field, finished):
    for state in finished:
        assert reachable(model, field, state) == {state}


@pytest.mark.parametrize("status", ["declined", "closed"])
def test_finished_assistance_request_can_only_be_withdrawn(status):
    # Withdrawing consent after the request ended still triggers the purge (DESIGN.md §3).
    assert reachable(m.AssistanceRequest, "status", status) == {status, "withdrawn"}
