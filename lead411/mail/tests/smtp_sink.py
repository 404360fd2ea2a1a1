"""An aiosmtpd SMTP server on 127.0.0.1 for tests and the benchmark: records what it accepts.

It offers PIPELINING (RFC 2920) unless ``pipelining=False``, as Postfix and Exim do, so the
sender's pipelined envelope is what most tests exercise. It can refuse recipients: ``temp_rate`` of RCPT commands get ``451`` (chosen at random
per attempt, so a retry can pass) and ``perm_rate`` of addresses get ``550`` (chosen by
a hash of the address, so the same address is always refused).
"""

import asyncio
import email
import email.policy
import hashlib
import random
import socket
import threading
from collections import Counter
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SinkHandler:
    """aiosmtpd handler keeping the accepted messages' bytes."""

    def __init__(
        self,
        *,
        temp_rate: float = 0.0,
        perm_rate: float = 0.0,
        seed: int = 411,
        mail_from_reply: str = "",
        data_reply: str = "",
        data_reply_to: frozenset[str] | None = None,
        rcpt_reply: dict[str, str] | None = None,
        pipelining: bool = True,
    ) -> None:
        self.pipelining = pipelining
        # ``data_reply`` only for envelopes to one of these addresses (None: every envelope);
        # ``rcpt_reply``: a fixed answer to RCPT TO per address.
        self.data_reply_to = data_reply_to
        self.rcpt_reply = rcpt_reply or {}
        self.temp_rate = temp_rate
        self.perm_rate = perm_rate
        # A fixed answer to every MAIL FROM / end of DATA instead of 250 (a misconfigured relay).
        self.mail_from_reply = mail_from_reply
        self.data_reply = data_reply
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.raw: list[bytes] = []
        # Messages accepted per client connection, by its (host, port): how many connections sent.
        self.peers: Counter[tuple[str, int]] = Counter()
        self.rcpt_replies: Counter[str] = Counter()

    def permanently_refused(self, address: str) -> bool:
        """Return True when this sink always answers 550 to ``address``."""
        digest = int(hashlib.sha256(address.lower().encode()).hexdigest()[:8], 16)
        return digest / 0xFFFFFFFF < self.perm_rate

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname  # what aiosmtpd does when no hook is set
        if self.pipelining:
            # aiosmtpd reads commands line by line, so it serves pipelined commands already.
            responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, mail_options: Any
    ) -> str:
        if self.mail_from_reply:
            return self.mail_from_reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address.lower() in self.rcpt_reply:
            reply = self.rcpt_reply[address.lower()]
            self.rcpt_replies[reply[:3]] += 1
            return reply
        if self.permanently_refused(address):
            self.rcpt_replies["550"] += 1
            return "550 5.1.1 Mailbox unavailable"
        with self.lock:
            refuse = self.random.random() < self.temp_rate
        if refuse:
            self.rcpt_replies["451"] += 1
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data_reply and (
            self.data_reply_to is None or self.data_reply_to & set(envelope.rcpt_tos)
        ):
            return self.data_reply
        with self.lock:
            self.raw.append(bytes(envelope.original_content or envelope.content))
            self.peers[tuple(session.peer)] += 1
        return "250 Message accepted"

    def messages(self) -> list[EmailMessage]:
        """Return the accepted messages parsed by the ``email`` package."""
        with self.lock:
            raw = list(self.raw)
        return [email.message_from_bytes(data, policy=email.policy.default) for data in raw]  # type: ignore[misc]

    def message_ids(self) -> Counter[str]:
        """Return how many times each Message-ID arrived."""
        return Counter(str(m["Message-ID"]) for m in self.messages())


class DrainingSMTP(SMTP):
    """aiosmtpd's server, but it acts on every line received before the client hung up.

    aiosmtpd cancels its command loop as soon as the client's end of the connection closes
    (``eof_received``), discarding lines already received and not yet read, so a client
    that writes the final ``.`` of DATA and dies at once loses a message the server had
    in hand. An MTA reads its input in order and takes responsibility for the message at
    that dot (RFC 5321 section 4.1.1.4; Postfix queues it before it writes the reply), so
    this sink drains the buffered lines first, then closes as aiosmtpd would.
    """

    DRAIN_POLL_SECONDS = 0.005

    def eof_received(self) -> bool | None:
        asyncio.get_running_loop().create_task(self._close_when_drained())
        return True  # keep the transport until the buffered lines are read

    async def _close_when_drained(self) -> None:
        reader = self._reader
        # StreamReader keeps unread bytes in ``_buffer`` (no public accessor).
        while reader is not None and reader._buffer and self.transport is not None:  # type: ignore[attr-defined]
            await asyncio.sleep(self.DRAIN_POLL_SECONDS)
        # What remains is an unterminated line: nothing to act on.
        await asyncio.sleep(self.DRAIN_POLL_SECONDS)
        if self._handler_coroutine is not None:
            self._handler_coroutine.cancel()
        if self.transport is not None:
            self.transport.close()


class _DrainingController(Controller):
    def factory(self) -> SMTP:
        return DrainingSMTP(self.handler, **self.SMTP_kwargs)


class Sink:
    """A running sink: ``with Sink() as sink: ... sink.port``."""

    def __init__(self, **handler_options: Any) -> None:
        self.handler = SinkHandler(**handler_options)
        self.port = free_port()
        self.controller = _DrainingController(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> "Sink":
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
