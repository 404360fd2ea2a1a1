"""The outbox sender: claim queued deliveries, send them over SMTP, record each as it happens.

State machine of one ``Delivery`` (each arrow is its own committed UPDATE, guarded by the
sender's claim token so a sender only moves rows it claimed):

    pending --claim--> sending --body written, final dot not yet sent--> handed_over
    handed_over --final dot, 250--> sent (recorded for the whole batch in one UPDATE)
    sending/handed_over --4xx--> pending (next_attempt_at later: backoff)
    sending/handed_over --5xx--> failed (and maybe suppression)

Why ``handed_over`` is committed *before* the final ``.`` of DATA: an SMTP server
delivers a message only once it has read that dot (RFC 5321 section 4.1.1.4); a
connection that drops earlier discards it. So, when a sender is killed:

- in ``pending`` or ``sending`` (anything up to and including the body, without the dot),
  the server has discarded the message; the row is resent, with the same Message-ID.
  No duplicate is possible: nothing was delivered.
- in ``handed_over``, the dot was being written or already written; the recovery marks
  the row ``sent`` (with a note) and does not resend: **at-most-once**. The only way to
  lose a message is a kill in the microseconds between the commit of ``handed_over`` and
  the ``write()`` of the three bytes ``.\\r\\n`` (once written, the kernel delivers them
  even if the process dies), or a server that rejects at the final dot while the sender
  is dead. On one machine ``_DotMarker`` closes that window: the row being handed over
  is noted in shared memory until its dot is queued, and a recovering sender resends a
  noted row; what is left is a kill inside that queuing write, a possible duplicate. The opposite order (send, then record) would instead
  duplicate every message whose commit a kill interrupts, a window of a network round
  trip plus a database commit: hundreds of times wider. Exactly-once over SMTP is not
  possible from one side alone (the server's ``250`` and our commit cannot be atomic).

Parallel connections (issue 15): one ``outbox_send`` drives ``NEWSLETTER_OUTBOX_CONNECTIONS``
SMTP connections from one thread, in rounds (``_send_round``): each connection carries
one row per round, and every step is taken on all of them before the next (envelopes,
then their replies, bodies, one hand-over commit for the round's rows, final dots,
their replies). The server works on all connections at once while the sender writes to
the next, the round's rows share one commit, and with PIPELINING a connection's next
envelope follows its dot in the same write. The run has one claim token and one dot
marker holding the round's ids. Claims are exclusive: a row moves from ``pending`` to
``sending`` in one conditional UPDATE (``status = pending``), and a sender then takes
only the rows carrying its own token; on PostgreSQL the candidates are also selected
``FOR UPDATE SKIP LOCKED`` so that several sender processes do not wait for one another.
Threads were tried first: under one interpreter lock they added switching cost, not
work, and each message needed its own commit (ADR 0011).

Crashed senders are detected without timeouts: on SQLite one sender process runs at a
time, holding an OS file lock (``flock``) that the kernel releases when the process dies,
so rows in flight when a new sender starts are orphans, and every dot marker left next
to the lock file is a dead sender's. On PostgreSQL any number of sender processes run at
once; each holds, on its database connection, a session advisory lock on its claim
token; a token whose lock can be taken belongs to a dead sender, whose rows and marker
are recovered.

Temporary failures (4xx, a dropped connection before the dot) are retried after
``NEWSLETTER_RETRY_BASE_SECONDS * 2**(attempt-1)`` seconds, capped at
``NEWSLETTER_RETRY_MAX_SECONDS``, at most ``NEWSLETTER_MAX_ATTEMPTS`` times. A permanent
failure (5xx) is judged by its phase and RFC 3463 code (``halts_run``): at RCPT TO, unless
it is a policy refusal (5.7.x), it is the recipient's, and its row fails. Suppression rule
for those: codes 550, 551 and 553 (mailbox unavailable, user not local, mailbox name not
allowed; RFC 5321 section 4.2.2) suppress the address at once; any other 5xx suppresses
it on its ``NEWSLETTER_SUPPRESS_AFTER_FAILURES``-th permanent failure within 30 days. One
recipient's failure only ever touches its own row. Any other permanent failure (MAIL
FROM, DATA, the final dot, 5.7.x) is about our set-up and stops the run with every row
pending (``OutboxHalted``). With PIPELINING the envelope's three commands share one write
(``_envelope``); the wire form comes from ``wire`` (ADR 0010).
"""

import collections
import contextlib
import datetime as dt
import fcntl
import functools
import glob
import hashlib
import logging
import mmap
import os
import re
import smtplib
import socket
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.db import DatabaseError, connection, transaction
from django.db.models import F

from lead411.core import clock

from .models import Delivery, MailPreferences, OutboxHalt
from .services import envelope_sender, outbox_halt_record, outbox_halts_resolve
from .suppression import email_normalise, suppressed_among, suppression_add
from .wire import WireUnsupported, message_wire_bytes

log = logging.getLogger(__name__)

HARD_BOUNCE_CODES = frozenset({550, 551, 553})
_ADVISORY_NAMESPACE = 411_0411
IN_FLIGHT = (Delivery.Status.SENDING, Delivery.Status.HANDED_OVER)


