"""Writes of the mail app: consent, unsubscribe, and the one way into the outbox.

Every email to a member, whatever app writes it, is queued by ``delivery_enqueue`` (one
message) or ``DeliveryBatchWriter`` (the daily newsletter's thousands, same rows, written
with ``executemany``); the sending side is in ``outbox``. Who may be mailed on a stream is
``selectors.members_consenting``.
"""

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from email.utils import parseaddr
from functools import lru_cache
from typing import Any

import css_inline
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.mail import EmailMessage
from django.db import IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse

from lead411.accounts.models import User
from lead411.core import clock
from lead411.core.audit import audit_record
from lead411.core.chunking import id_span
from lead411.core.mail import message_send_or_queue
from lead411.core.urls import absolute_url, site_root

from .models import (
    STREAM_DEFAULTS,
    Delivery,
    MailPreferences,
    MemberExportRecord,
    OutboxHalt,
    Stream,
    bodies_pack,
)
from .suppression import is_suppressed
from .tokens import (
    ALL_STREAMS,
    BadToken,
    unsubscribe_token_make,
    unsubscribe_token_maker,
    unsubscribe_token_read,
)

# --- Consent (clause P5) and unsubscribe (clause P7) ---


def mail_preferences_get_or_create(*, member: Any) -> MailPreferences:
    """Return the member's ``MailPreferences``, creating the default row on first use."""
    prefs = MailPreferences.objects.filter(member=member).first()
    if prefs is not None:
        return prefs
    try:
        with transaction.atomic():
            return MailPreferences.objects.create(
                member=member,
                updated_at=clock.now(),
                **{s.value: d for s, d in STREAM_DEFAULTS.items()},
            )
    except IntegrityError:
        return MailPreferences.objects.get(member=member)


def mail_preferences_set(*, member: Any, consents: Mapping[str, bool]) -> MailPreferences:
    """Set the member's consent per stream (``{"daily": True, "updates": False}``) and return it.

    Takes effect at once: the outbox checks consent again just before each send.
    Raises ``ValueError`` for a name that is not a ``Stream``.
    """
    prefs = mail_preferences_get_or_create(member=member)
    for stream, allowed in consents.items():
        setattr(prefs, Stream(stream).value, bool(allowed))
    prefs.updated_at = clock.now()
    prefs.save()
    return prefs


def unsubscribe_keys(*, member_ids: list[int]) -> dict[int, str]:
    """Return ``{member id: MailPreferences.unsubscribe_key}``, creating missing default rows.

    The bulk form of ``mail_preferences_get_or_create`` for the daily build.
    """
    if not member_ids:
        return {}
    wanted = set(member_ids)
    keys = {
        member_id: key
        for member_id, key in MailPreferences.objects.filter(
            **id_span("member_id", member_ids)
        ).values_list("member_id", "unsubscribe_key")
        if member_id in wanted
    }
    missing = [i for i in member_ids if i not in keys]
    if missing:
        now = clock.now()
        MailPreferences.objects.bulk_create(
            [MailPreferences(member_id=i, updated_at=now) for i in missing], ignore_conflicts=True
        )
        # Read back rather than trust the objects: a concurrent insert may have won.
        keys.update(
            MailPreferences.objects.filter(member_id__in=missing).values_list(
                "member_id", "unsubscribe_key"
            )
        )
    return keys


def unsubscribe_url(*, prefs: MailPreferences, stream: str) -> str:
    """Return the absolute https unsubscribe URL of ``stream`` (or ``"all"``) for a member.

    Built on ``settings.SITE_URL``; the token is opaque and signed (see ``tokens``).
    """
    token = unsubscribe_token_make(key=prefs.unsubscribe_key, stream=stream)
    return absolute_url(_unsubscribe_path().replace("TOKEN", token))


def unsubscribe_url_maker() -> Callable[[str, str], str]:
    """Return ``make(unsubscribe_key, stream) -> url``, the URLs of ``unsubscribe_url`` in bulk.

    ``unsubscribe_key`` is ``MailPreferences.unsubscribe_key``; one signer for all calls.
    """
    make_token = unsubscribe_token_maker()
    start, _, end = absolute_url(_unsubscribe_path()).partition("TOKEN")

    def make(key: str, stream: str) -> str:
        return start + make_token(key, stream) + end

    return make


@lru_cache(maxsize=1)
def _unsubscribe_path() -> str:
    # reverse() costs milliseconds under load; the newsletter build calls this per member.
    return reverse("mail:unsubscribe", args=["TOKEN"])


