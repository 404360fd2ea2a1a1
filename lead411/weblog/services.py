"""Writes of the weblog: day salts, pageview rows, log import, roll-up (clause P2)."""

import datetime as dt
import gzip
import hashlib
import hmac
import logging
import secrets
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import connection, transaction

from lead411.core import clock

from .classify import agent_columns, classify_user_agent
from .logparse import BadLine, parse_time, split_line
from .models import DailyCount, DaySalt, PageView
from .models import ImportedSource as ImportedSourceModel
from .privacy import clean_path, clean_referrer, is_page_path, minimise_ip, visitor_hash

logger = logging.getLogger(__name__)

VISIT_GAP = dt.timedelta(minutes=30)  # a visit ends after 30 minutes of inactivity (GA, GoAccess)


def query_allowlist() -> frozenset[str]:
    """Return the query parameters kept in stored paths (``WEBLOG_QUERY_ALLOWLIST``)."""
    return frozenset(settings.WEBLOG_QUERY_ALLOWLIST)


def day_salt_get(*, day: dt.date) -> bytes:
    """Return the 32-byte salt of UTC ``day``, creating it and destroying every other day's.

    Only one salt exists at a time, so yesterday's visitor hashes can no longer be
    recomputed from an IP and user agent (clause P2).
    """
    row = DaySalt.objects.filter(day=day).first()
    if row is not None:
        return bytes(row.salt)
    with transaction.atomic():
        DaySalt.objects.exclude(day=day).delete()
        row, _ = DaySalt.objects.get_or_create(day=day, defaults={"salt": secrets.token_bytes(32)})
    return bytes(row.salt)


PAGEVIEW_COLUMNS = (
    "time", "day", "method", "path", "status", "response_bytes", "duration_ms", "referrer",
    "referrer_domain", "search_engine", "browser_family", "browser_version", "os_family",
    "os_version", "device_class", "is_bot", "is_page", "network_prefix", "visitor_hash", "source",
)  # fmt: skip


def pageview_values(
    *,
    time: dt.datetime,
    ip: str,
    user_agent: str,
    method: str,
    path: str,
    status: int,
    response_bytes: int,
    referrer: str,
    day_salt: bytes,
    duration_ms: int | None = None,
    source: str = PageView.Source.LIVE,
    allowlist: frozenset[str] = frozenset(),
    hashed: str | None = None,
) -> tuple:
    """Return the minimised column values of one request, in ``PAGEVIEW_COLUMNS`` order.

    ``time`` is aware (converted to UTC); ``ip`` is the full client address, used for
    the network prefix and the visitor hash and then dropped; ``duration_ms`` is in
    milliseconds; ``hashed`` is a visitor hash the caller already computed. Raises
    nothing on odd input: unknown parts become "" or "Other".
    """
    utc = time.astimezone(dt.UTC)
    agent = classify_user_agent(user_agent[:1000])
    ref_url, ref_domain, engine = clean_referrer(referrer)
    return (
        utc,
        utc.date(),
        method[:10],
        clean_path(path, allowlist=allowlist),
        status,
        max(response_bytes, 0),
        duration_ms,
        ref_url,
        ref_domain,
        engine,
        agent.browser_family[:80],
        agent.browser_version[:20],
        agent.os_family[:80],
        agent.os_version[:20],
        agent.device_class,
        agent.is_bot,
        is_page_path(path),
        minimise_ip(ip),
        hashed or visitor_hash(ip=ip, user_agent=user_agent, day_salt=day_salt),
        source,
    )


def pageview_build(**kwargs: Any) -> PageView:
    """Return an unsaved PageView of ``pageview_values(**kwargs)``; same arguments."""
    return PageView(**dict(zip(PAGEVIEW_COLUMNS, pageview_values(**kwargs), strict=True)))


# --- Daily aggregates (the one way to aggregate: roll-up job and import both use it) ------

