"""The tantivy backend of lead search: the schema, the analyzer, queries, search, facets.

This module is the seam to the engine. It knows tantivy and nothing of Django's ORM: it
takes a ``LeadQuery`` and returns event ids in order, the total and the facet counts
(``Hits``), and it writes documents that ``lead411.leads.search.index`` prepares from the
database. Facets are tantivy terms aggregations, whose JSON follows Elasticsearch's, so
the same request can later go to OpenSearch or Quickwit (docs/decisions/0003-lead-search-on-tantivy.md).

One tantivy index lives in ``search_index_dir()``; each process keeps one open ``Index``
and reloads its reader when another process commits (see ``index.search_index_fresh``).
"""

import datetime as dt
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import tantivy
from django.conf import settings
from django.db import connection

from lead411.leads.search.query import LeadQuery, ParsedText, Term, fold, synonym_groups

# Bumped whenever the schema or the analysis changes: an index of another version is
# rebuilt from the database on first use.
SCHEMA_VERSION = 3
ANALYZER = "lead_en"
META_FILE = "lead411-meta.json"
# (field, BM25 boost): a company's name above its categories above the summary (issue 13).
TEXT_FIELDS = (
    ("name", 3.0),
    ("cats", 2.0),
    ("party", 1.5),
    ("people", 1.5),
    ("place", 1.5),
    ("round", 1.0),
    ("text", 1.0),
)
# A multi-field match scores as its best field plus this share of the others.
TIE_BREAKER = 0.2
# Facet parameters -> the raw fast fields their terms aggregations read.
FACET_FIELDS = {
    "kind": "f_kind",
    "round_type": "f_round_type",
    "category": "f_category",
    "country": "f_country",
    "region": "f_region",
    "city": "f_city",
}
# Each segment reports this many values per facet before the merge, so the top counts are
# exact (doc_count_error_upper_bound stays 0) on indexes with a few segments.
FACET_SEGMENT_SIZE = 10_000
EPOCH = dt.date(1970, 1, 1)
# Sort keys put unknown dates and amounts last in descending order.
NO_DATE = -1_000_000
NO_AMOUNT = -1.0
_ID_BITS = 32
_DAY_BITS = 16
_AMOUNT_CAP = 10**12  # USD; larger amounts sort as this (the largest real round is 3e10)
WRITER_HEAP_BYTES = 128_000_000
WRITER_LOCK_WAIT_SECONDS = 10.0


class SearchIndexUnavailable(Exception):
    """The index cannot be opened or written (for example another writer holds its lock)."""


def search_index_dir() -> Path:
    """Return the index folder: ``settings.SEARCH_INDEX_DIR``, else ``var/search-index/<db>``.

    The default folder is named after the database, so the test databases and the site's
    database never share an index.
    """
    configured = settings.SEARCH_INDEX_DIR
    if configured:
        return Path(configured)
    name = str(connection.settings_dict.get("NAME") or "default")
    slug = "".join(c if c.isalnum() else "-" for c in Path(name).name)[:60]
    return Path(settings.VAR_DIR) / "search-index" / f"{connection.vendor}-{slug}"


def analyzer() -> tantivy.TextAnalyzer:
    """Return the text analysis of every text field: words, lower case, ASCII, English stems."""
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )


_ANALYZER = analyzer()


def analyze(text: str) -> list[str]:
    """Return the terms the index holds for ``text`` (the same analysis as the index)."""
    return list(_ANALYZER.analyze(text))


def round_token(series: str) -> str:
    """Return the indexed word of a series (``A`` -> ``seriesa``), one token, never in text."""
    return "series" + fold(series).strip()


def build_schema() -> tantivy.Schema:
    """Return the schema: ids and sort keys (fast), text fields, and raw facet fields."""
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", indexed=True, fast=True)
    builder.add_integer_field("company", indexed=True, fast=True)
    builder.add_integer_field("stamp", fast=True)
    builder.add_integer_field("days", fast=True)
    builder.add_integer_field("date_key", fast=True)
    builder.add_float_field("amount", fast=True)
    builder.add_integer_field("amount_key", fast=True)
    # 1 for an event of a fund, trust or REIT (Company.investment_vehicle), else 0.
    builder.add_integer_field("vehicle", indexed=True, fast=True)
    for name, _boost in TEXT_FIELDS:
        builder.add_text_field(name, tokenizer_name=ANALYZER)
    for field in FACET_FIELDS.values():
        builder.add_text_field(field, tokenizer_name="raw", fast=True, index_option="basic")
    return builder.build()