@dataclass
class SendReport:
    """What one ``outbox_send`` run did; counts of deliveries."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    suppressed: int = 0
    cancelled: int = 0
    recovered: int = 0
    locked_out: bool = False

    def __str__(self) -> str:
        if self.locked_out:
            return "Another sender is running; nothing sent."
        return (
            f"sent {self.sent}, to retry {self.retried}, failed {self.failed}, "
            f"suppressed {self.suppressed}, cancelled {self.cancelled}, "
            f"recovered from a stopped sender {self.recovered}"
        )


class OutboxHalted(Exception):
    """The SMTP server refused something about us, not about a recipient: the sender (5xx
    at MAIL FROM), the message (5xx to DATA or at its final dot) or our relaying under
    its policy (any 5.7.x, RFC 3463 section 3.8). One misconfiguration would otherwise
    fail, and suppress, the whole member list. The run stops; every row waits, unchanged,
    for the next run; no address is failed or suppressed; staff are told
    (``services.outbox_halt_record``).

    ``phase`` is an ``OutboxHalt.Phase`` value, ``code`` the reply code, ``enhanced``
    its RFC 3463 code ("" when the server gave none), ``reply`` the reply's text.
    """

    def __init__(self, *, phase: str, code: int, reply: bytes) -> None:
        self.phase = phase
        self.code = code
        self.text = reply.decode(errors="replace")
        self.enhanced = enhanced_status(reply)
        super().__init__(f"{code} {self.text}")


class SenderRejected(OutboxHalted):
    """The SMTP server refused the envelope sender (5xx at MAIL FROM): a relay or DNS set-up
    problem of the operator, not of any recipient."""


_ENHANCED = re.compile(rb"\s*([245]\.\d{1,3}\.\d{1,3})(?![\d.])")


def enhanced_status(reply: bytes) -> str:
    """Return the RFC 3463 enhanced status code that opens ``reply`` ("5.1.1"), or ""."""
    found = _ENHANCED.match(reply)
    return found.group(1).decode() if found else ""


def halts_run(*, phase: str, code: int, reply: bytes) -> bool:
    """Return whether the answer ``code`` + ``reply`` at ``phase`` stops the run (see
    ``OutboxHalted``): a permanent failure anywhere but RCPT TO, or a permanent policy
    refusal (5.7.x) even there. A recipient-phase permanent failure (5.1.x bad mailbox,
    5.2.x mailbox full and the like, or no enhanced code) is that recipient's; temporary
    answers (4xx, 4.7.x greylisting included) are retried."""
    if code < 500:
        return False
    return phase != OutboxHalt.Phase.RCPT or enhanced_status(reply).startswith("5.7.")


class _Reconnect(Exception):
    """The SMTP connection is unusable; open a new one and go on with the next row."""


def _lock_path() -> Path:
    name = str(connection.settings_dict["NAME"])
    if name and ":memory:" not in name and not name.startswith("file:"):
        return Path(name + ".outbox.lock")
    digest = hashlib.sha256(name.encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"lead411-outbox-{digest}.lock"


class _DotMarker:
    """The ids of the deliveries whose final dots are being written, in a memory-mapped file.

    The one moment a kill can lose a message is after the commit of ``handed_over`` and
    before the dot is written (see the module doc). The sender stores the round's ids here
    just before that commit and zeroes each one right after the (corked, so nearly
    instant) write of its own dot: stores to shared memory, which the kernel keeps when
    the process dies. A recovering sender on the same machine that finds ids here resends
    those rows. A SIGKILL is acted on when the process returns from a system call or is
    interrupted, so the commit's own calls were the likely landing points of a loss;
    what is left is one corked write, where a kill means a duplicate of that one message.
    Senders on other machines (PostgreSQL) cannot see the file and fall back to the rule
    of the module doc. A run stopped by an error keeps the file while it names rows it
    could not put back itself (``close``), for the next sender's recovery.

    ``slots``: how many ids it holds (the sender's connections); 8 bytes each, little-endian,
    0 for an empty slot.
    """

    SLOT = 8

    def __init__(self, path: Path, *, slots: int = 1) -> None:
        self.path = path
        self.size = self.SLOT * slots
        self._empty = bytes(self.size)
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
        try:
            os.ftruncate(fd, self.size)
            self._map = mmap.mmap(fd, self.size)
        finally:
            os.close(fd)
        self.clear()

    def mark(self, pks: list[int]) -> None:
        """Name ``pks`` (at most ``slots`` of them), in one store."""
        data = b"".join(pk.to_bytes(self.SLOT, "little") for pk in pks)
        self._map[: self.size] = data.ljust(self.size, b"\0")

    def release(self, slot: int) -> None:
        """Zero the id in ``slot`` (the position it had in ``mark``)."""
        start = slot * self.SLOT
        self._map[start : start + self.SLOT] = bytes(self.SLOT)

    def clear(self) -> None:
        self._map[: self.size] = self._empty

    def named(self) -> set[int]:
        """Return the ids this marker names now."""
        return self._ids(self._map[: self.size])

    def close(self) -> None:
        """Unmap it, and remove the file unless it still names rows."""
        named = self.named()
        self._map.close()
        if not named:
            self.path.unlink(missing_ok=True)

    @classmethod
    def read(cls, path: Path) -> set[int]:
        """Return the ids a dead sender left at ``path`` (none when it holds none or is gone).

        The file stays until the recovery has committed (a sender killed while recovering
        must leave the mark to the next one); ``_recover_orphans`` then removes it.
        """
        try:
            data = path.read_bytes()
        except OSError:
            return set()
        return cls._ids(data)

    @classmethod
    def _ids(cls, data: bytes) -> set[int]:
        """Return the non-zero ids in ``data``, whole slots only."""
        slots = (data[n : n + cls.SLOT] for n in range(0, len(data) - cls.SLOT + 1, cls.SLOT))
        return {pk for pk in (int.from_bytes(slot, "little") for slot in slots) if pk}


def _marker_path(token: str) -> Path:
    """Return the dot marker's file of one claim token (one per sender run).

    SQLite: beside the database's lock file, so the one running sender finds all of them
    (``_sqlite_markers``); PostgreSQL: in the temporary directory, found by token.
    """
    digest = hashlib.sha256(token.encode()).hexdigest()[:16]
    if connection.vendor != "postgresql":
        lock = _lock_path()
        return lock.with_name(f"{lock.name}.{digest}.dot")
    return Path(tempfile.gettempdir()) / f"lead411-outbox-{digest}.dot"


def _sqlite_markers() -> list[Path]:
    """Return the SQLite database's dot marker files, those of a sender from before
    issue 15 (one ``.dot`` per database) included."""
    lock = _lock_path()
    return [lock.with_suffix(".dot"), *lock.parent.glob(f"{glob.escape(lock.name)}.*.dot")]


def _advisory_key(token: str) -> int:
    return int.from_bytes(hashlib.sha256(token.encode()).digest()[:4], "big", signed=True)


@contextlib.contextmanager
def _sender_slot(token: str) -> Iterator[bool]:
    """Hold this sender's lock (PostgreSQL: an advisory lock on its claim token; SQLite:
    the one sender slot) for the duration; yield False when it may not run now."""
    if connection.vendor == "postgresql":
        key = [_ADVISORY_NAMESPACE, _advisory_key(token)]
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", key)
        try:
            yield True
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", key)
        return
    fd = os.open(_lock_path(), os.O_CREAT | os.O_RDWR, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _recover_rows(rows: Any, *, dot_pks: set[int]) -> int:
    """Return in-flight rows of stopped senders to where they are safe (see module doc).

    ``dot_pks``: the rows the stopped senders were writing the final dots of
    (``_DotMarker``), resent.
    """
    now = clock.now()
    resent = rows.filter(status=Delivery.Status.SENDING).update(
        status=Delivery.Status.PENDING, claim_token="", next_attempt_at=now
    )
    if dot_pks:
        resent += rows.filter(pk__in=dot_pks, status=Delivery.Status.HANDED_OVER).update(
            status=Delivery.Status.PENDING,
            claim_token="",
            next_attempt_at=now,
            last_error="sender stopped while writing the final dot: sent again",
        )
    assumed = rows.filter(status=Delivery.Status.HANDED_OVER).update(
        status=Delivery.Status.SENT,
        sent_at=now,
        last_error="sender stopped after handing over: delivery assumed, not confirmed",
    )
    return resent + assumed


def _recover_orphans(own_token: str) -> int:
    """Recover the rows of dead senders; return how many rows moved."""
    in_flight = Delivery.objects.filter(status__in=IN_FLIGHT).exclude(claim_token=own_token)
    if connection.vendor != "postgresql":
        # We hold the only sender slot, so whatever is in flight, and every marker, belongs
        # to a dead sender.
        markers = _sqlite_markers()
        dot_pks: set[int] = set().union(*map(_DotMarker.read, markers))
        recovered = _recover_rows(in_flight, dot_pks=dot_pks)
        for path in markers:
            path.unlink(missing_ok=True)
        return recovered
    recovered = 0
    tokens = set(in_flight.values_list("claim_token", flat=True).distinct())
    for token in tokens:
        key = _advisory_key(token)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [_ADVISORY_NAMESPACE, key])
            (free,) = cursor.fetchone()
        if not free:
            continue
        try:
            marker_path = _marker_path(token)
            recovered += _recover_rows(
                in_flight.filter(claim_token=token), dot_pks=_DotMarker.read(marker_path)
            )
            marker_path.unlink(missing_ok=True)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_ADVISORY_NAMESPACE, key])
    return recovered


def _claim(*, token: str, batch_size: int) -> list[Delivery]:
    """Claim up to ``batch_size`` due pending rows for ``token``; return them by id."""
    now = clock.now()
    with transaction.atomic():
        due = Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
        if connection.vendor == "postgresql":
            due = due.select_for_update(skip_locked=True)
        ids = list(due.order_by("next_attempt_at", "id").values_list("id", flat=True)[:batch_size])
        if not ids:
            return []
        Delivery.objects.filter(id__in=ids, status=Delivery.Status.PENDING).update(
            status=Delivery.Status.SENDING,
            claim_token=token,
            claimed_at=now,
            attempts=F("attempts") + 1,
        )
    return list(Delivery.objects.filter(id__in=ids, claim_token=token).order_by("id"))


def _move(row: Delivery, token: str, **fields: Any) -> bool:
    """Update ``row`` only if this sender still holds it in flight; return whether it did."""
    done = Delivery.objects.filter(pk=row.pk, claim_token=token, status__in=IN_FLIGHT).update(
        **fields
    )
    return done == 1


def _hand_over(rows: list[Delivery], token: str) -> set[int]:
    """Record ``rows`` (one round, at most one per connection) as handed over in one commit;
    return the ids of those this sender still held, which are all of them unless a
    recovering sender took some (see ``_move``).

    A sender killed after this commit and before the final dots loses those messages
    unless its dot marker names them, so the commit's latency is the window. On PostgreSQL
    an ordinary commit waits for its WAL to reach the disk (a few milliseconds: 1 to 3 of
    20 kills landed there in the crash test); the sender's connection runs with
    ``synchronous_commit = off`` (``_fast_commits``), so this commit returns once the WAL is
    in memory (PostgreSQL docs, "Asynchronous Commit"). SQLite's commit (WAL,
    ``synchronous=NORMAL``) already does not wait for the disk. One statement in
    autocommit for the whole round, not a queryset per message: this and the SMTP
    exchange are the sender's whole per-message cost (``bench/bench_delivery.py``).
    """
    pks = [row.pk for row in rows]
    params: list[str | int] = [
        Delivery.Status.HANDED_OVER.value, token,
        Delivery.Status.SENDING.value, Delivery.Status.HANDED_OVER.value, *pks,
    ]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(_hand_over_sql(len(pks)), params)
        if cursor.rowcount == len(pks):
            return set(pks)
    return set(
        Delivery.objects.filter(
            pk__in=pks, claim_token=token, status=Delivery.Status.HANDED_OVER
        ).values_list("pk", flat=True)
    )


@contextlib.contextmanager
def _fast_commits() -> Iterator[None]:
    """On PostgreSQL, let this connection's commits return before their WAL is on disk.

    The price, for a sender's state changes only: if the *database server* crashes within
    about 3 x wal_writer_delay, the last changes can be lost. A lost claim or hand-over
    returns a row to an earlier state, so it is sent again (one duplicate); a lost
    confirmation leaves it handed over, which recovery counts as sent. Never a lost
    message. Elsewhere nothing changes.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        with contextlib.suppress(Exception), connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


