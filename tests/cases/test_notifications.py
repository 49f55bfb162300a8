"""Owners are told of each status change (email + SMS, after commit, once); lawyers of assignments."""

from __future__ import annotations

import logging

import pytest
from django.core import mail
from django.db import transaction

from cases.models import AssistanceRequest, OwnerNotification, StateChange
from cases.services import assistance, notifications
from cases.tasks.assistance import notify_owner_of_status

pytestmark = pytest.mark.django_db

SENT: list[dict] = []


class RecordingSms:
    """A test SMS gateway: keeps what would have been sent."""

    def send(self, *, phone: str, message: str) -> None:
        SENT.append({"phone": phone, "message": message})


class BrokenSms:
    def send(self, *, phone: str, message: str) -> None:
        raise ConnectionError("gateway down")


@pytest.fixture(autouse=True)
def _sms(settings):
    settings.ASSISTANCE_SMS_SENDER = "tests.cases.test_notifications.RecordingSms"
    settings.LITIGATION_SITE_URL = "https://cases.example.cn"
    SENT.clear()
    yield
    SENT.clear()


@pytest.fixture
def submitted():
    submission = assistance.assistance_request_submit(
        name="韩梅梅",
        phone="13812345678",
        email="hanmeimei@example.com",
        description="有人在微博造谣。",
        links=["https://weibo.com/1/2"],
        help_types=["lawyer_letter"],
        files=[],
    )
    return submission.assistance_request, submission.token


def test_a_status_change_tells_the_owner_by_email_and_sms_with_the_link(
    submitted, lawyer, django_capture_on_commit_callbacks
):
    req, token = submitted
    with django_capture_on_commit_callbacks(execute=True):
        assistance.assistance_request_screen(assistance_request=req, actor=lawyer, reason="内部备注：像刷单")

    (message,) = mail.outbox
    assert message.to == ["hanmeimei@example.com"]
    assert req.reference in message.subject
    link = f"https://cases.example.cn/intake/track/{token}/"
    assert link in message.body
    (sms,) = SENT
    assert sms["phone"] == "13812345678" and link in sms["message"]
    for text in (message.subject, message.body, sms["message"]):
        assert "内部备注" not in text and "像刷单" not in text
        assert lawyer.username not in text and lawyer.display_name not in text
    notice = OwnerNotification.objects.get()
    assert (notice.status, notice.channels) == ("screening", ["email", "sms"])


def test_nothing_is_sent_before_the_move_commits_or_when_it_rolls_back(
    submitted, lawyer, django_capture_on_commit_callbacks
):
    req, _ = submitted
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        assistance.assistance_request_screen(assistance_request=req, actor=lawyer)
        raise RuntimeError("rolled back")
    assert callbacks == [] and mail.outbox == [] and SENT == []
    assert OwnerNotification.objects.count() == 0


def test_each_state_change_is_told_once_whatever_the_retries(submitted, lawyer, django_capture_on_commit_callbacks):
    req, _ = submitted
    with django_capture_on_commit_callbacks(execute=True):
        assistance.assistance_request_screen(assistance_request=req, actor=lawyer)
    change = StateChange.objects.get(object_type="cases.assistancerequest", object_id=req.pk)

    assert notify_owner_of_status.delay(req.pk, change.pk).get() is False  # a retried task
    assert notify_owner_of_status.delay(req.pk, change.pk).get() is False

    assert len(mail.outbox) == 1 and len(SENT) == 1
    assert OwnerNotification.objects.count() == 1


def test_every_move_of_the_journey_is_told(submitted, lawyer, django_capture_on_commit_callbacks):
    req, _ = submitted
    with django_capture_on_commit_callbacks(execute=True):
        assistance.assistance_request_screen(assistance_request=req, actor=lawyer)
    with django_capture_on_commit_callbacks(execute=True):
        assistance.assistance_request_need_info(assistance_request=req, actor=lawyer, message="请补充截图原图。")
    with django_capture_on_commit_callbacks(execute=True):
        assistance.assistance_request_add_evidence(assistance_request=req, files=[])
    with django_capture_on_commit_callbacks(execute=True):
        assistance.assistance_request_legal_review(assistance_request=req, actor=lawyer)

    statuses = list(OwnerNotification.objects.order_by("pk").values_list("status", flat=True))
    assert statuses == ["screening", "need_info", "screening", "legal_review"]  # screening twice: two changes
    assert len(mail.outbox) == 4 and len(SENT) == 4
    # The owner-facing request itself is read on the tracking page, behind the link, not in a message.
    assert all("请补充截图原图" not in m.body for m in mail.outbox)


