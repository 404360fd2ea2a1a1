"""The one seam between this app and the newsletter outbox (clauses P5, P15).

Every email this app sends to a member goes through ``member_email_enqueue``, every
consent question through ``members_consenting``, and every Message-ID comes from
``message_id_for``. Each is a thin call into the newsletter app
(``newsletter.services.delivery_enqueue``, ``message_id_for`` and ``MailPreferences``),
so the outbox's idempotency keys, consent checks, unsubscribe footer and
List-Unsubscribe headers apply to the policy notice and to replies alike.
"""

from django.db.models import Q, QuerySet

from lead411.accounts.models import User
from lead411.newsletter.models import STREAM_DEFAULTS, Stream
from lead411.newsletter.services import delivery_enqueue
from lead411.newsletter.services import message_id_for as newsletter_message_id_for

STREAM_UPDATES = Stream.UPDATES.value  # news about updates and features (clause P5c)
STREAM_REPLIES = Stream.REPLIES.value  # replies to contacts the member made (clause P5b)


def message_id_for(*, key: str) -> str:
    """Return the RFC 5322 Message-ID the outbox gives the email with key ``key``.

    Deterministic (a hash of the key), so an id computed here for ``References`` equals
    the one on the email, and emails sent outside the outbox can use the same scheme.
    """
    return newsletter_message_id_for(key=key)


def members_consenting(*, stream: str) -> QuerySet[User]:
    """Return the active members who consent to ``stream`` (a newsletter ``Stream`` value).

    A member without a ``MailPreferences`` row has the stream's default consent
    (``STREAM_DEFAULTS``: product updates off until the member opts in). Raises
    ``ValueError`` for an unknown stream.
    """
    field = Stream(stream).value
    consent = Q(**{f"mail_preferences__{field}": True})
    if STREAM_DEFAULTS[Stream(stream)]:
        consent |= Q(mail_preferences__isnull=True)
    return User.objects.filter(consent, is_active=True)


def member_email_enqueue(
    *,
    member: User,
    stream: str,
    key: str,
    subject: str,
    text_body: str,
    headers: dict[str, str] | None = None,
) -> None:
    """Queue one email to ``member`` on ``stream`` in the outbox; ``key`` makes it once-only.

    The outbox sets the Message-ID (``message_id_for(key=key)``), checks consent again
    before sending and appends the unsubscribe footer (clause P7). ``headers`` may add
    ``In-Reply-To`` and ``References`` (RFC 5322 section 3.6.4). The row is part of the
    caller's transaction, so a rolled-back caller queues nothing.
    """
    delivery_enqueue(
        member=member, stream=stream, key=key, subject=subject, text_body=text_body, headers=headers
    )
