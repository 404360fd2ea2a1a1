"""Reads in the leads domain: lead search with facets, lead detail, CSV export rows (clause L2).

One selector serves both databases. On SQLite the full-text part runs on the FTS5 table
``leads_event_fts`` (rowid = event id, bm25 relevance); on PostgreSQL it runs on
``to_tsvector('english', search_document)``, the exact expression of the GIN index of
migration 0002, with ``ts_rank`` relevance. User text never reaches either query
language raw: it is reduced to words (``search_terms``) and each word is quoted.
"""

import dataclasses
import hashlib
import itertools
import math
import re
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import BooleanField, Count, F, FloatField, QuerySet
from django.db.models.expressions import OrderBy, RawSQL
from django.shortcuts import get_object_or_404

from lead411.leads.models import Category, Company, Contact, SavedSearch, TriggerEvent

Sort = Literal["relevance", "date", "amount"]
SORTS: tuple[Sort, ...] = ("relevance", "date", "amount")

# A word is a run of letters/digits; everything else (quotes, *, :, ^, parentheses,
# + and -) is FTS syntax or punctuation and is dropped.
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# Boolean operators of FTS5 and websearch_to_tsquery; searched words are always ANDed,
# so these carry no meaning and would otherwise become required literal words.
_OPERATOR_WORDS = frozenset({"and", "or", "not", "near"})
MAX_SEARCH_TERMS = 16
# How many values each facet lists: the largest counts first.
FACET_LIMIT = 12
# The total and facets of a search read every matching event (1-2 s for the broadest
# searches on the real data) and change only when leads change: cached this long
# (seconds) under the leads data version, which every change of leads replaces
# (``lead411.leads.services.leads_changed``), so a cached count is never stale.
TALLY_CACHE_SECONDS = 600
DATA_VERSION_KEY = "leads:data-version"

_FTS_TABLE_FILTER = (
    '"leads_triggerevent"."id" IN '
    "(SELECT rowid FROM leads_event_fts WHERE leads_event_fts MATCH %s)"
)
# The same with a unary plus: SQLite then checks each event against the matched ids
# instead of using the id list as an index constraint inside the loop that another
# filter drives (country index -> events by company AND rowid IN list), which walks the
# whole list per company: q=software&country=USA took 524 s that way and 0.14 s with it.
_FTS_TABLE_FILTER_CHECK = "+" + _FTS_TABLE_FILTER
# Must match the GIN index expression of migration 0002 exactly, or PostgreSQL scans.
_PG_VECTOR = 'to_tsvector(\'english\', "leads_triggerevent"."search_document")'
_PG_FILTER = f"{_PG_VECTOR} @@ plainto_tsquery('english', %s)"
_PG_RANK = f"ts_rank({_PG_VECTOR}, plainto_tsquery('english', %s))"


def search_terms(text: str) -> list[str]:
    """Return the words of a user's search text, lower-cased, at most ``MAX_SEARCH_TERMS``.

    Punctuation and FTS syntax (``" * : ^ ( ) - +``) separate words and are dropped;
    the operator words AND/OR/NOT/NEAR are dropped. ``'Acme "AI" OR (cloud*)'`` gives
    ``["acme", "ai", "cloud"]``. Never raises.
    """
    words = [w.casefold() for w in _WORD.findall(text)]
    return [w for w in words if w not in _OPERATOR_WORDS][:MAX_SEARCH_TERMS]


def fts5_match_expression(terms: list[str]) -> str:
    """Return an FTS5 MATCH expression that ANDs ``terms``, each as a quoted string.

    Quoting makes every term a literal phrase, so no input can form FTS5 syntax
    (sqlite.org/fts5.html, section 3.1: strings). ``terms`` come from ``search_terms``
    and hold no double quote; any that slipped in is doubled as FTS5 requires.
    """
    return " ".join('"' + term.replace('"', '""') + '"' for term in terms)


