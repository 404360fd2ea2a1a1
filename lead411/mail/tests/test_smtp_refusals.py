"""What the outbox does with each SMTP refusal, judged by phase and RFC 3463 code (P7, L4).

Only a recipient's own permanent failure (RCPT TO, 5.1.x and the like) fails and, by the
suppression rule, suppresses that address. A permanent answer to MAIL FROM, to DATA or at
the final dot, or a 5.7.x policy refusal anywhere, is about our sending set-up: the run
stops, every row stays pending with its attempt uncounted, nobody is suppressed, staff see
it on the admin index and the operator gets one email. Temporary answers are retried.
Every case runs over a real SMTP server, with and without PIPELINING, with two members on
one connection (with PIPELINING the second member's envelope rides with the first one's
final dot) and on two (both in one round of the sender).
"""

import pytest
from django.utils import timezone

from lead411.leads import services as lead_services
from lead411.mail.models import Delivery, OutboxHalt, Suppression
from lead411.mail.outbox import OutboxHalted, SenderRejected, enhanced_status, outbox_send
from lead411.newsletter.digest import newsletter_issue_build

from .conftest import make_member, new_event
from .smtp_sink import Sink

pytestmark = [pytest.mark.django_db, pytest.mark.clause("P7")]

ANN, BOB = "ann@example.com", "bob@example.com"
OPERATOR = "operator@example.com"


def _letters(settings, addresses: tuple[str, ...]) -> None:
    """Queue one daily newsletter for each of ``addresses``, in that order (by row id)."""
    settings.OPERATOR = {**settings.OPERATOR, "contact_email": OPERATOR}
    for address in addresses:
        member = make_member(address, address.split("@")[0].title())
        lead_services.saved_search_create(member=member, name="All", criteria={})
    new_event()
    newsletter_issue_build(date=timezone.localdate())
    assert Delivery.objects.count() == len(addresses)


@pytest.fixture
def two_letters(settings) -> None:
    _letters(settings, (ANN, BOB))


CONNECTIONS = pytest.mark.parametrize("connections", [1, 2], ids=["1-connection", "2-connections"])


def _send_through(settings, sink: Sink, connections: int = 1) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", sink.port, False
    outbox_send(connections=connections)


def _all_waiting() -> None:
    assert sorted(Delivery.objects.values_list("to_email", "status", "attempts")) == [
        (ANN, Delivery.Status.PENDING, 0),
        (BOB, Delivery.Status.PENDING, 0),
    ]
    assert Suppression.objects.count() == 0


HALTS = [
    pytest.param({"mail_from_reply": "550 5.7.1 Sender address rejected"}, "mail", 550, "5.7.1", id="mail-from-5.7.1"),
    pytest.param({"mail_from_reply": "553 Sender address invalid"}, "mail", 553, "", id="mail-from-553"),
    pytest.param({"rcpt_reply": {ANN: "550 5.7.1 Relaying denied", BOB: "550 5.7.1 Relaying denied"}}, "rcpt", 550, "5.7.1", id="rcpt-5.7.1"),
    pytest.param({"data_reply": "554 5.6.0 Message content rejected"}, "dot", 554, "5.6.0", id="dot-5.6.0"),
]  # fmt: skip


@CONNECTIONS
@pytest.mark.parametrize("pipelining", [True, False], ids=["pipelining", "one-by-one"])
@pytest.mark.parametrize(("sink_options", "phase", "code", "enhanced"), HALTS)
def test_a_refusal_of_our_set_up_stops_the_run_and_blames_no_member(
    settings, two_letters, admin_client, pipelining, sink_options, phase, code, enhanced,
    connections,
):  # fmt: skip
    with Sink(pipelining=pipelining, **sink_options) as sink:
        expected = SenderRejected if phase == "mail" else OutboxHalted
        with pytest.raises(expected) as raised:
            _send_through(settings, sink, connections)
    assert (raised.value.phase, raised.value.code, raised.value.enhanced) == (phase, code, enhanced)
    _all_waiting()
    halt = OutboxHalt.objects.get()
    assert (halt.phase, halt.smtp_code, halt.enhanced_code, halt.resolved_at) == (
        phase, code, enhanced, None,
    )  # fmt: skip
    page = admin_client.get("/admin/").content.decode()
    assert 'id="outbox-halted"' in page
    assert f"{code}" in page
    assert halt.get_phase_display() in page


@CONNECTIONS
def test_a_recipients_own_failure_fails_and_suppresses_only_that_address(
    settings, two_letters, connections
):
    with Sink(rcpt_reply={BOB: "550 5.1.1 No such user"}) as sink:
        _send_through(settings, sink, connections)
        arrived = [m["To"] for m in sink.handler.messages()]
    assert arrived == [ANN]
    assert dict(Delivery.objects.values_list("to_email", "status")) == {
        ANN: Delivery.Status.SENT,
        BOB: Delivery.Status.FAILED,
    }
    assert Suppression.objects.count() == 1
    assert not OutboxHalt.objects.exists()