SCHEMA = build_schema()


@dataclass(frozen=True)
class EventDocument:
    """What the index holds of one event, prepared from the database by ``index``.

    ``stamp`` is the latest of the event's and its company's ``updated_at`` and the
    company's newest contact (``imported_at``) in microseconds: ``check`` compares it with
    the database. ``people`` holds the names of the company's contacts.
    """

    id: int
    company_id: int
    stamp: int
    announced_on: dt.date | None
    amount_usd: Decimal | None
    name: str
    categories: tuple[str, ...]
    category_words: str
    place_words: str
    round_words: str
    party: str
    people: str
    text: str
    kind: str
    round_type: str
    country: str
    region: str
    city: str
    investment_vehicle: bool = False

    def to_tantivy(self) -> tantivy.Document:
        days = (self.announced_on - EPOCH).days if self.announced_on else NO_DATE
        doc = tantivy.Document(
            id=self.id,
            company=self.company_id,
            stamp=self.stamp,
            days=days,
            date_key=(days << _ID_BITS) + self.id,
            amount=float(self.amount_usd) if self.amount_usd is not None else NO_AMOUNT,
            amount_key=_amount_key(self.amount_usd, days),
            vehicle=int(self.investment_vehicle),
            name=self.name,
            cats=self.category_words,
            party=self.party,
            people=self.people,
            place=self.place_words,
            round=self.round_words,
            text=self.text,
        )
        for param, value in (
            ("kind", self.kind),
            ("round_type", self.round_type),
            ("country", self.country),
            ("region", self.region),
            ("city", self.city),
        ):
            if value:
                doc.add_text(FACET_FIELDS[param], value)
        for category in self.categories:
            doc.add_text(FACET_FIELDS["category"], category)
        return doc


def _amount_key(amount: Decimal | None, days: int) -> int:
    """Return a key sorting by amount (whole dollars), then date; unknown amounts last."""
    if amount is None:
        return -1
    dollars = min(int(amount), _AMOUNT_CAP)
    return (dollars << _DAY_BITS) + min(max(days, 0), (1 << _DAY_BITS) - 1)


# --- the open index, one per process ---------------------------------------------------

_lock = threading.RLock()
_open: dict[Path, tantivy.Index] = {}


def read_meta(path: Path) -> dict[str, Any]:
    """Return the index folder's bookkeeping (schema version, data version, high-water mark)."""
    try:
        return dict(json.loads((path / META_FILE).read_text()))
    except (OSError, ValueError):
        return {}


def write_meta(path: Path, **values: Any) -> None:
    """Merge ``values`` into the folder's bookkeeping, atomically (write, then rename)."""
    meta = read_meta(path) | values
    temporary = path / (META_FILE + ".tmp")
    temporary.write_text(json.dumps(meta, sort_keys=True))
    temporary.replace(path / META_FILE)


def index_exists(path: Path) -> bool:
    """Return whether ``path`` holds an index of this ``SCHEMA_VERSION``."""
    return read_meta(path).get("schema_version") == SCHEMA_VERSION and tantivy.Index.exists(
        str(path)
    )


def open_index(path: Path, *, create: bool = False) -> tantivy.Index:
    """Return the process's open index at ``path``; ``create`` makes an empty one first.

    Raises ``SearchIndexUnavailable`` when there is no index of this schema there and
    ``create`` is false.
    """
    with _lock:
        if create:
            _open.pop(path, None)
            path.mkdir(parents=True, exist_ok=True)
            for old in path.iterdir():
                if old.is_file():
                    old.unlink()
            index = tantivy.Index(SCHEMA, path=str(path), reuse=False)
            index.register_tokenizer(ANALYZER, analyzer())
            write_meta(path, schema_version=SCHEMA_VERSION)
            _open[path] = index
            return index
        if path in _open:
            return _open[path]
        if not index_exists(path):
            raise SearchIndexUnavailable(f"No search index of version {SCHEMA_VERSION} in {path}.")
        index = tantivy.Index(SCHEMA, path=str(path), reuse=True)
        index.register_tokenizer(ANALYZER, analyzer())
        _open[path] = index
        return index