_MICROSECOND = dt.timedelta(microseconds=1)
_VISIT_GAP_US = VISIT_GAP // _MICROSECOND
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

ROLLUP_DIMENSIONS = {
    "page": "path",
    "referrer_domain": "referrer_domain",
    "search_engine": "search_engine",
    "browser": "browser_family",
    "os": "os_family",
    "device": "device_class",
    "status": "status",
}


def raw_cutoff(*, now: dt.datetime | None = None) -> dt.date:
    """Return the first UTC day kept as raw rows: today minus ``WEBLOG_RAW_RETENTION_DAYS`` (30).

    Days before it live only in DailyCount: the roll-up job moves them there, and the
    importer writes lines of such days there directly.
    """
    current = (now or clock.now()).astimezone(dt.UTC)
    return current.date() - dt.timedelta(days=int(settings.WEBLOG_RAW_RETENTION_DAYS))


class DayAggregate:
    """The DailyCount figures of one UTC day, built in memory from its requests.

    ``add`` takes one request as the importer caches its parts: ``page`` is
    ``(path, is_page)``, ``came_from`` is ``(referrer, referrer_domain, search_engine)``,
    ``agent`` is ``agent_columns()``'s six values, ``status`` an int, ``size`` bytes,
    ``visitor`` the visitor hash and ``time_us`` microseconds since the Unix epoch. Human
    requests are counted per distinct (page, referrer, agent, status) combination and per
    visitor the request times are kept, so ``rows()`` counts unique visitors and visits
    (runs with gaps under ``VISIT_GAP``) whatever order the requests came in. Bots only
    count by browser family. ``weblog_rollup`` feeds it raw rows, the importer log lines.
    """

    __slots__ = ("bot_visitors", "bots", "bytes", "combos", "visitors")

    def __init__(self) -> None:
        self.bytes = 0
        self.combos: Counter[tuple] = Counter()
        self.bots: Counter[str] = Counter()
        self.bot_visitors: set[str] = set()
        self.visitors: defaultdict[str, list[int]] = defaultdict(list)

    def add(
        self,
        page: tuple,
        came_from: tuple,
        agent: tuple,
        status: int,
        size: int,
        visitor: str,
        time_us: int,
    ) -> None:
        """Count one request (arguments in the class docstring)."""
        if agent[5]:
            self.bots[agent[0]] += 1
            self.bot_visitors.add(visitor)
            return
        self.combos[page, came_from, agent, status] += 1
        self.bytes += size
        self.visitors[visitor].append(time_us)

    def rows(self) -> Iterator[tuple[str, str, int]]:
        """Yield ``(dimension, key, count)``: the totals, then the top-list counts.

        Totals: hits, pageviews, visitors, visits, bot_hits, bytes (humans' response
        bytes) and bot_visitors (distinct visitor hashes of bots, kept for comparisons
        with tools that count bots as visitors, such as GoAccess; not in the report).

        Keys are text cut to 500 characters; empty keys are left out (a bot without a
        browser family counts as "Other"). The same key may come twice: callers sum.
        """
        hits = pageviews = visits = 0
        counted: dict[str, Counter[str]] = {d: Counter() for d in ROLLUP_DIMENSIONS}
        for (page, came_from, agent, status), n in self.combos.items():
            hits += n
            if page[1]:
                pageviews += n
                counted["page"][page[0]] += n
            counted["referrer_domain"][came_from[1]] += n
            counted["search_engine"][came_from[2]] += n
            counted["browser"][agent[0]] += n
            counted["os"][agent[2]] += n
            counted["device"][agent[4]] += n
            counted["status"][str(status)] += n
        for times in self.visitors.values():
            times.sort()
            last: int | None = None
            for time in times:
                if last is None or time - last >= _VISIT_GAP_US:
                    visits += 1
                last = time
        yield "totals", "hits", hits
        yield "totals", "pageviews", pageviews
        yield "totals", "visitors", len(self.visitors)
        yield "totals", "visits", visits
        yield "totals", "bot_hits", sum(self.bots.values())
        yield "totals", "bot_visitors", len(self.bot_visitors)
        yield "totals", "bytes", self.bytes
        for dimension, counts in counted.items():
            for key, count in counts.items():
                if key:
                    yield dimension, key[:500], count
        for key, count in self.bots.items():
            yield "bot", key or "Other", count


