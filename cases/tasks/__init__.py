"""Celery tasks of the cases app, one module per concept. Tasks take primary keys and call one service."""

from cases.tasks import (  # noqa: F401  (registers the tasks)
    assistance,
    audit,
    campaigns,
    evidence,
    intake,
    litigation,
    risk,
    webhooks,
)