@functools.cache
def _hand_over_sql(count: int) -> str:
    """Return the hand-over UPDATE for ``count`` rows (one per connection count, cached)."""
    quote = connection.ops.quote_name
    # Names from the model's own metadata, quoted; values are parameters.
    return "UPDATE {} SET {} = %s WHERE {} = %s AND {} IN (%s, %s) AND {} IN ({})".format(  # noqa: S608
        quote(Delivery._meta.db_table), quote("status"), quote("claim_token"), quote("status"),
        quote("id"), ", ".join(["%s"] * count),
    )  # fmt: skip


def _suppress_if_due(*, email: str, code: int, reason: str) -> bool:
    """Apply the suppression rule after a permanent failure; return True when suppressed."""
    email = email.lower()
    if code not in HARD_BOUNCE_CODES:
        since = clock.now() - dt.timedelta(days=30)
        failures = Delivery.objects.filter(
            to_email__iexact=email,
            status=Delivery.Status.FAILED,
            smtp_code__gte=500,
            sent_at__gte=since,
        ).count()
        if failures < settings.NEWSLETTER_SUPPRESS_AFTER_FAILURES:
            return False
    suppression_add(email=email, reason=reason, smtp_code=code)
    return True


def _record_failure(
    row: Delivery,
    token: str,
    code: int | None,
    text: str,
    report: SendReport,
    *,
    about_recipient: bool = False,
) -> None:
    """Record a rejection: 4xx or no code -> retry with backoff; 5xx -> failed.

    Only a 5xx that is about the recipient (``about_recipient``: the answer to RCPT TO)
    counts towards suppressing the address (RFC 5321 section 4.2.5); a 5xx to DATA or at
    the final dot rejects this message's content, never the address.
    """
    now = clock.now()
    error = (f"{code} " if code else "") + text
    if code is not None and code >= 500:
        # sent_at holds the time of the final outcome, so the 30-day rule can count failures.
        if _move(
            row,
            token,
            status=Delivery.Status.FAILED,
            smtp_code=code,
            last_error=error[:500],
            sent_at=now,
        ):
            report.failed += 1
            if about_recipient:
                _suppress_if_due(email=row.to_email, code=code, reason=error)
        return
    if row.attempts >= settings.NEWSLETTER_MAX_ATTEMPTS:
        if _move(
            row,
            token,
            status=Delivery.Status.FAILED,
            smtp_code=code,
            last_error=("gave up: " + error)[:500],
            sent_at=now,
        ):
            report.failed += 1
        return
    delay = min(
        settings.NEWSLETTER_RETRY_BASE_SECONDS * 2 ** max(row.attempts - 1, 0),
        settings.NEWSLETTER_RETRY_MAX_SECONDS,
    )
    moved = _move(
        row,
        token,
        status=Delivery.Status.PENDING,
        claim_token="",
        smtp_code=code,
        last_error=error[:500],
        next_attempt_at=now + dt.timedelta(seconds=delay),
    )
    if moved:
        report.retried += 1