def daily_counts_add(*, day: dt.date, rows: Iterable[tuple[str, str, int]]) -> None:
    """Add ``(dimension, key, count)`` rows to DailyCount of ``day`` (summing equal keys).

    A figure already stored for the day is increased, so unique visitors of a day
    aggregated twice (a log imported after the day was rolled up) may count one person
    twice. Run it inside the caller's transaction.
    """
    totals: defaultdict[tuple[str, str], int] = defaultdict(int)
    for dimension, key, count in rows:
        totals[dimension, key] += count
    existing = {(c.dimension, c.key): c for c in DailyCount.objects.filter(day=day)}
    new, changed = [], []
    for (dimension, key), count in totals.items():
        if (dimension, key) in existing:
            row = existing[dimension, key]
            row.count += count
            changed.append(row)
        else:
            new.append(DailyCount(day=day, dimension=dimension, key=key, count=count))
    DailyCount.objects.bulk_create(new, batch_size=1000)
    DailyCount.objects.bulk_update(changed, ["count"], batch_size=1000)


# --- Import of server logs -------------------------------------------------------------


@dataclass
class ImportResult:
    """Counts of one import; ``bad_samples`` holds (file, line number, reason), never a line."""

    read: int = 0
    imported: int = 0
    skipped_bots: int = 0
    already: int = 0
    bad: int = 0
    bad_samples: list[tuple[str, int, str]] = field(default_factory=list)

    def summary(self) -> str:
        """Return ``read= imported= skipped_bots= bad=`` (and ``already=`` when non-zero)."""
        text = (
            f"read={self.read} imported={self.imported} "
            f"skipped_bots={self.skipped_bots} bad={self.bad}"
        )
        return text + (f" already={self.already}" if self.already else "")


def _open_text(path: Path) -> IO[str]:
    with path.open("rb") as probe:
        gzipped = probe.read(2) == b"\x1f\x8b"
    if gzipped:
        return gzip.open(path, "rt", encoding="utf-8", errors="replace")
    return path.open("r", encoding="utf-8", errors="replace")


def file_fingerprint(path: Path) -> str:
    """Return SHA-256 (hex) of the first line of ``path``, decompressed when gzipped.

    A log only grows at its end, so the first line names it across appends and
    compression; two logs starting with the very same request to the second are
    taken as one.
    """
    with _open_text(path) as handle:
        head = handle.readline()
    return hashlib.sha256(head.encode("utf-8", "replace")).hexdigest()


def _import_salts(seed: bytes) -> Callable[[str], bytes]:
    """Salts for the days seen in a log: past days' derive from ``seed``, today's is stored.

    The returned function takes an ISO day ("2015-05-17") and returns its 32-byte salt:
    HMAC-SHA256(seed, day) for a past day, the stored day salt for today (so imported
    and live rows of today share visitors). ``seed`` is random per file and kept only
    until the file's import reaches its end (``ImportedSource.salt_seed``).
    """
    today = clock.now().astimezone(dt.UTC).date().isoformat()
    salts: dict[str, bytes] = {}

    def salt_for(day: str) -> bytes:
        if day == today:
            return day_salt_get(day=dt.date.fromisoformat(day))
        if day not in salts:
            salts[day] = hmac.new(seed, day.encode(), hashlib.sha256).digest()
        return salts[day]

    return salt_for


