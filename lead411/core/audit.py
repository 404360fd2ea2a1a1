"""Write audit events: who did what to which record, with before/after values (clause P8)."""

import datetime as dt
import decimal
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models

from . import clock
from .models import AuditEvent


def _json_value(value: Any) -> Any:
    """Return ``value`` as something JSON can hold (dates as ISO strings, models as pks)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Mapping):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, Iterable):
        return [_json_value(v) for v in value]
    return str(value)


def snapshot(*, obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """Return ``{field: JSON value}`` of ``obj`` for the named concrete fields.

    Foreign keys are read through their ``attname`` (the id), so no query runs.
    """
    result: dict[str, Any] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        attname = getattr(field, "attname", name)
        result[name] = _json_value(getattr(obj, attname, None))
    return result


def diff(*, before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Return ``{field: {"before": b, "after": a}}`` for each field whose value differs."""
    return {
        name: {"before": before.get(name), "after": after.get(name)}
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    }


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model,
    verb: str = "",
    changes: Mapping[str, Mapping[str, Any]] | None = None,
) -> AuditEvent:
    """Append one audit event and return it.

    ``actor`` is a user, or None for the system or an anonymous visitor; ``action`` one of
    ``AuditEvent.Action``; ``changes`` ``{field: {"before": ..., "after": ...}}``.
    Passwords never appear: callers pass field names only for secrets.
    """
    is_person = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        actor=actor if is_person else None,
        actor_label=getattr(actor, "email", "") if is_person else "",
        occurred_at=clock.now(),
        action=action,
        verb=verb,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        changes=_json_value(dict(changes or {})),
    )
