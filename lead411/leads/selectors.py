"""Reads in the leads domain: lead search with facets, lead detail, CSV export rows (clause L2).

Lead search is one call to the search engine (``lead411.leads.search``, tantivy): the
matching ids in sort order, the total and the facet counts come from the index, and the
page's events are then read from the database by id (one query). The search page, the
CSV export, the daily newsletter's saved searches and the API all go through
``lead_search_ids``; there is no second matcher.
"""

import datetime as dt
import math
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import F, QuerySet
from django.db.models.expressions import OrderBy
from django.shortcuts import get_object_or_404

from lead411.leads.models import Contact, SavedSearch, TriggerEvent
from lead411.leads.search.digest import new_event_ids
from lead411.leads.search.engine import Hits, engine_search
from lead411.leads.search.index import DATA_VERSION_KEY, search_index_fresh
from lead411.leads.search.places import country_label, region_label
from lead411.leads.search.query import (
    MAX_SEARCH_TERMS,
    SORTS,
    LeadQuery,
    ParsedText,
    Sort,
    parse_text,
    search_terms,
)

__all__ = [
    "DATA_VERSION_KEY",
    "MAX_SEARCH_TERMS",
    "SORTS",
    "Facet",
    "FacetValue",
    "LeadQuery",
    "ParsedText",
    "SearchResult",
    "Sort",
    "lead_export_rows",
    "lead_get",
    "lead_list_latest",
    "lead_search",
    "lead_search_ids",
    "leads_data_version",
    "parse_text",
    "saved_search_get",
    "saved_search_list",
    "search_terms",
]

# How many values each facet lists: the largest counts first.
FACET_LIMIT = 12


@dataclass(frozen=True)
class FacetValue:
    """One value of a facet with the number of matching events; ``count`` None: not counted."""

    value: str
    label: str
    count: int | None
    selected: bool


@dataclass(frozen=True)
class Facet:
    """A facet: the GET parameter it filters on, a label and its top values."""

    param: str
    label: str
    values: list[FacetValue]


@dataclass
class SearchResult:
    """One page of a lead search.

    ``events`` hold at most ``page_size`` events with their company loaded; ``total`` is
    the number of matching events; ``page`` is 1-based and ``num_pages`` is capped at
    ``settings.LEADS_MAX_PAGE``. ``notes`` say how the search text was read when it was
    not read as typed.
    """

    events: list[TriggerEvent]
    total: int
    page: int
    page_size: int
    num_pages: int
    sort: Sort
    terms: list[str]
    facets: list[Facet] = field(default_factory=list)
    notes: tuple[str, ...] = ()
    described: str = ""

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.num_pages

    @property
    def start_index(self) -> int:
        """Return the 1-based position of the first event on the page (0 when empty)."""
        return (self.page - 1) * self.page_size + 1 if self.events else 0

    @property
    def end_index(self) -> int:
        return (self.page - 1) * self.page_size + len(self.events)


def _ordering(sort: Sort) -> list[OrderBy | str]:
    """Return the ORDER BY for a date or amount sort; unknown dates and amounts go last."""
    if sort == "amount":
        return [
            F("amount_usd").desc(nulls_last=True),
            F("announced_on").desc(nulls_last=True),
            "-id",
        ]
    return [F("announced_on").desc(nulls_last=True), "-id"]


_KIND_LABELS = dict(TriggerEvent.Kind.choices)

# (GET parameter, label, LeadQuery attribute), in page order.
_FACETS = (
    ("kind", "Event type", "kinds"),
    ("round_type", "Round type", "round_types"),
    ("category", "Industry", "categories"),
    ("country", "Country", "countries"),
    ("region", "State / region", "regions"),
    ("city", "City", "cities"),
)


def facet_label(param: str, value: str) -> str:
    """Return the label people read for a facet value: names, not codes.

    Kinds by name, round types de-slugged ("debt_financing" -> "Debt financing"),
    countries by name ("GBR" -> "United Kingdom"), US states and Canadian provinces by
    name ("CA" -> "California"); other values as they are.
    """
    if param == "kind":
        return str(_KIND_LABELS.get(value, value))
    if param == "round_type":
        return value.replace("_", " ").capitalize()
    if param == "country":
        return country_label(value)
    if param == "region":
        return region_label(value)
    return value


def _facets(counts: dict[str, list[tuple[str, int]]], query: LeadQuery) -> list[Facet]:
    """Return the facets: the top ``FACET_LIMIT`` values of each, most events first.

    Ties go in code-point order of the value. Selected values missing from the top list
    are appended with ``count=None`` so the page can still offer to remove them.
    """
    facets = []
    for param, label, attribute in _FACETS:
        top = counts.get(param, [])
        selected = set(getattr(query, attribute))
        values = [
            FacetValue(
                value=value,
                label=facet_label(param, value),
                count=count,
                selected=value in selected,
            )
            for value, count in top[:FACET_LIMIT]
        ]
        listed = {v.value for v in values}
        values.extend(
            FacetValue(value=v, label=facet_label(param, v), count=None, selected=True)
            for v in sorted(selected - listed)
        )
        facets.append(Facet(param=param, label=label, values=values))
    return facets


