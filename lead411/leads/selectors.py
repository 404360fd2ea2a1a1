"""Reads in the leads domain: lead search with facets, lead detail, export rows and jobs (L2).

Lead search is one call to the search engine (``lead411.leads.search``, tantivy): the
matching ids in sort order, the total and the facet counts come from the index, and the
page's events are then read from the database by id (one query). The search page, the
CSV export, the daily newsletter's saved searches and the API all go through
``lead_search_ids``; there is no second matcher.
"""

import datetime as dt
import functools
import math
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.db import connection, models
from django.db.models import F, QuerySet
from django.db.models.expressions import OrderBy
from django.shortcuts import get_object_or_404

from lead411.accounts.plans import plan_terms
from lead411.leads.models import (
    Category,
    Company,
    Contact,
    ExportJob,
    SavedSearch,
    TriggerEvent,
)
from lead411.leads.search.digest import new_event_ids
from lead411.leads.search.engine import Hits, engine_search, id_filter
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
    "ExportLead",
    "Facet",
    "FacetValue",
    "LeadQuery",
    "ParsedText",
    "SearchResult",
    "Sort",
    "export_job_get",
    "export_job_list",
    "lead_count",
    "lead_export_ids",
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
    within = None
    if query.imported_since is not None or query.imported_until is not None:
        # The newsletter's "see all N new": the new events of that window, as the digest saw them.
        only_ids = new_event_ids(
            since=query.imported_since or dt.datetime.min.replace(tzinfo=dt.UTC),
            until=query.imported_until or dt.datetime.max.replace(tzinfo=dt.UTC),
        )
        within = id_filter(index, only_ids)
    return engine_search(
        index,
        query,
        offset=offset,
        limit=limit,
        facet_size=FACET_LIMIT if facets else 0,
        within=within,
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


class ExportLead(NamedTuple):
    """One lead as an export writes it: the event, its company, categories and people.

    Plain text, read with one SQL join per chunk rather than as model instances, because
    an export reads up to ``LEADS_EXPORT_JOB_MAX_ROWS`` of them (issue 16's goal: at least
    half the rows/s of a bare ``csv.writer``; bench/bench_api_export.py). Dates are
    ISO 8601 (``"2014-03-01"``) and amounts have two decimals (``"5000000.00"``), ``""``
    when unknown; ``kind`` and ``company_status`` are the stored codes; ``categories``
    are names in name order; ``contacts`` are ``(name, role)`` pairs in name order,
    filled only when asked for.
    """

    event_id: int
    announced_on: str
    kind: str
    round_type: str
    series: str
    amount: str
    currency: str
    amount_usd: str
    counterparty: str
    summary: str
    source: str
    source_key: str
    source_url: str
    company_id: int
    company_name: str
    homepage: str
    country_code: str
    region: str
    city: str
    company_status: str
    founded_on: str
    # The company's profile (issue 14): EDGAR state code of incorporation, as stored.
    ticker: str
    exchange: str
    sic_code: str
    industry: str
    state_of_incorporation: str
    street_address: str
    postal_code: str
    categories: tuple[str, ...] = ()
    contacts: tuple[tuple[str, str], ...] = ()


_EVENT_COLUMNS = (
    "id", "announced_on", "kind", "round_type", "series", "amount", "currency", "amount_usd",
    "counterparty", "summary", "source", "source_key", "source_url", "company",
)  # fmt: skip
_COMPANY_COLUMNS = (
    "name", "homepage", "country_code", "region", "city", "status", "founded_on", "ticker",
    "exchange", "sic_code", "industry", "state_of_incorporation", "street_address", "postal_code",
)  # fmt: skip


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    return connection.ops.quote_name(str(field.column))


@functools.cache
def _export_sql(count: int) -> str:
    """Return the SELECT of ``count`` events by id with their companies, in ``ExportLead`` order."""
    quote = connection.ops.quote_name
    columns = [f"e.{_column(TriggerEvent, name)}" for name in _EVENT_COLUMNS] + [
        f"c.{_column(Company, name)}" for name in _COMPANY_COLUMNS
    ]
    # Dates and amounts as text from the database itself: converting them per row in
    # Python showed in the export's profile.
    founded_on = len(_EVENT_COLUMNS) + _COMPANY_COLUMNS.index("founded_on")
    for position in (1, founded_on):  # announced_on, founded_on
        columns[position] = _iso_day_sql(columns[position])
    for position in (5, 7):  # amount, amount_usd
        columns[position] = _money_sql(columns[position])
    # Every name comes from the models' meta, every value is a query parameter.
    return (
        f"SELECT {', '.join(columns)} FROM {quote(TriggerEvent._meta.db_table)} e "  # noqa: S608
        f"JOIN {quote(Company._meta.db_table)} c ON c.{_column(Company, 'id')} = "
        f"e.{_column(TriggerEvent, 'company')} "
        f"WHERE e.{_column(TriggerEvent, 'id')} IN ({', '.join(['%s'] * count)})"
    )


def _iso_day_sql(column: str) -> str:
    """Return SQL giving a date column as ``YYYY-MM-DD`` text, ``''`` when NULL."""
    if connection.vendor == "postgresql":
        return f"COALESCE(to_char({column}, 'YYYY-MM-DD'), '')"
    return f"COALESCE(CAST({column} AS TEXT), '')"  # SQLite stores dates as ISO text


def _money_sql(column: str) -> str:
    """Return SQL giving an amount column with two decimals as text, ``''`` when NULL."""
    if connection.vendor == "postgresql":  # numeric(18, 2) prints with its two decimals
        return f"COALESCE(CAST({column} AS TEXT), '')"
    # SQLite keeps a decimal as a number; Django's own converter also reads it as a float.
    return f"CASE WHEN {column} IS NULL THEN '' ELSE printf('%%.2f', {column}) END"


@functools.cache
def _categories_sql(count: int) -> str:
    """Return the SELECT of (company id, category name) for ``count`` companies, by name."""
    through = Company.categories.through
    quote = connection.ops.quote_name
    company_id, category_id = _column(through, "company"), _column(through, "category")
    return (
        f"SELECT t.{company_id}, c.{_column(Category, 'name')} "  # noqa: S608 (as _export_sql)
        f"FROM {quote(through._meta.db_table)} t JOIN {quote(Category._meta.db_table)} c "
        f"ON c.{_column(Category, 'id')} = t.{category_id} "
        f"WHERE t.{company_id} IN ({', '.join(['%s'] * count)}) "
        f"ORDER BY c.{_column(Category, 'name')}"
    )


def lead_count(*, query: LeadQuery) -> int:
    """Return the number of events matching ``query`` (one engine search, no page read)."""
    return lead_search_ids(query=query, limit=0).total


def lead_export_ids(*, query: LeadQuery, limit: int) -> list[int]:
    """Return the ids of at most ``limit`` events matching ``query``, in its sort order."""
    return lead_search_ids(query=query, limit=limit).ids


def lead_export_rows(
    *, ids: list[int], with_contacts: bool = False, chunk_size: int = 2000
) -> Iterator[ExportLead]:
    """Yield an ``ExportLead`` for each event of ``ids`` still in the database, in that order.

    Reads in chunks of ``chunk_size`` ids: one query for the events with their companies,
    one for the companies' categories and, with ``with_contacts``, one for their contacts,
    so memory stays flat however many ids there are. Ids of events deleted since they
    were found are skipped.
    """
    for start in range(0, len(ids), chunk_size):
        chunk = ids[start : start + chunk_size]
        with connection.cursor() as cursor:
            cursor.execute(_export_sql(len(chunk)), chunk)
            by_id = {row[0]: row for row in cursor.fetchall()}
        if not by_id:  # all deleted since the search: no "IN ()", which PostgreSQL refuses
            continue
        company_ids = {row[13] for row in by_id.values()}
        categories: dict[int, tuple[str, ...]] = {}
        with connection.cursor() as cursor:
            cursor.execute(_categories_sql(len(company_ids)), list(company_ids))
            for company_id, name in cursor.fetchall():
                categories[company_id] = (*categories.get(company_id, ()), name)
        contacts: dict[int, tuple[tuple[str, str], ...]] = {}
        if with_contacts:
            for company_id, name, role in (
                Contact.objects.filter(company_id__in=company_ids)
                .order_by("name", "id")
                .values_list("company_id", "name", "role")
            ):
                contacts[company_id] = (*contacts.get(company_id, ()), (name, role))
        for event_id in chunk:
            row = by_id.get(event_id)
            if row is not None:
                company_id = row[13]
                yield ExportLead._make(
                    (*row, categories.get(company_id, ()), contacts.get(company_id, ()))
                )


def export_job_list(*, member: Any, limit: int = 20) -> list[ExportJob]:
    """Return the member's ``limit`` most recent export jobs, newest first."""
    return list(ExportJob.objects.filter(member=member).order_by("-created_at", "-id")[:limit])


def export_job_get(*, member: Any, public_id: uuid.UUID) -> ExportJob:
    """Return the member's export job ``public_id``.

    Raises ``Http404`` when there is none or it belongs to someone else: another member's
    export is indistinguishable from a missing one.
    """
    return get_object_or_404(ExportJob, public_id=public_id, member=member)


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


@dataclass
class CompanyDetail:
    """A company with its categories, its events (newest first) and the people sources name."""

    company: Company
    categories: list[str]
    events: list[TriggerEvent]
    contacts: list[Contact]


def company_get(*, company_id: int) -> CompanyDetail:
    """Return the company ``company_id`` with its context (four queries): its page and the API.

    Raises ``Company.DoesNotExist`` when there is none.
    """
    company = Company.objects.get(pk=company_id)
    return CompanyDetail(
        company=company,
        categories=list(company.categories.values_list("name", flat=True)),
        events=list(company.events.defer("search_document").order_by("-announced_on", "-id")[:200]),
        contacts=list(company.contacts.all()),
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


@dataclass(frozen=True)
class SavedSearchAllowance:
    """How many saved searches a member keeps (``used``) and their plan allows (``limit``)."""

    used: int
    limit: int
    plan: str  # the plan's label, e.g. "Solo"

    @property
    def reached(self) -> bool:
        """Return True when the member may not save another search."""
        return self.used >= self.limit


def saved_search_allowance(*, member: Any) -> SavedSearchAllowance:
    """Return the member's saved searches against their plan's limit (issue 17).

    The limit is ``saved_searches`` of ``lead411.accounts.plans.PLAN_TERMS`` for
    ``member.plan``, the figure the pricing page prints.
    """
    terms = plan_terms(plan=member.plan)
    return SavedSearchAllowance(
        used=SavedSearch.objects.filter(member=member).count(),
        limit=terms.saved_searches,
        plan=terms.plan.label,
    )


def saved_search_get(*, member: Any, search_id: int) -> SavedSearch:
    """Return the member's saved search ``search_id``.

    Raises ``Http404`` when it does not exist or belongs to someone else: another
    member's search is indistinguishable from a missing one (clause L3).
    """
    return get_object_or_404(SavedSearch, pk=search_id, member=member)
