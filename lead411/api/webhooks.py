"""Webhooks: find each endpoint's new matches, then POST them signed (issue 16; L2, P6).

Finding (``webhook_matches_queue``): the endpoints' saved searches are matched against
the events imported after each endpoint's position by ``selectors.saved_search_new_matches``,
the one matcher the API's "new matches" uses (the one lead search). One delivery row per
(endpoint, event) is written **in the transaction that advances the endpoint's position**,
under a unique constraint: a killed run repeats at most its last batch and the constraint
drops the repeats, so an event is never queued twice nor skipped.

Sending (``webhook_deliveries_send``), one row's states, each move a committed UPDATE
guarded by the sender's claim token::

    pending --claim (attempts + 1)--> sending --2xx--> delivered
    sending --any other outcome--> pending (next_attempt_at later) or failed (last attempt)

2xx answers are recorded together at the end of each claim batch (100 rows), one
UPDATE instead of one commit per delivery. A sender killed mid-way leaves its rows
``sending``; once ``WEBHOOKS_CLAIM_LEASE_SECONDS`` have passed the next run puts them
back to ``pending`` and sends them again: no event is lost, and those of the killed
batch that had been answered 2xx arrive a second time. HTTP gives no way to know
whether a receiver acted on a request whose answer was lost anyway, so delivery is at
least once, with the same ``webhook-id`` on every attempt so the receiver can drop a
repeat (Standard Webhooks, "Idempotency"). Without a kill, a receiver that answers 2xx
gets each event once.

Backoff: attempt n failed -> wait ``WEBHOOKS_RETRY_BASE_SECONDS * 2**(n-1)`` (at most
``WEBHOOKS_RETRY_MAX_SECONDS``), ``WEBHOOKS_MAX_ATTEMPTS`` attempts in all. After
``WEBHOOKS_DISABLE_AFTER_FAILURES`` failed attempts in a row (any 2xx resets the count)
the endpoint is disabled and its member emailed; a disabled endpoint neither collects
matches nor sends until the member enables it again, then carries on where it stopped.
Test events are sent once and do not count towards disabling.

Signing: Standard Webhooks (``standardwebhooks``): headers ``webhook-id``,
``webhook-timestamp``, ``webhook-signature`` (``v1,<base64 HMAC-SHA256>``) under the
endpoint's ``whsec_`` secret, which is derived, not stored (``endpoint_secret``).
"""

import base64
import datetime as dt
import json
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.crypto import salted_hmac
from standardwebhooks.webhooks import Webhook

from lead411.accounts.selectors import member_list
from lead411.core import clock
from lead411.core.mail import message_send_or_queue
from lead411.core.urls import absolute_url
from lead411.leads.models import TriggerEvent
from lead411.mail.services import inline_email_css

from .models import WebhookDelivery, WebhookEndpoint
from .outbound import OutboundClient, PostResult
from .selectors import MatchPosition, saved_search_new_matches
from .shapes import lead_out

log = logging.getLogger(__name__)

SECRET_PREFIX = "whsec_"  # noqa: S105 (the Standard Webhooks marker of a secret, no secret)
_HMAC_SALT = "lead411.api.webhook-secret"
USER_AGENT = "Lead411-Webhooks/1"
_MATCH_BATCH = 500
_CLAIM_BATCH = 100


# --- Secrets and messages ---


def endpoint_secret(*, endpoint: WebhookEndpoint) -> str:
    """Return the endpoint's signing secret: ``whsec_`` + base64 of 32 bytes.

    HMAC-SHA256 of the endpoint's random ``secret_salt`` under a key derived from
    ``SECRET_KEY``: the database alone holds no secret, and rotating ``SECRET_KEY``
    changes every endpoint's secret (as it ends every API token).
    """
    digest = salted_hmac(_HMAC_SALT, endpoint.secret_salt, algorithm="sha256").digest()
    return SECRET_PREFIX + base64.b64encode(digest).decode()


def message_id_new() -> str:
    """Return a new ``webhook-id``: ``msg_`` and 32 hex chars (random)."""
    return f"msg_{uuid.uuid4().hex}"


def webhook_payload(
    *, kind: str, event: TriggerEvent | None, saved_search_id: int
) -> dict[str, Any]:
    """Return the JSON body of a message: ``{type, timestamp, data: {saved_search_id, lead}}``.

    ``lead`` is the API's lead shape (``shapes.lead_out``), or None in a test event on a
    site without leads. Lead data only, and the id of the member's own saved search (P6).
    """
    data = {"saved_search_id": saved_search_id, "lead": lead_out(event) if event else None}
    body = {"type": kind, "timestamp": clock.now().isoformat(), "data": data}
    return json.loads(json.dumps(body, cls=DjangoJSONEncoder))