def delivery_email_message(*, delivery: Delivery) -> EmailMultiAlternatives:
    """Return the email of ``delivery``: text part, optional HTML part, its fixed Message-ID."""
    text, html = delivery.parts()
    message = EmailMultiAlternatives(
        subject=delivery.subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[delivery.to_email],
        headers={**delivery.headers, "Message-ID": delivery.message_id},
    )
    if html:
        message.attach_alternative(html, "text/html")
    return message


def delivery_message_bytes(*, delivery: Delivery) -> bytes:
    """Return the wire form of ``delivery`` (CRLF lines), DKIM-signed when a key is configured.

    Signed headers include List-Unsubscribe and List-Unsubscribe-Post (RFC 8058 section 4).
    Built by ``wire.message_wire_bytes`` (the same message as Django's builder, in a
    fraction of its time), or by Django when that declines (``WireUnsupported``).
    """
    text, html = delivery.parts()
    try:
        data = message_wire_bytes(
            subject=delivery.subject,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to_email=delivery.to_email,
            headers={**delivery.headers, "Message-ID": delivery.message_id},
            text=text,
            html=html,
            localtime=settings.EMAIL_USE_LOCALTIME,
        )
    except WireUnsupported:
        message = delivery_email_message(delivery=delivery).message()
        data = message.as_bytes(linesep="\r\n")  # type: ignore[call-arg]  # Django's SafeMIME classes take linesep
    key_path = settings.NEWSLETTER_DKIM_PRIVATE_KEY_PATH
    if not key_path:
        return data
    import dkim  # optional dependency: only needed when a DKIM key is configured

    signature = dkim.sign(
        data,
        settings.NEWSLETTER_DKIM_SELECTOR.encode(),
        settings.NEWSLETTER_DKIM_DOMAIN.encode(),
        Path(key_path).read_bytes(),
        include_headers=[
            b"from", b"to", b"subject", b"date", b"message-id", b"mime-version",
            b"content-type", b"list-unsubscribe", b"list-unsubscribe-post",
        ],
    )  # fmt: skip
    return bytes(signature) + data