@dataclass(frozen=True)
class LeadQuery:
    """A parsed lead search: the words and the filters; empty tuples mean "any".

    Amounts are in USD; dates are inclusive. ``sort`` empty means the default:
    relevance when there are words, otherwise date.
    """

    q: str = ""
    kinds: tuple[str, ...] = ()
    round_types: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    cities: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    sort: Sort | Literal[""] = ""

    @property
    def terms(self) -> list[str]:
        """Return the search words of ``q`` (see ``search_terms``)."""
        return search_terms(self.q)

    @property
    def effective_sort(self) -> Sort:
        """Return the sort in force: relevance needs words, and is the default with them."""
        if self.sort == "relevance" and not self.terms:
            return "date"
        if self.sort:
            return self.sort
        return "relevance" if self.terms else "date"


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
    ``settings.LEADS_MAX_PAGE``.
    """

    events: list[TriggerEvent]
    total: int
    page: int
    page_size: int
    num_pages: int
    sort: Sort
    terms: list[str]
    facets: list[Facet] = field(default_factory=list)

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


def _is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def _raw(sql: str, text: str, output_field: BooleanField | FloatField) -> RawSQL:
    """Return a RawSQL expression of one of this module's constant SQL strings.

    Only the constants above reach ``sql``; user text travels as the bound parameter.
    """
    return RawSQL(sql, (text,), output_field=output_field)  # noqa: S611 (constant SQL, bound text)


def _text_filter(terms: list[str], *, alone: bool) -> RawSQL:
    """Return a boolean SQL expression true for events whose search document has all ``terms``.

    ``alone``: no other filter applies, so on SQLite the matched ids drive the query
    (0.001 s for a rare word, against 0.02 s for a scan checking each event); otherwise
    they are only checked (see ``_FTS_TABLE_FILTER_CHECK``).
    """
    if _is_postgresql():
        return _raw(_PG_FILTER, " ".join(terms), BooleanField())
    sql = _FTS_TABLE_FILTER if alone else _FTS_TABLE_FILTER_CHECK
    return _raw(sql, fts5_match_expression(terms), BooleanField())


def _filtered_events(query: LeadQuery, *, with_text: bool = True) -> QuerySet[TriggerEvent]:
    """Return the events matching every filter of ``query`` (and its words if ``with_text``).

    Category filters go through a subquery so an event of a company in two selected
    categories is counted once.
    """
    events = TriggerEvent.objects.all()
    if with_text and query.terms:
        alone = dataclasses.replace(query, q="", sort="") == LeadQuery()
        events = events.filter(_text_filter(query.terms, alone=alone))
    if query.kinds:
        events = events.filter(kind__in=query.kinds)
    if query.round_types:
        events = events.filter(round_type__in=query.round_types)
    if query.categories:
        in_categories = Company.categories.through.objects.filter(
            category__name__in=query.categories
        ).values("company_id")
        events = events.filter(company_id__in=in_categories)
    if query.countries:
        events = events.filter(company__country_code__in=query.countries)
    if query.regions:
        events = events.filter(company__region__in=query.regions)
    if query.cities:
        events = events.filter(company__city__in=query.cities)
    if query.date_from is not None:
        events = events.filter(announced_on__gte=query.date_from)
    if query.date_to is not None:
        events = events.filter(announced_on__lte=query.date_to)
    if query.amount_min is not None:
        events = events.filter(amount_usd__gte=query.amount_min)
    if query.amount_max is not None:
        events = events.filter(amount_usd__lte=query.amount_max)
    return events


def _ordering(sort: Sort) -> list[OrderBy | str]:
    """Return the ORDER BY for a date or amount sort; unknown dates and amounts go last."""
    if sort == "amount":
        return [
            F("amount_usd").desc(nulls_last=True),
            F("announced_on").desc(nulls_last=True),
            "-id",
        ]
    return [F("announced_on").desc(nulls_last=True), "-id"]


def _sqlite_ranked_ids(query: LeadQuery, *, offset: int, limit: int) -> list[int]:
    """Return event ids in bm25 order (best first) from the FTS5 table, SQLite only.

    The FTS5 table drives the query so bm25 is computed once per match; the structured
    filters, compiled by the ORM, restrict it through ``+rowid IN (...)``. The unary plus
    keeps SQLite from handing the IN list to FTS5 as rowid constraints, which would rerun
    the full-text query once per listed id (18 s instead of 0.9 s on the real data).
    """
    sql = (
        "SELECT rowid FROM leads_event_fts WHERE leads_event_fts MATCH %s{filters} "
        "ORDER BY rank, rowid DESC LIMIT %s OFFSET %s"
    )
    params: list[Any] = [fts5_match_expression(query.terms)]
    others = _filtered_events(query, with_text=False)
    if others.query.where:
        # order_by(): without it the default ordering would sort the id list for nothing.
        inner_sql, inner_params = others.values("id").order_by().query.sql_with_params()
        sql = sql.format(filters=f" AND +rowid IN ({inner_sql})")
        params.extend(inner_params)
    else:
        sql = sql.format(filters="")
    params.extend([limit, offset])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def _ordered_events(query: LeadQuery, *, offset: int, limit: int) -> list[TriggerEvent]:
    """Return the events ``offset .. offset+limit`` of the result in sort order, with company."""
    sort = query.effective_sort
    # The page never shows the search document; leaving it out halves the bytes read.
    with_company = TriggerEvent.objects.select_related("company").defer("search_document")
    if sort == "relevance" and not _is_postgresql():
        ids = _sqlite_ranked_ids(query, offset=offset, limit=limit)
        by_id = with_company.in_bulk(ids)
        return [by_id[event_id] for event_id in ids if event_id in by_id]
    events = _filtered_events(query).select_related("company").defer("search_document")
    if sort == "relevance":
        rank = _raw(_PG_RANK, " ".join(query.terms), FloatField())
        events = events.annotate(rank=rank).order_by("-rank", "-id")
    else:
        events = events.order_by(*_ordering(sort))
    return list(events[offset : offset + limit])


def facet_label(param: str, value: str) -> str:
    """Return the display label of a facet value: kinds by name, round types de-slugged."""
    if param == "kind":
        return str(_KIND_LABELS.get(value, value))
    if param == "round_type":
        return value.replace("_", " ").capitalize()
    return value


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
# The columns read per matching event, in the order of ``_FACETS`` minus the category
# (which hangs off the company and is counted by the database).
_TALLY_COLUMNS = ("kind", "round_type", "company__country_code", "company__region", "company__city")
_TALLY_CHUNK = 2000
# Up to this many category ids are read with ``id IN (...)``; 900 stays under SQLite's
# older 999 bound-parameter limit.
_IN_LIST_MAX = 900


@dataclass
class _Tally:
    """The facet counts of a filtered set: value -> number of events, per GET parameter.

    ``total`` is the number of events in the set; ``counts["category"]`` is keyed by
    category name and counts an event once per category of its company.
    """

    total: int
    counts: dict[str, Counter[str]]


def _tally(events: QuerySet[TriggerEvent]) -> _Tally:
    """Count the facet values of ``events``: one pass over the events, one GROUP BY for categories.

    One query reads (kind, round type, company country, region, city) of each matching
    event and ``Counter`` tallies them, instead of a COUNT and five GROUP BY queries that
    each reran the full-text match and the company join. Categories hang off the company
    (many per company), so the database counts them: one GROUP BY over events joined to
    the category links, with the names read once at the end. Blank values are not
    counted. Raises nothing of its own.
    """
    plain: list[Counter[str]] = [Counter() for _ in _TALLY_COLUMNS]
    total = 0
    rows = events.order_by().values_list(*_TALLY_COLUMNS)
    for chunk in _chunks(rows.iterator(chunk_size=_TALLY_CHUNK), _TALLY_CHUNK):
        total += len(chunk)
        # Counter.update counts a whole column in C, not cell by cell in Python.
        for counter, column in zip(plain, zip(*chunk, strict=True), strict=True):
            counter.update(column)
    # Blank values are no facet value; the columns are NOT NULL and the company join is
    # inner, so there is no NULL to drop.
    for counter in plain:
        counter.pop("", None)
    by_category: dict[int, int] = {}
    if total:
        by_category = dict(
            events.order_by()
            .filter(company__categories__isnull=False)
            .values_list("company__categories")
            .annotate(events=Count("id"))
            .values_list("company__categories", "events")
        )
    names: dict[int, str] = {}
    if by_category:
        # 864 categories on the real data: past the IN-list bound, read them all.
        categories_read = Category.objects.values_list("id", "name")
        if len(by_category) <= _IN_LIST_MAX:
            categories_read = categories_read.filter(id__in=list(by_category))
        names = dict(categories_read)
    categories: Counter[str] = Counter()
    for category_id, count in by_category.items():
        if names.get(category_id):
            categories[names[category_id]] += count
    kind, round_type, country, region, city = plain
    return _Tally(
        total=total,
        counts={
            "kind": kind,
            "round_type": round_type,
            "category": categories,
            "country": country,
            "region": region,
            "city": city,
        },
    )


def _chunks(items: Iterator[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    """Yield lists of at most ``size`` consecutive items of ``items``."""
    chunk = list(itertools.islice(items, size))
    while chunk:
        yield chunk
        chunk = list(itertools.islice(items, size))


def _facets(tally: _Tally, query: LeadQuery) -> list[Facet]:
    """Return the facets of a tally: the top ``FACET_LIMIT`` values of each, most events first.

    Ties go in code-point order of the value (SQLite's BINARY collation, and PostgreSQL's
    with a C collation). Selected values missing from the top list are appended with
    ``count=None`` so the page can still offer to remove them.
    """
    facets = []
    for param, label, attribute in _FACETS:
        top = sorted(tally.counts[param].items(), key=lambda item: (-item[1], item[0]))
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


def lead_search(*, query: LeadQuery, page: int) -> SearchResult:
    """Return one page of the events matching ``query``, with the total and the facets.

    ``page`` is 1-based and clamped to ``1 .. settings.LEADS_MAX_PAGE`` and to the last
    page of the result; the page size is ``settings.LEADS_PAGE_SIZE`` (a hard cap, clause
    L2). The total and facets come from the cache when the same filters were counted
    since the leads last changed (``TALLY_CACHE_SECONDS``); otherwise one tally query and
    one category GROUP BY count them (see ``_tally``). Then 1 page query (2 for relevance
    on SQLite: the ranked ids, then the events). Never raises on any text in ``query.q``.
    """
    page_size = settings.LEADS_PAGE_SIZE
    total, facets = _counted(query)
    num_pages = max(1, min(math.ceil(total / page_size), settings.LEADS_MAX_PAGE))
    page = min(max(1, page), num_pages)
    rows = _ordered_events(query, offset=(page - 1) * page_size, limit=page_size) if total else []
    return SearchResult(
        events=rows,
        total=total,
        page=page,
        page_size=page_size,
        num_pages=num_pages,
        sort=query.effective_sort,
        terms=query.terms,
        facets=facets,
    )


def leads_data_version() -> str:
    """Return the current leads data version, an opaque string from the cache.

    ``lead411.leads.services.leads_changed`` replaces it; when the cache has lost it, a
    new one is stored, which only costs recounting.
    """
    version = cache.get(DATA_VERSION_KEY)
    if version is None:
        cache.add(DATA_VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(DATA_VERSION_KEY) or ""
    return str(version)


def _counted(query: LeadQuery) -> tuple[int, list[Facet]]:
    """Return the total and facets of ``query``'s filters, from the cache or counted now."""
    # The sort changes neither; the words count as normalised terms ("AI" == "ai").
    filters = dataclasses.replace(query, q=" ".join(query.terms), sort="")
    digest = hashlib.sha256(repr(filters).encode()).hexdigest()
    key = f"leads:tally:{leads_data_version()}:{digest}"
    cached: tuple[int, list[Facet]] | None = cache.get(key)
    if cached is None:
        tally = _tally(_filtered_events(query))
        cached = (tally.total, _facets(tally, query))
        cache.set(key, cached, TALLY_CACHE_SECONDS)
    return cached


