"""Writes of the API app: create, use and revoke personal API tokens (clauses L2, P8, P13).

A token reads ``l411_<8 prefix chars>_<43 secret chars>`` (256 random bits in all). Only
its HMAC-SHA256 under a key derived from ``SECRET_KEY`` is stored: a leaked table gives
no usable token, and a fast keyed hash suits a 256-bit random secret, which no
dictionary holds (a slow password hash would only slow every API call). Rotating
``SECRET_KEY`` therefore ends every token.
"""

import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.crypto import salted_hmac

from lead411.core import clock
from lead411.core.audit import audit_record
from lead411.core.models import AuditEvent

from .models import ApiToken

TOKEN_PREFIX = "l411_"  # noqa: S105 (a public marker that starts every token, no secret)
_HMAC_SALT = "lead411.api.token"


def token_digest(*, token: str) -> str:
    """Return the stored form of ``token``: 64 hex chars of HMAC-SHA256 keyed by ``SECRET_KEY``."""
    return salted_hmac(_HMAC_SALT, token, algorithm="sha256").hexdigest()


@dataclass(frozen=True)
class CreatedToken:
    """A new token row and the token itself, which exists only in this object (shown once)."""

    token: ApiToken
    plaintext: str


def api_token_create(*, member: Any, name: str, scope: str) -> CreatedToken:
    """Create a token named ``name`` with ``scope`` (an ``ApiToken.Scope``) for ``member``.

    Audited (P8) without the token or its hash. Raises ``ValidationError`` for an empty
    name, an unknown scope, or when the member already holds
    ``settings.API_TOKENS_PER_MEMBER_MAX`` active tokens.
    """
    limit = settings.API_TOKENS_PER_MEMBER_MAX
    if ApiToken.objects.filter(member=member, revoked_at__isnull=True).count() >= limit:
        raise ValidationError(
            f"You can hold at most {limit} active API tokens; revoke one first.", code="too_many"
        )
    visible = secrets.token_urlsafe(6)[:8]
    plaintext = f"{TOKEN_PREFIX}{visible}_{secrets.token_urlsafe(32)}"
    token = ApiToken(
        member=member,
        name=name.strip(),
        scope=scope,
        prefix=f"{TOKEN_PREFIX}{visible}",
        digest=token_digest(token=plaintext),
        created_at=clock.now(),
    )
    token.full_clean()
    with transaction.atomic():
        token.save()
        audit_record(
            actor=member,
            action=AuditEvent.Action.CREATE,
            verb="api_token_created",
            obj=token,
            changes={
                "name": {"before": None, "after": token.name},
                "scope": {"before": None, "after": scope},
            },
        )
    return CreatedToken(token=token, plaintext=plaintext)


def api_token_revoke(*, actor: Any, token: ApiToken, reason: str = "revoked by member") -> ApiToken:
    """Revoke ``token`` now (a revoked token stays listed, unusable); audited (P8).

    Revoking a revoked token changes nothing and writes no audit row.
    """
    if token.revoked_at is not None:
        return token
    with transaction.atomic():
        token.revoked_at = clock.now()
        token.revoked_reason = reason[:40]
        token.save(update_fields=["revoked_at", "revoked_reason"])
        audit_record(
            actor=actor,
            action=AuditEvent.Action.SECURITY,
            verb="api_token_revoked",
            obj=token,
            changes={"revoked_at": {"before": None, "after": token.revoked_at}},
        )
    return token


def api_tokens_revoke_all(*, member: Any, reason: str) -> int:
    """Revoke every active token of ``member`` (stolen password, P13); return how many.

    One audit row per token, with no actor: the system does it.
    """
    revoked = 0
    for token in ApiToken.objects.filter(member=member, revoked_at__isnull=True):
        api_token_revoke(actor=None, token=token, reason=reason)
        revoked += 1
    return revoked


def api_token_use(*, plaintext: str) -> ApiToken | None:
    """Return the active token ``plaintext`` names, with its member, stamping ``last_used_at``.

    None for an unknown, malformed or revoked token. The stamp is written at most once a
    minute per token, so a busy client costs one read per request, not a write.
    """
    if not plaintext.startswith(TOKEN_PREFIX) or len(plaintext) > 100:
        return None
    token = (
        ApiToken.objects.select_related("member")
        .filter(digest=token_digest(token=plaintext), revoked_at__isnull=True)
        .first()
    )
    if token is None:
        return None
    now = clock.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() >= 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
