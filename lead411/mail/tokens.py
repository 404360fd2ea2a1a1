"""Unsubscribe tokens: opaque, signed, time-limited (clause P7; RFC 8058 one-click).

A token is ``django.core.signing.dumps([key, stream])`` with a salt of its own: ``key`` is
the member's random ``MailPreferences.unsubscribe_key``, so the token names no member id
or address; the signature (HMAC-SHA256 with SECRET_KEY) makes it unforgeable, and its
timestamp lets links expire after ``NEWSLETTER_UNSUBSCRIBE_MAX_AGE_DAYS`` (at least 30).
"""

from collections.abc import Callable

from django.conf import settings
from django.core import signing

SALT = "lead411.newsletter.unsubscribe"  # kept from the newsletter app: links already sent
ALL_STREAMS = "all"


class BadToken(Exception):
    """The token is malformed, forged, or names no member any more."""


class TokenExpired(BadToken):
    """The token was genuine but is older than ``NEWSLETTER_UNSUBSCRIBE_MAX_AGE_DAYS``."""


def unsubscribe_token_make(*, key: str, stream: str) -> str:
    """Return the token for unsubscribing the member of ``key`` from ``stream`` (or ``"all"``)."""
    return signing.dumps([key, stream], salt=SALT)


def unsubscribe_token_maker() -> Callable[[str, str], str]:
    """Return ``make(key, stream) -> token``, the tokens of ``unsubscribe_token_make``, faster.

    For the daily build's 200,000 tokens: one signer (``signing.dumps`` builds a new
    ``TimestampSigner`` and derives its key on every call); same format and signature.
    """
    signer = signing.TimestampSigner(salt=SALT)

    def make(key: str, stream: str) -> str:
        return signer.sign_object([key, stream])

    return make


def unsubscribe_token_read(*, token: str) -> tuple[str, str]:
    """Return ``(unsubscribe_key, stream)`` of a valid token.

    Raises ``TokenExpired`` after ``settings.NEWSLETTER_UNSUBSCRIBE_MAX_AGE_DAYS`` days and
    ``BadToken`` when the signature or shape is wrong.
    """
    max_age = settings.NEWSLETTER_UNSUBSCRIBE_MAX_AGE_DAYS * 24 * 3600
    try:
        value = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise TokenExpired("expired") from None
    except signing.BadSignature:
        raise BadToken("invalid") from None
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)):
        raise BadToken("invalid")
    return value[0], value[1]