def lead_search_ids(*, query: LeadQuery, offset: int = 0, limit: int, facets: bool = False) -> Hits:
    """Return the ids of events matching ``query`` in its sort order, with the total.

    The one search behind the page, the export, the digest and the API: ids
    ``offset .. offset+limit`` (``limit`` >= 0), ``total`` matches, and with ``facets``
    the six facets' top values (``FACET_LIMIT``). An ``imported_since``/``imported_until``
    window keeps the new events of that window only (``search.digest.new_event_ids``);
    the index is brought in step with the
    database first when it may lag (``search_index_fresh``). Never raises on any text
    in ``query.q``; raises ``SearchIndexUnavailable`` when the index cannot be built.
    """
    index = search_index_fresh()
    only_ids = None
    if query.imported_since is not None or query.imported_until is not None:
        # The newsletter's "see all N new": the new events of that window, as the digest saw them.
        only_ids = new_event_ids(
            since=query.imported_since or dt.datetime.min.replace(tzinfo=dt.UTC),
            until=query.imported_until or dt.datetime.max.replace(tzinfo=dt.UTC),
        )
    return engine_search(
        index,
        query,
        offset=offset,
        limit=limit,
        facet_size=FACET_LIMIT if facets else 0,
        only_ids=only_ids,
    )


def _events_by_ids(ids: list[int]) -> list[TriggerEvent]:
    """Return the events ``ids`` in that order, with company; ids gone from the DB are skipped."""
    # The page never shows the search document; leaving it out halves the bytes read.
    events = TriggerEvent.objects.select_related("company").defer("search_document")
    by_id = events.in_bulk(ids)
    return [by_id[event_id] for event_id in ids if event_id in by_id]


def lead_search(*, query: LeadQuery, page: int) -> SearchResult:
    """Return one page of the events matching ``query``, with the total and the facets.

    ``page`` is 1-based and clamped to ``1 .. settings.LEADS_MAX_PAGE`` and to the last
    page of the result; the page size is ``settings.LEADS_PAGE_SIZE`` (a hard cap, clause
    L2). One engine search gives the ids, total and facets; one database query reads the
    page's events (none when nothing matches). Never raises on any text in ``query.q``.
    """
    page_size = settings.LEADS_PAGE_SIZE
    page = min(max(1, page), settings.LEADS_MAX_PAGE)
    hits = lead_search_ids(query=query, offset=(page - 1) * page_size, limit=page_size, facets=True)
    num_pages = max(1, min(math.ceil(hits.total / page_size), settings.LEADS_MAX_PAGE))
    if page > num_pages:
        page = num_pages
        page_hits = lead_search_ids(query=query, offset=(page - 1) * page_size, limit=page_size)
        ids = page_hits.ids
    else:
        ids = hits.ids
    parsed = query.parsed
    return SearchResult(
        events=_events_by_ids(ids) if ids else [],
        total=hits.total,
        page=page,
        page_size=page_size,
        num_pages=num_pages,
        sort=query.effective_sort,
        terms=parsed.terms,
        facets=_facets(hits.facets, query),
        notes=parsed.notes,
        described=parsed.describe(),
    )


def leads_data_version() -> str:
    """Return the current leads data version, an opaque string from the cache.

    ``lead411.leads.services.leads_changed`` replaces it; when the cache has lost it, a
    new one is stored.
    """
    version = cache.get(DATA_VERSION_KEY)
    if version is None:
        cache.add(DATA_VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(DATA_VERSION_KEY) or ""
    return str(version)


def lead_export_rows(*, query: LeadQuery, chunk_size: int = 500) -> Iterator[TriggerEvent]:
    """Yield the events matching ``query`` in sort order, at most ``settings.LEADS_EXPORT_MAX_ROWS``.

    The ids come from the same engine search as the page; each event comes with its
    company and the company's categories, read in chunks of ``chunk_size`` so memory
    stays flat while the CSV streams.
    """
    ids = lead_search_ids(query=query, limit=settings.LEADS_EXPORT_MAX_ROWS).ids
    with_company = TriggerEvent.objects.select_related("company").prefetch_related(
        "company__categories"
    )
    for start in range(0, len(ids), chunk_size):
        chunk = ids[start : start + chunk_size]
        by_id = with_company.in_bulk(chunk)
        yield from (by_id[i] for i in chunk if i in by_id)


@dataclass
class LeadDetail:
    """A lead with its context: the company's other events (newest first) and its contacts."""

    event: TriggerEvent
    timeline: list[TriggerEvent]
    contacts: list[Contact]
    categories: list[str]


def lead_get(*, event_id: int) -> LeadDetail:
    """Return the event ``event_id`` with its company, timeline, contacts and categories.

    Raises ``TriggerEvent.DoesNotExist`` when there is no such event.
    """
    event = TriggerEvent.objects.select_related("company").get(pk=event_id)
    company = event.company
    timeline = list(company.events.order_by(*_ordering("date")))
    return LeadDetail(
        event=event,
        timeline=timeline,
        contacts=list(company.contacts.all()),
        categories=list(company.categories.values_list("name", flat=True)),
    )


def lead_list_latest(*, limit: int = 5) -> list[TriggerEvent]:
    """Return the ``limit`` most recently announced events with their company (home teaser).

    Leads of funds, trusts and REITs are left out, as in the default search (issue 14).
    """
    events = TriggerEvent.objects.select_related("company").filter(company__investment_vehicle="")
    return list(events.order_by(*_ordering("date"))[:limit])


# --- Saved searches (clause L3) ---


def saved_search_list(*, member: Any) -> QuerySet[SavedSearch]:
    """Return the member's saved searches, by name."""
    return SavedSearch.objects.filter(member=member).order_by("name", "id")


def saved_search_get(*, member: Any, search_id: int) -> SavedSearch:
    """Return the member's saved search ``search_id``.

    Raises ``Http404`` when it does not exist or belongs to someone else: another
    member's search is indistinguishable from a missing one (clause L3).
    """
    return get_object_or_404(SavedSearch, pk=search_id, member=member)
