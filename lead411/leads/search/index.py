"""Index upkeep: the tantivy index follows the database, which stays the truth (issue 13).

One function brings the index in step for every writer: ``search_index_sync``. It runs

* after every import and every saved or deleted row, through
  ``lead411.leads.services.leads_changed`` (on commit);
* before a search when the leads data version in the shared cache differs from the one
  this process last synced, and at least every ``SEARCH_INDEX_SYNC_SECONDS``, so a second
  application host with its own index folder picks up what another host imported.

It re-indexes the events whose ``updated_at`` (or their company's, or the ``imported_at``
of a contact of their company) passed the index's high-water mark, and reconciles ids
when the counts differ (deletes). Changes that do not
touch ``updated_at`` (an admin edit, a company's categories, a renamed category) are sent
by ``lead411.leads.search.receivers`` through ``search_index_update`` with their ids.

``search_index_rebuild`` builds everything from the database; ``search_index_check``
compares the index with the database. A missing index is built on first use (a few
seconds on the real data) rather than failing the page.
"""

import datetime as dt
import logging
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

import tantivy
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Max, Q

from lead411.leads.models import Company, Contact, TriggerEvent
from lead411.leads.search import engine
from lead411.leads.search.places import country_names, region_names

logger = logging.getLogger(__name__)

# The cache key of the leads data version: replaced by every change of leads
# (``lead411.leads.services.leads_changed``), compared by every search.
DATA_VERSION_KEY = "leads:data-version"
_CHUNK = 2000
_KIND_LABELS = dict(TriggerEvent.Kind.choices)


def _stamp(*moments: dt.datetime | None) -> int:
    """Return the latest of ``moments`` in microseconds since the epoch (0 if none)."""
    known = [m for m in moments if m is not None]
    return int(max(known).timestamp() * 1_000_000) if known else 0


_EVENT_COLUMNS = (
    "id", "company_id", "kind", "announced_on", "round_type", "series", "amount_usd",
    "counterparty", "summary", "updated_at", "company__name", "company__country_code",
    "company__region", "company__city", "company__updated_at", "company__investment_vehicle",
)  # fmt: skip


def _categories_of(company_ids: Iterable[int]) -> dict[int, list[str]]:
    """Return company id -> its category names."""
    links = Company.categories.through.objects.filter(company_id__in=list(company_ids))
    found: dict[int, list[str]] = defaultdict(list)
    for company_id, name in links.values_list("company_id", "category__name").order_by(
        "company_id", "category__name"
    ):
        found[company_id].append(name)
    return found


@dataclass
class _People:
    """The contacts of some companies: their names, and the newest ``imported_at`` of each."""

    names: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    latest: dict[int, dt.datetime] = field(default_factory=dict)


def _people_of(company_ids: Iterable[int]) -> _People:
    """Return the contacts of the companies ``company_ids``."""
    contacts = Contact.objects.filter(company_id__in=list(company_ids))
    people = _People()
    rows = contacts.values_list("company_id", "name", "imported_at").order_by("company_id", "name")
    for company_id, name, imported_at in rows:
        people.names[company_id].append(name)
        if company_id not in people.latest or imported_at > people.latest[company_id]:
            people.latest[company_id] = imported_at
    return people


def _contacts_latest() -> dict[int, dt.datetime]:
    """Return company id -> the newest ``imported_at`` of its contacts (companies with any)."""
    rows = Contact.objects.values("company_id").annotate(latest=Max("imported_at")).order_by()
    return {row["company_id"]: row["latest"] for row in rows}


def _document(row: tuple[Any, ...], categories: list[str], people: _People) -> engine.EventDocument:
    (
        event_id, company_id, kind, announced_on, round_type, series, amount_usd,
        counterparty, summary, updated_at, name, country, region, city, company_updated_at,
        investment_vehicle,
    ) = row  # fmt: skip
    rounds = [round_type.replace("_", " "), str(_KIND_LABELS.get(kind, kind))]
    if series:
        rounds.append(engine.round_token(series))
    places = [city, region, *region_names(country=country, region=region), country]
    places += country_names(country)
    return engine.EventDocument(
        id=event_id,
        company_id=company_id,
        stamp=_stamp(updated_at, company_updated_at, people.latest.get(company_id)),
        announced_on=announced_on,
        amount_usd=amount_usd,
        name=name,
        categories=tuple(categories),
        # A full stop between values keeps a phrase from running across two of them.
        category_words=" . ".join(categories),
        place_words=" . ".join(p for p in places if p),
        round_words=" . ".join(r for r in rounds if r),
        party=counterparty,
        # Named people are words like any other (an 8-K's executive, a Form D's
        # directors); a full stop keeps a phrase inside one name.
        people=" . ".join(people.names.get(company_id, ())),
        text=summary,
        kind=kind,
        round_type=round_type,
        country=country,
        region=region,
        city=city,
        investment_vehicle=bool(investment_vehicle),
    )


