"""Writes of the newsletter app: saved searches, consent, unsubscribe, the outbox entry point.

The sending side of the outbox is in ``outbox``; the daily build is in ``digest``.
"""

import hashlib
from collections.abc import Callable, Mapping, Sequence
from email.utils import parseaddr
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape

from lead411.core import clock

from .models import (
    STREAM_DEFAULTS,
    Delivery,
    MailPreferences,
    MemberExportRecord,
    SavedSearch,
    Stream,
)
from .suppression import is_suppressed
from .tokens import (
    ALL_STREAMS,
    unsubscribe_token_make,
    unsubscribe_token_maker,
    unsubscribe_token_read,
)

MAX_SAVED_SEARCHES_PER_MEMBER = 50


# --- Saved searches (clause L3) ---


def saved_search_create(
    *,
    member: Any,
    name: str,
    criteria: Mapping[str, Sequence[str]],
    include_in_newsletter: bool = True,
) -> SavedSearch:
    """Save a search for ``member`` and return it.

    ``criteria`` comes from ``criteria.criteria_from_params``. Raises ``ValidationError``
    when the name is empty or already used by this member, or when the member already
    has ``MAX_SAVED_SEARCHES_PER_MEMBER`` saved searches (a bound on newsletter work).
    """
    if SavedSearch.objects.filter(member=member).count() >= MAX_SAVED_SEARCHES_PER_MEMBER:
        raise ValidationError(
            f"You can keep at most {MAX_SAVED_SEARCHES_PER_MEMBER} saved searches; delete one first."
        )
    now = clock.now()
    search = SavedSearch(
        member=member,
        name=name.strip(),
        criteria={k: list(v) for k, v in criteria.items()},
        include_in_newsletter=include_in_newsletter,
        created_at=now,
        updated_at=now,
    )
    search.full_clean()
    search.save()
    return search


def saved_search_update(
    *,
    search: SavedSearch,
    name: str | None = None,
    criteria: Mapping[str, Sequence[str]] | None = None,
    include_in_newsletter: bool | None = None,
) -> SavedSearch:
    """Rename, re-criteria or switch a saved search; arguments left None are kept.

    Raises ``ValidationError`` for an empty or duplicate name.
    """
    if name is not None:
        search.name = name.strip()
    if criteria is not None:
        search.criteria = {k: list(v) for k, v in criteria.items()}
    if include_in_newsletter is not None:
        search.include_in_newsletter = include_in_newsletter
    search.updated_at = clock.now()
    search.full_clean()
    search.save()
    return search


def saved_search_delete(*, search: SavedSearch) -> None:
    """Delete a saved search; its leads stop appearing in the next newsletter."""
    search.delete()


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


def unsubscribe_url(*, prefs: MailPreferences, stream: str) -> str:
    """Return the absolute https unsubscribe URL of ``stream`` (or ``"all"``) for a member.

    Built on ``settings.SITE_URL``; the token is opaque and signed (see ``tokens``).
    """
    token = unsubscribe_token_make(key=prefs.unsubscribe_key, stream=stream)
    return settings.SITE_URL.rstrip("/") + _unsubscribe_path().replace("TOKEN", token)


def unsubscribe_url_maker() -> Callable[[str, str], str]:
    """Return ``make(unsubscribe_key, stream) -> url``, the URLs of ``unsubscribe_url`` in bulk.

    ``unsubscribe_key`` is ``MailPreferences.unsubscribe_key``; one signer for all calls.
    """
    make_token = unsubscribe_token_maker()
    start, _, end = (settings.SITE_URL.rstrip("/") + _unsubscribe_path()).partition("TOKEN")

    def make(key: str, stream: str) -> str:
        return start + make_token(key, stream) + end

    return make


@lru_cache(maxsize=1)
def _unsubscribe_path() -> str:
    # reverse() costs milliseconds under load; the newsletter build calls this per member.
    return reverse("newsletter:unsubscribe", args=["TOKEN"])


def unsubscribe_by_token(*, token: str) -> tuple[MailPreferences, str]:
    """Apply a one-click unsubscribe (RFC 8058) and return ``(preferences, stream)``.

    ``stream`` is a ``Stream`` value or ``"all"`` (every stream off). Idempotent.
    Raises ``tokens.BadToken`` for an invalid or expired token and for a key that no
    longer exists (the member was deleted).
    """
    from .tokens import BadToken

    key, stream = unsubscribe_token_read(token=token)
    prefs = MailPreferences.objects.filter(unsubscribe_key=key).first()
    if prefs is None or (stream != ALL_STREAMS and stream not in Stream.values):
        raise BadToken("invalid")
    streams = list(Stream.values) if stream == ALL_STREAMS else [stream]
    mail_preferences_set(member=prefs.member, consents=dict.fromkeys(streams, False))
    prefs.refresh_from_db()
    return prefs, stream


