"""Sending one-off emails (account, contact) so that a mail server outage never breaks a page."""

import logging
import smtplib
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django_q.models import OrmQ, Task
from django_q.tasks import async_task

logger = logging.getLogger(__name__)

RETRY_GROUP = "email-retry"  # the task-queue group of emails waiting for another attempt
MAIL_TASK = "lead411.core.mail.message_send"  # the task that retries a one-off email


def message_send_or_queue(message: EmailMessage) -> bool:
    """Send ``message`` now; if the SMTP server fails, queue a retry and return False.

    Returns True when the server accepted the message. The attempt waits at most
    ``EMAIL_REQUEST_TIMEOUT_SECONDS`` (3 s) for each answer of the server, not the
    ``EMAIL_TIMEOUT`` (30 s) the task worker allows, because the caller is usually a page
    someone is waiting for: a server that accepts the connection and then hangs costs
    the page seconds, not half a minute. On ``smtplib.SMTPException`` or ``OSError``
    (server down, refused, timed out) the message is handed to the task queue (django-q2,
    retried up to ``Q_CLUSTER["max_attempts"]`` times) as plain data, so the request
    still answers normally and the email is not lost. A server that took the whole
    message but answered after the short timeout gets it twice (SMTP cannot tell; RFC
    1047): for a reset link or an acknowledgement, better than none.
    Newsletter and other bulk mail go through the newsletter outbox instead.
    """
    if message.connection is None:
        message.connection = get_connection(timeout=settings.EMAIL_REQUEST_TIMEOUT_SECONDS)
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as exc:
        logger.warning(
            "SMTP failed (%s); email %r queued for retry", type(exc).__name__, message.subject
        )
        async_task(MAIL_TASK, message_as_data(message), group=RETRY_GROUP)
        return False
    return True


def message_as_data(message: EmailMessage) -> dict[str, Any]:
    """Return ``message`` as a dict of strings and lists that the task queue can pickle.

    Keys: subject, body, from_email, to, cc, bcc, reply_to, headers, alternatives
    (``[(content, mimetype)]``). Attachments are not carried: these emails have none.
    """
    return {
        "subject": message.subject,
        "body": message.body,
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": dict(message.extra_headers),
        "alternatives": [tuple(a) for a in getattr(message, "alternatives", [])],
    }


def message_send(data: dict[str, Any]) -> None:
    """Send the email described by ``data`` (see `message_as_data`); raise on failure.

    The task queue's task: an exception makes django-q2 retry it later.
    """
    message = EmailMultiAlternatives(
        subject=data["subject"],
        body=data["body"],
        from_email=data["from_email"],
        to=data["to"],
        cc=data["cc"],
        bcc=data["bcc"],
        reply_to=data["reply_to"],
        headers=data["headers"],
    )
    for content, mimetype in data["alternatives"]:
        message.attach_alternative(content, mimetype)
    message.send()


def queued_mail_forget(*, emails: frozenset[str]) -> int:
    """Delete queued email retries and stored task results addressed to ``emails``.

    One-off emails that met an SMTP failure wait in the task queue with their
    recipients and body; so do the results django-q2 keeps of finished tasks.
    ``emails`` are lower-cased addresses. Returns the number of rows deleted.
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