# The importer's column order: the values cached per path, per referrer and per visitor
# (user-agent classification, network, hash) sit together, so a row is a few tuples joined.
IMPORT_COLUMNS = (
    "time", "day", "method", "status", "response_bytes",
    "path", "is_page",
    "referrer", "referrer_domain", "search_engine",
    "browser_family", "browser_version", "os_family", "os_version", "device_class", "is_bot",
    "network_prefix", "visitor_hash",
)  # fmt: skip
_CACHE_LIMIT = 100_000  # entries per import cache; a cache that fills is emptied
_BULK_MIN_LINES = 100_000


def _rows_insert(
    rows: list[tuple],
    *,
    columns: tuple[str, ...] = IMPORT_COLUMNS,
    constants: dict[str, str | None] | None = None,
) -> None:
    """Insert ``rows`` (values of ``columns``, time and day as text) on ``connection``.

    ``constants`` are the same on every row (default: an import's NULL duration and
    source): SQL literals on SQLite, appended to each row for COPY. PostgreSQL gets one
    COPY. SQLite gets multi-row INSERTs as long as its bound-variable limit allows (about
    1,800 rows each), run on the driver's connection: a third cheaper than executemany,
    which steps once per row. No model instances either way.
    """
    if constants is None:
        constants = {"duration_ms": None, "source": str(PageView.Source.IMPORT)}
    quote = connection.ops.quote_name
    table = quote(PageView._meta.db_table)
    names = ", ".join(quote(c) for c in (*columns, *constants))
    if connection.vendor == "postgresql":
        tail = tuple(constants.values())
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row + tail)
        return
    connection.ensure_connection()
    raw = connection.connection
    # Our own constants ("import", "live", None), never input: safe as literals.
    literals = ["NULL" if v is None else f"'{v}'" for v in constants.values()]
    values = "(" + ", ".join(["?"] * len(columns) + literals) + ")"
    per_statement = raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // len(columns)
    statements: dict[int, str] = {}
    with connection.wrap_database_errors:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            sql = statements.get(len(chunk))
            if sql is None:
                sql = statements[len(chunk)] = (
                    f"INSERT INTO {table} ({names}) VALUES {', '.join([values] * len(chunk))}"  # noqa: S608 - names from the model
                )
            raw.execute(sql, list(chain.from_iterable(chunk)))


LIVE_COLUMNS = (*IMPORT_COLUMNS, "duration_ms")


def live_requests_write(*, requests: list[tuple]) -> int:
    """Minimise and insert the requests the middleware queued; return how many rows.

    Each item is ``(time, day_salt, ip, user_agent, method, full_path, status,
    response_bytes, referrer, duration_ms)``: ``time`` aware, ``day_salt`` the 32-byte
    salt of its UTC day (taken when the request was queued, since the salt may have
    rotated since), ``ip`` the full address, which is only minimised and hashed here and
    never stored (clause P2). Runs off the request path (``recorder.PageViewBuffer``).
    """
    allowlist = query_allowlist()
    sqlite = connection.vendor == "sqlite"
    rows = []
    for time, salt, ip, agent, method, url, status, size, referrer, duration in requests:
        utc = time.astimezone(dt.UTC)
        rows.append(
            (
                str(utc.replace(tzinfo=None)) if sqlite else str(utc),
                str(utc.date()),
                method[:10],
                status,
                max(size, 0),
                clean_path(url, allowlist=allowlist),
                is_page_path(url),
                *clean_referrer(referrer),
                *agent_columns(agent),
                minimise_ip(ip),
                visitor_hash(ip=ip, user_agent=agent, day_salt=salt),
                duration,
            )
        )
    _rows_insert(rows, columns=LIVE_COLUMNS, constants={"source": str(PageView.Source.LIVE)})
    return len(rows)


def _estimated_lines(path: Path) -> int:
    """Return about how many lines ``path`` holds, from its size and its first 64 KiB."""
    with path.open("rb") as handle:
        head = handle.read(65536)
        size = path.stat().st_size
        if head[:2] == b"\x1f\x8b" and size >= 4:
            # A gzip member ends with its uncompressed size modulo 2**32 (RFC 1952).
            handle.seek(-4, 2)
            size = int.from_bytes(handle.read(4), "little")
            head = gzip.decompress(head) if len(head) == size else b""
            if not head:
                with gzip.open(path, "rb") as unzipped:
                    head = unzipped.read(65536)
    return size * max(head.count(b"\n"), 1) // max(len(head), 1)


