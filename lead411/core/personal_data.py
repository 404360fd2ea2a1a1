"""What the kernel keeps about a member: audit events, queued emails, kernel cookies.

Declared in the registry (``core.privacy_registry``); read by "download my data",
"What we record about you" and the policy text.
"""

from typing import Any

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.db.models import Q

from .mail import queued_mail_forget
from .models import AuditEvent
from .privacy_registry import (
    ActorReference,
    Cookie,
    Holding,
    Member,
    Redact,
    actor_reference_register,
    cookie_register,
    holding_register,
)

AUDIT_COLUMNS = (
    "actor",
    "actor_label",
    "occurred_at",
    "action",
    "verb",
    "object_type",
    "object_id",
    "object_repr",
    "changes",
)


def audit_events_export(member: Member) -> Any:
    """Return the audit events by or about the member's account, oldest first."""
    user = member.user
    return list(
        AuditEvent.objects.filter(
            Q(actor=user) | Q(object_type="accounts.user", object_id=str(user.pk))
        )
        .order_by("occurred_at", "id")
        .values("occurred_at", "action", "verb", "object_type", "object_id", "changes")
    )


def queued_mail_erase(member: Member, redact: Redact) -> None:
    """Forget emails to the member that wait in the task queue for another attempt."""
    queued_mail_forget(emails=member.emails)


def declare() -> None:
    """Put the kernel's holdings and cookies in the registry (called once, at start)."""
    holding_register(
        Holding(
            key="audit_events",
            title="Audit events about your account",
            model="core.AuditEvent",
            columns=AUDIT_COLUMNS,
            member_field="actor",
            purpose="Who viewed or changed your account, application and requests, and "
            "what changed, so that every staff access can be proved.",
            retention="Kept for as long as the site runs.",
            on_erasure="Kept without your name: your own events are labelled "
            '"Erased member #<id>" and the details are removed.',
            export=audit_events_export,
        )
    )
    holding_register(
        Holding(
            key="queued_emails",
            title="Emails waiting for another attempt",
            model="django_q.OrmQ",
            columns=("key", "payload", "lock"),
            purpose="When our mail server does not answer, an email to you (a reset link, "
            "an answer to your message) waits in our task queue until it can be sent. "
            "It is not in the download: it is a copy of an email you receive.",
            retention="Until it is sent (at most 3 attempts); the queue then keeps the "
            "results of its last 250 finished tasks.",
            on_erasure="Deleted.",
            export=None,
            erase=queued_mail_erase,
        )
    )
    actor_reference_register(
        ActorReference(
            model="admin.LogEntry",
            field="user",
            purpose="Which staff member made a change in the staff pages.",
        )
    )
    cookie_register(csrf_cookie)
    cookie_register(messages_cookie)


def csrf_cookie() -> Cookie:
    return Cookie(
        name=settings.CSRF_COOKIE_NAME,
        purpose="Protects forms against cross-site request forgery; it holds a random "
        "value, nothing about you.",
        lifetime=f"{settings.CSRF_COOKIE_AGE // 86400} days, or until you clear it.",
    )


def messages_cookie() -> Cookie:
    return Cookie(
        name=CookieStorage.cookie_name,
        purpose="Carries a one-time notice (such as \u201cSaved\u201d) to the next page; "
        "deleted once shown.",
        lifetime="Until the notice is shown.",
    )
