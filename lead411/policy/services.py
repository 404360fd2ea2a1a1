"""Writes: publish and acknowledge policy versions (clause P15); contact conversations (P1, P10)."""

import datetime as dt
import logging
from collections.abc import Callable, Collection

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse

from lead411.accounts.models import User
from lead411.core import clock
from lead411.core.audit import audit_record
from lead411.core.mail import message_send_or_queue
from lead411.core.models import AuditEvent
from lead411.core.urls import absolute_url, site_root
from lead411.mail.models import Delivery, Stream
from lead411.mail.selectors import members_consenting
from lead411.mail.services import delivery_enqueue, message_id_for
from lead411.policy.models import (
    Conversation,
    Message,
    PolicyAcknowledgement,
    PolicyVersion,
)

logger = logging.getLogger(__name__)

ALREADY_PUBLISHED = "Version {number} is already published."
NOT_PUBLISHED = "Version {number} is not published."
NOT_NEXT_NUMBER = "Version {number} cannot be published before version {previous}."
CONVERSATION_CLOSED = "This conversation is closed; please start a new one from the contact page."


def policy_notice_key(*, version: PolicyVersion, member: User) -> str:
    """Return the outbox key of one member's notice of ``version``: ``"policy-v<number>:<member id>"``.

    Outbox keys are unique across the outbox, so the key names the member: with the
    version alone, only the first member would ever be mailed. Sending again sends
    nobody a second copy.
    """
    return f"policy-v{version.number}:{member.pk}"


@transaction.atomic
def policy_version_publish(
    *, actor: User | None, version: PolicyVersion, notify_by_email: bool = True
) -> PolicyVersion:
    """Publish the draft ``version`` and give notice of it; return it published (clause P15).

    ``published_at`` becomes now; ``effective_at`` stays if staff set a later time,
    otherwise it is now too ("effective when posted"). Every member then sees the
    notice banner until they acknowledge (``context_processors.policy_notice``), and
    each member who consented to the updates stream gets one email
    (``policy_notice_email_send``) unless ``notify_by_email`` is False (the first
    version of a new installation changes nothing for anyone).

    Raises ``ValidationError`` when the version is already published, or when a lower
    number is still a draft (numbers are publication order).
    """
    locked = PolicyVersion.objects.select_for_update().get(pk=version.pk)
    if locked.is_published:
        raise ValidationError(ALREADY_PUBLISHED.format(number=locked.number))
    earlier_draft = (
        PolicyVersion.objects.filter(number__lt=locked.number, published_at__isnull=True)
        .order_by("number")
        .first()
    )
    if earlier_draft is not None:
        raise ValidationError(
            NOT_NEXT_NUMBER.format(number=locked.number, previous=earlier_draft.number)
        )
    now = clock.now()
    locked.published_at = now
    if locked.effective_at is None or locked.effective_at < now:
        locked.effective_at = now
    locked.published_by = actor if actor is not None and actor.is_authenticated else None
    locked.full_clean()
    locked.save()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.TRANSITION,
        verb="publish",
        obj=locked,
        changes={
            "published_at": {"before": None, "after": locked.published_at},
            "effective_at": {"before": version.effective_at, "after": locked.effective_at},
        },
    )
    if notify_by_email:
        policy_notice_email_send(version=locked)
    return locked


def policy_notice_email_send(*, version: PolicyVersion) -> int:
    """Queue the notice email of the published ``version``; return how many were queued.

    One email per member who consented to the updates stream (clause P5c), through the
    outbox under ``policy_notice_key``, so running it again sends no member a second
    copy and queues nothing (the count is then 0). Members without that consent get none; they see the banner. Raises
    ``ValidationError`` for a draft.
    """
    if not version.is_published:
        raise ValidationError(NOT_PUBLISHED.format(number=version.number))
    context = {
        "version": version,
        "version_url": absolute_url(reverse("policy:version", args=[version.number])),
        "diff_url": absolute_url(reverse("policy:diff"))
        + f"?a={version.number - 1}&b={version.number}",
        "operator": settings.OPERATOR,
    }
    subject = " ".join(render_to_string("policy/email/policy_notice_subject.txt", context).split())
    text_body = render_to_string("policy/email/policy_notice_message.txt", context)
    queued_before = set(
        Delivery.objects.filter(key__startswith=f"policy-v{version.number}:").values_list(
            "key", flat=True
        )
    )
    count = 0
    for member in members_consenting(stream=Stream.UPDATES).iterator():
        key = policy_notice_key(version=version, member=member)
        if key in queued_before:
            continue
        delivery = delivery_enqueue(
            member=member,
            stream=Stream.UPDATES,
            key=key,
            subject=subject,
            text_body=text_body,
        )
        count += delivery.status == Delivery.Status.PENDING
    return count