def forget_index(path: Path) -> None:
    """Drop the process's open handle of ``path`` (after the folder was replaced)."""
    with _lock:
        _open.pop(path, None)


@contextmanager
def index_writer(index: tantivy.Index) -> Iterator[tantivy.IndexWriter]:
    """Yield the index's writer and commit when the block ends; roll back on an error.

    tantivy allows one writer per index (a lock file): another process holding it is
    waited for up to ``WRITER_LOCK_WAIT_SECONDS``, then ``SearchIndexUnavailable``.
    """
    deadline = time.monotonic() + WRITER_LOCK_WAIT_SECONDS
    while True:
        try:
            writer = index.writer(WRITER_HEAP_BYTES, 1)
            break
        except ValueError as error:  # LockBusy: another writer is at work
            if time.monotonic() > deadline:
                raise SearchIndexUnavailable(f"The search index is locked: {error}") from error
            time.sleep(0.05)
    try:
        yield writer
    except BaseException:
        writer.rollback()
        raise
    writer.commit()
    writer.wait_merging_threads()
    index.reload()


def delete_ids(writer: tantivy.IndexWriter, ids: list[int]) -> None:
    """Delete the documents of the events ``ids``."""
    if ids:
        writer.delete_documents_by_query(tantivy.Query.term_set_query(SCHEMA, "id", ids))


# --- queries -----------------------------------------------------------------------------


def _alternatives(term: Term) -> list[list[str]]:
    """Return the analysed forms a term matches: itself and its synonyms, each as terms."""
    if term.kind == "round":
        return [analyze(round_token(term.words[-1]))]
    group = synonym_groups().get(term.text, (term.text,))
    forms = [analyze(text) for text in group]
    return [form for form in forms if form]


def _field_query(field: str, tokens: list[str]) -> tantivy.Query:
    if len(tokens) == 1:
        return tantivy.Query.term_query(SCHEMA, field, tokens[0])
    words: list[str | tuple[int, str]] = list(tokens)
    return tantivy.Query.phrase_query(SCHEMA, field, words)


def _shared_start(a: str, b: str) -> str:
    """Return the longest string both ``a`` and ``b`` start with."""
    size = 0
    while size < min(len(a), len(b)) and a[size] == b[size]:
        size += 1
    return a[:size]


def _term_query(term: Term) -> tantivy.Query | None:
    """Return the query of one term over the text fields, boosted per field; None: no terms."""
    if term.kind == "prefix":
        # Indexed terms are stems: "software*" must find the stem "softwar", so the
        # pattern is what the typed prefix and its own stem share. Only letters and
        # digits reach the pattern.
        typed = "".join(c for c in fold(term.words[0]) if c.isalnum())
        stems = analyze(typed)
        base = _shared_start(typed, stems[0]) if stems else typed
        pattern = (base or typed) + ".*"
        per_field = [
            tantivy.Query.boost_query(tantivy.Query.regex_query(SCHEMA, name, pattern), boost)
            for name, boost in TEXT_FIELDS
        ]
        return tantivy.Query.disjunction_max_query(per_field, TIE_BREAKER)
    fields = [("round", 1.0)] if term.kind == "round" else TEXT_FIELDS
    alternatives = _alternatives(term)
    if not alternatives:
        return None
    per_field = [
        tantivy.Query.boost_query(_field_query(name, tokens), boost)
        for tokens in alternatives
        for name, boost in fields
    ]
    return tantivy.Query.disjunction_max_query(per_field, TIE_BREAKER)


def _text_clauses(parsed: ParsedText) -> list[tuple[tantivy.Occur, tantivy.Query]]:
    clauses: list[tuple[tantivy.Occur, tantivy.Query]] = []
    for group in parsed.must:
        queries = [q for q in (_term_query(term) for term in group) if q is not None]
        if len(queries) == 1:
            clauses.append((tantivy.Occur.Must, queries[0]))
        elif queries:
            should = [(tantivy.Occur.Should, q) for q in queries]
            clauses.append((tantivy.Occur.Must, tantivy.Query.boolean_query(should)))
    for term in parsed.must_not:
        query = _term_query(term)
        if query is not None:
            clauses.append((tantivy.Occur.MustNot, query))
    return clauses


def _days(day: dt.date) -> int:
    return (day - EPOCH).days