def _preferences_for_token(*, token: str) -> tuple[MailPreferences, str]:
    """Return ``(preferences, stream)`` named by an unsubscribe token, changing nothing.

    Raises ``tokens.TokenExpired`` or ``tokens.BadToken`` (see ``unsubscribe_token_read``),
    and ``BadToken`` for a key that no longer exists (the member was deleted) or an
    unknown stream.
    """
    key, stream = unsubscribe_token_read(token=token)
    prefs = MailPreferences.objects.filter(unsubscribe_key=key).first()
    if prefs is None or (stream != ALL_STREAMS and stream not in Stream.values):
        raise BadToken("invalid")
    return prefs, stream


def unsubscribe_by_token(*, token: str) -> tuple[MailPreferences, str]:
    """Apply a one-click unsubscribe (RFC 8058) and return ``(preferences, stream)``.

    ``stream`` is a ``Stream`` value or ``"all"`` (every stream off). Idempotent.
    Raises as ``_preferences_for_token``.
    """
    prefs, stream = _preferences_for_token(token=token)
    streams = list(Stream.values) if stream == ALL_STREAMS else [stream]
    mail_preferences_set(member=prefs.member, consents=dict.fromkeys(streams, False))
    prefs.refresh_from_db()
    return prefs, stream


def unsubscribe_preview(*, token: str) -> tuple[MailPreferences, str]:
    """Return ``(preferences, stream)`` a token would change, changing nothing (the GET page).

    Raises as ``_preferences_for_token``.
    """
    return _preferences_for_token(token=token)


# --- The outbox entry point: every email to a member is queued here ---


def message_id_for(*, key: str) -> str:
    """Return the deterministic Message-ID of the delivery ``key`` (RFC 5322 msg-id).

    ``<40 hex chars of SHA-256(key)@domain>``: the same delivery always carries the same
    id, so a resend after a crash is recognisable as the same message.
    """
    digest = hashlib.sha256(key.encode()).hexdigest()[:40]
    return f"<{digest}@{settings.NEWSLETTER_MESSAGE_ID_DOMAIN}>"