def _documents(rows: list[tuple[Any, ...]]) -> Iterator[engine.EventDocument]:
    companies = {row[1] for row in rows}
    categories = _categories_of(companies)
    people = _people_of(companies)
    for row in rows:
        yield _document(row, categories.get(row[1], []), people)


def event_documents(event_ids: Iterable[int] | None = None) -> Iterator[engine.EventDocument]:
    """Yield the index documents of ``event_ids`` (every event when None), read in chunks.

    Each chunk of ``_CHUNK`` events reads its companies' categories and contacts, so
    memory stays flat however many events there are (10M in the benchmark).
    """
    events = TriggerEvent.objects.order_by("id").values_list(*_EVENT_COLUMNS)
    if event_ids is not None:
        wanted = sorted(set(event_ids))
        for start in range(0, len(wanted), _CHUNK):
            yield from _documents(list(events.filter(id__in=wanted[start : start + _CHUNK])))
        return
    last = 0
    while rows := list(events.filter(id__gt=last)[:_CHUNK]):
        yield from _documents(rows)
        last = rows[-1][0]


def _database_stamps() -> dict[int, int]:
    contacts = _contacts_latest()
    rows = TriggerEvent.objects.values_list("id", "company_id", "updated_at", "company__updated_at")
    return {i: _stamp(a, b, contacts.get(c)) for i, c, a, b in rows.iterator(chunk_size=_CHUNK)}


@dataclass
class IndexReport:
    """What an upkeep step did: documents written and deleted, and the time taken (s)."""

    written: int = 0
    deleted: int = 0
    documents: int = 0
    seconds: float = 0.0
    rebuilt: bool = False

    def line(self) -> str:
        verb = "Rebuilt" if self.rebuilt else "Updated"
        return (
            f"{verb} the search index: {self.written:,} written, {self.deleted:,} deleted, "
            f"{self.documents:,} documents, {self.seconds:.1f} s."
        )


@dataclass
class CheckReport:
    """The differences between the index and the database, by event id."""

    database: int
    indexed: int
    missing: list[int] = field(default_factory=list)
    extra: list[int] = field(default_factory=list)
    stale: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.extra or self.stale)

    def line(self) -> str:
        return (
            f"Search index: {self.indexed:,} documents, database: {self.database:,} events; "
            f"missing {len(self.missing):,}, extra {len(self.extra):,}, "
            f"out of date {len(self.stale):,}."
        )


def _write(
    index: tantivy.Index,
    documents: Iterable[engine.EventDocument],
    *,
    delete: Iterable[int] = (),
    clear: bool = False,
    progress: Callable[[int], None] | None = None,
) -> tuple[int, int]:
    """Delete ``delete`` ids (or everything with ``clear``), add ``documents``; one commit."""
    deleted = sorted(set(delete))
    written = 0
    with engine.index_writer(index) as writer:
        if clear:
            writer.delete_all_documents()
        for start in range(0, len(deleted), _CHUNK):
            engine.delete_ids(writer, deleted[start : start + _CHUNK])
        iterator = iter(documents)
        while batch := list(islice(iterator, _CHUNK)):
            for document in batch:
                writer.add_document(document.to_tantivy())
            written += len(batch)
            if progress is not None:
                progress(len(batch))
    return written, len(deleted)


def _high_water() -> int:
    latest = TriggerEvent.objects.aggregate(
        events=Max("updated_at"), companies=Max("company__updated_at")
    )
    contacts = Contact.objects.aggregate(latest=Max("imported_at"))["latest"]
    return _stamp(latest["events"], latest["companies"], contacts)