def policy_acknowledge(*, user: User, version: PolicyVersion) -> PolicyAcknowledgement:
    """Record that ``user`` acknowledged the notice of ``version``; return the record.

    Acknowledging twice returns the first record. Raises ``ValidationError`` for a draft.
    """
    if not version.is_published:
        raise ValidationError(NOT_PUBLISHED.format(number=version.number))
    existing = PolicyAcknowledgement.objects.filter(user=user, version=version).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return PolicyAcknowledgement.objects.create(
                user=user, version=version, acknowledged_at=clock.now()
            )
    except IntegrityError:
        # A second tab posted at the same moment; its row is the acknowledgement.
        return PolicyAcknowledgement.objects.get(user=user, version=version)


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
            reverse("admin:policy_conversation_change", args=[conversation.pk])
        ),
    }
    body = render_to_string("policy/email/breach_staff_alert_message.txt", context)
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
            "policy/email/breach_acknowledgement_message.txt",
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
        "policy/email/conversation_reply_message.txt",
        {
            "conversation": conversation,
            "message": message,
            "operator": settings.OPERATOR,
            "conversation_url": absolute_url(
                reverse("policy:conversation-detail", args=[conversation.pk])
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


def policy_text_context() -> dict[str, object]:
    """Return the figures ``policy/policy_text.md`` states, read from settings and apps.

    Each is the value the running system uses, so the policy cannot drift from the
    configuration: web-log retention (``WEBLOG_RAW_RETENTION_DAYS``), the small-cell
    threshold (``REPORT_MIN_CELL``, clause P14), the cookie names and the login
    cookie's lifetime, the reset link's lifetime, the three email streams (clause P5)
    and the operator's details (clause P1). Paragraphs about a feature (member activity
    counts, the disclosure register, HTTPS-only cookies) appear only when it is on.
    """
    site = site_root()
    return {
        "site_name": "Lead411",
        "site_url": site,
        "contact_url": site + reverse("policy:contact"),
        "operator": settings.OPERATOR,
        "weblog_raw_retention_days": int(settings.WEBLOG_RAW_RETENTION_DAYS),
        "weblog_query_allowlist": ", ".join(settings.WEBLOG_QUERY_ALLOWLIST),
        "session_cookie_name": settings.SESSION_COOKIE_NAME,
        "session_cookie_days": settings.SESSION_COOKIE_AGE // (60 * 60 * 24),
        "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
        "csrf_cookie_name": settings.CSRF_COOKIE_NAME,
        "session_cookie_httponly": settings.SESSION_COOKIE_HTTPONLY,
        "activity_installed": apps.is_installed("lead411.activity"),
        "activity_url": site + reverse("activity:mine")
        if apps.is_installed("lead411.activity")
        else "",
        "activity_retention_days": int(settings.ACTIVITY_RETENTION_DAYS),
        "reports_installed": apps.is_installed("lead411.reports"),
        "report_min_cell": int(settings.REPORT_MIN_CELL),
        "password_reset_minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
        "email_streams": [
            {
                "name": "The Daily eMail Newsletter",
                "description": "each morning, the new leads that match your saved searches; "
                "no new matches, no email.",
            },
            {
                "name": "Replies to messages you sent us",
                "description": "our answers when you write to us through the site or by email.",
            },
            {
                "name": "Product updates and new features",
                "description": "occasional news about the service, including changes to "
                "this policy. Off until you switch it on.",
            },
        ],
    }


def policy_text_render() -> str:
    """Return the product's own policy (``policy/policy_text.md``) as Markdown, figures filled in."""
    return render_to_string("policy/policy_text.md", policy_text_context()).strip() + "\n"


@transaction.atomic
def policy_seed(*, actor: User | None = None) -> PolicyVersion | None:
    """Publish version 1 from ``policy_text_render`` when no version exists; return it.

    Returns None, changing nothing, once any version (draft or published) exists, so it
    is safe on every start. No notice email: the first version changes nothing for
    anyone; members still see the banner until they acknowledge it.
    """
    if PolicyVersion.objects.exists():
        return None
    version = PolicyVersion(
        number=1,
        title="Privacy policy",
        body=policy_text_render(),
        summary_of_changes="The first version of this policy.",
    )
    version.full_clean()
    version.save()
    return policy_version_publish(actor=actor, version=version, notify_by_email=False)


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
