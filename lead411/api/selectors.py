"""Reads of the API app: a member's tokens, a company with its leads, new matches (L2, L3).

Everything here returns lead data (companies, trigger events, the people sources name)
or the calling member's own rows; nothing reads another member's data (clause P6).
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from lead411.leads.criteria import EventBatch, EventFacts, document_words, stemming_algorithm
from lead411.leads.models import Company, Contact, SavedSearch, TriggerEvent

from .models import ApiToken


def api_token_list(*, member: Any) -> QuerySet[ApiToken]:
    """Return ``member``'s tokens, active and revoked, newest first."""
    return ApiToken.objects.filter(member=member).order_by("-created_at", "-id")


@dataclass
class CompanyDetail:
    """A company with its categories, its events (newest first) and the people sources name."""

    company: Company
    categories: list[str]
    events: list[TriggerEvent]
    contacts: list[Contact]


def company_get(*, company_id: int) -> CompanyDetail:
    """Return the company ``company_id`` with its context (four queries).

    Raises ``Company.DoesNotExist`` when there is none.
    """
    company = Company.objects.get(pk=company_id)
    return CompanyDetail(
        company=company,
        categories=list(company.categories.values_list("name", flat=True)),
        events=list(company.events.defer("search_document").order_by("-announced_on", "-id")[:200]),
        contacts=list(company.contacts.all()),
    )


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


def _facts(events: Sequence[TriggerEvent], categories: dict[int, list[str]]) -> list[EventFacts]:
    algorithm = stemming_algorithm()
    return [
        EventFacts(
            id=event.id,
            kind=event.kind,
            round_type=event.round_type,
            categories=frozenset(categories.get(event.company_id, [])),
            country=event.company.country_code,
            region=event.company.region,
            city=event.company.city,
            announced_on=event.announced_on,
            amount_usd=event.amount_usd,
            imported_at=event.imported_at,
            words=document_words(event.search_document, algorithm),
        )
        for event in events
    ]


def saved_search_new_matches(
    *,
    searches: Sequence[SavedSearch],
    after: MatchPosition,
    limit: int,
    scan_max: int,
) -> NewMatches:
    """Return up to ``limit`` events imported after ``after`` that match any of ``searches``.

    Matching is the daily newsletter's own (``leads.criteria.EventBatch``), so an API
    client sees the leads the newsletter would send. At most ``scan_max`` events are read
    per call, in chunks of 500; the position then says where to carry on.
    """
    found: list[tuple[TriggerEvent, list[int]]] = []
    position: MatchPosition | None = None
    read = 0
    chunk_size = 500
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
        categories: dict[int, list[str]] = {}
        through = Company.categories.through.objects.filter(
            company_id__in={e.company_id for e in rows}
        )
        for company_id, name in through.values_list("company_id", "category__name"):
            categories.setdefault(company_id, []).append(name)
        batch = EventBatch(_facts(rows, categories), stemming_algorithm())
        masks = {s.id: batch.criteria_mask(s.criteria) for s in searches}
        # The batch keeps ``rows``' order (imported_at, id); bit i is rows[i].
        for index, event in enumerate(rows):
            read += 1
            position = MatchPosition(imported_at=event.imported_at, event_id=event.id)
            hits = [sid for sid, mask in masks.items() if mask >> index & 1]
            if hits:
                event.search_document = ""  # not part of any response
                found.append((event, hits))
                if len(found) >= limit:
                    break
    return NewMatches(matches=found, position=position, exhausted=False)
