"""Typed look-ups of model metadata.

``Model._meta.get_field(name)`` may answer a concrete field, a reverse relation or a generic
foreign key; code that reads a column, a default or a length needs the first. These helpers
check it, so a wrong name fails at the look-up rather than as an AttributeError later.
"""

from __future__ import annotations

from typing import Any

from django.db import models


def concrete_field(model: type[models.Model] | models.Model, name: str) -> models.Field[Any, Any]:
    """Return the field ``name`` of ``model``; raise TypeError if it is a relation seen from the other side."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise TypeError(f"{model._meta.label}.{name} is not a concrete field")
    return field


def max_length(model: type[models.Model], name: str) -> int:
    """Return the ``max_length`` of the field ``name`` of ``model``; raise TypeError if it has none."""
    length = concrete_field(model, name).max_length
    if length is None:
        raise TypeError(f"{model._meta.label}.{name} has no max_length")
    return length
