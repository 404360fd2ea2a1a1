"""Sending one-off emails (account, contact) so that a mail server outage never breaks a page."""

import logging
import smtplib

from django.core.mail import EmailMessage
from django_q.tasks import async_task

logger = logging.getLogger(__name__)


def message_send_or_queue(message: EmailMessage) -> bool:
    """Send ``message`` now; if the SMTP server fails, queue a retry and return False.

    Returns True when the server accepted the message. On ``smtplib.SMTPException``
    or ``OSError`` (server down, refused, timed out) the message is handed to the task
    queue (django-q2, retried up to ``Q_CLUSTER["max_attempts"]`` times), so the
    request that caused it still answers normally and the email is not lost.
    Newsletter and other bulk mail go through the newsletter outbox instead.
    """
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as exc:
        logger.warning(
            "SMTP failed (%s); email %r queued for retry", type(exc).__name__, message.subject
        )
        message.connection = None  # holds a socket and a lock: the queue pickles the message
        async_task("lead411.core.mail.message_send", message, group="email-retry")
        return False
    return True


def message_send(message: EmailMessage) -> None:
    """Send ``message``; raise on failure so the task queue retries it (task of the queue)."""
    message.send()
