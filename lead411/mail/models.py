"""The member's mail: the three streams and their consent, suppression, the outbox (P5, P7).

A member's address is used for exactly three streams (P5): the daily newsletter,
replies to contacts the member made, and product updates. Account mail (verification,
password reset) is not a stream: allauth sends it directly, only after the member's own
action, and never through this outbox. Every app that mails a member queues a
``Delivery`` through ``lead411.mail.services``.
"""

import secrets
import threading
import zlib

import zstandard
from django.conf import settings
from django.db import models


class Stream(models.TextChoices):
    """The three uses of a member's address (clause P5), and nothing else."""

    DAILY = "daily", "The Daily eMail Newsletter"
    REPLIES = "replies", "Replies to messages you sent us"
    UPDATES = "updates", "Product updates and new features"


def _new_unsubscribe_key() -> str:
    return secrets.token_urlsafe(18)


class MailPreferences(models.Model):
    """A member's consent to each stream (clause P5) and the key of their unsubscribe links (P7).

    A member without a row has the defaults: the newsletter and replies on (the service
    they joined for, and answers to their own messages), product updates off until they
    opt in. ``unsubscribe_key`` is random, so an unsubscribe token names no member id.
    """

    member = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="mail_preferences",
    )
    unsubscribe_key = models.CharField(max_length=32, unique=True, default=_new_unsubscribe_key)
    daily = models.BooleanField("the daily newsletter", default=True)
    replies = models.BooleanField("replies to my messages", default=True)
    updates = models.BooleanField("product updates and new features", default=False)
    updated_at = models.DateTimeField()

    class Meta:
        db_table = "newsletter_mailpreferences"  # named when it lived in the newsletter app
        verbose_name_plural = "mail preferences"

    def __str__(self) -> str:
        return f"Mail preferences of member #{self.pk}"

    def allows(self, stream: str) -> bool:
        """Return True when the member consents to ``stream`` (a ``Stream`` value)."""
        return bool(getattr(self, Stream(stream).value))


STREAM_DEFAULTS = {Stream.DAILY: True, Stream.REPLIES: True, Stream.UPDATES: False}


class Suppression(models.Model):
    """An address the outbox never mails again: after permanent SMTP failures or an erasure.

    Only a keyed hash of the address is stored (``suppression.email_hash``), so an
    erased member's unsubscribe keeps working without the list naming them (issue 3).
    Add and check entries through ``lead411.mail.suppression`` only.
    """

    email_hash = models.CharField(
        max_length=64, unique=True, help_text="HMAC-SHA256 of the lower-cased address."
    )
    reason = models.CharField(max_length=300)
    smtp_code = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        db_table = "newsletter_suppression"  # named when it lived in the newsletter app
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Suppressed address #{self.pk}"


