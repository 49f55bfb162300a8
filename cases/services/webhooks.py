"""Outbound webhooks: events become signed JSON POSTs to the subscribed receivers.

1. A service records a move (``workflow.record_moves``) or sends a deadline reminder and calls
   ``emit()``. Nothing happens until its transaction commits (``transaction.on_commit``), so a
   rolled-back move never reaches a receiver.
2. After the commit, one ``WebhookDelivery`` row per (active subscription × object) is written
   and a Celery task (``cases.deliver_webhook``) is queued for each.
3. The task posts the payload with ``X-LegalCases-Timestamp`` and ``X-LegalCases-Signature``
   (``sha256=`` + HMAC-SHA256 of ``"<timestamp>.<body>"`` with the subscription's secret). A
   non-2xx answer or a network error is retried with exponential backoff up to
   ``WEBHOOK_MAX_ATTEMPTS``; every attempt updates the delivery log.

Receivers on private, loopback or link-local addresses are refused (the address check of web
capture, ``cases/services/web_capture.py``) unless ``WEBHOOK_ALLOW_PRIVATE_ADDRESSES`` is on; the
connection goes to the address that was checked, and redirects are not followed.
Payloads carry ids, states and dates only: never personal data.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import http.client
import json
import logging
import socket
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import WebhookDelivery, WebhookSubscription
from cases.services.web_capture import _is_internal as is_internal_address

logger = logging.getLogger(__name__)

Event = WebhookSubscription.Event
Status = WebhookDelivery.Status
SIGNATURE_HEADER = "X-LegalCases-Signature"
TIMESTAMP_HEADER = "X-LegalCases-Timestamp"
EVENT_HEADER = "X-LegalCases-Event"
DELIVERY_HEADER = "X-LegalCases-Delivery"
USER_AGENT = "LegalCases-Webhooks/1"
MIN_SECRET_LENGTH = 16
# How much of a receiver's answer is kept in the log when it fails.
ERROR_EXCERPT = 300
MAX_BACKOFF_SECONDS = 3600


# --- signing ---------------------------------------------------------------------------


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """Return the signature header value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str, *, tolerance: int = 300) -> bool:
    """Check a signature as a receiver should: right HMAC, and a timestamp within ``tolerance`` seconds."""
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    if abs(time.time() - sent) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, sent, body), signature)


# --- receiver addresses -------------------------------------------------------------------


