"""One-off emails survive a mail-server outage: queued for retry, the page still answers."""

import socket

import pytest
from django.core.mail import EmailMessage
from django_q.models import OrmQ

from lead411.core.mail import message_send_or_queue


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.django_db
@pytest.mark.clause("P12")
def test_an_smtp_outage_queues_the_email_instead_of_raising(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _closed_port()
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False

    sent = message_send_or_queue(EmailMessage("Reset your password", "link", to=["m@example.com"]))

    assert sent is False
    (queued,) = OrmQ.objects.all()
    assert queued.task["func"] == "lead411.core.mail.message_send"
    assert queued.task["args"][0].subject == "Reset your password"


@pytest.mark.django_db
def test_a_reachable_server_sends_at_once(mailoutbox):
    assert message_send_or_queue(EmailMessage("Hello", "body", to=["m@example.com"])) is True
    assert [m.subject for m in mailoutbox] == ["Hello"]
    assert not OrmQ.objects.exists()
