"""Writes of the contact app: open a conversation, answer it, close it, erase it (P1, P10).

Every email to a member goes through the outbox on the replies stream (clause P5b);
someone without an account is answered directly.
"""

import datetime as dt
import logging
from collections.abc import Callable, Collection

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from lead411.accounts.models import User
from lead411.core import clock
from lead411.core.audit import audit_record
from lead411.core.mail import message_send_or_queue
from lead411.core.models import AuditEvent
from lead411.core.urls import absolute_url
from lead411.mail.models import Stream
from lead411.mail.services import delivery_enqueue, message_id_for

from .models import Conversation, Message

logger = logging.getLogger(__name__)

CONVERSATION_CLOSED = "This conversation is closed; please start a new one from the contact page."


def conversation_root_key(*, conversation: Conversation) -> str:
    """Return the outbox key of a conversation's first email (the acknowledgement)."""
    return f"contact:{conversation.pk}:root"


def message_key(*, message: Message) -> str:
    """Return the outbox key of the email that carries ``message``."""
    return f"contact:{message.conversation_id}:{message.pk}"


def thread_headers(*, conversation: Conversation, message: Message | None) -> dict[str, str]:
    """Return ``In-Reply-To`` and ``References`` for the email that carries ``message``.

    Every id is ``mail.services.message_id_for`` of a key, so it is deterministic. The root
    (the acknowledgement, ``message`` None) has neither header. A later email names the
    root and every earlier message in ``References`` and the message just before it in
    ``In-Reply-To`` (RFC 5322 section 3.6.4), so mail clients keep one thread.
    """
    if message is None:
        return {}
    root = message_id_for(key=conversation_root_key(conversation=conversation))
    earlier = [
        message_id_for(key=message_key(message=m))
        for m in conversation.messages.filter(id__lt=message.pk).order_by("id")
    ]
    return {
        "In-Reply-To": earlier[-1] if earlier else root,
        "References": " ".join([root, *earlier]),
    }


def _email_to_sender(
    *, conversation: Conversation, key: str, text_body: str, headers: dict[str, str]
) -> None:
    """Send one email of ``conversation`` to the person who wrote in.

    A member's goes through the outbox on the replies stream (clause P5b); someone
    without an account gets it directly, after commit. A breach report kept after its
    sender's erasure has no address, so nothing is sent (``conversations_erase``).
    """
    subject = f"Re: {conversation.subject}"
    if conversation.user is None and not conversation.email:
        return
    if conversation.user is not None:
        delivery_enqueue(
            member=conversation.user,
            stream=Stream.REPLIES,
            key=key,
            subject=subject,
            text_body=text_body,
            headers=headers,
        )
        return
    message = EmailMultiAlternatives(
        subject=subject,
        body=text_body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[conversation.email],
        reply_to=[settings.OPERATOR["contact_email"]],
        headers={**headers, "Message-ID": message_id_for(key=key)},
    )
    transaction.on_commit(lambda: message_send_or_queue(message))


def _email_staff_breach_alert(*, conversation: Conversation) -> None:
    """Tell the operator's address at once that a breach of the policy was reported (P1)."""
    context = {
        "conversation": conversation,
        "admin_url": absolute_url(
            reverse("admin:contact_conversation_change", args=[conversation.pk])
        ),
    }
    body = render_to_string("contact/email/breach_staff_alert_message.txt", context)
    message = EmailMultiAlternatives(
        subject=f"Breach of the privacy policy reported: {conversation.subject}",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[settings.OPERATOR["contact_email"]],
    )
    transaction.on_commit(lambda: message_send_or_queue(message))


@transaction.atomic
def conversation_start(
    *, user: User | None, name: str, email: str, category: str, body: str
) -> Conversation:
    """Open a conversation from the contact form and return it (clauses P1, P10).

    ``user`` is the logged-in member or None. A breach report (category ``breach``)
    is listed first to staff, alerts the operator's address, and is acknowledged to
    the sender by email; that email's Message-ID is the thread's root.
    """
    now = clock.now()
    conversation = Conversation(
        user=user if user is not None and user.is_authenticated else None,
        name=name,
        email=email,
        category=category,
        created_at=now,
        last_message_at=now,
    )
    conversation.full_clean()
    conversation.save()
    message = Message(
        conversation=conversation,
        author_kind=Message.Author.SENDER,
        author=conversation.user,
        body=body,
        created_at=now,
    )
    message.full_clean()
    message.save()
    audit_record(actor=user, action=AuditEvent.Action.CREATE, verb="contact", obj=conversation)
    if conversation.is_breach_report:
        _email_staff_breach_alert(conversation=conversation)
        text_body = render_to_string(
            "contact/email/breach_acknowledgement_message.txt",
            {"conversation": conversation, "message": message, "operator": settings.OPERATOR},
        )
        _email_to_sender(
            conversation=conversation,
            key=conversation_root_key(conversation=conversation),
            text_body=text_body,
            headers=thread_headers(conversation=conversation, message=None),
        )
    return conversation