def _open(backend: SmtpBackend) -> smtplib.SMTP:
    """Open the backend's connection (TLS as configured, login) and return the SMTP client."""
    backend.open()
    smtp = backend.connection
    if smtp is None:
        raise smtplib.SMTPServerDisconnected("the SMTP backend opened no connection")
    smtp.ehlo_or_helo_if_needed()
    _no_delay(smtp)
    return smtp


def _no_delay(smtp: smtplib.SMTP) -> None:
    """Switch off Nagle's algorithm: the final dot is a small write after the body, and
    Nagle would hold it until the server's delayed ACK (about 40 ms per message)."""
    if smtp.sock is not None:
        smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _confirm(confirmed: list[int], token: str, report: SendReport) -> None:
    """Record the deliveries the server accepted with 250 as sent, in one UPDATE."""
    if confirmed:
        report.sent += Delivery.objects.filter(
            pk__in=confirmed, claim_token=token, status=Delivery.Status.HANDED_OVER
        ).update(status=Delivery.Status.SENT, sent_at=clock.now(), smtp_code=250, last_error="")
        confirmed.clear()


class _Channel:
    """One SMTP connection of a run and the delivery it carries in the current round.

    ``row`` is None when the channel has nothing to carry (the round has fewer rows than
    connections, or its row's outcome is already recorded); ``next`` the row it carries in
    the next round, whose envelope goes out with this round's final dot when the server
    offers PIPELINING; ``body`` is the row's dot-stuffed wire form; ``pipelined`` whether
    the row's envelope is already written and only its replies are to be read.
    """

    def __init__(self, backend: SmtpBackend) -> None:
        self.backend = backend
        self.smtp: smtplib.SMTP | None = None
        self.row: Delivery | None = None
        self.next: Delivery | None = None
        self.body = b""
        self.pipelined = False

    def client(self) -> smtplib.SMTP:
        """Return the open connection, opening it first; raises what ``_open`` raises."""
        if self.smtp is None:
            self.smtp = _open(self.backend)
        return self.smtp

    def abort(self) -> None:
        """Close the connection without QUIT, so that the server discards a message whose
        final dot it has not read (RFC 5321 section 4.1.1.4); the next round opens another."""
        if self.smtp is not None:
            with contextlib.suppress(OSError):
                self.smtp.close()
        self.backend.connection = None
        self.smtp = None
        self.pipelined = False

    def close(self) -> None:
        """End an idle connection with QUIT."""
        with contextlib.suppress(Exception):
            self.backend.close()
        self.smtp = None


def _dropped(channel: _Channel, token: str, report: SendReport, exc: BaseException) -> None:
    """The connection failed before the final dot: the row is retried, the channel reopened."""
    if channel.row is not None:
        _record_failure(channel.row, token, None, f"connection: {exc}", report)
    channel.abort()
    channel.row = None


def _judge_envelope(
    channel: _Channel, replies: list[tuple[int, bytes]], token: str, report: SendReport
) -> OutboxHalted | None:
    """Record a refused envelope (MAIL FROM, RCPT TO, DATA) of ``channel``'s row; return the
    halt it calls for, if any. The channel keeps its row only when DATA was accepted (354)."""
    row = channel.row
    assert row is not None
    for phase, (code, reply) in zip(_ENVELOPE_PHASES, replies, strict=True):
        if code in (250, 251, 354):
            continue
        channel.row = None
        halt: OutboxHalted | None = None
        if halts_run(phase=phase, code=code, reply=reply):
            _halt(row, token)
            error = SenderRejected if phase == OutboxHalt.Phase.MAIL else OutboxHalted
            halt = error(phase=phase, code=code, reply=reply)
        else:
            _record_failure(
                row, token, code, reply.decode(errors="replace"), report,
                about_recipient=phase == OutboxHalt.Phase.RCPT,
            )  # fmt: skip
        _reset(channel)
        return halt
    return None