def lead_export_rows(*, query: LeadQuery, chunk_size: int = 500) -> Iterator[TriggerEvent]:
    """Yield the events matching ``query`` in sort order, at most ``settings.LEADS_EXPORT_MAX_ROWS``.

    Each event comes with its company and the company's categories, read in chunks of
    ``chunk_size`` so memory stays flat while the CSV streams.
    """
    cap = settings.LEADS_EXPORT_MAX_ROWS
    sort = query.effective_sort
    with_company = TriggerEvent.objects.select_related("company").prefetch_related(
        "company__categories"
    )
    if sort == "relevance" and not _is_postgresql():
        ids = _sqlite_ranked_ids(query, offset=0, limit=cap)
        for start in range(0, len(ids), chunk_size):
            chunk = ids[start : start + chunk_size]
            by_id = with_company.in_bulk(chunk)
            yield from (by_id[i] for i in chunk if i in by_id)
        return
    events = (
        _filtered_events(query).select_related("company").prefetch_related("company__categories")
    )
    if sort == "relevance":
        rank = _raw(_PG_RANK, " ".join(query.terms), FloatField())
        events = events.annotate(rank=rank).order_by("-rank", "-id")
    else:
        events = events.order_by(*_ordering(sort))
    yield from events[:cap].iterator(chunk_size=chunk_size)


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
    """Return the ``limit`` most recently announced events with their company (home teaser)."""
    return list(TriggerEvent.objects.select_related("company").order_by(*_ordering("date"))[:limit])


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