class Delivery(models.Model):
    """One email to one member in the outbox: written first, sent later, recorded as it goes.

    States (see ``outbox`` for the transitions and the crash analysis):
    ``pending`` -> ``sending`` (claimed) -> ``handed_over`` (body given to the SMTP server,
    final dot not yet sent) -> ``sent``; a temporary failure goes back to ``pending`` with
    a later ``next_attempt_at``; a permanent one ends in ``failed``; ``suppressed`` and
    ``cancelled`` are rows never sent (bouncing address, consent withdrawn).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Claimed by a sender"
        HANDED_OVER = "handed_over", "Handed over to SMTP"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed permanently"
        SUPPRESSED = "suppressed", "Not sent: address suppressed"
        CANCELLED = "cancelled", "Not sent: no consent"

    key = models.CharField(max_length=200, unique=True, help_text="Idempotency key of the message.")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="deliveries"
    )
    stream = models.CharField(max_length=10, choices=Stream.choices)
    issue_date = models.DateField(null=True, blank=True)
    to_email = models.EmailField()
    subject = models.CharField(max_length=300)
    text_body = models.TextField()
    html_body = models.TextField(blank=True)
    packed_body = models.BinaryField(
        blank=True,
        default=b"",
        help_text="Text and HTML parts compressed (see bodies_pack); empty when stored as text.",
    )
    headers = models.JSONField(default=dict, blank=True)
    message_id = models.CharField(max_length=200, unique=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claim_token = models.CharField(max_length=36, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    smtp_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        # The table kept its name when the outbox moved here from the newsletter app.
        db_table = "newsletter_delivery"
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["issue_date", "member", "stream"],
                condition=models.Q(issue_date__isnull=False),
                name="delivery_one_per_day_member_stream",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx"),
            models.Index(fields=["stream", "member", "issue_date"], name="delivery_member_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.status})"

    def parts(self) -> tuple[str, str]:
        """Return ``(text, html)`` of the message, from ``packed_body`` or the text columns.

        ``html`` is ``""`` for a text-only message.
        """
        if self.packed_body:
            return bodies_unpack(bytes(self.packed_body))
        return self.text_body, self.html_body


_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"  # a Zstandard frame's first bytes (RFC 8878 section 3.1.1)


def bodies_pack(text: str, html: str) -> bytes:
    """Return ``text`` and ``html`` as one compressed blob for ``Delivery.packed_body``.

    Layout before compression: the UTF-8 length of ``text`` (4 bytes, big-endian), ``text``,
    ``html``, both UTF-8. Zstandard level 1: a newsletter (about 15 KiB, mostly inlined
    CSS repeated per lead) shrinks about six times in about 25 microseconds, half of
    zlib's time at its fastest level and a smaller result (issue 15's build benchmark);
    that is what lets the daily build write 100,000 rows in one transaction.
    """
    head = text.encode()
    return _compressor().compress(len(head).to_bytes(4, "big") + head + html.encode())


def bodies_unpack(data: bytes) -> tuple[str, str]:
    """Return ``(text, html)`` of a ``bodies_pack`` blob, Zstandard or (rows written before
    issue 15) zlib; raises ``zstandard.ZstdError`` or ``zlib.error`` if corrupt."""
    if data.startswith(_ZSTD_MAGIC):
        raw = _decompressor().decompress(data)
    else:
        raw = zlib.decompress(data)
    size = int.from_bytes(raw[:4], "big")
    return raw[4 : 4 + size].decode(), raw[4 + size :].decode()


_local = threading.local()


def _compressor() -> zstandard.ZstdCompressor:
    """Return this thread's compressor (a ``ZstdCompressor`` is not safe to share between
    threads; making one per blob costs more than compressing it)."""
    compressor: zstandard.ZstdCompressor | None = getattr(_local, "compressor", None)
    if compressor is None:
        compressor = _local.compressor = zstandard.ZstdCompressor(level=1)
    return compressor


def _decompressor() -> zstandard.ZstdDecompressor:
    """Return this thread's decompressor (making one costs more than a newsletter's
    decompression; the outbox unpacks one row per message)."""
    decompressor: zstandard.ZstdDecompressor | None = getattr(_local, "decompressor", None)
    if decompressor is None:
        decompressor = _local.decompressor = zstandard.ZstdDecompressor()
    return decompressor


class MemberExportRecord(models.Model):
    """One superuser export of the member list: who, when, how many rows (clause P6)."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=254)
    exported_at = models.DateTimeField()
    rows = models.PositiveIntegerField()
    purpose = models.CharField(max_length=300)

    class Meta:
        db_table = "newsletter_memberexportrecord"  # named when it lived in the newsletter app
        ordering = ["-exported_at"]

    def __str__(self) -> str:
        return f"Member export by {self.actor_label} at {self.exported_at:%Y-%m-%d %H:%M}"


class OutboxHalt(models.Model):
    """A send run stopped by an SMTP answer about us (sender, content, policy), not a recipient.

    Written by ``services.outbox_halt_record``; shown on the admin index until a later run
    sends again (``resolved_at``). ``reply`` is the server's text with addresses removed.
    """

    class Phase(models.TextChoices):
        MAIL = "mail", "MAIL FROM"
        RCPT = "rcpt", "RCPT TO"
        DATA = "data", "DATA"
        DOT = "dot", "End of message"

    created_at = models.DateTimeField()
    phase = models.CharField(max_length=4, choices=Phase.choices)
    smtp_code = models.PositiveSmallIntegerField()
    enhanced_code = models.CharField(
        max_length=11, blank=True, help_text="RFC 3463 class.subject.detail, when given."
    )
    reply = models.CharField(max_length=500)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_phase_display()} {self.smtp_code} {self.enhanced_code}".strip()