def signed_headers(*, secret: str, message_id: str, body: bytes, at: dt.datetime) -> dict[str, str]:
    """Return the Standard Webhooks headers of ``body`` sent at ``at`` (aware)."""
    signature = Webhook(secret).sign(msg_id=message_id, timestamp=at, data=body)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
    }


# --- Finding new matches ---


def _endpoints_due() -> list[WebhookEndpoint]:
    """Active endpoints of members who may use leads, with their saved searches."""
    return list(
        WebhookEndpoint.objects.filter(
            disabled_at__isnull=True, member_id__in=member_list().values("pk")
        )
        .select_related("saved_search")
        .order_by("id")
    )


def _position(endpoint: WebhookEndpoint) -> MatchPosition:
    return MatchPosition(
        imported_at=endpoint.matched_until_imported_at, event_id=endpoint.matched_until_event_id
    )


def _key(position: MatchPosition) -> tuple[dt.datetime, int]:
    """The walk's order of positions and events: (imported_at, id)."""
    return (position.imported_at, position.event_id)


def webhook_matches_queue() -> int:
    """Queue a delivery for each new match of each active endpoint; return the rows written.

    One walk over the events imported after the earliest endpoint's position, matching
    every endpoint's saved search at once (``saved_search_new_matches``); an endpoint
    gets the matches past its own position. Each batch of up to 500 matched events is
    written with the endpoints' new position in one transaction (see the module doc).
    Reads at most ``API_MATCH_SCAN_MAX_EVENTS`` events per batch and carries on until
    none is left.
    """
    endpoints = _endpoints_due()
    if not endpoints:
        return 0
    searches = list({e.saved_search_id: e.saved_search for e in endpoints}.values())
    after = min((_position(e) for e in endpoints), key=_key)
    queued = 0
    while True:
        found = saved_search_new_matches(
            searches=searches,
            after=after,
            limit=_MATCH_BATCH,
            scan_max=settings.API_MATCH_SCAN_MAX_EVENTS,
        )
        if found.position is None:
            break
        queued += _matches_write(endpoints, found.matches, found.position)
        after = found.position
        if found.exhausted:
            break
    return queued


def _matches_write(
    endpoints: list[WebhookEndpoint],
    matches: list[tuple[TriggerEvent, list[int]]],
    position: MatchPosition,
) -> int:
    """Write the deliveries of ``matches`` and move ``endpoints`` up to ``position``, atomically.

    Positions only move forward (a concurrent run may have moved one further); the
    unique constraint drops a delivery a concurrent run already wrote.
    """
    now = clock.now()
    starts = {e.pk: _position(e) for e in endpoints}
    rows = [
        WebhookDelivery(
            endpoint=endpoint,
            event=event,
            kind=WebhookDelivery.Kind.MATCH,
            message_id=message_id_new(),
            payload=webhook_payload(
                kind=WebhookDelivery.Kind.MATCH, event=event, saved_search_id=search_id
            ),
            next_attempt_at=now,
            created_at=now,
        )
        for event, search_ids in matches
        for endpoint in endpoints
        for search_id in [endpoint.saved_search_id]
        if search_id in search_ids and (event.imported_at, event.id) > _key(starts[endpoint.pk])
    ]
    with transaction.atomic():
        WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
        WebhookEndpoint.objects.filter(pk__in=list(starts)).filter(
            Q(matched_until_imported_at__lt=position.imported_at)
            | Q(
                matched_until_imported_at=position.imported_at,
                matched_until_event_id__lt=position.event_id,
            )
        ).update(
            matched_until_imported_at=position.imported_at,
            matched_until_event_id=position.event_id,
        )
    for endpoint in endpoints:
        if _key(starts[endpoint.pk]) < _key(position):
            endpoint.matched_until_imported_at = position.imported_at
            endpoint.matched_until_event_id = position.event_id
    return len(rows)


# --- Sending ---


@dataclass
class SendReport:
    """What one ``webhook_deliveries_send`` run did; counts of deliveries and endpoints."""

    delivered: int = 0
    retried: int = 0
    failed: int = 0
    recovered: int = 0
    disabled: int = 0

    def __str__(self) -> str:
        return (
            f"delivered {self.delivered}, to retry {self.retried}, failed {self.failed}, "
            f"recovered from a stopped sender {self.recovered}, endpoints disabled {self.disabled}"
        )


def _recover_stale(now: dt.datetime) -> int:
    """Put back to pending the rows a stopped sender claimed over a lease ago; return how many."""
    lease = dt.timedelta(seconds=settings.WEBHOOKS_CLAIM_LEASE_SECONDS)
    return WebhookDelivery.objects.filter(
        status=WebhookDelivery.Status.SENDING, claimed_at__lt=now - lease
    ).update(status=WebhookDelivery.Status.PENDING, claim_token="", next_attempt_at=now)


