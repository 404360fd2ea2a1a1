"""One membership flow through a real SMTP server on loopback (aiosmtpd), not locmem (P9)."""

import email
import socket

import pytest
from aiosmtpd.controller import Controller

from lead411.accounts.services import application_approve


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's hook name
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_inbox(settings):
    """Point Django's SMTP backend at a fresh aiosmtpd server; yield its inbox."""
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.mark.clause("P9")
@pytest.mark.django_db(transaction=True)
def test_approval_email_is_delivered_over_smtp(smtp_inbox, applicant, staff, settings):
    application_approve(actor=staff, application=applicant.application)
    [message] = smtp_inbox.messages
    assert message["To"] == "applicant@example.com"
    assert message["Subject"] == "[Lead411] Your membership is approved"
    body = message.get_payload(decode=True).decode()
    assert f"{settings.SITE_URL}/accounts/login/" in body
    assert settings.OPERATOR["postal_address"] in body
