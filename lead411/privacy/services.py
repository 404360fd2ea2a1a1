"""Writes of the privacy app: erase a member at their request (issue 3, clause P11).

The privacy app sits on top of the others: it walks the registry in which each app
declares what it keeps about a member (``core.privacy_registry``), and no app imports it.
"""

import re
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import router, transaction
from django.db.models import QuerySet
from django.db.models.deletion import Collector

from lead411.accounts.models import Application, User
from lead411.core import clock
from lead411.core.chunking import chunked
from lead411.core.models import AuditEvent
from lead411.core.privacy_registry import holdings

from .selectors import member_of

ERASED = "(erased)"


def erased_label(*, pk: int) -> str:
    """Return the pseudonym an erased member keeps in the audit log: "Erased member #12"."""
    return f"Erased member #{pk}"


def member_erase(*, user: User) -> int:
    """Erase a member at their request; return the id the account had (issue 3, clause P11).

    What happens to each kind of record is declared by the app that keeps it
    (``core.privacy_registry``; the "What we record about you" page lists them):

    - Deleted with the user row, by CASCADE: every holding linked to the account.
    - Erased by the holding's own ``erase``: rows kept by address (account-change
      requests and conversations written logged out), sessions, queued emails; breach
      reports (clause P1) are kept with the member's identifiers redacted.
    - Added: a keyed hash of each address on the suppression list, so the outbox never
      mails them again while the list names no one.
    - Anonymised and kept: the audit log and Django's admin log, so who-did-what-when
      stays provable: the member's own events carry the pseudonym "Erased member #<id>",
      and every event about the member's records has its description and before/after
      values replaced by "(erased)" (field names stay).

    The erasure itself is audited under the pseudonym. Raises
    django.db.models.ProtectedError when another app protects a row of the member.
    """
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        pk = locked.pk
        label = erased_label(pk=pk)
        member = member_of(user=locked)
        redact = _redactor(user=locked, emails=set(member.emails))
        owned = _owned_records(
            user=locked,
            extra=[rows for h in holdings() if h.rows for rows in h.rows(member)],
        )
        _logs_pseudonymise(pk=pk, is_staff=locked.is_staff, label=label, owned=owned, redact=redact)
        for holding in holdings():
            if holding.erase is not None:
                holding.erase(member, redact)
        locked.delete()
        AuditEvent.objects.create(
            occurred_at=clock.now(),
            actor_label=label,
            action=AuditEvent.Action.DELETE,
            verb="member_erased",
            object_type="accounts.user",
            object_id=str(pk),
            object_repr=ERASED,
        )
    return pk


def _redactor(*, user: User, emails: set[str]) -> Callable[[str], str]:
    """Return a function that replaces the member's identifiers in a text by "(erased)".

    Identifiers: every address of the account, the first, last and full name, the
    application's company and telephone (matched by its digits, whatever the separators).
    Names match whole words, case-insensitively; a text naming a namesake loses it too,
    which errs on the side of the member.
    """
    application = Application.objects.filter(user=user).first()
    words = [user.first_name, user.last_name, user.get_full_name()]
    if application is not None:
        words.append(application.company)
    patterns = [re.escape(e) for e in emails]
    patterns += [rf"(?<!\w){re.escape(w.strip())}(?!\w)" for w in words if len(w.strip()) >= 2]
    digits = re.sub(r"\D", "", application.telephone) if application is not None else ""
    if len(digits) >= 6:
        patterns.append(r"\+?" + r"[\s().\-]*".join(digits))
    # Longest first, so a full name goes before its parts.
    regex = re.compile("|".join(sorted(patterns, key=len, reverse=True)), re.IGNORECASE)
    return lambda text: regex.sub(ERASED, text)


def _owned_records(*, user: User, extra: list[QuerySet[Any]]) -> dict[str, set[str]]:
    """Return ``{model label: {pk as str}}`` of the rows erasing ``user`` removes.

    Found with Django's deletion ``Collector`` (every CASCADE, any app), plus the
    ``extra`` querysets the holdings name (rows kept by address).
    """
    collector = Collector(using=router.db_for_write(User))
    collector.collect([user])
    owned: dict[str, set[str]] = defaultdict(set)
    for model, instances in collector.data.items():
        owned[model._meta.label_lower].update(str(obj.pk) for obj in instances)
    for queryset in [*collector.fast_deletes, *extra]:
        label = queryset.model._meta.label_lower
        owned[label].update(str(pk) for pk in queryset.values_list("pk", flat=True))
    return owned


def _logs_pseudonymise(
    *,
    pk: int,
    is_staff: bool,
    label: str,
    owned: dict[str, set[str]],
    redact: Callable[[str], str],
) -> None:
    """Rewrite the audit and admin log entries that name the member (see ``member_erase``).

    The one sanctioned rewrite of audit rows: erasure of the member's personal data.
    Events about the member's records lose their values. A member (not staff) acts only
    on their own records, so their own events about a kind of record the registry says is
    personal lose their values too, even when that row was deleted earlier (a webhook's
    address, a saved search's name); staff events about other people's records keep
    theirs. The member's other events have the member's identifiers redacted.
    """
    audited = set(AuditEvent.objects.values_list("object_type", flat=True).distinct())
    about: dict[int, AuditEvent] = {}
    if not is_staff:
        personal_types = {apps.get_model(h.model)._meta.label_lower for h in holdings()}
        own = AuditEvent.objects.filter(actor_id=pk, object_type__in=personal_types)
        about.update((e.pk, e) for e in own)
    for object_type, ids in owned.items():
        if object_type not in audited:
            continue
        for chunk in chunked(sorted(ids), 500):
            events = AuditEvent.objects.filter(object_type=object_type, object_id__in=chunk)
            about.update((e.pk, e) for e in events)
        content_type = ContentType.objects.get_by_natural_key(*object_type.split("."))
        for chunk in chunked(sorted(ids), 500):
            LogEntry.objects.filter(content_type=content_type, object_id__in=chunk).update(
                object_repr=ERASED
            )
    for event in about.values():
        AuditEvent.objects.filter(pk=event.pk).update(
            actor_label=label if event.actor_id == pk else event.actor_label,
            object_repr=ERASED,
            changes={name: {"before": ERASED, "after": ERASED} for name in event.changes},
        )
    for event in AuditEvent.objects.filter(actor_id=pk).exclude(pk__in=list(about)):
        AuditEvent.objects.filter(pk=event.pk).update(
            actor_label=label,
            object_repr=redact(event.object_repr),
            changes=_redact_json(event.changes, redact),
        )


def _redact_json(value: Any, redact: Callable[[str], str]) -> Any:
    """Return ``value`` (JSON data) with ``redact`` applied to every string in it."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _redact_json(v, redact) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_json(v, redact) for v in value]
    return value