def search_index_rebuild(*, progress: Callable[[int], None] | None = None) -> IndexReport:
    """Rebuild the index from the database; return what was written.

    Readers keep the old documents until the single commit at the end. A folder of
    another schema version is replaced. ``progress`` is called with each batch's size.
    """
    started = time.monotonic()
    path = engine.search_index_dir()
    high_water = _high_water()
    index = engine.open_index(path, create=not engine.index_exists(path))
    written, _ = _write(index, event_documents(), clear=True, progress=progress)
    engine.write_meta(path, high_water=high_water, build=uuid.uuid4().hex)
    return IndexReport(
        written=written,
        documents=index.searcher().num_docs,
        seconds=time.monotonic() - started,
        rebuilt=True,
    )


def search_index_update(
    *, event_ids: Iterable[int] = (), company_ids: Iterable[int] = ()
) -> IndexReport:
    """Re-index the events ``event_ids`` and every event of ``company_ids`` from the database.

    Ids no longer in the database are deleted from the index. Builds the whole index
    when there is none yet.
    """
    started = time.monotonic()
    path = engine.search_index_dir()
    if not engine.index_exists(path):
        return search_index_rebuild()
    ids = set(event_ids)
    companies = set(company_ids)
    if companies:
        ids |= set(
            TriggerEvent.objects.filter(company_id__in=companies).values_list("id", flat=True)
        )
        index = engine.open_index(path)
        # Events that left these companies (deleted companies included) go as well.
        ids |= _indexed_ids_of_companies(index, companies)
    if not ids:
        return IndexReport()
    index = engine.open_index(path)
    written, deleted = _write(index, event_documents(ids), delete=ids)
    return IndexReport(
        written=written,
        deleted=deleted - written,
        documents=index.searcher().num_docs,
        seconds=time.monotonic() - started,
    )


def _indexed_ids_of_companies(index: tantivy.Index, companies: set[int]) -> set[int]:
    searcher = index.searcher()
    query = tantivy.Query.term_set_query(engine.SCHEMA, "company", sorted(companies))
    hits = searcher.search(query, max(searcher.num_docs, 1), count=False).hits
    values = searcher.fast_field_values("id", [address for _s, address in hits]) if hits else []
    return {int(v) for v in values if v is not None}


def search_index_sync(*, reconcile: bool = False) -> IndexReport:
    """Bring the index in step with the database; return what was written.

    Re-indexes events whose (or whose company's) ``updated_at`` is after the index's
    high-water mark; when the index and the database count different events, or
    with ``reconcile``, compares every id and stamp and fixes the differences. Builds the
    whole index when there is none. Takes the writer lock only when something changed.
    """
    started = time.monotonic()
    path = engine.search_index_dir()
    if not engine.index_exists(path):
        return search_index_rebuild()
    index = engine.open_index(path)
    index.reload()
    meta = engine.read_meta(path)
    mark = int(meta.get("high_water", 0))
    high_water = _high_water()
    since = dt.datetime.fromtimestamp(mark / 1_000_000, tz=dt.UTC)
    # Strictly after the mark: rows stamped at the mark were indexed by the sync that set
    # it (a bulk import stamps every row with one time). A row rewritten later with that
    # same stamp is caught by ``--update`` / ``search_index_sync(reconcile=True)``.
    named = Contact.objects.filter(imported_at__gt=since).values("company_id")
    changed = set(
        TriggerEvent.objects.filter(
            Q(updated_at__gt=since) | Q(company__updated_at__gt=since) | Q(company_id__in=named)
        )
        .values_list("id", flat=True)
        .order_by()
    )
    delete: set[int] = set()
    if reconcile or index.searcher().num_docs != TriggerEvent.objects.count():
        indexed = engine.engine_ids(index)
        in_database = _database_stamps()
        delete = set(indexed) - set(in_database)
        changed |= {i for i, s in in_database.items() if indexed.get(i) != s}
    if not changed and not delete:
        if high_water != mark:
            engine.write_meta(path, high_water=high_water)
        return IndexReport(documents=index.searcher().num_docs, seconds=time.monotonic() - started)
    written, deleted = _write(index, event_documents(changed), delete=changed | delete)
    engine.write_meta(path, high_water=high_water)
    return IndexReport(
        written=written,
        deleted=deleted - written,
        documents=index.searcher().num_docs,
        seconds=time.monotonic() - started,
    )


