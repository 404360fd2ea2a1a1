"""Reads of the mail app: who may be mailed on a stream (clauses P5, P7)."""

from django.db.models import QuerySet

from lead411.accounts.models import User
from lead411.accounts.selectors import member_list

from .models import STREAM_DEFAULTS, Stream
from .suppression import users_exclude_suppressed


def members_consenting(*, stream: str) -> QuerySet[User]:
    """Return the members who consent to ``stream`` and whose address is not suppressed.

    The one consent rule of every stream: members as ``accounts.selectors.member_list``
    defines them; consent read from ``MailPreferences``, with the stream's default for a
    member without a row (``STREAM_DEFAULTS``: the newsletter and replies on, product
    updates off until the member opts in); suppressed addresses left out. Ordered by id.
    Raises ``ValueError`` for an unknown stream.
    """
    chosen = Stream(stream)
    members = member_list()
    if STREAM_DEFAULTS[chosen]:
        members = members.exclude(**{f"mail_preferences__{chosen.value}": False})
    else:
        members = members.filter(**{f"mail_preferences__{chosen.value}": True})
    return users_exclude_suppressed(members).order_by("id")