def _bulk_worthwhile(path: Path, done: int) -> bool:
    """Return True when loading ``path`` without the pageview index, then rebuilding it, pays.

    SQLite only: its index costs more to keep up row by row than to rebuild by sorting
    once when the file's new lines are at least as many as the rows already stored
    (and 100,000 or more). PostgreSQL keeps its index: dropping it would lock readers out.
    """
    if connection.vendor != "sqlite":
        return False
    new_lines = _estimated_lines(path) - done
    return new_lines >= _BULK_MIN_LINES and new_lines >= PageView.objects.count()


def _pageview_indexes() -> list[tuple[str, str]]:
    """Return (drop SQL, create SQL) of each index of the pageview table other than its key."""
    editor = connection.schema_editor()
    return [
        (f"DROP INDEX {editor.quote_name(index.name)}", str(index.create_sql(PageView, editor)))
        for index in PageView._meta.indexes
    ]


def access_log_import(
    *,
    path: Path,
    log_format: str = "combined",
    batch_rows: int = 5000,
    progress: Callable[[int], None] | None = None,
    max_bad_samples: int = 10,
    bulk: bool | None = None,
) -> ImportResult:
    """Import one Apache/nginx access log (plain or gzip), streaming, in batches.

    Every line is minimised like a live request (clause P2). Bots are flagged and counted
    in ``skipped_bots`` (they are kept out of visitor figures). Bad lines are counted with
    a sample of (file name, line number, reason). ``progress`` is called with bytes read.

    Where a line goes: a line whose UTC day is before ``raw_cutoff()`` (older than
    ``WEBLOG_RAW_RETENTION_DAYS`` at import time) is counted into that day's in-memory
    ``DayAggregate`` (the roll-up job's own aggregation) and never stored raw; the
    aggregates of all such days are added to DailyCount when the file ends, in one
    transaction with the file's progress, so a day spread over the whole file (lines are
    not assumed to be in time order) counts each visitor and visit once. Memory grows
    with those days' human requests (one integer each) and distinct combinations of
    page, referrer, agent and status. Recent lines become PageView rows in batches.

    Idempotence: ``ImportedSource.lines_done`` (raw rows) is stored in the same
    transaction as each batch of rows, ``lines_aggregated`` with the daily aggregates at
    the end. A second import of the same file adds nothing; an import killed midway
    resumes: it reads the file from ``lines_aggregated`` on, aggregates old-day lines
    again (none of them was committed) and skips recent lines up to ``lines_done``. In
    ``bulk`` mode (default: ``_bulk_worthwhile``, a big file into a smaller SQLite table)
    the whole file is one transaction that drops the pageview index, inserts, and
    rebuilds it: a killed bulk import leaves nothing, and other writers wait meanwhile.

    Speed (the benchmark in ``bench/bench_weblog.py``): lines are cut with ``str.split``;
    timestamps, paths, referrers and (IP, user agent, day) triples are parsed once and
    cached, since real logs repeat them; rows are plain tuples written by multi-row
    INSERTs (SQLite) or COPY (PostgreSQL).
    """
    result = ImportResult()
    source, _ = ImportedSourceModel.objects.get_or_create(fingerprint=file_fingerprint(path))
    done = source.lines_done
    aggregated = min(source.lines_aggregated, done)
    seed = bytes(source.salt_seed)
    if not seed:
        seed = secrets.token_bytes(32)
        ImportedSourceModel.objects.filter(pk=source.pk).update(salt_seed=seed)
    if bulk is None:
        bulk = _bulk_worthwhile(path, done)
    allowlist = query_allowlist()
    salt_for = _import_salts(seed)
    cutoff = raw_cutoff().isoformat()  # ISO days compare as text
    zone = "" if connection.vendor == "sqlite" else "+00:00"  # SQLite stores naive UTC text
    times: dict[str, tuple[str, str, int]] = {}
    pages: dict[str, tuple[str, bool]] = {}
    referrers: dict[str, tuple[str, str, str]] = {}
    agents: dict[str, tuple] = {}
    visitors: dict[tuple[str, str, str], tuple[tuple, tuple]] = {}
    old_days: dict[str, DayAggregate] = {}
    batch: list[tuple] = []
    line_no = 0

    def flush(upto: int) -> None:
        """Write the batch; ``upto`` is the number of the last line it covers."""
        if bulk:
            _rows_insert(batch)
        else:
            with transaction.atomic():
                _rows_insert(batch)
                ImportedSourceModel.objects.filter(pk=source.pk).update(lines_done=upto)
        batch.clear()

    with transaction.atomic() if bulk else nullcontext(), _open_text(path) as handle:
        indexes = _pageview_indexes() if bulk else []
        if indexes:
            with connection.cursor() as cursor:
                for drop, _create in indexes:
                    cursor.execute(drop)
        # About 1 MiB of lines at a time: progress and line numbers are counted per chunk.
        while chunk := handle.readlines(1 << 20):
            first = line_no + 1
            line_no += len(chunk)
            if progress is not None:
                progress(sum(map(len, chunk)))
            skip = max(aggregated - first + 1, 0)
            for number, line in enumerate(chunk[skip:] if skip else chunk, first + skip):
                try:
                    host, stamp, method, url, status, size, referrer, agent = split_line(
                        line, log_format=log_format
                    )
                    when = times.get(stamp)
                    if when is None:
                        moment = parse_time(stamp)
                        utc = str(moment.replace(tzinfo=None))
                        if len(times) >= _CACHE_LIMIT:
                            times.clear()
                        when = times[stamp] = (
                            utc + zone,
                            utc[:10],
                            (moment - _EPOCH) // _MICROSECOND,
                        )
                except BadLine as error:
                    if number > done:
                        result.bad += 1
                        if len(result.bad_samples) < max_bad_samples:
                            result.bad_samples.append((path.name, number, str(error)))
                    continue
                day = when[1]
                old = day < cutoff
                if not old and number <= done:
                    continue  # a recent line whose row an earlier run committed
                page = pages.get(url)
                if page is None:
                    if len(pages) >= _CACHE_LIMIT:
                        pages.clear()
                    page = pages[url] = (clean_path(url, allowlist=allowlist), is_page_path(url))
                came_from = referrers.get(referrer)
                if came_from is None:
                    if len(referrers) >= _CACHE_LIMIT:
                        referrers.clear()
                    came_from = referrers[referrer] = clean_referrer(referrer)
                visitor = visitors.get((host, agent, day))
                if visitor is None:
                    classified = agents.get(agent)
                    if classified is None:
                        if len(agents) >= _CACHE_LIMIT:
                            agents.clear()
                        classified = agents[agent] = agent_columns(agent)
                    if len(visitors) >= _CACHE_LIMIT:
                        visitors.clear()  # bounds memory on logs with very many visitors
                    visitor = visitors[host, agent, day] = (
                        classified,
                        (
                            *classified,
                            minimise_ip(host),
                            visitor_hash(ip=host, user_agent=agent, day_salt=salt_for(day)),
                        ),
                    )
                if number > done and visitor[0][5]:
                    result.skipped_bots += 1
                if old:
                    aggregate = old_days.get(day)
                    if aggregate is None:
                        aggregate = old_days[day] = DayAggregate()
                    aggregate.add(
                        page,
                        came_from,
                        visitor[0],
                        int(status),
                        0 if size == "-" else int(size),
                        visitor[1][7],
                        when[2],
                    )
                    continue
                batch.append(
                    (
                        when[0],
                        day,
                        method,
                        int(status),
                        0 if size == "-" else int(size),
                        *page,
                        *came_from,
                        *visitor[1],
                    )
                )
                if len(batch) >= batch_rows:
                    flush(number)
        if batch:
            flush(line_no)
        if indexes:
            with connection.cursor() as cursor:
                for _drop, create in indexes:
                    cursor.execute(create)
        # The end of the file: the old days' figures and the progress together; the
        # seed goes, so these days' hashes cannot be recomputed.
        with transaction.atomic():
            for day, aggregate in sorted(old_days.items()):
                daily_counts_add(day=dt.date.fromisoformat(day), rows=aggregate.rows())
            ImportedSourceModel.objects.filter(pk=source.pk).update(
                lines_done=max(line_no, done),
                lines_aggregated=max(line_no, aggregated),
                salt_seed=b"",
            )
    result.read = line_no
    result.already = min(done, line_no)
    result.imported = max(line_no - done, 0) - result.bad
    return result


