"""The one seam between this app and the newsletter outbox (clauses P5, P15).

Every email this app sends to a member goes through ``member_email_enqueue``, every
consent question through ``members_consenting``, and every Message-ID comes from
``message_id_for``. They stand in for the newsletter app's API
(``newsletter.services.delivery_enqueue``, ``message_id_for`` and the per-member
``MailPreferences``); once that app is committed each body becomes a one-line call to it.

Until then: ``members_consenting`` returns nobody, since no consent can be shown without
the newsletter's records, and ``member_email_enqueue`` sends at once through Django's
mail backend after commit, with the same Message-ID the outbox would give.
"""

import hashlib
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import QuerySet

from lead411.accounts.models import User

STREAM_UPDATES = "updates"  # news about updates and features (clause P5c)
STREAM_REPLIES = "replies"  # replies to contacts the member made (clause P5b)


def message_id_for(*, key: str) -> str:
    """Return the RFC 5322 Message-ID of the email with outbox key ``key``.

    ``<40 hex chars of SHA-256(key)@domain>``, the newsletter outbox's formula, so an id
    computed here for ``References`` equals the one the outbox puts on the email.
    The domain is ``NEWSLETTER_MESSAGE_ID_DOMAIN``, else the host of ``SITE_URL``.
    """
    domain = getattr(settings, "NEWSLETTER_MESSAGE_ID_DOMAIN", "") or (
        urlsplit(settings.SITE_URL).hostname or "lead411.invalid"
    )
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:40]}@{domain}>"


def members_consenting(*, stream: str) -> QuerySet[User]:
    """Return the members who consented to ``stream`` (``STREAM_UPDATES`` or ``_REPLIES``).

    Without the newsletter's consent records this is empty: no consent is assumed.
    """
    return User.objects.none()


def member_email_enqueue(
    *,
    member: User,
    stream: str,
    key: str,
    subject: str,
    text_body: str,
    headers: dict[str, str] | None = None,
) -> None:
    """Queue one email to ``member`` on ``stream``; ``key`` makes it once-only in the outbox.

    Same arguments as the newsletter's ``delivery_enqueue``: the Message-ID is
    ``message_id_for(key=key)``; ``headers`` may add ``In-Reply-To`` and ``References``
    (RFC 5322 section 3.6.4) but not Message-ID. Sends after commit, so a rolled-back
    caller mails nobody.
    """

    def _send() -> None:
        message = EmailMultiAlternatives(
            subject=subject,
            body=text_body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[member.email],
            headers={**(headers or {}), "Message-ID": message_id_for(key=key)},
        )
        message.send()

    transaction.on_commit(_send)
