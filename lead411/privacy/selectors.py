"""Reads of the privacy app: everything stored about one member, for "download my data"."""

from typing import Any

from allauth.account.models import EmailAddress

from lead411.core.privacy_registry import Holding, Member, holdings


def member_of(*, user: Any) -> Member:
    """Return the registry's ``Member`` for ``user``: the account and its addresses, lower-cased."""
    emails = {user.email.lower()} | {
        e.lower() for e in EmailAddress.objects.filter(user=user).values_list("email", flat=True)
    }
    return Member(user=user, emails=frozenset(emails))


def member_data_export(*, user: Any) -> dict[str, Any]:
    """Return everything the site stores about ``user`` as JSON-ready data (download my data).

    Shape: ``{holding.key: holding.export(member)}`` for every holding an app declares in
    the registry (``core.privacy_registry``) with an export, in ``INSTALLED_APPS`` order:
    ``"account"``, ``"email_addresses"``, ``"application"``, ``"saved_searches"``,
    ``"emails_sent"``, ``"conversations"``, ``"activity"``, ``"api_tokens"`` and the rest.
    Holdings without an export (sessions, queued emails) say why in their purpose.
    """
    member = member_of(user=user)
    return {h.key: h.export(member) for h in holdings() if h.export is not None}


def exported_holdings() -> list[Holding]:
    """Return the holdings that are part of the data download, in registry order."""
    return [h for h in holdings() if h.export is not None]
