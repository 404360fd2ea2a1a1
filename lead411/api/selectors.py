"""Reads of the API app: a member's tokens, a company with its leads, new matches (L2, L3).

Everything here returns lead data (companies, trigger events, the people sources name)
or the calling member's own rows; nothing reads another member's data (clause P6).
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from lead411.leads.criteria import criteria_querydict
from lead411.leads.forms import LeadSearchForm
from lead411.leads.models import SavedSearch, TriggerEvent
from lead411.leads.search.digest import lead_search_matches_among
from lead411.leads.search.query import LeadQuery

from .models import ApiToken, WebhookDelivery, WebhookEndpoint


def api_token_list(*, member: Any) -> QuerySet[ApiToken]:
    """Return ``member``'s tokens, active and revoked, newest first."""
    return ApiToken.objects.filter(member=member).order_by("-created_at", "-id")


@dataclass(frozen=True)
class MatchPosition:
    """Where a walk over new events stands: the last event read, by (imported_at, id)."""

    imported_at: dt.datetime
    event_id: int


@dataclass
class NewMatches:
    """New events matching saved searches, oldest import first.

    ``matches`` pairs each event with the ids of the member's saved searches it matches;
    ``position`` is the last event read (matched or not), where the next call carries on;
    ``exhausted`` is True when no event past ``position`` was left unread.
    """

    matches: list[tuple[TriggerEvent, list[int]]]
    position: MatchPosition | None
    exhausted: bool


def saved_search_query(*, search: SavedSearch) -> LeadQuery | None:
    """Return the ``LeadQuery`` of a saved search, parsed by the search page's own form.

    None when the stored criteria no longer pass the form (a saved search then matches
    nothing rather than everything).
    """
    form = LeadSearchForm(criteria_querydict(search.criteria))
    return form.to_query() if form.is_valid() else None


def saved_search_new_matches(
    *,
    searches: Sequence[SavedSearch],
    after: MatchPosition,
    limit: int,
    scan_max: int,
) -> NewMatches:
    """Return up to ``limit`` events imported after ``after`` that match any of ``searches``.

    Matching is the one lead search (``leads.search.digest.lead_search_matches_among``),
    as for the daily newsletter and the search page. At most ``scan_max`` events are read
    per call, in chunks of 500; the position then says where to carry on.
    """
    found: list[tuple[TriggerEvent, list[int]]] = []
    position: MatchPosition | None = None
    read = 0
    chunk_size = 500
    queries = {s.id: saved_search_query(search=s) for s in searches}
    while read < scan_max and len(found) < limit:
        start = position or after
        rows = list(
            TriggerEvent.objects.filter(
                Q(imported_at__gt=start.imported_at)
                | Q(imported_at=start.imported_at, id__gt=start.event_id)
            )
            .select_related("company")
            .order_by("imported_at", "id")[: min(chunk_size, scan_max - read)]
        )
        if not rows:
            return NewMatches(matches=found, position=position, exhausted=True)
        matched = lead_search_matches_among(
            queries=[q for q in queries.values() if q is not None],
            event_ids=[e.id for e in rows],
            limit=len(rows),
        )
        hits_of = {sid: set(matched[query]) for sid, query in queries.items() if query is not None}
        for event in rows:
            read += 1
            position = MatchPosition(imported_at=event.imported_at, event_id=event.id)
            hits = [sid for sid, ids in hits_of.items() if event.id in ids]
            if hits:
                event.search_document = ""  # not part of any response
                found.append((event, hits))
                if len(found) >= limit:
                    break
    return NewMatches(matches=found, position=position, exhausted=False)


def webhook_endpoint_list(*, member: Any) -> QuerySet[WebhookEndpoint]:
    """Return ``member``'s webhook endpoints with their saved searches, newest first."""
    return (
        WebhookEndpoint.objects.filter(member=member)
        .select_related("saved_search")
        .order_by("-created_at", "-id")
    )


def webhook_delivery_log(*, endpoint: WebhookEndpoint, limit: int) -> list[WebhookDelivery]:
    """Return the newest ``limit`` deliveries of ``endpoint``, newest first (the member's log)."""
    return list(
        WebhookDelivery.objects.filter(endpoint=endpoint)
        .defer("payload")
        .order_by("-created_at", "-id")[:limit]
    )