def test_no_email_means_sms_only_and_a_broken_gateway_loses_nothing(
    submitted, lawyer, settings, django_capture_on_commit_callbacks, caplog
):
    req, _ = submitted
    AssistanceRequest.objects.filter(pk=req.pk).update(owner_email="")
    settings.ASSISTANCE_SMS_SENDER = "tests.cases.test_notifications.BrokenSms"
    with caplog.at_level(logging.INFO), django_capture_on_commit_callbacks(execute=True):
        assistance.assistance_request_screen(assistance_request=req, actor=lawyer)

    assert mail.outbox == []
    assert OwnerNotification.objects.get().channels == []
    req.refresh_from_db()
    assert req.status == "screening"


def test_personal_data_and_the_link_never_reach_the_logs(submitted, lawyer, caplog, django_capture_on_commit_callbacks):
    req, token = submitted
    with caplog.at_level(logging.DEBUG), django_capture_on_commit_callbacks(execute=True):
        assistance.assistance_request_screen(assistance_request=req, actor=lawyer)
        assistance.assistance_request_decline(assistance_request=req, actor=lawyer, reason="证据不足")

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert req.reference in logged  # the fact is logged...
    for secret in (token, "13812345678", "hanmeimei@example.com", "韩梅梅", "138****5678"):
        assert secret not in logged  # ...never who or the link


def test_a_purged_request_gets_nothing(submitted, lawyer, django_capture_on_commit_callbacks):
    req, _ = submitted
    with django_capture_on_commit_callbacks(execute=True):
        assistance.assistance_request_withdraw(assistance_request=req)
    assert len(mail.outbox) == 1  # the withdrawal is confirmed
    assistance.assistance_requests_purge()
    req.refresh_from_db()
    assert req.tracking_token == "" and req.owner_phone == ""
    change = StateChange.objects.filter(object_id=req.pk).latest("pk")
    OwnerNotification.objects.all().delete()

    assert notifications.notify_owner_of_status(assistance_request_id=req.pk, state_change_id=change.pk) is False
    assert len(mail.outbox) == 1


def test_a_change_of_another_request_is_not_sent(submitted, lawyer, django_capture_on_commit_callbacks):
    req, _ = submitted
    other = assistance.assistance_request_submit(
        name="王五", phone="13700000000", description="x", links=["https://weibo.com/9"], help_types=[], files=[]
    ).assistance_request
    with django_capture_on_commit_callbacks(execute=True):
        assistance.assistance_request_screen(assistance_request=other, actor=lawyer)
    mail.outbox.clear()
    change = StateChange.objects.get(object_id=other.pk)

    assert notifications.notify_owner_of_status(assistance_request_id=req.pk, state_change_id=change.pk) is False
    assert mail.outbox == []


def test_a_request_without_a_kept_link_says_where_to_look(submitted, lawyer, django_capture_on_commit_callbacks):
    req, token = submitted
    AssistanceRequest.objects.filter(pk=req.pk).update(tracking_token="")
    with django_capture_on_commit_callbacks(execute=True):
        assistance.assistance_request_screen(assistance_request=req, actor=lawyer)
    assert token not in mail.outbox[0].body and "/intake/track/" not in mail.outbox[0].body
    assert req.reference in SENT[0]["message"]


def test_the_tracking_token_is_stored_encrypted(submitted):
    from django.db import connection

    req, token = submitted
    with connection.cursor() as cursor:
        cursor.execute("SELECT tracking_token FROM cases_assistancerequest WHERE id = %s", [req.pk])
        (stored,) = cursor.fetchone()
    assert stored and token not in stored
    assert AssistanceRequest.objects.get(pk=req.pk).tracking_token == token
