"""One-off emails survive a mail-server outage: queued for retry, the page still answers."""

import socket

import pytest
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django_q.models import OrmQ

from lead411.core.mail import message_as_data, message_send, message_send_or_queue


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
    (data,) = queued.task["args"]
    assert data["subject"] == "Reset your password"
    assert data["to"] == ["m@example.com"]


@pytest.mark.django_db
def test_the_queued_task_rebuilds_and_sends_the_same_email(mailoutbox):
    original = EmailMultiAlternatives(
        "Reply", "text", "from@example.com", ["m@example.com"], headers={"In-Reply-To": "<a@b>"}
    )
    original.attach_alternative("<p>text</p>", "text/html")

    message_send(message_as_data(original))

    (sent,) = mailoutbox
    assert (sent.subject, sent.body, sent.to) == ("Reply", "text", ["m@example.com"])
    assert sent.extra_headers == {"In-Reply-To": "<a@b>"}
    assert sent.alternatives[0][0] == "<p>text</p>"


@pytest.mark.django_db
def test_a_reachable_server_sends_at_once(mailoutbox):
    assert message_send_or_queue(EmailMessage("Hello", "body", to=["m@example.com"])) is True
    assert [m.subject for m in mailoutbox] == ["Hello"]
    assert not OrmQ.objects.exists()
