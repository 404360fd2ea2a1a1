"""Real SMTP: an aiosmtpd server on 127.0.0.1 receives the mail; the ``email`` package reads it.

Clauses: the newsletter's form (L4), the unsubscribe headers and link (P7), and the
outbox's handling of temporary and permanent SMTP failures.
"""

import base64
import datetime as dt
import re
import shutil
import smtplib
import subprocess
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from lead411.accounts.models import User
from lead411.leads import services as lead_services
from lead411.mail import services
from lead411.mail.models import Delivery, MailPreferences, Suppression
from lead411.mail.outbox import outbox_send
from lead411.mail.suppression import email_hash
from lead411.newsletter.digest import newsletter_issue_build

from .conftest import make_member, new_event
from .smtp_sink import Sink

pytestmark = [pytest.mark.django_db]


@pytest.mark.clause("L4")
@pytest.mark.clause("P7")
def test_newsletter_over_smtp_has_both_parts_links_and_a_working_one_click_header(
    smtp_sink, https_site
):
    ann = make_member("ann@example.com", "Ann")
    lead_services.saved_search_create(member=ann, name="Robots", criteria={"q": ["robot"]})
    event = new_event(summary="Acme builds a robot")
    newsletter_issue_build(date=timezone.localdate())
    report = outbox_send()
    assert report.sent == 1
    (message,) = smtp_sink.handler.messages()
    delivery = Delivery.objects.get()
    assert message["To"] == "ann@example.com"
    assert message["From"] == "Lead411 <newsletter@example.com>"
    assert message["Subject"].startswith("Lead411 daily: 1 new lead for ")
    assert message["Message-ID"] == delivery.message_id == services.message_id_for(key=delivery.key)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    one_click = message["List-Unsubscribe"].strip().strip("<>")
    assert one_click.startswith("https://leads.example.com/newsletter/unsubscribe/")
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert f"https://leads.example.com/leads/{event.pk}/" in text
    assert f'href="https://leads.example.com/leads/{event.pk}/"' in html
    assert one_click in text
    assert "100 Example Street" in text
    # The mail client's one-click POST, with no cookie and no CSRF token.
    response = Client(enforce_csrf_checks=True).post(
        one_click.removeprefix("https://leads.example.com"), {"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 200
    assert MailPreferences.objects.get(member=ann).daily is False


@pytest.mark.clause("L4")
def test_one_connection_carries_many_messages(smtp_sink):
    for n in range(5):
        member = make_member(f"m{n}@example.com")
        services.delivery_enqueue(
            member=member, stream="daily", key=f"k{n}", subject="s", text_body="t"
        )
    sessions: set[int] = set()
    original = smtp_sink.handler.handle_DATA

    async def counting(server, session, envelope):
        sessions.add(id(session))
        return await original(server, session, envelope)

    smtp_sink.handler.handle_DATA = counting  # type: ignore[method-assign]  # spy on the sink
    assert outbox_send(connections=2).sent == 5
    assert len(sessions) == 2, "five messages over the two connections, each reused"


@pytest.mark.clause("P7")
def test_temporary_and_permanent_refusals(settings, monkeypatch):
    """451 to 10% of RCPTs and 550 to 1% of addresses: every deliverable message arrives once."""
    settings.NEWSLETTER_MAX_ATTEMPTS = 20
    now = [timezone.now()]
    monkeypatch.setattr("lead411.core.clock.now", lambda: now[0])
    with Sink(temp_rate=0.10, perm_rate=0.01, seed=7) as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = (
            "127.0.0.1",
            sink.port,
            False,
        )
        User.objects.bulk_create(
            User(email=f"reader{n}@example.com", password="!") for n in range(300)
        )
        members = list(User.objects.filter(email__startswith="reader"))
        refused = {m.email for m in members if sink.handler.permanently_refused(m.email)}
        assert refused, "the sample must include permanently refused addresses"
        for member in members:
            services.delivery_enqueue(
                member=member, stream="daily", key=f"d:{member.pk}", subject="s", text_body="t"
            )
        for _ in range(30):
            outbox_send()
            if not Delivery.objects.filter(status=Delivery.Status.PENDING).exists():
                break
            now[0] += dt.timedelta(seconds=settings.NEWSLETTER_RETRY_MAX_SECONDS + 1)
        arrived = sink.handler.message_ids()
    assert sink.handler.rcpt_replies["451"] > 0
    deliverable = Delivery.objects.exclude(to_email__in=refused)
    assert set(arrived) == set(deliverable.values_list("message_id", flat=True))
    assert max(arrived.values()) == 1
    assert set(deliverable.values_list("status", flat=True)) == {Delivery.Status.SENT}
    bounced = Delivery.objects.filter(to_email__in=refused)
    assert set(bounced.values_list("status", "smtp_code")) == {(Delivery.Status.FAILED, 550)}
    assert set(Suppression.objects.values_list("email_hash", flat=True)) == {
        email_hash(email) for email in refused
    }
    # A suppressed address is not mailed again.
    again = services.delivery_enqueue(
        member=bounced[0].member, stream="daily", key="later", subject="s", text_body="t"
    )
    assert again.status == Delivery.Status.SUPPRESSED


def test_a_failed_starttls_is_an_error_never_a_plaintext_send(smtp_sink, settings):
    settings.EMAIL_USE_TLS = True  # the sink offers no STARTTLS
    ann = make_member("ann@example.com")
    delivery = services.delivery_enqueue(
        member=ann, stream="daily", key="tls", subject="s", text_body="t"
    )
    with pytest.raises(smtplib.SMTPNotSupportedError):
        outbox_send()
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.PENDING
    assert smtp_sink.handler.raw == []


@pytest.mark.clause("P7")
@pytest.mark.skipif(
    shutil.which("openssl") is None, reason="openssl is needed to make a test DKIM key"
)
def test_dkim_signature_covers_the_list_unsubscribe_headers(smtp_sink, settings, tmp_path: Path):
    import dkim

    key = tmp_path / "dkim.pem"
    openssl = shutil.which("openssl") or "openssl"
    subprocess.run(  # noqa: S603 - constant arguments, a throwaway test key
        [openssl, "genrsa", "-traditional", "-out", str(key), "2048"],
        check=True,
        capture_output=True,
    )
    public = subprocess.run(  # noqa: S603 - constant arguments
        [openssl, "rsa", "-in", str(key), "-pubout", "-outform", "DER"],
        check=True,
        capture_output=True,
    ).stdout
    settings.NEWSLETTER_DKIM_PRIVATE_KEY_PATH = str(key)
    settings.NEWSLETTER_DKIM_SELECTOR, settings.NEWSLETTER_DKIM_DOMAIN = "sel", "example.com"
    ann = make_member("ann@example.com")
    services.delivery_enqueue(member=ann, stream="daily", key="dkim", subject="s", text_body="t")
    outbox_send()
    raw = smtp_sink.handler.raw[0]
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)
    assert dkim.verify(raw, dnsfunc=lambda name, timeout=5: record)
    signed = "".join(str(smtp_sink.handler.messages()[0]["DKIM-Signature"]).split()).lower()
    signed_headers = re.search(r"h=([^;]+)", signed)
    assert signed_headers is not None
    assert {"list-unsubscribe", "list-unsubscribe-post", "message-id"} <= set(
        signed_headers.group(1).split(":")
    )


@pytest.mark.clause("L4")
def test_a_dead_senders_row_is_resent_only_when_its_dot_was_not_written(smtp_sink):
    """Recovery of rows a killed sender left in ``handed_over`` (outbox._DotMarker)."""
    from lead411.mail import outbox

    rows = []
    for n in range(2):
        member = make_member(f"r{n}@example.com")
        rows.append(
            services.delivery_enqueue(
                member=member, stream="daily", key=f"r{n}", subject="s", text_body="t"
            )
        )
    # A sender died: both rows handed over; its marker names the first, whose dot it was
    # about to write; the second's dot had been written (delivered, 250 not yet recorded).
    Delivery.objects.filter(pk__in=[r.pk for r in rows]).update(
        status=Delivery.Status.HANDED_OVER, claim_token="dead-sender"
    )
    dead = outbox._DotMarker(outbox._marker_path("dead-sender"))
    dead.mark([rows[0].pk])
    report = outbox_send()
    assert report.recovered == 2
    assert report.sent == 1
    (message,) = smtp_sink.handler.messages()
    assert message["Message-ID"] == rows[0].message_id
    first, second = (Delivery.objects.get(pk=r.pk) for r in rows)
    assert (first.status, first.last_error) == (Delivery.Status.SENT, "")  # confirmed by 250
    assert second.status == Delivery.Status.SENT
    assert "assumed" in second.last_error


def _two_rows() -> list[Delivery]:
    rows = []
    for name in ("ann", "bob"):
        member = make_member(f"{name}@example.com")
        rows.append(
            services.delivery_enqueue(
                member=member, stream="daily", key=name, subject="s", text_body="t"
            )
        )
    return rows


@pytest.mark.clause("L4")
def test_an_error_between_a_hand_over_and_its_dot_puts_the_row_back(smtp_sink, monkeypatch):
    """Ann's row is handed over; building Bob's envelope, which rides with Ann's dot,
    fails before the dot is written. Ann's row goes back to pending (not "assumed sent"),
    and the next run delivers both messages once."""
    from lead411.mail import outbox

    rows = _two_rows()
    real = outbox._envelope_commands

    def failing(smtp: smtplib.SMTP, to_email: str) -> bytes | None:
        if to_email == "bob@example.com":
            raise RuntimeError("stopped between the hand-over and the dot")
        return real(smtp, to_email)

    monkeypatch.setattr(outbox, "_envelope_commands", failing)
    with pytest.raises(RuntimeError):
        outbox_send(connections=1)
    assert smtp_sink.handler.messages() == []
    assert set(Delivery.objects.values_list("status", "attempts")) == {(Delivery.Status.PENDING, 0)}
    monkeypatch.setattr(outbox, "_envelope_commands", real)
    assert outbox_send(connections=1).sent == 2
    assert sorted(smtp_sink.handler.message_ids().items()) == sorted(
        (row.message_id, 1) for row in rows
    )


@pytest.mark.clause("L4")
def test_the_dot_marker_forgets_each_row_once_its_own_dot_is_queued(smtp_sink, monkeypatch):
    """Two connections, one round: when Bob's dot is written, the marker no longer names
    Ann, whose dot is already queued (a kill there must not resend her message)."""
    from lead411.mail import outbox

    ann, bob = _two_rows()
    named_at_dot: list[set[int]] = []
    markers: list[outbox._DotMarker] = []
    real_mark, real_send = outbox._DotMarker.mark, smtplib.SMTP.send

    def mark(self: outbox._DotMarker, pks: list[int]) -> None:
        markers.append(self)
        real_mark(self, pks)

    def send(self: smtplib.SMTP, data: bytes | str) -> None:
        if isinstance(data, bytes) and data.startswith(b".\r\n") and markers:
            named_at_dot.append(markers[-1].named())
        real_send(self, data)

    monkeypatch.setattr(outbox._DotMarker, "mark", mark)
    monkeypatch.setattr(smtplib.SMTP, "send", send)
    assert outbox_send(connections=2).sent == 2
    assert named_at_dot == [{ann.pk, bob.pk}, {bob.pk}]


@pytest.mark.clause("L4")
def test_a_dot_marker_that_still_names_rows_outlives_its_sender(tmp_path):
    """A run stopped by an error that could not put its rows back leaves the file for the
    next sender's recovery; an empty marker is removed."""
    from lead411.mail import outbox

    kept = outbox._DotMarker(tmp_path / "kept.dot", slots=2)
    kept.mark([7, 8])
    kept.release(0)
    kept.close()
    assert outbox._DotMarker.read(tmp_path / "kept.dot") == {8}
    done = outbox._DotMarker(tmp_path / "done.dot", slots=2)
    done.mark([7, 8])
    done.release(0)
    done.release(1)
    done.close()
    assert not (tmp_path / "done.dot").exists()
