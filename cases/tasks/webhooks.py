"""Webhook tasks: deliver one event (retried with exponential backoff) and re-queue stuck deliveries."""

from __future__ import annotations

from celery import shared_task

from cases.services import webhooks


@shared_task(name="cases.deliver_webhook", bind=True, acks_late=True, max_retries=None)
def deliver_webhook(self, delivery_id: int) -> str:
    """Make one attempt; the service counts attempts and says when to try again (safe to re-run)."""
    attempt = webhooks.webhook_deliver(delivery_id=delivery_id)
    # Run eagerly (no broker: development, tests), Celery cannot wait; the attempts follow at once.
    while attempt.retry_in is not None and self.request.is_eager:
        attempt = webhooks.webhook_deliver(delivery_id=delivery_id)
    if attempt.retry_in is not None:
        raise self.retry(countdown=attempt.retry_in)
    return attempt.delivery.status if attempt.delivery is not None else "skipped"


@shared_task(name="cases.redeliver_webhooks")
def redeliver_webhooks() -> int:
    """Queue again deliveries left pending or retrying past their time (broker outage, lost worker)."""
    return webhooks.redeliver_pending()