def unsubscribe_preview(*, token: str) -> tuple[MailPreferences, str]:
    """Return ``(preferences, stream)`` a token would change, changing nothing (the GET page).

    Raises ``tokens.BadToken`` as ``unsubscribe_by_token`` does.
    """
    from .tokens import BadToken

    key, stream = unsubscribe_token_read(token=token)
    prefs = MailPreferences.objects.filter(unsubscribe_key=key).first()
    if prefs is None or (stream != ALL_STREAMS and stream not in Stream.values):
        raise BadToken("invalid")
    return prefs, stream


# --- The outbox entry point ---


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
    site = settings.SITE_URL.rstrip("/")
    return {
        "stream_label": Stream(stream).label,
        "unsubscribe_url": unsubscribe_url(prefs=prefs, stream=stream),
        "unsubscribe_all_url": unsubscribe_url(prefs=prefs, stream=ALL_STREAMS),
        "preferences_url": site + reverse("newsletter:preferences"),
        "operator": settings.OPERATOR,
        "site_url": site,
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
    text = text_body.rstrip() + "\n\n" + render_to_string("newsletter/email/_footer.txt", footer)
    html = ""
    if html_body is not None:
        footer_html = render_to_string("newsletter/email/_footer.html", footer)
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


@lru_cache(maxsize=1)
def email_css() -> str:
    """Return the newsletter's email stylesheet (static ``newsletter/email.css``), read once."""
    from django.contrib.staticfiles import finders

    path = finders.find("newsletter/email.css")
    if not path:
        return ""
    with open(str(path), encoding="utf-8") as handle:
        return handle.read()


def inline_email_css(html: str) -> str:
    """Return ``html`` with the email stylesheet inlined into style attributes (css-inline).

    Mail clients drop or ignore ``<style>`` blocks, so styles must be on each element.
    """
    import css_inline

    css = email_css()
    if not css:
        return html
    if "<html" in html.lower():
        return css_inline.inline(html.replace("</head>", f"<style>{css}</style></head>", 1))
    return css_inline.inline_fragment(html, css)


def html_paragraphs(text: str) -> str:
    """Return plain ``text`` as escaped HTML paragraphs, for callers with no HTML body."""
    return "".join(f"<p>{escape(p)}</p>" for p in text.split("\n\n") if p.strip())


def envelope_sender() -> str:
    """Return the SMTP envelope sender (``MAIL FROM``): the address of DEFAULT_FROM_EMAIL."""
    return settings.NEWSLETTER_ENVELOPE_FROM or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]


def site_host() -> str:
    """Return the host name of ``settings.SITE_URL``."""
    return urlsplit(settings.SITE_URL).hostname or "localhost"


# --- Product updates (clause P5 c) ---

# Tags a product update may use after Markdown: text structure and links, nothing active.
UPDATE_ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "code", "pre",
    "blockquote", "a",
}  # fmt: skip


def product_update_html(*, markdown_text: str) -> str:
    """Return the sanitised HTML of a product update written in Markdown.

    Markdown is rendered, then cleaned by nh3 (ammonia) to ``UPDATE_ALLOWED_TAGS``; links
    keep only http(s)/mailto URLs and get ``rel="noopener noreferrer"``. Raw HTML in the
    Markdown (a script, an onclick) is removed, never passed on to members' mailboxes.
    """
    import markdown
    import nh3

    raw = markdown.markdown(markdown_text, extensions=["sane_lists"])
    return nh3.clean(
        raw,
        tags=UPDATE_ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def product_update_render(
    *, update: Any, prefs: MailPreferences | None = None
) -> tuple[str, str, str]:
    """Return ``(subject, text, html)`` of a product update, without the footer."""
    context = {
        "update": update,
        "body_html": product_update_html(markdown_text=update.body_markdown),
    }
    subject = " ".join(render_to_string("newsletter/email/update_subject.txt", context).split())
    text = render_to_string("newsletter/email/update_message.txt", context)
    html = render_to_string("newsletter/email/update_message.html", context)
    return subject, text, html


def product_update_send(*, update: Any) -> int:
    """Queue ``update`` to every active member who consented to product updates; return how many.

    Members without a preferences row have not opted in (the default is off), so they
    get nothing (clause P5). Each member's row has the key ``updates:<update>:<member>``,
    so sending twice queues nobody twice. Raises ``ValueError`` when already sent.
    """
    from .digest import recipients_queryset_for_stream

    if update.sent_at is not None:
        raise ValueError("This update was already sent.")
    subject, text, html = product_update_render(update=update)
    count = 0
    with transaction.atomic():
        for member in recipients_queryset_for_stream(stream=Stream.UPDATES).iterator():
            delivery = delivery_enqueue(
                member=member,
                stream=Stream.UPDATES,
                key=f"updates:{update.pk}:{member.pk}",
                subject=subject,
                text_body=text,
                html_body=html,
            )
            count += delivery.status == Delivery.Status.PENDING
        update.sent_at = clock.now()
        update.recipients = count
        update.save(update_fields=["sent_at", "recipients"])
    return count


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
    from lead411.accounts.models import User
    from lead411.core.audit import audit_record

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