def _send_round(
    channels: list[_Channel],
    token: str,
    report: SendReport,
    confirmed: list[int],
    marker: _DotMarker,
) -> None:
    """Carry every loaded channel's row through one SMTP transaction, the connections in
    step, and record each outcome (see the module doc).

    In order: each connection's envelope is written before any reply is read, so the
    server works on all of them at once; the bodies; one hand-over commit for the round;
    the final dots; their replies. Raises ``OutboxHalted`` once the round's other rows are
    recorded (rows not yet handed over go back unchanged, ``_halt``), and what ``_open``
    raises when a connection cannot be opened.
    """
    loaded = [channel for channel in channels if channel.row is not None]
    for channel in loaded:
        assert channel.row is not None
        channel.body = _dot_stuffed(delivery_message_bytes(delivery=channel.row))
        channel.client()
    for channel in loaded:
        assert channel.row is not None
        if channel.pipelined:
            continue
        try:
            channel.pipelined = _envelope_start(channel.client(), channel.row.to_email)
        except (smtplib.SMTPException, OSError) as exc:
            _dropped(channel, token, report, exc)
    halt: OutboxHalted | None = None
    for channel in loaded:
        if channel.row is None:
            continue
        pipelined, channel.pipelined = channel.pipelined, False  # until the next is written
        try:
            replies = _envelope_replies(channel.client(), channel.row.to_email, pipelined=pipelined)
        except (smtplib.SMTPException, OSError) as exc:
            _dropped(channel, token, report, exc)
            continue
        halt = _judge_envelope(channel, replies, token, report) or halt
    if halt is not None:
        for channel in loaded:
            if channel.row is not None:
                _halt(channel.row, token)
                channel.abort()
                channel.row = None
        raise halt
    for channel in loaded:
        if channel.row is not None:
            try:
                channel.client().send(channel.body)
            except (smtplib.SMTPException, OSError) as exc:
                _dropped(channel, token, report, exc)
    dotted = _write_dots([c for c in loaded if c.row is not None], token, report, marker)
    for channel in dotted:
        row = channel.row
        assert row is not None
        channel.row = None
        try:
            code, reply = channel.client().getreply()
        except (smtplib.SMTPException, OSError) as exc:
            _unconfirmed(row, token, report, exc)
            channel.abort()
            continue
        if code == 250:
            # Recorded in bulk at the end of the batch (``_confirm``): a row left in
            # handed_over by a crash counts as sent anyway, so one commit per round suffices.
            confirmed.append(row.pk)
        elif halts_run(phase=OutboxHalt.Phase.DOT, code=code, reply=reply):
            _halt(row, token)
            channel.abort()  # not RSET: the next row's envelope may follow the dot
            halt = halt or OutboxHalted(phase=OutboxHalt.Phase.DOT, code=code, reply=reply)
        else:
            _record_failure(row, token, code, reply.decode(errors="replace"), report)
    if halt is not None:
        raise halt


def _write_dots(
    ready: list[_Channel], token: str, report: SendReport, marker: _DotMarker
) -> list[_Channel]:
    """Hand the ``ready`` channels' rows over (one commit) and write their final dots;
    return the channels whose dot was written.

    The dot marker names each of the round's rows from before the commit until its own dot
    is queued. Corked, each dot's write only queues a few bytes (microseconds, nothing
    sent); uncorking transmits them, and a kill after the writes still delivers them.
    With PIPELINING the channel's next envelope follows its dot in the same write (RFC
    2920 section 3.1 lets a group of commands follow the end of the message data), which
    saves the round one wait for the server. A row that a recovering sender took
    meanwhile is not dotted: its connection is dropped, so the server discards the body.
    """
    if not ready:
        return []
    rows = [channel.row for channel in ready if channel.row is not None]
    marker.mark([row.pk for row in rows])
    for channel in ready:
        _cork(channel, on=True)
    handed = _hand_over(rows, token)
    dotted = []
    for slot, channel in enumerate(ready):
        row = channel.row
        assert row is not None
        if row.pk not in handed:
            marker.release(slot)
            channel.abort()
            channel.row = None
            continue
        smtp = channel.client()
        following = (
            _envelope_commands(smtp, channel.next.to_email) if channel.next is not None else None
        )
        try:
            smtp.send(b".\r\n" + following if following else b".\r\n")
        except (smtplib.SMTPException, OSError) as exc:
            marker.release(slot)
            _unconfirmed(row, token, report, exc)
            channel.abort()
            channel.row = None
            continue
        marker.release(slot)
        channel.pipelined = following is not None
        dotted.append(channel)
    for channel in dotted:
        _cork(channel, on=False)
    return dotted


def _unconfirmed(row: Delivery, token: str, report: SendReport, exc: BaseException) -> None:
    """The connection failed once ``row`` was handed over: it counts as sent (the server
    may have read the dot), with a note; never resent (at-most-once, see the module doc)."""
    if _move(
        row,
        token,
        status=Delivery.Status.SENT,
        sent_at=clock.now(),
        last_error=f"no reply after the final dot: {exc}"[:500],
    ):
        report.sent += 1


def _reset(channel: _Channel) -> None:
    """End the channel's SMTP transaction (RSET); drop the connection if that fails."""
    try:
        channel.client().rset()
    except (smtplib.SMTPException, OSError):
        channel.abort()