def _filter_clauses(query: LeadQuery) -> list[tantivy.Query]:
    filters = []
    for param, values in (
        ("kind", query.kinds),
        ("round_type", query.round_types),
        ("category", query.categories),
        ("country", query.countries),
        ("region", query.regions),
        ("city", query.cities),
    ):
        if values:
            filters.append(tantivy.Query.term_set_query(SCHEMA, FACET_FIELDS[param], list(values)))
    if query.date_from is not None or query.date_to is not None:
        low = _days(query.date_from) if query.date_from else NO_DATE + 1
        high = _days(query.date_to) if query.date_to else None
        filters.append(
            tantivy.Query.range_query(SCHEMA, "days", tantivy.FieldType.Integer, low, high)
        )
    if query.funds == "only":
        filters.append(tantivy.Query.term_query(SCHEMA, "vehicle", 1))
    elif query.funds == "exclude":
        filters.append(tantivy.Query.term_query(SCHEMA, "vehicle", 0))
    if query.amount_min is not None or query.amount_max is not None:
        low_amount = float(query.amount_min) if query.amount_min is not None else 0.0
        high_amount = float(query.amount_max) if query.amount_max is not None else None
        filters.append(
            tantivy.Query.range_query(
                SCHEMA, "amount", tantivy.FieldType.Float, low_amount, high_amount
            )
        )
    return filters


@dataclass(frozen=True)
class IdFilter:
    """A restriction of searches to a set of events, built once and reused by many searches.

    ``query`` matches exactly the documents of ``searcher`` whose id is in the set: one
    range of ids per run of consecutive indexed documents that are all in the set, or a
    term set of the ids when the set is scattered. Searches with the filter use
    ``searcher``, the snapshot it was built against (``id_filter``).
    """

    searcher: tantivy.Searcher
    query: tantivy.Query


# An id filter is made of ranges when the set's ids fall in at most this many runs of
# consecutive indexed documents; past it, a term set of the ids.
ID_FILTER_MAX_RANGES = 16
# The ranges are probed only when the set's id span is at most this many times its size
# (plus ID_FILTER_SPAN_SLACK): a wider span holds mostly other events.
ID_FILTER_SPAN_FACTOR = 4
ID_FILTER_SPAN_SLACK = 1000


def id_filter(index: tantivy.Index, ids: list[int]) -> IdFilter:
    """Return an ``IdFilter`` matching the indexed events among ``ids`` (one probe search).

    A term set of a few thousand ids costs about 1 ms for every search it restricts (each
    id is looked up in the term dictionary) and 0.4 ms to build; the window of a
    newsletter is mostly consecutive ids (ids grow with ``imported_at``), so one
    fast-field range over them matches the same documents at a quarter of the cost. The
    probe reads the ids indexed in ``min(ids) .. max(ids)``; an indexed event inside
    that span but not in ``ids`` (a catch-up, an event imported at another time) splits
    the span into several ranges, all of them exact.
    """
    searcher = index.searcher()
    wanted = sorted(set(ids))
    if not wanted:
        return IdFilter(searcher, tantivy.Query.term_set_query(SCHEMA, "id", []))
    low, high = wanted[0], wanted[-1]
    span = high - low + 1
    if span > ID_FILTER_SPAN_FACTOR * len(wanted) + ID_FILTER_SPAN_SLACK:
        return IdFilter(searcher, tantivy.Query.term_set_query(SCHEMA, "id", wanted))
    probe = tantivy.Query.range_query(SCHEMA, "id", tantivy.FieldType.Integer, low, high)
    hits = searcher.search(probe, span, count=False).hits
    indexed = sorted(
        int(i)
        for i in searcher.fast_field_values("id", [address for _key, address in hits])
        if i is not None
    )
    members = set(wanted)
    runs: list[tuple[int, int]] = []
    open_run = False
    for event_id in indexed:
        if event_id not in members:
            open_run = False
        elif open_run:
            runs[-1] = (runs[-1][0], event_id)
        else:
            runs.append((event_id, event_id))
            open_run = True
    if len(runs) > ID_FILTER_MAX_RANGES:
        return IdFilter(searcher, tantivy.Query.term_set_query(SCHEMA, "id", wanted))
    ranges = [
        tantivy.Query.range_query(SCHEMA, "id", tantivy.FieldType.Integer, first, last)
        for first, last in runs
    ]
    if not ranges:
        return IdFilter(searcher, tantivy.Query.term_set_query(SCHEMA, "id", []))
    if len(ranges) == 1:
        return IdFilter(searcher, ranges[0])
    return IdFilter(
        searcher, tantivy.Query.boolean_query([(tantivy.Occur.Should, r) for r in ranges])
    )


