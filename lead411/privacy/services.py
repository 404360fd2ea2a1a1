"""Writes of the privacy app: erase a member at their request (issue 3, clause P11).

The privacy app sits on top of the others: it reads and erases what each app keeps
about a member, and no app imports it.
"""

import re
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db import router, transaction
from django.db.models import QuerySet
from django.db.models.deletion import Collector
from django_q.models import OrmQ, Task

from lead411.accounts.models import AccountChangeRequest, Application, User
from lead411.accounts.services import user_sessions_end
from lead411.contact.models import Conversation, Message
from lead411.contact.services import conversations_erase
from lead411.core import clock
from lead411.core.chunking import chunked
from lead411.core.models import AuditEvent
from lead411.mail.suppression import ERASURE_REASON, suppression_add

ERASED = "(erased)"
MAIL_TASK = "lead411.core.mail.message_send"  # the task that retries a one-off email


def erased_label(*, pk: int) -> str:
    """Return the pseudonym an erased member keeps in the audit log: "Erased member #12"."""
    return f"Erased member #{pk}"


def member_erase(*, user: User) -> int:
    """Erase a member at their request; return the id the account had (issue 3, clause P11).

    The rule per table (docs/privacy.md lists them):

    - Deleted: the user row and, by CASCADE, the application, allauth email addresses,
      stolen-password reports, newsletter preferences, saved searches, outbox deliveries,
      policy acknowledgements, activity counters and API tokens (so no token of an
      erased account works again, P13); the member's account change
      requests (linked, or sent logged out from one of the account's addresses); the
      member's contact conversations and their messages (``conversations_erase``);
      database sessions; emails waiting in the task queue for another attempt.
    - Anonymised and kept: breach reports (clause P1), for accountability, with the
      member's name, addresses, telephone and company redacted from every message;
      the audit log and Django's admin log, so who-did-what-when stays provable: the
      member's own events carry the pseudonym "Erased member #<id>", and every event
      about the member's records has its description and before/after values replaced
      by "(erased)" (field names stay).
    - Added: a keyed hash of each of the account's addresses on the newsletter
      suppression list, so the outbox never mails them again (the member's unsubscribe
      outlives the account) while the list names no one; confirming the address for a
      new account lifts it (``mail.suppression``).

    The erasure itself is audited under the pseudonym. Raises
    django.db.models.ProtectedError when another app protects a row of the member.
    """
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        pk = locked.pk
        label = erased_label(pk=pk)
        emails = {locked.email.lower()} | {
            e.lower()
            for e in EmailAddress.objects.filter(user=locked).values_list("email", flat=True)
        }
        redact = _redactor(user=locked, emails=emails)
        requests = AccountChangeRequest.objects.filter(user=locked)
        for email in emails:
            requests = requests | AccountChangeRequest.objects.filter(contact_email__iexact=email)
        owned = _owned_records(user=locked, extra=[requests])
        _logs_pseudonymise(pk=pk, label=label, owned=owned, redact=redact)
        requests.delete()
        conversations_erase(user=locked, emails=emails, redact=redact)
        _queued_mail_forget(emails=emails)
        user_sessions_end(user=locked)
        Session.objects.filter(expire_date__lte=clock.now()).delete()  # dead, may name the id
        for email in sorted(emails):
            suppression_add(email=email, reason=ERASURE_REASON)
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
    """Return ``{model label: {pk as str}}`` of the rows deleting ``user`` would delete.

    Found with Django's deletion ``Collector`` (every CASCADE, any app), plus ``extra``
    querysets, plus the member's contact conversations and their messages.
    """
    collector = Collector(using=router.db_for_write(User))
    collector.collect([user])
    owned: dict[str, set[str]] = defaultdict(set)
    for model, instances in collector.data.items():
        owned[model._meta.label_lower].update(str(obj.pk) for obj in instances)
    conversations = Conversation.objects.filter(user=user)
    for email in {
        user.email,
        *EmailAddress.objects.filter(user=user).values_list("email", flat=True),
    }:
        conversations = conversations | Conversation.objects.filter(
            user__isnull=True, email__iexact=email
        )
    querysets = [
        *collector.fast_deletes,
        *extra,
        conversations,
        Message.objects.filter(conversation__in=conversations),
    ]
    for queryset in querysets:
        label = queryset.model._meta.label_lower
        owned[label].update(str(pk) for pk in queryset.values_list("pk", flat=True))
    return owned


def _logs_pseudonymise(
    *, pk: int, label: str, owned: dict[str, set[str]], redact: Callable[[str], str]
) -> None:
    """Rewrite the audit and admin log entries that name the member (see ``member_erase``).

    The one sanctioned rewrite of audit rows: erasure of the member's personal data.
    """
    audited = set(AuditEvent.objects.values_list("object_type", flat=True).distinct())
    about: dict[int, AuditEvent] = {}
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


def _queued_mail_forget(*, emails: set[str]) -> int:
    """Delete queued email retries and stored task results addressed to ``emails``.

    One-off emails that met an SMTP failure wait in the task queue (``core.mail``) with
    their recipients and body; so do the results django-q2 keeps of finished tasks.
    Returns the number of rows deleted.
    """

    def addressed(args: Any) -> bool:
        data = args[0] if args and isinstance(args[0], dict) else {}
        recipients = [*data.get("to", []), *data.get("cc", []), *data.get("bcc", [])]
        return any(str(r).lower() in emails for r in recipients)

    deleted = 0
    for queued in OrmQ.objects.all():
        task = queued.task  # django-q2 returns {"id": "*Error"} for an unreadable payload
        if task.get("func") == MAIL_TASK and addressed(task.get("args")):
            queued.delete()
            deleted += 1
    for done in Task.objects.filter(func=MAIL_TASK):
        if addressed(done.args):
            done.delete()
            deleted += 1
    return deleted