# --- Roll-up ----------------------------------------------------------------------------


def count_visits(times_by_visitor: Iterable[tuple[str, dt.datetime]]) -> int:
    """Return the number of visits in (visitor_hash, time) pairs sorted by visitor then time.

    A visit is a run of requests of one visitor with gaps under 30 minutes.
    """
    visits = 0
    last_visitor: str | None = None
    last_time: dt.datetime | None = None
    for visitor, time in times_by_visitor:
        if visitor != last_visitor or last_time is None or time - last_time >= VISIT_GAP:
            visits += 1
        last_visitor, last_time = visitor, time
    return visits


_ROLLUP_COLUMNS = (
    "path", "is_page", "referrer", "referrer_domain", "search_engine", "browser_family",
    "browser_version", "os_family", "os_version", "device_class", "is_bot", "status",
    "response_bytes", "visitor_hash", "time",
)  # fmt: skip


def _day_aggregate(day: dt.date) -> DayAggregate:
    """Return the DayAggregate of the raw rows of ``day``, streamed from the database."""
    aggregate = DayAggregate()
    rows = PageView.objects.filter(day=day).values_list(*_ROLLUP_COLUMNS)
    for row in rows.iterator(chunk_size=5000):
        aggregate.add(
            row[0:2],
            row[2:5],
            row[5:11],
            row[11],
            row[12],
            row[13],
            (row[14] - _EPOCH) // _MICROSECOND,
        )
    return aggregate