def build_query(query: LeadQuery, *, within: IdFilter | None = None) -> tantivy.Query:
    """Return the tantivy query of a ``LeadQuery``: its text clauses and its filters.

    Filters are constant-score clauses, so relevance comes from the words alone. A query
    with only exclusions (``NOT software``) matches everything else. ``within``
    restricts the matches to its events (the digest's new events of the day).
    """
    clauses = _text_clauses(query.parsed)
    filters = _filter_clauses(query)
    if within is not None:
        filters.append(within.query)
    clauses += [(tantivy.Occur.Must, tantivy.Query.const_score_query(f, 0.0)) for f in filters]
    if not any(occur == tantivy.Occur.Must for occur, _ in clauses):
        clauses.append((tantivy.Occur.Must, tantivy.Query.all_query()))
    if len(clauses) == 1:
        return clauses[0][1]
    return tantivy.Query.boolean_query(clauses)


@dataclass(frozen=True)
class Hits:
    """An engine answer: ``ids`` of events in sort order, ``total`` matches, facet counts.

    ``facets`` maps a facet parameter to ``(value, count)`` pairs, most events first,
    ties by value; absent when not asked for.
    """

    ids: list[int]
    total: int
    facets: dict[str, list[tuple[str, int]]]


def facet_request(size: int) -> dict[str, Any]:
    """Return the terms aggregations of the six facets (Elasticsearch-shaped JSON)."""
    return {
        param: {"terms": {"field": field, "size": size, "segment_size": FACET_SEGMENT_SIZE}}
        for param, field in FACET_FIELDS.items()
    }


def engine_search(
    index: tantivy.Index,
    query: LeadQuery,
    *,
    offset: int,
    limit: int,
    facet_size: int = 0,
    within: IdFilter | None = None,
) -> Hits:
    """Return the ids ``offset .. offset+limit`` of the matches of ``query`` in its sort order.

    With ``facet_size`` the six facets' top ``facet_size`` values are counted over every
    match. Sorts: relevance (BM25), date (newest first, then highest id), amount (largest
    first, then newest); unknown dates and amounts go last. ``within``: see
    ``build_query``; the search then reads the filter's snapshot of the index.
    """
    searcher = within.searcher if within is not None else index.searcher()
    tantivy_query = build_query(query, within=within)
    sort = query.effective_sort
    order_by = {"date": "date_key", "amount": "amount_key"}.get(sort)
    result = searcher.search(
        tantivy_query,
        max(limit, 1),
        count=True,
        order_by_field=order_by,
        offset=offset,
    )
    # The bundled stub omits SearchResult.count (tantivy-py 0.27), which the binding has.
    total: int = result.count  # type: ignore[attr-defined]
    hits = result.hits if limit else []
    ids = searcher.fast_field_values("id", [address for _key, address in hits]) if hits else []
    facets: dict[str, list[tuple[str, int]]] = {}
    if facet_size and total:
        answer = searcher.aggregate(tantivy_query, facet_request(facet_size))
        for param in FACET_FIELDS:
            buckets = answer.get(param, {}).get("buckets", [])
            pairs = [(str(b["key"]), int(b["doc_count"])) for b in buckets]
            facets[param] = sorted(pairs, key=lambda pair: (-pair[1], pair[0]))
    ids_found = [int(i) for i in ids if i is not None]
    return Hits(ids=ids_found, total=total, facets=facets)


def engine_ids(index: tantivy.Index) -> dict[int, int]:
    """Return every indexed event id -> its stamp (for ``check`` and reconciling)."""
    searcher = index.searcher()
    total = searcher.num_docs
    if not total:
        return {}
    hits = searcher.search(tantivy.Query.all_query(), total, count=False).hits
    addresses = [address for _score, address in hits]
    ids = searcher.fast_field_values("id", addresses)
    stamps = searcher.fast_field_values("stamp", addresses)
    return {int(i): int(s or 0) for i, s in zip(ids, stamps, strict=True) if i is not None}