def search_index_check() -> CheckReport:
    """Compare the index with the database: missing, extra and out-of-date events by id."""
    path = engine.search_index_dir()
    in_database = _database_stamps()
    if not engine.index_exists(path):
        return CheckReport(database=len(in_database), indexed=0, missing=sorted(in_database))
    index = engine.open_index(path)
    index.reload()
    indexed = engine.engine_ids(index)
    return CheckReport(
        database=len(in_database),
        indexed=len(indexed),
        missing=sorted(set(in_database) - set(indexed)),
        extra=sorted(set(indexed) - set(in_database)),
        stale=sorted(i for i, s in in_database.items() if i in indexed and indexed[i] != s),
    )


# --- changes sent row by row (lead411.leads.search.receivers) ----------------------------

_pending_lock = threading.Lock()
_pending_events: set[int] = set()
_pending_companies: set[int] = set()
# How many ``search_index_batch`` blocks this thread is in.
_batch = threading.local()


@contextmanager
def search_index_batch() -> Iterator[None]:
    """Hold the rows queued inside the block and write them to the index once, at its end.

    An importer that saves row by row, one transaction per filing, would otherwise commit
    the index once per filing (about 0.15 s each: issue 14's benchmark). At the end of the
    outermost block the queue is written, on commit when a transaction is still open.
    """
    depth = getattr(_batch, "depth", 0)
    _batch.depth = depth + 1
    try:
        yield
    finally:
        _batch.depth = depth
        if depth == 0:
            transaction.on_commit(search_index_flush)


def search_index_mark_changed(
    *, event_ids: Iterable[int] = (), company_ids: Iterable[int] = ()
) -> None:
    """Queue rows for re-indexing when the transaction commits (or before the next search).

    Called by the signal receivers for saves, deletes and category changes; many rows
    of one transaction (or of one ``search_index_batch``) are written in one commit of the
    index.
    """
    with _pending_lock:
        first = not _pending_events and not _pending_companies
        _pending_events.update(event_ids)
        _pending_companies.update(company_ids)
    if first and not getattr(_batch, "depth", 0):
        transaction.on_commit(search_index_flush)


def search_index_flush() -> None:
    """Write the queued rows to the index (see ``search_index_mark_changed``)."""
    with _pending_lock:
        events, companies = set(_pending_events), set(_pending_companies)
        _pending_events.clear()
        _pending_companies.clear()
    if not events and not companies:
        return
    try:
        search_index_update(event_ids=events, company_ids=companies)
    except engine.SearchIndexUnavailable:
        logger.warning("Search index busy: %s events queued again", len(events))
        with _pending_lock:
            _pending_events.update(events)
            _pending_companies.update(companies)


# --- before each search ------------------------------------------------------------------


@dataclass
class _Synced:
    version: str
    at: float


_synced: dict[Path, _Synced] = {}


def leads_data_version() -> str | None:
    """Return the leads data version in the shared cache, or None when the cache lost it."""
    version = cache.get(DATA_VERSION_KEY)
    return None if version is None else str(version)


def search_index_fresh() -> tantivy.Index:
    """Return the open index, first brought in step with the database when it may lag.

    Cheap when nothing changed: one cache read. When the leads data version changed
    since this process last looked, the cache lost it, or ``SEARCH_INDEX_SYNC_SECONDS``
    passed, the index is synced (``search_index_sync``). A missing index is built here.
    """
    search_index_flush()
    path = engine.search_index_dir()
    version = leads_data_version()
    last = _synced.get(path)
    period = settings.SEARCH_INDEX_SYNC_SECONDS
    now = time.monotonic()
    if (
        last is not None
        and version is not None
        and last.version == version
        and now - last.at < period
        and engine.index_exists(path)
    ):
        return engine.open_index(path)
    # A new version, a first search in this process, a cache that lost the version, or
    # time for the periodic look: catch up (cheap when nothing changed).
    search_index_sync()
    if version is None:
        cache.add(DATA_VERSION_KEY, uuid.uuid4().hex, None)
        version = leads_data_version() or ""
    engine.write_meta(path, data_version=version)
    _synced[path] = _Synced(version=version, at=now)
    index = engine.open_index(path)
    index.reload()
    return index


def search_index_synced_now() -> None:
    """Record that this process's index matches the current data version (after a sync)."""
    version = leads_data_version()
    if version is not None:
        path = engine.search_index_dir()
        engine.write_meta(path, data_version=version)
        _synced[path] = _Synced(version=version, at=time.monotonic())
