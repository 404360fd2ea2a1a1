"""Saved searches against the new events of a window, through the same engine (clauses L2, L3, L4).

The daily newsletter matches each distinct saved search against the events imported in
its window. It calls ``lead_search_new_matches`` with every distinct ``LeadQuery`` of
the subscribers' saved searches: the window's new event ids are read once from the
database (``imported_at`` is indexed there), then each query is one engine search
restricted to those ids. There is no matcher in memory beside the engine, so a saved
search finds exactly what the search page finds, and the search page's
``imported_since``/``imported_until`` filter (the newsletter's "see all N new" link)
reads the same ids through ``new_events_load``.

What is "new" (issue 15): an event imported in the window, unless it is a catch-up, an
event announced more than ``NEWSLETTER_CATCH_UP_AGE_DAYS`` days before it was imported
(a first import of a source, a backfill of old filings). A catch-up is counted, not
listed: the newsletter says in one line how many were imported.
"""

import bisect
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

import tantivy
from django.conf import settings

from lead411.leads.models import TriggerEvent
from lead411.leads.search.engine import IdFilter, engine_search, id_filter
from lead411.leads.search.index import search_index_fresh
from lead411.leads.search.query import LeadQuery


def is_catch_up(*, imported_at: dt.datetime, announced_on: dt.date | None) -> bool:
    """Return whether an event is a catch-up: announced over ``NEWSLETTER_CATCH_UP_AGE_DAYS`` before import.

    An event without an announcement date is new. The rule is the issue 15 definition of a
    catch-up import ("a first import, a big backfill"): such events are old news.
    """
    if announced_on is None:
        return False
    limit = imported_at.date() - dt.timedelta(days=settings.NEWSLETTER_CATCH_UP_AGE_DAYS)
    return announced_on < limit


@dataclass
class NewEvents:
    """The events imported in a window: the new ones and the catch-up ones.

    ``ids`` are the new events (catch-ups left out), ``imported_at`` maps each of them to
    its import time (aware UTC); ``catch_up_times`` are the import times of the catch-up
    events, sorted, for counting those of a narrower window (``catch_up_count``).
    """

    ids: list[int] = field(default_factory=list)
    imported_at: dict[int, dt.datetime] = field(default_factory=dict)
    catch_up_times: list[dt.datetime] = field(default_factory=list)
    # The engine's filter of ``ids``, built by the first search of the window (``_within``).
    within: IdFilter | None = field(default=None, repr=False, compare=False)

    def catch_up_count(self, *, since: dt.datetime) -> int:
        """Return how many catch-up events were imported at or after ``since``."""
        return len(self.catch_up_times) - bisect.bisect_left(self.catch_up_times, since)


def new_events_load(*, since: dt.datetime, until: dt.datetime) -> NewEvents:
    """Return the events imported in ``since <= imported_at < until`` (aware), split by ``is_catch_up``.

    One database query over the ``imported_at`` index, three columns per event.
    """
    rows = (
        TriggerEvent.objects.filter(imported_at__gte=since, imported_at__lt=until)
        .order_by("imported_at", "id")
        .values_list("id", "imported_at", "announced_on")
    )
    found = NewEvents()
    for event_id, imported_at, announced_on in rows:
        if is_catch_up(imported_at=imported_at, announced_on=announced_on):
            found.catch_up_times.append(imported_at)
        else:
            found.ids.append(event_id)
            found.imported_at[event_id] = imported_at
    return found


def new_event_ids(*, since: dt.datetime, until: dt.datetime) -> list[int]:
    """Return the ids of the new (not catch-up) events imported in ``since <= imported_at < until``."""
    return new_events_load(since=since, until=until).ids


def lead_search_new_matches(
    *,
    queries: Iterable[LeadQuery],
    since: dt.datetime,
    until: dt.datetime,
    limit: int | None,
    events: NewEvents | None = None,
) -> dict[LeadQuery, list[int]]:
    """Return, for each distinct query, the ids of its matches among the window's new events.

    Ids come in each query's own sort order (relevance with words, else newest first, or
    largest amount), at most ``limit`` per query (``None``: all of them); a query with no
    match maps to ``[]``. ``events`` is the window's ``new_events_load`` when the caller
    has it already; the engine's filter of its ids (``engine.id_filter``) is built by
    the first call and kept in ``events.within`` for the next ones, which then search
    the same snapshot of the index. One database query (unless ``events`` is given)
    plus one engine search per distinct query.
    """
    if events is None:
        events = new_events_load(since=since, until=until)
    distinct = list(dict.fromkeys(queries))
    if not events.ids or not distinct:
        return {query: [] for query in distinct}
    index = search_index_fresh()
    if events.within is None:
        # Built once per window, however many calls match searches against it.
        events.within = id_filter(index, events.ids)
    return _matches_within(index, distinct, events.within, len(events.ids), limit)


def lead_search_matches_among(
    *, queries: Iterable[LeadQuery], event_ids: list[int], limit: int | None
) -> dict[LeadQuery, list[int]]:
    """Return, for each distinct query, the ids of its matches among ``event_ids``.

    Ids in each query's own sort order, at most ``limit`` per query (``None``: all);
    ``[]`` for a query with no match. One engine search per distinct query, restricted
    to the given ids (``engine.id_filter``, built once for all the queries). The API's
    new matches use it.
    """
    distinct = list(dict.fromkeys(queries))
    if not event_ids or not distinct:
        return {query: [] for query in distinct}
    index = search_index_fresh()
    within = id_filter(index, event_ids)
    return _matches_within(index, distinct, within, len(event_ids), limit)


def _matches_within(
    index: tantivy.Index,
    queries: list[LeadQuery],
    within: IdFilter,
    count: int,
    limit: int | None,
) -> dict[LeadQuery, list[int]]:
    """Return each query's matches restricted by ``within`` (``count`` events), at most ``limit``."""
    size = count if limit is None else min(limit, count)
    return {
        query: engine_search(index, query, offset=0, limit=size, within=within).ids
        for query in queries
    }