def _add_message(
    *, conversation: Conversation, author: User, author_kind: str, body: str, now: dt.datetime
) -> Message:
    message = Message(
        conversation=conversation, author_kind=author_kind, author=author, body=body, created_at=now
    )
    message.full_clean()
    message.save()
    return message


@transaction.atomic
def conversation_reply(*, actor: User, conversation: Conversation, body: str) -> Message:
    """Add the staff answer ``body`` to ``conversation``, email it threaded; return the message.

    The email's ``In-Reply-To`` names the message it answers and ``References`` the
    whole thread (see ``thread_headers``). The conversation becomes "answered".
    Raises ``ValidationError`` when ``actor`` is not staff or the body is empty.
    """
    if not actor.is_staff:
        raise ValidationError("Only staff answer conversations.")
    if not body.strip():
        raise ValidationError({"body": "The answer is empty."})
    now = clock.now()
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    message = _add_message(
        conversation=conversation,
        author=actor,
        author_kind=Message.Author.STAFF,
        body=body,
        now=now,
    )
    before = conversation.status
    conversation.status = Conversation.Status.ANSWERED
    conversation.last_message_at = now
    conversation.save(update_fields=["status", "last_message_at"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CHANGE,
        verb="reply",
        obj=conversation,
        changes={"status": {"before": before, "after": conversation.status}},
    )
    text_body = render_to_string(
        "contact/email/conversation_reply_message.txt",
        {
            "conversation": conversation,
            "message": message,
            "operator": settings.OPERATOR,
            "conversation_url": absolute_url(
                reverse("contact:conversation-detail", args=[conversation.pk])
            )
            if conversation.user_id
            else "",
        },
    )
    _email_to_sender(
        conversation=conversation,
        key=message_key(message=message),
        text_body=text_body,
        headers=thread_headers(conversation=conversation, message=message),
    )
    return message


@transaction.atomic
def conversation_member_reply(*, member: User, conversation: Conversation, body: str) -> Message:
    """Add the member's answer ``body`` to their own ``conversation``; return the message.

    The conversation goes back to "waiting for staff". Raises ``ValidationError`` when
    the conversation is not the member's or is closed.
    """
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if conversation.user_id != member.pk:
        raise ValidationError("This conversation is not yours.")
    if conversation.status == Conversation.Status.CLOSED:
        raise ValidationError(CONVERSATION_CLOSED)
    now = clock.now()
    message = _add_message(
        conversation=conversation,
        author=member,
        author_kind=Message.Author.SENDER,
        body=body,
        now=now,
    )
    conversation.status = Conversation.Status.OPEN
    conversation.last_message_at = now
    conversation.save(update_fields=["status", "last_message_at"])
    return message


@transaction.atomic
def conversation_close(*, actor: User, conversation: Conversation) -> Conversation:
    """Close ``conversation`` (staff only) and return it; the member can no longer answer it."""
    if not actor.is_staff:
        raise ValidationError("Only staff close conversations.")
    before = conversation.status
    conversation.status = Conversation.Status.CLOSED
    conversation.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.TRANSITION,
        verb="close",
        obj=conversation,
        changes={"status": {"before": before, "after": conversation.status}},
    )
    return conversation


ERASED_SENDER = "(erased)"


def conversations_erase(
    *, user: User, emails: Collection[str], redact: Callable[[str], str]
) -> tuple[int, int]:
    """Erase the contact conversations of a member who deletes their account (issue 3).

    The member's conversations are those linked to ``user`` and those written logged
    out from one of ``emails`` (lower-cased addresses of the account). Breach reports
    (clause P1) are kept for accountability, the operator's record that a breach was
    reported and how it was handled, but anonymised: no user, name "(erased)", no
    address, closed, and every message passed through ``redact`` (which removes the
    member's name, addresses, telephone and company). All other conversations are
    deleted with their messages. Returns ``(kept, deleted)``.
    """
    mine = Conversation.objects.filter(user=user)
    for email in emails:
        mine = mine | Conversation.objects.filter(user__isnull=True, email__iexact=email)
    kept = deleted = 0
    for conversation in mine.select_for_update():
        if not conversation.is_breach_report:
            conversation.delete()
            deleted += 1
            continue
        for message in conversation.messages.all():
            Message.objects.filter(pk=message.pk).update(
                body=redact(message.body),
                author=None if message.author_id == user.pk else message.author_id,
            )
        Conversation.objects.filter(pk=conversation.pk).update(
            user=None, name=ERASED_SENDER, email="", status=Conversation.Status.CLOSED
        )
        kept += 1
    return kept, deleted