@dataclass
class RollupResult:
    """Days rolled up and raw rows deleted by one ``weblog_rollup`` run."""

    days: list[dt.date]
    rows_deleted: int


def weblog_rollup(*, now: dt.datetime | None = None) -> RollupResult:
    """Roll raw rows older than ``WEBLOG_RAW_RETENTION_DAYS`` into DailyCount, then delete them.

    Meant to run daily from the scheduler. It also destroys any salt of a past day, in
    case no request arrived today to rotate it (clause P2). A day's raw rows are streamed
    through ``DayAggregate`` and written by ``daily_counts_add``, the code the importer
    uses for old-day lines, so both give the same figures. A day already in DailyCount
    (rolled up before, or imported as an old day) has the new counts added, so unique
    visitors of such a day can count one person twice. Each day is one transaction.
    Returns the days and the number of raw rows deleted.
    """
    current = (now or clock.now()).astimezone(dt.UTC)
    cutoff = raw_cutoff(now=current)
    DaySalt.objects.filter(day__lt=current.date()).delete()
    days = sorted(PageView.objects.filter(day__lt=cutoff).values_list("day", flat=True).distinct())
    deleted = 0
    for day in days:
        with transaction.atomic():
            daily_counts_add(day=day, rows=_day_aggregate(day).rows())
            deleted += PageView.objects.filter(day=day).delete()[0]
    if days:
        logger.info("weblog roll-up: %d days, %d raw rows deleted", len(days), deleted)
    return RollupResult(days=days, rows_deleted=deleted)