def _claim(
    *, token: str, batch_size: int, only: list[int] | None, skip_endpoints: set[int]
) -> list[WebhookDelivery]:
    """Claim up to ``batch_size`` due pending rows of active endpoints; return them by id.

    ``only``: these delivery ids at most; ``skip_endpoints``: endpoint ids left out.
    """
    now = clock.now()
    with transaction.atomic():
        due = WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING,
            next_attempt_at__lte=now,
            endpoint__disabled_at__isnull=True,
        )
        if only is not None:
            due = due.filter(pk__in=only)
        if skip_endpoints:
            due = due.exclude(endpoint_id__in=skip_endpoints)
        if connection.vendor == "postgresql":
            due = due.select_for_update(skip_locked=True, of=("self",))
        ids = list(due.order_by("next_attempt_at", "id").values_list("id", flat=True)[:batch_size])
        if not ids:
            return []
        WebhookDelivery.objects.filter(id__in=ids, status=WebhookDelivery.Status.PENDING).update(
            status=WebhookDelivery.Status.SENDING,
            claim_token=token,
            claimed_at=now,
            last_attempt_at=now,
            attempts=F("attempts") + 1,
        )
    return list(
        WebhookDelivery.objects.filter(id__in=ids, claim_token=token)
        .select_related("endpoint", "endpoint__member")
        .order_by("id")
    )


def _move(row: WebhookDelivery, token: str, **fields: Any) -> bool:
    """Update ``row`` only while this sender holds it; return whether it did."""
    return (
        WebhookDelivery.objects.filter(
            pk=row.pk, claim_token=token, status=WebhookDelivery.Status.SENDING
        ).update(**fields)
        == 1
    )


def _release(rows: list[WebhookDelivery], token: str) -> None:
    """Give claimed rows back untried (their endpoint failed or was disabled in this run)."""
    WebhookDelivery.objects.filter(
        pk__in=[r.pk for r in rows], claim_token=token, status=WebhookDelivery.Status.SENDING
    ).update(status=WebhookDelivery.Status.PENDING, claim_token="", attempts=F("attempts") - 1)


def retry_delay_seconds(*, attempts: int) -> int:
    """Return the wait after the ``attempts``-th failed attempt (1-based), in seconds."""
    return int(
        min(
            settings.WEBHOOKS_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0),
            settings.WEBHOOKS_RETRY_MAX_SECONDS,
        )
    )


def _attempt(client: OutboundClient, row: WebhookDelivery, token: str) -> PostResult:
    """POST one row's payload, signed now; return the outcome (network errors included)."""
    body = json.dumps(row.payload, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        **signed_headers(
            secret=endpoint_secret(endpoint=row.endpoint),
            message_id=row.message_id,
            body=body,
            # The receiver checks this against its own clock (replay window), so it is
            # the wall clock, not the site's clock seam.
            at=dt.datetime.now(dt.UTC),
        ),
    }
    return client.post(url=row.endpoint.url, body=body, headers=headers)


@dataclass
class _Confirmations:
    """2xx answers of the current claim batch, recorded in one UPDATE per status code."""

    by_status: dict[int, list[int]] = field(default_factory=dict)
    endpoints_recovered: set[int] = field(default_factory=set)

    def add(self, row: WebhookDelivery, status: int) -> None:
        self.by_status.setdefault(status, []).append(row.pk)
        if row.endpoint.consecutive_failures:
            self.endpoints_recovered.add(row.endpoint_id)
            row.endpoint.consecutive_failures = 0

    def flush(self, token: str, report: SendReport) -> None:
        """Record the batch's deliveries and reset their endpoints' failure counts."""
        now = clock.now()
        for status, pks in self.by_status.items():
            report.delivered += WebhookDelivery.objects.filter(
                pk__in=pks, claim_token=token, status=WebhookDelivery.Status.SENDING
            ).update(
                status=WebhookDelivery.Status.DELIVERED,
                delivered_at=now,
                response_code=status,
                last_error="",
                claim_token="",
            )
        if self.endpoints_recovered:
            WebhookEndpoint.objects.filter(pk__in=self.endpoints_recovered).update(
                consecutive_failures=0
            )
        self.by_status.clear()
        self.endpoints_recovered.clear()