def list_headers(*, one_click_url: str) -> dict[str, str]:
    """Return ``List-Unsubscribe`` and ``List-Unsubscribe-Post`` (RFC 2369, RFC 8058)."""
    return {
        "List-Unsubscribe": f"<{one_click_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def footer_context(*, prefs: MailPreferences, stream: str) -> dict[str, Any]:
    """Return the context of the mail footer: unsubscribe links, preferences, operator (P7)."""
    return {
        "stream_label": Stream(stream).label,
        "unsubscribe_url": unsubscribe_url(prefs=prefs, stream=stream),
        "unsubscribe_all_url": unsubscribe_url(prefs=prefs, stream=ALL_STREAMS),
        "preferences_url": absolute_url(reverse("mail:preferences")),
        "operator": settings.OPERATOR,
        "site_url": site_root(),
    }


def delivery_enqueue(
    *,
    member: Any,
    stream: str,
    key: str,
    subject: str,
    text_body: str,
    html_body: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> Delivery:
    """Queue one email to ``member`` in ``stream`` and return its ``Delivery`` row.

    This is how every app sends a member mail of the three streams (clause P5): for
    example a reply to a contact message (``stream="replies"``, ``headers`` with
    ``In-Reply-To`` and ``References`` for threading) or a product update.

    - ``key`` is the idempotency key, unique across the outbox (``"reply:<message pk>"``):
      enqueueing the same key again returns the existing row and queues nothing.
    - The footer (stream name, unsubscribe link, preferences link, the operator's postal
      address for CAN-SPAM) is appended to ``text_body`` and ``html_body``, and the
      ``List-Unsubscribe``/``List-Unsubscribe-Post`` headers are added (clause P7).
    - The Message-ID is derived from ``key`` (``message_id_for``); ``headers`` may not
      set Message-ID, From, To or the List-Unsubscribe headers.
    - Without the member's consent to ``stream``, or for a suppressed address, the row is
      written with status ``cancelled``/``suppressed`` and is never sent.
    - The mail leaves when a sender runs (``outbox.outbox_send``; the scheduler drains
      the outbox every ``NEWSLETTER_OUTBOX_POLL_MINUTES``), after the caller's transaction
      commits, since the row is part of it.

    Raises ``ValueError`` for an unknown stream or a reserved header.
    """
    stream = Stream(stream).value
    reserved = {"message-id", "from", "to", "list-unsubscribe", "list-unsubscribe-post"}
    extra = dict(headers or {})
    if reserved & {h.lower() for h in extra}:
        raise ValueError(f"These headers are set by the outbox: {', '.join(sorted(reserved))}.")
    existing = Delivery.objects.filter(key=key).first()
    if existing is not None:
        return existing
    prefs = mail_preferences_get_or_create(member=member)
    footer = footer_context(prefs=prefs, stream=stream)
    text = text_body.rstrip() + "\n\n" + render_to_string("mail/email/_footer.txt", footer)
    html = ""
    if html_body is not None:
        footer_html = render_to_string("mail/email/_footer.html", footer)
        if "</body>" in html_body:
            html = html_body.replace("</body>", footer_html + "</body>", 1)
        else:
            html = html_body + footer_html
        html = inline_email_css(html)
    now = clock.now()
    status = Delivery.Status.PENDING
    reason = ""
    if not prefs.allows(stream):
        status, reason = Delivery.Status.CANCELLED, f"no consent to the {stream} stream"
    elif is_suppressed(email=member.email):
        status, reason = Delivery.Status.SUPPRESSED, "address suppressed"
    delivery = Delivery(
        key=key,
        member=member,
        stream=stream,
        to_email=member.email,
        subject=subject,
        text_body=text,
        html_body=html,
        headers={**extra, **list_headers(one_click_url=footer["unsubscribe_url"])},
        message_id=message_id_for(key=key),
        status=status,
        last_error=reason,
        next_attempt_at=now,
        created_at=now,
    )
    try:
        with transaction.atomic():
            delivery.save()
    except IntegrityError:
        return Delivery.objects.get(key=key)
    return delivery


@dataclass(frozen=True, slots=True)
class QueuedMessage:
    """One member's message on its way into the outbox through ``DeliveryBatchWriter``.

    ``key`` is the idempotency key (unique across the outbox); ``unsubscribe`` the absolute
    one-click URL of the stream for this member (``unsubscribe_url_maker``).
    """

    key: str
    member_id: int
    email: str
    subject: str
    text: str
    html: str
    unsubscribe: str


class DeliveryBatchWriter:
    """Inserts many pending deliveries of one stream and day with ``executemany``.

    The bulk form of ``delivery_enqueue`` for the daily build, which has already applied
    consent and suppression when choosing its recipients and has rendered the footer
    into each body. ``bulk_create`` spends about a quarter of a millisecond per row
    preparing every field; here the columns that are the same for every row are prepared
    once and only each member's own values per row. The bodies are stored compressed
    (``packed_body``, see ``models.bodies_pack``): written uncompressed, the 100,000
    newsletters of the benchmark are 1.8 GB in one transaction.
    """

    BATCH = 500
    _PER_ROW = ("key", "member", "to_email", "subject", "headers", "message_id", "packed_body")

    def __init__(self, *, stream: str, issue_date: dt.date, now: dt.datetime) -> None:
        fields = [f for f in Delivery._meta.concrete_fields if not f.primary_key]
        constant = {
            "stream": Stream(stream).value, "issue_date": issue_date,
            "text_body": "", "html_body": "", "status": Delivery.Status.PENDING.value,
            "attempts": 0, "next_attempt_at": now, "claim_token": "", "claimed_at": None,
            "sent_at": None, "smtp_code": None, "last_error": "", "created_at": now,
        }  # fmt: skip
        if set(constant) | set(self._PER_ROW) != {f.name for f in fields}:
            raise RuntimeError("Delivery gained or lost a field: update DeliveryBatchWriter.")
        self._template = [
            None if f.name in self._PER_ROW else f.get_db_prep_save(constant[f.name], connection)
            for f in fields
        ]
        self._at = {f.name: i for i, f in enumerate(fields)}
        self._headers_field = next(f for f in fields if f.name == "headers")
        quote = connection.ops.quote_name
        # Names from the model's own metadata, quoted; values are parameters.
        self._sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
            quote(Delivery._meta.db_table),
            ", ".join(quote(str(f.column)) for f in fields),
            ", ".join(["%s"] * len(fields)),
        )

    def _row(self, message: QueuedMessage) -> list[Any]:
        headers = list_headers(one_click_url=message.unsubscribe)
        row = list(self._template)
        at = self._at
        # Strings, an id and bytes go to the driver as they are; only the JSON needs its field.
        row[at["key"]] = message.key
        row[at["member"]] = message.member_id
        row[at["to_email"]] = message.email
        row[at["subject"]] = message.subject
        row[at["headers"]] = self._headers_field.get_db_prep_save(headers, connection)
        row[at["message_id"]] = message_id_for(key=message.key)
        row[at["packed_body"]] = bodies_pack(message.text, message.html)
        return row

    def write(self, messages: Iterable[QueuedMessage]) -> int:
        """Insert the rows of ``messages``; return how many. Holds one batch in memory."""
        count = 0
        with connection.cursor() as cursor:
            batch: list[list[Any]] = []
            for message in messages:
                batch.append(self._row(message))
                if len(batch) == self.BATCH:
                    cursor.executemany(self._sql, batch)
                    count += len(batch)
                    batch = []
            if batch:
                cursor.executemany(self._sql, batch)
                count += len(batch)
        return count


@lru_cache(maxsize=1)
def email_css() -> str:
    """Return the newsletter's email stylesheet (static ``mail/email.css``), read once."""
    path = finders.find("mail/email.css")
    if not path:
        return ""
    with open(str(path), encoding="utf-8") as handle:
        return handle.read()


def inline_email_css(html: str) -> str:
    """Return ``html`` with the email stylesheet inlined into style attributes (css-inline).

    Mail clients drop or ignore ``<style>`` blocks, so styles must be on each element.
    """
    css = email_css()
    if not css:
        return html
    if "<html" in html.lower():
        return css_inline.inline(html.replace("</head>", f"<style>{css}</style></head>", 1))
    return css_inline.inline_fragment(html, css)


def envelope_sender() -> str:
    """Return the SMTP envelope sender (``MAIL FROM``): the address of DEFAULT_FROM_EMAIL."""
    return settings.NEWSLETTER_ENVELOPE_FROM or _address_of(settings.DEFAULT_FROM_EMAIL)


@lru_cache(maxsize=8)
def _address_of(header_value: str) -> str:
    # The outbox asks once per message; the parse costs more than the answer.
    return parseaddr(header_value)[1]


# --- The superuser's member export (clause P6) ---

MEMBER_EXPORT_COLUMNS = [
    "email",
    "first_name",
    "last_name",
    "date_joined",
    "daily",
    "replies",
    "updates",
]


def member_export_rows(*, actor: Any, purpose: str) -> list[list[str]]:
    """Return the member list as CSV rows (header first) for a superuser, and audit the export.

    The only bulk export of addresses: for the operator's own use (for example moving to
    another mail provider), never for a third party (clause P6). Raises ``PermissionError``
    for anyone but an active superuser and ``ValueError`` for an empty ``purpose``. Writes
    one ``MemberExportRecord`` and one audit event naming the actor, the purpose and the
    row count.
    """
    if not (getattr(actor, "is_active", False) and getattr(actor, "is_superuser", False)):
        raise PermissionError("Only a superuser may export the member list.")
    purpose = " ".join(purpose.split())
    if not purpose:
        raise ValueError("Say why the member list is exported.")
    prefs = {p.member_id: p for p in MailPreferences.objects.all()}
    rows = [MEMBER_EXPORT_COLUMNS]
    for user in User.objects.filter(is_active=True).order_by("id"):
        member_prefs = prefs.get(user.pk)
        consents = [
            str(member_prefs.allows(s) if member_prefs else STREAM_DEFAULTS[Stream(s)]).lower()
            for s in Stream.values
        ]
        rows.append(
            [user.email, user.first_name, user.last_name, user.date_joined.isoformat(), *consents]
        )
    record = MemberExportRecord.objects.create(
        actor=actor,
        actor_label=actor.email,
        exported_at=clock.now(),
        rows=len(rows) - 1,
        purpose=purpose[:300],
    )
    audit_record(
        actor=actor,
        action="view",
        obj=record,
        verb="member export",
        changes={"purpose": {"before": None, "after": purpose[:300]}},
    )
    return rows


# --- Runs stopped by the SMTP server (issue 15) ---

_ADDRESS = re.compile(r"<?[^\s<>@]+@[^\s<>@]+>?")


def outbox_halt_record(*, phase: str, code: int, enhanced: str, reply: str) -> OutboxHalt:
    """Record a send run stopped by the SMTP server and tell the operator; return the halt.

    ``phase`` is an ``OutboxHalt.Phase`` value, ``code`` the reply code, ``enhanced`` its
    RFC 3463 code or "". Addresses in ``reply`` are replaced by ``<address>``: the halt
    is about the relay, and a member's address has no place on a staff banner. The
    operator (``OPERATOR["contact_email"]``) is emailed once per episode: not again
    while an earlier halt is unresolved. The email goes directly, not through the
    stopped outbox; if it cannot be sent now it waits in the task queue.
    """
    open_before = OutboxHalt.objects.filter(resolved_at__isnull=True).exists()
    halt = OutboxHalt.objects.create(
        created_at=clock.now(), phase=OutboxHalt.Phase(phase).value, smtp_code=code,
        enhanced_code=enhanced[:11], reply=_ADDRESS.sub("<address>", reply)[:500],
    )  # fmt: skip
    if not open_before:
        body = render_to_string(
            "mail/email/outbox_halted.txt",
            {"halt": halt, "admin_url": absolute_url(reverse("admin:index"))},
        )
        message_send_or_queue(
            EmailMessage(
                subject=f"Lead411: newsletter sending stopped ({halt})",
                body=body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[settings.OPERATOR["contact_email"]],
            )
        )
    return halt


def outbox_halts_resolve() -> int:
    """Mark every open halt resolved (a later run sent mail again); return how many."""
    return OutboxHalt.objects.filter(resolved_at__isnull=True).update(resolved_at=clock.now())
