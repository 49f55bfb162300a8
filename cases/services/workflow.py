"""State machines: one way to move any workflow object, recorded with who, when and why."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from cases.meta import concrete_field
from cases.models import StateChange
from cases.services import webhooks


def state_field(obj: models.Model) -> str:
    return obj.STATE_FIELD  # type: ignore[attr-defined]


def state_label(obj: models.Model, value: str) -> str:
    field = concrete_field(obj, state_field(obj))
    return str(dict(field.flatchoices).get(value, value))


def ensure_can_move(obj: models.Model, to: str) -> None:
    """Raise ValidationError (code ``illegal_transition``) unless the state machine allows ``obj`` → ``to``."""
    if not obj.can_move_to(to):  # type: ignore[attr-defined]
        raise ValidationError(
            _("Cannot move from “%(current)s” to “%(target)s”."),
            code="illegal_transition",
            params={"current": state_label(obj, getattr(obj, state_field(obj))), "target": state_label(obj, to)},
        )


def move(
    obj: models.Model,
    *,
    to: str,
    actor: Any,
    reason: str = "",
    check_permission: bool = True,
    fields: dict[str, Any] | None = None,
) -> models.Model:
    """Move ``obj`` to state ``to`` if the state machine allows it, and record the move.

    ``fields`` are other columns saved with the move in the same UPDATE (a submission time that a
    constraint requires with the new state, for instance).
    The caller holds the transaction (and, where races matter, a row lock on ``obj``).
    Raises ValidationError for an illegal move and PermissionDenied for a user who may not edit.
    """
    if check_permission:
        permissions.ensure_can_edit(actor, obj)
    field = state_field(obj)
    current = getattr(obj, field)
    ensure_can_move(obj, to)
    setattr(obj, field, to)
    for name, value in (fields or {}).items():
        setattr(obj, name, value)
    obj.save(update_fields=[field, *(fields or {}), "updated_at"])
    record_moves([obj], field=field, from_state=current, to_state=to, actor=actor, reason=reason)
    return obj


def record_moves(
    objs: list[models.Model], *, field: str, from_state: str, to_state: str, actor: Any, reason: str = ""
) -> None:
    """Record that ``objs`` moved from one state to another (bulk paths call this directly)."""
    actor_id = getattr(actor, "pk", None)
    now = timezone.now()
    StateChange.objects.bulk_create(
        StateChange(
            object_type=obj._meta.label_lower,
            object_id=obj.pk,
            field=field,
            from_state=from_state,
            to_state=to_state,
            actor_id=actor_id,
            reason=reason,
            at=now,
        )
        for obj in objs
    )
    webhooks.moves_recorded(objs, field=field, from_state=from_state, to_state=to_state, actor=actor, at=now)