def _halt(row: Delivery, token: str) -> None:
    """Put ``row`` back as it was before its claim (pending, the attempt not counted); the
    caller raises ``OutboxHalted``."""
    _move(row, token, status=Delivery.Status.PENDING, claim_token="", attempts=F("attempts") - 1)


_NOT_SENT = (-1, b"not sent: an earlier command failed")
_ENVELOPE_PHASES = (OutboxHalt.Phase.MAIL, OutboxHalt.Phase.RCPT, OutboxHalt.Phase.DATA)


def _envelope_start(smtp: smtplib.SMTP, to_email: str) -> bool:
    """Write MAIL FROM, RCPT TO and DATA in one write when the server offers PIPELINING
    (RFC 2920) and both addresses are ASCII; return whether it did. Their replies are read
    by ``_envelope_replies``, so every connection of a round can write before any reads."""
    commands = _envelope_commands(smtp, to_email)
    if commands is None:
        return False
    smtp.send(commands)
    return True


def _envelope_commands(smtp: smtplib.SMTP, to_email: str) -> bytes | None:
    """Return MAIL FROM, RCPT TO and DATA for ``to_email`` as one pipelined write, or None
    when the server does not offer PIPELINING or an address is not ASCII."""
    sender = envelope_sender()
    if not (smtp.has_extn("pipelining") and sender.isascii() and to_email.isascii()):
        return None
    return f"MAIL FROM:{_quoted(sender)}\r\nRCPT TO:{_quoted(to_email)}\r\nDATA\r\n".encode()


def _envelope_replies(
    smtp: smtplib.SMTP, to_email: str, *, pipelined: bool
) -> list[tuple[int, bytes]]:
    """Return the replies ``(code, text)`` to MAIL FROM, RCPT TO and DATA.

    Pipelined (``_envelope_start`` wrote them): the three replies, read in order; each
    belongs to its command, so a refusal is judged by its phase as without pipelining.
    Otherwise each command is sent here and waits for its reply, and a refused one ends
    the exchange (``_NOT_SENT`` for the commands not sent). A 354 that the caller will not
    use (an earlier command failed) is ended here with an empty message, so the
    connection stays usable.
    """
    if pipelined:
        replies = [smtp.getreply() for _ in range(3)]
        if replies[2][0] == 354 and (replies[0][0] != 250 or replies[1][0] not in (250, 251)):
            smtp.send(b".\r\n")
            smtp.getreply()
        return replies
    mail = smtp.mail(envelope_sender())
    if mail[0] != 250:
        return [mail, _NOT_SENT, _NOT_SENT]
    rcpt = smtp.rcpt(to_email)
    if rcpt[0] not in (250, 251):
        return [mail, rcpt, _NOT_SENT]
    smtp.putcmd("data")
    return [mail, rcpt, smtp.getreply()]


_PLAIN_ADDRESS = re.compile(r"[^\s<>()\[\]\\,;:\"@]+@[^\s<>()\[\]\\,;:\"@]+")


def _quoted(address: str) -> str:
    """Return ``address`` as ``<address>`` for an SMTP command, as ``smtplib.quoteaddr``
    does; a plain ``local@domain`` directly (what ``quoteaddr`` returns for it, without
    parsing it as a header), anything else through ``quoteaddr``."""
    if _PLAIN_ADDRESS.fullmatch(address):
        return f"<{address}>"
    return smtplib.quoteaddr(address)


def _dot_stuffed(data: bytes) -> bytes:
    """Return ``data`` (CRLF lines) ready for DATA: a dot doubled at the start of every line
    (RFC 5321 section 4.5.2, as ``smtplib.quotedata``), ending with CRLF. A replace, not
    smtplib's multi-line regex, which costs as much as the rest of the message's build."""
    data = data.replace(b"\n.", b"\n..")
    if data.startswith(b"."):
        data = b"." + data
    return data if data.endswith(b"\r\n") else data + b"\r\n"


def _cork(channel: _Channel, *, on: bool) -> None:
    """Hold (``on``) or release small writes on the connection (Linux TCP_CORK, tcp(7)).
    A connection that fails here fails at its next write, where it is handled."""
    cork = getattr(socket, "TCP_CORK", None)
    sock = channel.smtp.sock if channel.smtp is not None else None
    if cork is not None and sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, cork, int(on))


def _send_generic(backend: Any, row: Delivery, token: str, report: SendReport) -> None:
    """Send through a non-SMTP backend (console, locmem, file): at-least-once, for development."""
    try:
        count = backend.send_messages([delivery_email_message(delivery=row)])
    except Exception as exc:
        _record_failure(row, token, None, str(exc), report)
        return
    if count:
        if _move(row, token, status=Delivery.Status.SENT, sent_at=clock.now(), last_error=""):
            report.sent += 1
    else:
        _record_failure(row, token, None, "backend sent nothing", report)