def resolve_receiver(url: str) -> tuple[str, int, list[str]]:
    """Return (host, port, addresses) of a receiver URL that may be called, else raise ValidationError."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValidationError(_("A webhook URL must start with http:// or https://."), code="scheme")
    if parts.username or parts.password:
        raise ValidationError(_("A webhook URL must not contain a user name or password."), code="credentials")
    host = parts.hostname
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, ValueError) as exc:
        raise ValidationError(_("The host “%(host)s” cannot be resolved."), code="dns", params={"host": host}) from exc
    addresses = sorted({str(info[4][0]) for info in infos})
    if not settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES and any(is_internal_address(a) for a in addresses):
        raise ValidationError(
            _("“%(host)s” points to a private or internal address; webhooks cannot be sent there."),
            code="internal_address",
            params={"host": host},
        )
    return host, port, addresses


def clean_subscription(subscription: WebhookSubscription) -> None:
    """Check a subscription before it is saved (the admin form calls this)."""
    errors: dict[str, list[str]] = {}
    try:
        resolve_receiver(subscription.url)
    except ValidationError as error:
        errors["url"] = error.messages
    if len(subscription.secret or "") < MIN_SECRET_LENGTH:
        errors["secret"] = [_("Use a secret of at least %(n)d characters.") % {"n": MIN_SECRET_LENGTH}]
    if not subscription.events:
        errors["events"] = [_("Choose at least one event.")]
    if errors:
        raise ValidationError(errors)


# --- emitting events ----------------------------------------------------------------------


def payload_for(delivery_uuid: str, event: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": delivery_uuid,
        "event": event,
        "created_at": timezone.now().astimezone(datetime.UTC).isoformat().replace("+00:00", "Z"),
        "data": data,
    }


def emit(event: str, records: Sequence[dict[str, Any]]) -> None:
    """Send ``event`` once per record to every active subscription, after the current transaction commits."""
    if records:
        # robust: a failure here is logged and never turns a committed change into an error page.
        transaction.on_commit(partial(_dispatch, event, list(records)), robust=True)


def _dispatch(event: str, records: list[dict[str, Any]]) -> list[int]:
    subscriptions = list(
        WebhookSubscription.objects.filter(is_active=True, events__contains=[event]).values_list("pk", flat=True)
    )
    if not subscriptions:
        return []
    deliveries = []
    for subscription_id in subscriptions:
        for data in records:
            delivery = WebhookDelivery(subscription_id=subscription_id, event=event)
            delivery.payload = json.loads(
                json.dumps(payload_for(str(delivery.uuid), event, data), cls=DjangoJSONEncoder)
            )
            deliveries.append(delivery)
    created = WebhookDelivery.objects.bulk_create(deliveries)
    ids = [delivery.pk for delivery in created]
    for pk in ids:
        queue_delivery(pk)
    return ids


def queue_delivery(pk: int, countdown: int = 0) -> None:
    """Queue the delivery task; with the broker down the row stays pending for ``redeliver_pending``."""
    from cases.tasks.webhooks import deliver_webhook

    try:
        deliver_webhook.apply_async((pk,), countdown=countdown)
    except Exception:  # noqa: BLE001 - a broker outage must not undo the committed move
        logger.exception("webhook delivery %s could not be queued; it stays pending", pk)


def redeliver_pending(*, older_than: datetime.timedelta = datetime.timedelta(minutes=10)) -> int:
    """Queue again the deliveries left pending or retrying past their time (broker outage, lost worker)."""
    cutoff = timezone.now() - older_than
    stuck = WebhookDelivery.objects.filter(status__in=[Status.PENDING, Status.RETRYING]).filter(
        models.Q(next_attempt_at__lt=cutoff) | models.Q(next_attempt_at__isnull=True, created_at__lt=cutoff)
    )
    ids = list(stuck.values_list("pk", flat=True)[:1000])
    for pk in ids:
        queue_delivery(pk)
    return len(ids)


# The moves recorded by workflow.record_moves that are webhook events.
def _state_event(label: str, field: str, from_state: str, to_state: str) -> str | None:
    if label == "cases.contentitem" and field == "triage_state" and from_state == "assessing":
        return Event.ITEM_ASSESSED
    if label == "cases.platformcomplaint" and field == "status" and to_state == "actioned":
        return Event.COMPLAINT_ACTIONED
    if label == "cases.lawsuit" and field == "stage":
        return Event.LAWSUIT_STAGE_CHANGED
    return None


def moves_recorded(
    objs: Iterable[models.Model], *, field: str, from_state: str, to_state: str, actor: Any, at: datetime.datetime
) -> None:
    """Called by ``workflow.record_moves`` for every recorded move; emits the moves that are events."""
    objs = list(objs)
    if not objs:
        return
    label = objs[0]._meta.label_lower
    event = _state_event(label, field, from_state, to_state)
    if event is None:
        return
    kind = label.split(".", 1)[1]
    emit(
        event,
        [
            {
                "object": {"type": kind, "id": obj.pk},
                "field": field,
                "from": from_state,
                "to": to_state,
                "actor_id": getattr(actor, "pk", None),
                "at": at,
            }
            for obj in objs
        ],
    )


def deadline_due(deadline: Any, *, days_left: int) -> None:
    """Called when a deadline enters a reminder window (the daily reminder job)."""
    lawsuit_id = deadline.lawsuit_id or (deadline.proceeding.lawsuit_id if deadline.proceeding_id else None)
    emit(
        Event.DEADLINE_DUE,
        [
            {
                "object": {"type": "deadline", "id": deadline.pk},
                "rule": deadline.rule,
                "due_on": deadline.due_on,
                "days_left": days_left,
                "lawsuit_id": lawsuit_id,
            }
        ],
    )


# --- delivering -------------------------------------------------------------------------


@dataclass(frozen=True)
class Attempt:
    delivery: WebhookDelivery | None
    retry_in: int | None  # seconds until the next attempt; None when finished


def backoff(attempts: int) -> int:
    """Seconds to wait after the ``attempts``-th failed attempt: base, 2×base, 4×base … at most an hour."""
    return min(settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS)


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    """POST ``body`` to the checked address of ``url`` (no redirects); return (status, start of the answer)."""
    host, port, addresses = resolve_receiver(url)
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    timeout = settings.WEBHOOK_TIMEOUT_SECONDS
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(host, port, timeout=timeout)
    # Connect to the address that passed the check (a second DNS answer cannot swap in another);
    # TLS still verifies the certificate against the host name.
    connection._create_connection = lambda address, *args, **kwargs: socket.create_connection(  # type: ignore[attr-defined]
        (addresses[0], address[1]), *args, **kwargs
    )
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read(ERROR_EXCERPT)
    finally:
        connection.close()


def webhook_deliver(*, delivery_id: int) -> Attempt:
    """Make one attempt at a delivery and record it; tell the task whether and when to retry."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .select_related("subscription")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status in WebhookDelivery.FINISHED:
            return Attempt(delivery, None)  # done already, or another worker holds it
        subscription = delivery.subscription
        now = timezone.now()
        delivery.attempts += 1
        if not subscription.is_active:
            return _finish(delivery, Status.FAILED, error=_("The subscription was deactivated."))
        body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            EVENT_HEADER: delivery.event,
            DELIVERY_HEADER: str(delivery.uuid),
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(subscription.secret, timestamp, body),
        }
        try:
            status, answer = _post(subscription.url, body, headers)
        except ValidationError as error:  # refused address: retrying will not help
            return _finish(delivery, Status.FAILED, error=" ".join(error.messages))
        except (OSError, http.client.HTTPException) as error:
            return _failed_attempt(delivery, now, error=f"{type(error).__name__}: {error}"[:ERROR_EXCERPT])
        delivery.response_status = status
        if 200 <= status < 300:
            delivery.delivered_at = now
            return _finish(delivery, Status.SUCCEEDED, error="")
        excerpt = answer.decode("utf-8", "replace")[:ERROR_EXCERPT]
        return _failed_attempt(delivery, now, error=f"HTTP {status} {excerpt}".strip())


def _finish(delivery: WebhookDelivery, status: str, *, error: str) -> Attempt:
    delivery.status = status
    delivery.last_error = error
    delivery.next_attempt_at = None
    delivery.save()
    return Attempt(delivery, None)


def _failed_attempt(delivery: WebhookDelivery, now: datetime.datetime, *, error: str) -> Attempt:
    if delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        return _finish(delivery, Status.FAILED, error=error)
    wait = backoff(delivery.attempts)
    delivery.status = Status.RETRYING
    delivery.last_error = error
    delivery.next_attempt_at = now + datetime.timedelta(seconds=wait)
    delivery.save()
    return Attempt(delivery, wait)


def webhook_retry_now(*, delivery: WebhookDelivery) -> None:
    """Queue a failed or waiting delivery again at once (the admin action), with a fresh attempt budget."""
    with transaction.atomic():
        locked = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        if locked.status == Status.SUCCEEDED:
            return
        locked.status = Status.PENDING
        locked.attempts = 0
        locked.next_attempt_at = None
        locked.save()
        transaction.on_commit(partial(queue_delivery, locked.pk))