def _record_failure(
    row: WebhookDelivery, token: str, result: PostResult, report: SendReport
) -> None:
    """Record a failed attempt on the row and its endpoint (see the module doc)."""
    now = clock.now()
    endpoint = row.endpoint
    is_test = row.kind == WebhookDelivery.Kind.TEST
    if is_test or row.attempts >= settings.WEBHOOKS_MAX_ATTEMPTS:
        if _move(
            row,
            token,
            status=WebhookDelivery.Status.FAILED,
            response_code=result.status,
            last_error=result.error[:300],
            claim_token="",
        ):
            report.failed += 1
    elif _move(
        row,
        token,
        status=WebhookDelivery.Status.PENDING,
        response_code=result.status,
        last_error=result.error[:300],
        claim_token="",
        next_attempt_at=now + dt.timedelta(seconds=retry_delay_seconds(attempts=row.attempts)),
    ):
        report.retried += 1
    if is_test:
        return
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        consecutive_failures=F("consecutive_failures") + 1
    )
    endpoint.refresh_from_db(fields=["consecutive_failures", "disabled_at"])
    if (
        endpoint.disabled_at is None
        and endpoint.consecutive_failures >= settings.WEBHOOKS_DISABLE_AFTER_FAILURES
        and endpoint_disable(
            endpoint=endpoint,
            reason=f"{endpoint.consecutive_failures} failed attempts in a row; last: {result.error}",
        )
    ):
        report.disabled += 1


def endpoint_disable(*, endpoint: WebhookEndpoint, reason: str) -> bool:
    """Disable ``endpoint`` for repeated failures and email its member; return whether it did.

    The email is sent once the transaction commits, through the one-off mail path
    (``core.mail.message_send_or_queue``, retried by the task queue if SMTP is down): it
    is mail the member's own action requires (P5: they attached the webhook).
    """
    with transaction.atomic():
        now = clock.now()
        changed = WebhookEndpoint.objects.filter(pk=endpoint.pk, disabled_at__isnull=True).update(
            disabled_at=now, disabled_reason=reason[:200]
        )
        if not changed:
            return False
        endpoint.disabled_at, endpoint.disabled_reason = now, reason[:200]
        _disabled_email(endpoint=endpoint)
    log.warning("webhook endpoint %s disabled after repeated failures", endpoint.pk)
    return True


def _disabled_email(*, endpoint: WebhookEndpoint) -> None:
    """Queue the "your webhook was disabled" email (text and styled HTML) after commit."""
    member = endpoint.member
    context = {
        "member_name": member.first_name or "there",
        "endpoint": endpoint,
        "search_name": endpoint.saved_search.name,
        "failures": endpoint.consecutive_failures,
        "log_url": absolute_url(reverse("api_tokens:webhook-log", args=[endpoint.pk])),
        "operator": settings.OPERATOR,
    }
    subject = " ".join(render_to_string("api/email/webhook_disabled_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=f"[Lead411] {subject}",
        body=render_to_string("api/email/webhook_disabled_message.txt", context),
        from_email=settings.MEMBERSHIP_FROM_EMAIL,
        to=[member.email],
        reply_to=[settings.OPERATOR["contact_email"]],
    )
    message.attach_alternative(
        inline_email_css(render_to_string("api/email/webhook_disabled_message.html", context)),
        "text/html",
    )
    transaction.on_commit(lambda: message_send_or_queue(message))


def webhook_deliveries_send(
    *, only: list[int] | None = None, max_deliveries: int | None = None
) -> SendReport:
    """Send every due delivery (or only the ids ``only``) and return what happened.

    Safe to run at any time, in parallel (claims are exclusive) and to kill at any point
    (see the module doc). One connection pool per receiver host for the run. After a
    failure, the endpoint's other rows claimed in the same run are given back untried,
    so one dead receiver costs one timeout per run, not one per row; the next run
    tries them.
    """
    report = SendReport()
    report.recovered = _recover_stale(clock.now())
    token = str(uuid.uuid4())
    client = OutboundClient()
    sent = 0
    failing: set[int] = set()
    confirmations = _Confirmations()
    try:
        while max_deliveries is None or sent < max_deliveries:
            room = _CLAIM_BATCH if max_deliveries is None else max_deliveries - sent
            rows = _claim(
                token=token, batch_size=min(_CLAIM_BATCH, room), only=only, skip_endpoints=failing
            )
            if not rows:
                break
            sent += len(rows)
            for index, row in enumerate(rows):
                if row.endpoint_id in failing:
                    _release([row], token)
                    continue
                try:
                    result = _attempt(client, row, token)
                    if result.ok and result.status is not None:
                        confirmations.add(row, result.status)
                    else:
                        confirmations.flush(token, report)  # a success before counts first
                        _record_failure(row, token, result, report)
                        failing.add(row.endpoint_id)
                except BaseException:
                    _release(rows[index:], token)
                    raise
            confirmations.flush(token, report)
    finally:
        confirmations.flush(token, report)
        client.close()
    log.info("webhooks: %s", report)
    return report
