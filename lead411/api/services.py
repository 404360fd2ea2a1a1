"""Writes of the API app: API tokens (create, use, revoke) and webhook endpoints (L2, P8, P13).

A token reads ``l411_<8 prefix chars>_<43 secret chars>`` (256 random bits in all). Only
its HMAC-SHA256 under a key derived from ``SECRET_KEY`` is stored: a leaked table gives
no usable token, and a fast keyed hash suits a 256-bit random secret, which no
dictionary holds (a slow password hash would only slow every API call). Rotating
``SECRET_KEY`` therefore ends every token.
"""

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.crypto import salted_hmac
from django_q.tasks import async_task

from lead411.core import clock
from lead411.core.audit import audit_record
from lead411.core.models import AuditEvent
from lead411.leads.models import SavedSearch, TriggerEvent

from .models import ApiToken, WebhookDelivery, WebhookEndpoint
from .outbound import OutboundRefused, url_check
from .webhooks import endpoint_secret, message_id_new, webhook_payload

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


# --- Webhook endpoints ---


@dataclass(frozen=True)
class CreatedEndpoint:
    """A new endpoint and its signing secret (``whsec_…``), shown to the member once."""

    endpoint: WebhookEndpoint
    secret: str


def webhook_endpoint_create(*, member: Any, saved_search: SavedSearch, url: str) -> CreatedEndpoint:
    """Attach the https ``url`` to ``member``'s ``saved_search``; return it with its secret.

    Matches start with the events imported from now on. Audited (P8) without the secret.
    Raises ``ValidationError`` when the search is not the member's, the URL is refused
    (``outbound.url_check``: https, no user info, no internal address; no DNS lookup
    here, addresses are checked at each delivery) or the member already has
    ``WEBHOOKS_PER_MEMBER_MAX`` endpoints.
    """
    if saved_search.member_id != member.pk:
        raise ValidationError("No such saved search.", code="not_yours")
    try:
        url_check(url)
    except OutboundRefused as exc:
        raise ValidationError(str(exc), code="url_refused") from None
    limit = settings.WEBHOOKS_PER_MEMBER_MAX
    if WebhookEndpoint.objects.filter(member=member).count() >= limit:
        raise ValidationError(
            f"You can attach at most {limit} webhooks; delete one first.", code="too_many"
        )
    now = clock.now()
    endpoint = WebhookEndpoint(
        member=member,
        saved_search=saved_search,
        url=url.strip(),
        secret_salt=secrets.token_urlsafe(32),
        created_at=now,
        matched_until_imported_at=now,
        matched_until_event_id=0,
    )
    secret = endpoint_secret(endpoint=endpoint)
    endpoint.secret_prefix = secret[:12]
    endpoint.full_clean()
    with transaction.atomic():
        endpoint.save()
        audit_record(
            actor=member,
            action=AuditEvent.Action.CREATE,
            verb="webhook_endpoint_created",
            obj=endpoint,
            changes={
                "url": {"before": None, "after": endpoint.url},
                "saved_search": {"before": None, "after": saved_search.pk},
            },
        )
    return CreatedEndpoint(endpoint=endpoint, secret=secret)


def webhook_endpoint_delete(*, actor: Any, endpoint: WebhookEndpoint) -> None:
    """Delete ``endpoint`` with its delivery log; audited (P8)."""
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditEvent.Action.DELETE,
            verb="webhook_endpoint_deleted",
            obj=endpoint,
            changes={"url": {"before": endpoint.url, "after": None}},
        )
        endpoint.delete()


def webhook_endpoint_enable(*, actor: Any, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Enable a disabled endpoint again; it carries on with the matches it missed. Audited."""
    if endpoint.disabled_at is None:
        return endpoint
    with transaction.atomic():
        before = endpoint.disabled_at
        endpoint.disabled_at = None
        endpoint.disabled_reason = ""
        endpoint.consecutive_failures = 0
        endpoint.save(update_fields=["disabled_at", "disabled_reason", "consecutive_failures"])
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CHANGE,
            verb="webhook_endpoint_enabled",
            obj=endpoint,
            changes={"disabled_at": {"before": before, "after": None}},
        )
    return endpoint


DISABLED_ON_THEFT_REPORT = (
    "your password was reported stolen; check that this URL is yours before enabling it again"
)


def webhook_endpoints_disable_all(*, member: Any, reason: str) -> int:
    """Disable every active webhook of ``member`` (stolen password, P13); return how many.

    Whoever held the password could have attached their own URL to receive the new
    matches, so none is sent until the member, back in with a new password, enables the
    webhook again on its delivery log page (it then sends the matches it missed).
    ``reason`` (at most 200 characters) is shown on that page. One audit row per
    endpoint, with no actor: the system does it.
    """
    disabled = 0
    for endpoint in WebhookEndpoint.objects.filter(member=member, disabled_at__isnull=True):
        with transaction.atomic():
            endpoint.disabled_at = clock.now()
            endpoint.disabled_reason = reason[:200]
            endpoint.save(update_fields=["disabled_at", "disabled_reason"])
            audit_record(
                actor=None,
                action=AuditEvent.Action.SECURITY,
                verb="webhook_endpoint_disabled",
                obj=endpoint,
                changes={"disabled_at": {"before": None, "after": endpoint.disabled_at}},
            )
        disabled += 1
    return disabled


def webhook_test_send(*, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Queue a test event to ``endpoint`` (the newest lead as sample) and send it soon.

    The row is sent by a task queued after commit (django-q2), once, whatever the
    answer; it shows in the delivery log like any other. Raises ``ValidationError`` past
    ``WEBHOOKS_TESTS_PER_HOUR`` test events of this endpoint in the last hour (the button
    must not make the site a way to flood someone's URL).
    """
    since = clock.now() - dt.timedelta(hours=1)
    limit = settings.WEBHOOKS_TESTS_PER_HOUR
    recent = WebhookDelivery.objects.filter(
        endpoint=endpoint, kind=WebhookDelivery.Kind.TEST, created_at__gte=since
    ).count()
    if recent >= limit:
        raise ValidationError(
            f"At most {limit} test events an hour per webhook; try again later.", code="too_many"
        )
    sample = TriggerEvent.objects.select_related("company").order_by("-imported_at", "-id").first()
    now = clock.now()
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event=None,
        kind=WebhookDelivery.Kind.TEST,
        message_id=message_id_new(),
        payload=webhook_payload(
            kind=WebhookDelivery.Kind.TEST, event=sample, saved_search_id=endpoint.saved_search_id
        ),
        next_attempt_at=now,
        created_at=now,
    )
    transaction.on_commit(
        lambda: async_task("lead411.api.tasks.webhook_delivery_send", delivery.pk)
    )
    return delivery