def _skip_without_consent(rows: list[Delivery], token: str, report: SendReport) -> list[Delivery]:
    """Move rows whose member withdrew consent or whose address is suppressed; return the rest."""
    prefs = {
        p.member_id: p
        for p in MailPreferences.objects.filter(member_id__in={r.member_id for r in rows})
    }
    suppressed = suppressed_among({r.to_email for r in rows})
    keep = []
    for row in rows:
        member_prefs = prefs.get(row.member_id)
        if member_prefs is not None and not member_prefs.allows(row.stream):
            if _move(
                row,
                token,
                status=Delivery.Status.CANCELLED,
                last_error=f"unsubscribed from {row.stream} before sending",
            ):
                report.cancelled += 1
        elif email_normalise(row.to_email) in suppressed:
            if _move(
                row, token, status=Delivery.Status.SUPPRESSED, last_error="address suppressed"
            ):
                report.suppressed += 1
        else:
            keep.append(row)
    return keep


def _send_loop(
    *, token: str, width: int, batch_size: int, max_messages: int | None, report: SendReport
) -> None:
    """Claim batches for ``token`` and send them over ``width`` SMTP connections, one round
    at a time (``_send_round``), until none is due or ``max_messages`` rows were claimed.

    Raises what ``outbox_send`` documents; the rows still claimed are released first.
    """
    backend = get_connection(fail_silently=False)
    channels = []
    if isinstance(backend, SmtpBackend):
        channels = [_Channel(backend)]
        channels += [_Channel(type(backend)(fail_silently=False)) for _ in range(width - 1)]
    marker = _DotMarker(_marker_path(token), slots=width)
    confirmed: list[int] = []
    left = max_messages
    try:
        with _fast_commits():
            while left is None or left > 0:
                rows = _claim(
                    token=token, batch_size=batch_size if left is None else min(batch_size, left)
                )
                if not rows:
                    break
                if left is not None:
                    left -= len(rows)
                queue = collections.deque(_skip_without_consent(rows, token, report))
                while queue and not channels:
                    _send_generic(backend, queue.popleft(), token, report)
                while queue or any(channel.next for channel in channels):
                    for channel in channels:
                        channel.row, channel.next = channel.next, None
                        if channel.row is None and queue:
                            channel.row, channel.pipelined = queue.popleft(), False
                    for channel in channels:
                        if channel.row is not None and queue:
                            channel.next = queue.popleft()
                    _send_round(channels, token, report, confirmed, marker)
                _confirm(confirmed, token, report)
    except BaseException:
        for channel in channels:
            channel.abort()
        _release(token=token, marker=marker)
        raise
    finally:
        _confirm(confirmed, token, report)
        marker.close()
        for channel in channels:
            channel.close()
        if not channels:
            with contextlib.suppress(Exception):
                backend.close()


def _release(*, token: str, marker: _DotMarker) -> None:
    """After an error stopped a run: put its rows that the server has not got back to
    pending, the attempt not counted. Those are the claimed rows (``sending``) and the
    handed-over rows whose final dot was not written (the marker names them; their
    connections are closed, so the server discarded the bodies). If the database cannot
    be written either, the marker file stays and the next sender's recovery resends them.
    """
    try:
        Delivery.objects.filter(claim_token=token, status=Delivery.Status.SENDING).update(
            status=Delivery.Status.PENDING, claim_token="", attempts=F("attempts") - 1
        )
        named = marker.named()
        if named:
            Delivery.objects.filter(
                pk__in=named, claim_token=token, status=Delivery.Status.HANDED_OVER
            ).update(status=Delivery.Status.PENDING, claim_token="", attempts=F("attempts") - 1)
        marker.clear()
    except DatabaseError:
        log.exception("outbox: the rows of a stopped run are left to the next run's recovery")


def outbox_send(
    *, batch_size: int = 100, max_messages: int | None = None, connections: int | None = None
) -> SendReport:
    """Send every due delivery of the outbox and return what happened.

    Sends over ``connections`` SMTP connections at once (default
    ``NEWSLETTER_OUTBOX_CONNECTIONS``; ``EMAIL_*`` settings, STARTTLS/TLS as configured),
    each reused for every message it carries, driven in step by this one thread (see the
    module doc). Safe to run at any time and to kill at any point. On SQLite a second
    concurrent call returns at once with ``locked_out=True``. ``max_messages`` stops
    after that many claimed rows (tests, manual runs).

    Raises ``smtplib.SMTPException``/``OSError`` when the SMTP server cannot be reached or
    STARTTLS fails (never a plaintext fallback), and ``OutboxHalted`` (``SenderRejected``
    for the sender) when it refuses something about us rather than a recipient; claimed
    rows are then released unchanged, the other connections stop after the current round,
    and the halt is recorded for staff (``services.outbox_halt_record``). A run that sends
    again resolves the recorded halts.
    """
    try:
        report = _outbox_send(
            batch_size=batch_size, max_messages=max_messages, connections=connections
        )
    except OutboxHalted as exc:
        outbox_halt_record(phase=exc.phase, code=exc.code, enhanced=exc.enhanced, reply=exc.text)
        raise
    if report.sent:
        outbox_halts_resolve()
    return report


def _outbox_send(
    *, batch_size: int, max_messages: int | None, connections: int | None
) -> SendReport:
    width = settings.NEWSLETTER_OUTBOX_CONNECTIONS if connections is None else connections
    report = SendReport()
    token = str(uuid.uuid4())
    with _sender_slot(token) as allowed:
        if not allowed:
            report.locked_out = True
            return report
        report.recovered = _recover_orphans(token)
        _send_loop(
            token=token,
            width=max(1, width),
            batch_size=batch_size,
            max_messages=max_messages,
            report=report,
        )
    log.info("outbox: %s", report)
    return report
