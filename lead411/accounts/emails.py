"""Render and send the membership emails from ``accounts/email/<name>_{subject,message}.txt``."""

from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string

from lead411.core.mail import message_send_or_queue
from lead411.core.urls import site_root


def email_send(*, template: str, to: list[str], context: dict[str, Any] | None = None) -> None:
    """Send the email ``accounts/email/<template>`` to ``to`` once the transaction commits.

    The context always holds ``operator`` (settings.OPERATOR, clause P1) and ``site_url``
    (settings.SITE_URL), so links never come from a request's Host header. Sending after
    commit means a rolled-back transition mails nobody. The mail comes from
    MEMBERSHIP_FROM_EMAIL and replies go to the operator's contact address, so "reply to
    this email" reaches staff.
    """
    ctx = {"operator": settings.OPERATOR, "site_url": site_root()}
    ctx.update(context or {})
    subject = " ".join(render_to_string(f"accounts/email/{template}_subject.txt", ctx).split())
    message = render_to_string(f"accounts/email/{template}_message.txt", ctx)
    recipients = [address for address in to if address]

    def _send() -> None:
        message_send_or_queue(
            EmailMessage(
                f"[Lead411] {subject}",
                message,
                settings.MEMBERSHIP_FROM_EMAIL,
                recipients,
                reply_to=[settings.OPERATOR["contact_email"]],
            )
        )

    if recipients:
        transaction.on_commit(_send)


def staff_addresses() -> list[str]:
    """Return where staff notifications go: the operator's admin address (settings.OPERATOR)."""
    return [settings.OPERATOR["contact_email"]]