@pytest.mark.parametrize(
    "sink_options",
    [
        pytest.param({"rcpt_reply": {ANN: "450 4.7.1 Greylisted, try later", BOB: "451 4.3.0 Busy"}}, id="rcpt-4xx"),
        pytest.param({"data_reply": "451 4.3.0 Queue full"}, id="dot-4xx"),
        pytest.param({"mail_from_reply": "421 4.7.0 Too many connections"}, id="mail-from-4xx"),
    ],
)  # fmt: skip
@CONNECTIONS
def test_temporary_answers_are_retried_later_and_stop_nothing(
    settings, two_letters, sink_options, connections
):
    with Sink(**sink_options) as sink:
        _send_through(settings, sink, connections)
    rows = Delivery.objects.all()
    assert {r.status for r in rows} == {Delivery.Status.PENDING}
    assert all(r.attempts == 1 and r.next_attempt_at > timezone.now() for r in rows)
    assert Suppression.objects.count() == 0
    assert not OutboxHalt.objects.exists()


def test_the_operator_is_emailed_once_per_episode_and_a_sending_run_ends_it(settings, two_letters):
    """Members are refused (5.7.1), the operator's address is not: the notice arrives."""
    refuse = {ANN: "550 5.7.1 Relaying denied", BOB: "550 5.7.1 Relaying denied"}
    with Sink(rcpt_reply=refuse) as sink:
        for _ in range(2):
            with pytest.raises(OutboxHalted):
                _send_through(settings, sink)
        notices = sink.handler.messages()
    assert [m["To"] for m in notices] == [OPERATOR]
    text = notices[0].get_content()
    assert "550 5.7.1" in text
    assert "RCPT TO" in text
    assert ANN not in text
    assert OutboxHalt.objects.filter(resolved_at__isnull=True).count() == 2
    with Sink() as sink:
        _send_through(settings, sink)
        assert sorted(m["To"] for m in sink.handler.messages()) == [ANN, BOB]
    assert not OutboxHalt.objects.filter(resolved_at__isnull=True).exists()


def test_refusals_between_accepted_messages_on_one_pipelined_connection(settings):
    """One connection carries four members in turn; each next envelope rides with the
    previous final dot. Bob's RCPT is refused for good, Cy's message gets a 451 at its
    dot: only their rows change, and Ann's and Dee's messages arrive once each."""
    cy, dee = "cy@example.com", "dee@example.com"
    _letters(settings, (ANN, BOB, cy, dee))
    sink_options = {
        "rcpt_reply": {BOB: "550 5.1.1 No such user"},
        "data_reply": "451 4.3.0 Queue full",
        "data_reply_to": frozenset({cy}),
    }
    with Sink(**sink_options) as sink:
        _send_through(settings, sink)
        arrived = sorted(sink.handler.message_ids().items())
    assert dict(Delivery.objects.values_list("to_email", "status")) == {
        ANN: Delivery.Status.SENT,
        BOB: Delivery.Status.FAILED,
        cy: Delivery.Status.PENDING,
        dee: Delivery.Status.SENT,
    }
    sent = Delivery.objects.filter(to_email__in=[ANN, dee]).order_by("message_id")
    assert arrived == [(row.message_id, 1) for row in sent]
    assert list(Suppression.objects.values_list("smtp_code", flat=True)) == [550]


def test_a_halt_at_the_dot_drops_the_envelope_that_rode_with_it(settings):
    """Bob's message is refused at its dot (5.6.0) while Cy's envelope follows it on the
    same connection: the run stops with Bob and Cy pending, their attempts uncounted; the
    next run sends them, and Ann's message is not sent again."""
    cy = "cy@example.com"
    _letters(settings, (ANN, BOB, cy))
    refusing = {"data_reply": "554 5.6.0 Content rejected", "data_reply_to": frozenset({BOB})}
    with Sink(**refusing) as sink, pytest.raises(OutboxHalted):
        _send_through(settings, sink)
    assert sorted(Delivery.objects.values_list("to_email", "status", "attempts")) == [
        (ANN, Delivery.Status.SENT, 1),
        (BOB, Delivery.Status.PENDING, 0),
        (cy, Delivery.Status.PENDING, 0),
    ]
    with Sink() as sink:
        _send_through(settings, sink)
        assert sorted(m["To"] for m in sink.handler.messages()) == [BOB, cy]
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.Status.SENT}


@pytest.mark.parametrize(
    ("reply", "code"),
    [(b"5.1.1 No such user", "5.1.1"), (b" 5.7.26 DMARC", "5.7.26"), (b"No code here", ""),
     (b"5.1.1.1 not a code", ""), (b"2.0.0 Ok", "2.0.0")],
)  # fmt: skip
def test_enhanced_status_codes_are_read_from_the_reply(reply, code):
    assert enhanced_status(reply) == code
