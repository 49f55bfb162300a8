"""Outbound webhooks (cases/services/webhooks.py) against a real HTTP server on 127.0.0.1:
signature, retries with backoff, the delivery log, refusal of private addresses, the events
hooked into the services, and the admin for administrators only."""

from __future__ import annotations

import datetime
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases import models as m
from cases.services import deadlines, webhooks, workflow
from cases.services.triage import AssessmentInput, content_item_assess
from tests import factories as f

pytestmark = pytest.mark.django_db
SECRET = "s3cret-shared-with-the-receiver"
E = m.WebhookSubscription.Event


class Receiver:
    """A local HTTP server that records each POST and answers with the next scripted status."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                if status in (301, 302):
                    self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
                self.end_headers()
                self.wfile.write(b"ok" if status < 300 else b"try later")

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/legalcases?x=1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings) -> Iterator[Receiver]:
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    settings.WEBHOOK_MAX_ATTEMPTS = 4
    with Receiver() as server:
        yield server


def subscribe(url: str, *events: str, active: bool = True) -> m.WebhookSubscription:
    return m.WebhookSubscription.objects.create(
        name="SOC", url=url, secret=SECRET, events=list(events) or list(E.values), is_active=active
    )


def assess(item: m.ContentItem, user) -> None:
    content_item_assess(
        item=item,
        assessor=user,
        data=AssessmentInput(
            conclusion="suspected",
            rationale="捏造事实，贬损商誉。",
            severity=4,
            infringement_types=("fabrication",),
            recommended_actions=("fix_evidence",),
        ),
    )


def test_an_assessment_is_posted_signed_after_commit(receiver, analyst, django_capture_on_commit_callbacks):
    subscription = subscribe(receiver.url, E.ITEM_ASSESSED)
    item = f.ContentItemFactory()

    with django_capture_on_commit_callbacks(execute=True):
        assess(item, analyst)

    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    headers = request["headers"]
    assert request["path"] == "/hooks/legalcases?x=1"
    assert headers["Content-Type"].startswith("application/json")
    assert headers["X-LegalCases-Event"] == "item.assessed"
    assert webhooks.verify(
        SECRET, headers["X-LegalCases-Timestamp"], request["body"], headers["X-LegalCases-Signature"]
    )
    assert not webhooks.verify(
        "another-secret-16chars", headers["X-LegalCases-Timestamp"], request["body"], headers["X-LegalCases-Signature"]
    )
    payload = json.loads(request["body"])
    assert payload["event"] == "item.assessed"
    assert payload["data"]["object"] == {"type": "contentitem", "id": item.pk}
    assert payload["data"]["from"] == "assessing" and payload["data"]["to"] == "suspected"
    assert payload["data"]["actor_id"] == analyst.pk
    delivery = m.WebhookDelivery.objects.get()
    assert payload["id"] == str(delivery.uuid) == headers["X-LegalCases-Delivery"]
    assert (delivery.subscription, delivery.status, delivery.attempts, delivery.response_status) == (
        subscription,
        "succeeded",
        1,
        200,
    )
    assert delivery.delivered_at is not None


def test_a_tampered_body_or_an_old_timestamp_fails_verification():
    body = b'{"event":"deadline.due"}'
    now = int(timezone.now().timestamp())
    signature = webhooks.sign(SECRET, now, body)
    assert webhooks.verify(SECRET, str(now), body, signature)
    assert not webhooks.verify(SECRET, str(now), body + b" ", signature)
    assert not webhooks.verify(SECRET, str(now - 3600), body, webhooks.sign(SECRET, now - 3600, body))
    assert not webhooks.verify(SECRET, "soon", body, signature)


def test_failures_are_retried_with_backoff_until_delivered(receiver, analyst, django_capture_on_commit_callbacks):
    subscribe(receiver.url, E.ITEM_ASSESSED)
    receiver.statuses = [500, 503]

    with django_capture_on_commit_callbacks(execute=True):
        assess(f.ContentItemFactory(), analyst)

    assert len(receiver.requests) == 3
    ids = {r["headers"]["X-LegalCases-Delivery"] for r in receiver.requests}
    assert len(ids) == 1
    for r in receiver.requests:
        h = r["headers"]
        assert webhooks.verify(SECRET, h["X-LegalCases-Timestamp"], r["body"], h["X-LegalCases-Signature"])
    delivery = m.WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("succeeded", 3, 200)


def test_backoff_doubles_and_is_capped(settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    assert [webhooks.backoff(n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert webhooks.backoff(20) == 3600


def test_a_receiver_that_keeps_failing_is_given_up_after_max_attempts(receiver):
    subscription = subscribe(receiver.url, E.DEADLINE_DUE)
    receiver.statuses = [500] * 10
    delivery = m.WebhookDelivery.objects.create(subscription=subscription, event=E.DEADLINE_DUE, payload={"a": 1})

    webhooks.webhook_deliver(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == "retrying" and delivery.attempts == 1
    assert delivery.next_attempt_at > timezone.now()
    assert "HTTP 500" in delivery.last_error

    from cases.tasks.webhooks import deliver_webhook

    deliver_webhook.delay(delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", settings.WEBHOOK_MAX_ATTEMPTS)
    assert len(receiver.requests) == settings.WEBHOOK_MAX_ATTEMPTS
    # Finished deliveries are not sent again (the task is safe to re-run).
    deliver_webhook.delay(delivery.pk)
    assert len(receiver.requests) == settings.WEBHOOK_MAX_ATTEMPTS


def test_with_a_broker_the_task_asks_celery_to_retry_after_the_backoff(receiver, monkeypatch, settings):
    from cases.tasks.webhooks import deliver_webhook

    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    subscription = subscribe(receiver.url, E.DEADLINE_DUE)
    receiver.statuses = [500, 500]
    delivery = m.WebhookDelivery.objects.create(subscription=subscription, event=E.DEADLINE_DUE, payload={})
    asked: list[int] = []

    class Retried(Exception):
        pass

    def fake_retry(countdown: int) -> Exception:
        asked.append(countdown)
        return Retried()

    monkeypatch.setattr(deliver_webhook, "retry", fake_retry)
    for _ in range(2):
        with pytest.raises(Retried):
            deliver_webhook.run(delivery.pk)  # a worker's call: not eager
    assert deliver_webhook.run(delivery.pk) == "succeeded"
    assert asked == [30, 60]
    assert len(receiver.requests) == 3


def test_redirects_are_not_followed(receiver):
    subscription = subscribe(receiver.url, E.DEADLINE_DUE)
    receiver.statuses = [302]
    delivery = m.WebhookDelivery.objects.create(subscription=subscription, event=E.DEADLINE_DUE, payload={})

    webhooks.webhook_deliver(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.response_status == 302 and delivery.status == "retrying"
    assert len(receiver.requests) == 1


def test_private_addresses_are_refused_unless_allowed(settings, django_capture_on_commit_callbacks, analyst):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    with Receiver() as server:
        subscribe(server.url, E.ITEM_ASSESSED)
        with django_capture_on_commit_callbacks(execute=True):
            assess(f.ContentItemFactory(), analyst)
        assert server.requests == []
    delivery = m.WebhookDelivery.objects.get()
    assert delivery.status == "failed" and delivery.attempts == 1
    assert "127.0.0.1" in delivery.last_error
    for url in ("http://10.0.0.5/x", "http://[::1]/x", "http://169.254.169.254/", "ftp://example.com/"):
        with pytest.raises(Exception):  # noqa: B017 - ValidationError, whatever the code
            webhooks.resolve_receiver(url)


def test_a_rolled_back_move_sends_nothing(receiver, analyst, django_capture_on_commit_callbacks):
    subscribe(receiver.url)
    item = f.ContentItemFactory()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        assess(item, analyst)
        raise RuntimeError("boom")
    assert receiver.requests == [] and not m.WebhookDelivery.objects.exists()


def test_only_active_subscriptions_to_the_event_get_it(receiver, analyst, django_capture_on_commit_callbacks):
    subscribe(receiver.url, E.LAWSUIT_STAGE_CHANGED)
    subscribe(receiver.url, E.ITEM_ASSESSED, active=False)
    with django_capture_on_commit_callbacks(execute=True):
        assess(f.ContentItemFactory(), analyst)
    assert receiver.requests == [] and not m.WebhookDelivery.objects.exists()


def test_lawsuit_stage_and_complaint_actioned_moves_are_events(receiver, lawyer, django_capture_on_commit_callbacks):
    subscribe(receiver.url, E.LAWSUIT_STAGE_CHANGED, E.COMPLAINT_ACTIONED)
    lawsuit = f.LawsuitFactory()
    complaint = f.PlatformComplaintFactory()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.record_moves([lawsuit], field="stage", from_state="preparing", to_state="filed", actor=lawyer)
        workflow.record_moves([complaint], field="status", from_state="submitted", to_state="in_review", actor=lawyer)
        workflow.record_moves([complaint], field="status", from_state="in_review", to_state="actioned", actor=lawyer)

    events = [json.loads(r["body"]) for r in receiver.requests]
    assert sorted((e["event"], e["data"]["object"]["id"], e["data"]["to"]) for e in events) == sorted(
        [("lawsuit.stage_changed", lawsuit.pk, "filed"), ("complaint.actioned", complaint.pk, "actioned")]
    )


def test_a_deadline_reminder_is_a_deadline_due_event(receiver, django_capture_on_commit_callbacks):
    subscribe(receiver.url, E.DEADLINE_DUE)
    lawyer = f.UserFactory(role="lawyer", email="lawyer@example.com")
    deadline = f.DeadlineFactory(
        lawsuit=f.LawsuitFactory(lawyer=lawyer), due_on=timezone.localdate() + datetime.timedelta(days=3)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert deadlines.deadlines_send_reminders() == 1
    assert len(mail.outbox) == 1
    (request,) = receiver.requests
    data = json.loads(request["body"])["data"]
    assert data["object"] == {"type": "deadline", "id": deadline.pk}
    assert data["days_left"] == 3 and data["due_on"] == deadline.due_on.isoformat()
    assert data["lawsuit_id"] == deadline.lawsuit_id


def test_stuck_pending_deliveries_are_queued_again(receiver):
    subscription = subscribe(receiver.url, E.DEADLINE_DUE)
    old = m.WebhookDelivery.objects.create(
        subscription=subscription,
        event=E.DEADLINE_DUE,
        payload={},
        created_at=timezone.now() - datetime.timedelta(hours=1),
    )
    fresh = m.WebhookDelivery.objects.create(subscription=subscription, event=E.DEADLINE_DUE, payload={})

    assert webhooks.redeliver_pending() == 1

    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.status == "succeeded" and fresh.status == "pending"


def admin_client(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_admins_manage_subscriptions_and_the_secret_is_write_only(admin_user, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    client = admin_client(admin_user)
    add = reverse("admin:cases_webhooksubscription_add")
    data = {
        "name": "SIEM",
        "url": "http://127.0.0.1:9/hook",
        "secret": SECRET,
        "events": ["item.assessed"],
        "is_active": "on",
    }

    response = client.post(add, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    subscription = m.WebhookSubscription.objects.get()
    assert subscription.secret == SECRET and subscription.created_by == admin_user
    change = reverse("admin:cases_webhooksubscription_change", args=[subscription.pk])
    page = client.get(change).content.decode()
    assert SECRET not in page
    assert client.post(change, {**data, "secret": "", "name": "SIEM 2"}).status_code == 302
    subscription.refresh_from_db()
    assert subscription.secret == SECRET and subscription.name == "SIEM 2"
    # The change is audited with the secret masked.
    events = m.AuditEvent.objects.filter(object_type="cases.webhooksubscription")
    assert events.exists() and all(SECRET not in json.dumps(e.diff) for e in events)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("url", "http://127.0.0.1/hook", "private or internal address"),
        ("secret", "short", "at least 16 characters"),
        ("events", [], "This field is required"),
    ],
)
def test_the_admin_form_refuses_bad_subscriptions(admin_user, field, value, message):
    data = {"name": "X", "url": "https://example.com/hook", "secret": SECRET, "events": ["deadline.due"]}
    data[field] = value
    if field == "url":
        data["url"] = value
    response = admin_client(admin_user).post(reverse("admin:cases_webhooksubscription_add"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not m.WebhookSubscription.objects.exists()


@pytest.mark.parametrize("role", ["lawyer", "analyst", "executive"])
def test_other_roles_cannot_reach_webhooks_in_the_admin(role_users, role):
    client = admin_client(role_users[role])
    for name in ("admin:cases_webhooksubscription_changelist", "admin:cases_webhookdelivery_changelist"):
        assert client.get(reverse(name)).status_code in (302, 403)


def test_admins_can_retry_a_failed_delivery(receiver, admin_user, django_capture_on_commit_callbacks):
    subscription = subscribe(receiver.url, E.DEADLINE_DUE)
    delivery = m.WebhookDelivery.objects.create(
        subscription=subscription, event=E.DEADLINE_DUE, payload={}, status="failed", attempts=4
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client(admin_user).post(
            reverse("admin:cases_webhookdelivery_changelist"),
            {"action": "retry_now", "_selected_action": [delivery.pk]},
        )
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("succeeded", 1)
    assert len(receiver.requests) == 1


def test_the_complaint_service_recording_a_removal_sends_complaint_actioned(
    receiver, analyst, django_capture_on_commit_callbacks
):
    from cases.services import complaints

    subscribe(receiver.url, E.COMPLAINT_ACTIONED)
    complaint = f.PlatformComplaintFactory(status="submitted")
    with django_capture_on_commit_callbacks(execute=True):
        complaints.complaint_respond(complaint=complaint, actor=analyst, response="removed")

    events = [json.loads(r["body"]) for r in receiver.requests]
    assert [(e["event"], e["data"]["object"]["id"], e["data"]["to"]) for e in events] == [
        ("complaint.actioned", complaint.pk, "actioned")
    ]
