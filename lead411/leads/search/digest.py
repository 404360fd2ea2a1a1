"""Saved searches against the day's new events, through the same engine (clauses L2, L3).

The daily newsletter matches each distinct saved search against the events imported in
its window. It calls ``lead_search_new_matches`` once per digest run with every distinct
``LeadQuery`` of the subscribers' saved searches: the day's new event ids are read once
from the database (``imported_at`` is indexed there), then each query is one engine
search restricted to those ids (about a millisecond each). There is no matcher in
memory beside the engine, so a saved search finds exactly what the search page finds.
"""

import datetime as dt
from collections.abc import Iterable

from lead411.leads.models import TriggerEvent
from lead411.leads.search.engine import engine_search
from lead411.leads.search.index import search_index_fresh
from lead411.leads.search.query import LeadQuery


def new_event_ids(*, since: dt.datetime, until: dt.datetime) -> list[int]:
    """Return the ids of events imported in ``since <= imported_at < until`` (aware UTC)."""
    events = TriggerEvent.objects.filter(imported_at__gte=since, imported_at__lt=until)
    return list(events.order_by().values_list("id", flat=True))


def lead_search_new_matches(
    *,
    queries: Iterable[LeadQuery],
    since: dt.datetime,
    until: dt.datetime,
    limit: int,
) -> dict[LeadQuery, list[int]]:
    """Return, for each distinct query, the ids of its matches among the window's new events.

    Ids come in each query's own sort order (relevance with words, else newest first), at
    most ``limit`` per query; a query with no match maps to ``[]``. One database query
    (the window's ids) plus one engine search per distinct query.
    """
    return lead_search_matches_among(
        queries=queries, event_ids=new_event_ids(since=since, until=until), limit=limit
    )


def lead_search_matches_among(
    *, queries: Iterable[LeadQuery], event_ids: list[int], limit: int
) -> dict[LeadQuery, list[int]]:
    """Return, for each distinct query, the ids of its matches among ``event_ids``.

    Ids in each query's own sort order, at most ``limit`` per query; ``[]`` for a query
    with no match. One engine search per distinct query, restricted to the given ids.
    """
    distinct = list(dict.fromkeys(queries))
    if not event_ids or not distinct:
        return {query: [] for query in distinct}
    index = search_index_fresh()
    return {
        query: engine_search(index, query, offset=0, limit=limit, only_ids=event_ids).ids
        for query in distinct
    }
