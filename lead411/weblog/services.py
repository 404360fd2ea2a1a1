"""Writes of the weblog: day salts, pageview rows, log import, roll-up (clause P2)."""

import datetime as dt
import gzip
import hashlib
import logging
import secrets
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import chain
from pathlib import Path
from typing import IO, NamedTuple, TypeVar

from django.conf import settings
from django.db import connection, transaction

from lead411.core import clock

from .classify import AgentColumns, agent_columns
from .logparse import BadLine, BadRequestLine, BadTimestamp, NotALogLine, parse_time, split_line
from .models import DailyCount, DaySalt, PageView
from .models import ImportedSource as ImportedSourceModel
from .privacy import (
    CameFrom,
    clean_path,
    clean_referrer,
    is_page_path,
    minimise_ip,
    visitor_hash,
)

logger = logging.getLogger(__name__)

VISIT_GAP = dt.timedelta(minutes=30)  # a visit ends after 30 minutes of inactivity (GA, GoAccess)


def query_allowlist() -> frozenset[str]:
    """Return the query parameters kept in stored paths (``WEBLOG_QUERY_ALLOWLIST``)."""
    return frozenset(settings.WEBLOG_QUERY_ALLOWLIST)


def day_salt_get(*, day: dt.date) -> bytes:
    """Return the 32-byte salt of UTC ``day``, creating it on the first request or line of it.

    One salt per day, whatever writes the day's rows: the live recorder and every import
    run of every file share it, so a visitor of a day gets one hash until the salt is
    destroyed (issue 17). Creating today's salt (by the clock) destroys the salts of the
    days that are over (``day_salts_expire``), so yesterday's visitor hashes can no longer
    be recomputed from an IP and user agent (clause P2).
    """
    row = DaySalt.objects.filter(day=day).first()
    if row is not None:
        return bytes(row.salt)
    today = clock.now().astimezone(dt.UTC).date()
    with transaction.atomic():
        if day >= today:
            day_salts_expire(today=today)
        row, _ = DaySalt.objects.get_or_create(day=day, defaults={"salt": secrets.token_bytes(32)})
    return bytes(row.salt)


def day_salts_expire(*, today: dt.date) -> int:
    """Destroy the salts of UTC days before ``today``; return how many were destroyed.

    Past days' salts (an import of old lines creates them) live until the current UTC
    day is over, so a log imported in parts that day hashes each visitor once. While an
    import is unfinished (``ImportedSource.raw_cutoff`` set: running or killed), none is
    destroyed, so the run that resumes it hashes visitors as the first one did.
    """
    if ImportedSourceModel.objects.filter(raw_cutoff__isnull=False).exists():
        return 0
    return DaySalt.objects.filter(day__lt=today).delete()[0]


# --- Minimising a request: the one way (live writer, importer, pageview_build) ----------

_MICROSECOND = dt.timedelta(microseconds=1)
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_CACHE_LIMIT = 100_000  # entries per memo; a memo that fills is emptied

# The stored columns of a row, in ``row_columns`` order: the parts memoised per path, per
# referrer and per visitor (user-agent classes, network, hash) sit together, so a row is
# a few tuples joined.
IMPORT_COLUMNS = (
    "time", "day", "method", "status", "response_bytes",
    "path", "is_page",
    "referrer", "referrer_domain", "search_engine",
    "browser_family", "browser_version", "os_family", "os_version", "device_class", "is_bot",
    "network_prefix", "visitor_hash",
)  # fmt: skip


class When(NamedTuple):
    """A request's time as rows store it (``when_of``)."""

    text: str  # UTC "YYYY-MM-DD HH:MM:SS[.ffffff]", then "+00:00" except on SQLite
    day: str  # the UTC day, ISO ("2015-05-17"): ISO days compare as text
    micros: int  # microseconds since the Unix epoch, for visit gaps


class PagePath(NamedTuple):
    """The stored columns of a requested path (``Minimiser.pages``)."""

    path: str
    is_page: bool


class Visitor(NamedTuple):
    """The stored columns of one (IP, user agent, day): the IP and user agent are gone."""

    agent: AgentColumns
    network_prefix: str
    visitor_hash: str


K = TypeVar("K")
V = TypeVar("V")


def when_of(moment: dt.datetime, *, zone: str) -> When:
    """Return the ``When`` of aware ``moment``; ``zone`` is the text suffix ("" or "+00:00")."""
    utc = str(moment.astimezone(dt.UTC).replace(tzinfo=None))
    return When(utc + zone, utc[:10], (moment - _EPOCH) // _MICROSECOND)


def _zone() -> str:
    return "" if connection.vendor == "sqlite" else "+00:00"  # SQLite stores naive UTC text


class Memo(dict[K, V]):
    """``memo[key]`` is ``make(key)``, computed on the first lookup; emptied when full.

    A dict subclass, so a hit costs one C-level lookup (the importer's hot path) and
    ``make`` runs only on a miss (``__missing__``). Emptying rather than evicting bounds
    memory on logs with very many distinct values, at the cost of computing some again.
    """

    __slots__ = ("limit", "make")

    def __init__(self, make: Callable[[K], V], limit: int = _CACHE_LIMIT) -> None:
        super().__init__()
        self.make = make
        self.limit = limit

    def __missing__(self, key: K) -> V:
        if len(self) >= self.limit:
            self.clear()
        value = self[key] = self.make(key)
        return value


def row_columns(
    when: When,
    method: str,
    status: int,
    size: int,
    page: PagePath,
    came_from: CameFrom,
    visitor: Visitor,
) -> tuple:
    """Return one row's values in ``IMPORT_COLUMNS`` order from its minimised parts.

    ``size`` is the response in bytes (a negative one is stored as 0); the method is cut
    to its column's 10 characters.
    """
    return (
        when.text,
        when.day,
        method[:10],
        status,
        max(size, 0),
        *page,
        *came_from,
        *visitor.agent,
        visitor.network_prefix,
        visitor.visitor_hash,
    )


class Minimiser:
    """The one way a request becomes a stored row (clause P2).

    ``row`` takes a request's raw values, the full ``ip`` and ``user_agent`` included, and
    returns ``row_columns``: the path without query values outside the allowlist
    (``clean_path``) and whether it is a page, the referrer cut to scheme, host and path
    (``clean_referrer``), the user agent's classes (``agent_columns``), the IP's /24 or /48
    network (``minimise_ip``) and the visitor hash under ``salt_for(day)``
    (``visitor_hash``, day as ISO text). Nothing else of the IP or the user agent is kept.
    Each part is memoised per distinct input (``pages``, ``referrers``, ``agents``,
    ``visitors`` keyed by (IP, user agent, day)), since real traffic repeats them; the
    importer reads the memos itself for lines it aggregates instead of storing.
    """

    __slots__ = ("agents", "pages", "referrers", "salt_for", "visitors")

    def __init__(self, *, allowlist: frozenset[str], salt_for: Callable[[str], bytes]) -> None:
        self.salt_for = salt_for
        self.pages: Memo[str, PagePath] = Memo(
            lambda url: PagePath(clean_path(url, allowlist=allowlist), is_page_path(url))
        )
        self.referrers: Memo[str, CameFrom] = Memo(clean_referrer)
        self.agents: Memo[str, AgentColumns] = Memo(agent_columns)
        self.visitors: Memo[tuple[str, str, str], Visitor] = Memo(self._visitor)

    def _visitor(self, key: tuple[str, str, str]) -> Visitor:
        ip, user_agent, day = key
        return Visitor(
            self.agents[user_agent],
            minimise_ip(ip),
            visitor_hash(ip=ip, user_agent=user_agent, day_salt=self.salt_for(day)),
        )

    def row(
        self,
        when: When,
        method: str,
        url: str,
        status: int,
        size: int,
        referrer: str,
        ip: str,
        user_agent: str,
    ) -> tuple:
        """Return the ``IMPORT_COLUMNS`` values of one request (arguments: class docstring)."""
        return row_columns(
            when,
            method,
            status,
            size,
            self.pages[url],
            self.referrers[referrer],
            self.visitors[ip, user_agent, when.day],
        )


def pageview_build(
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
) -> PageView:
    """Return an unsaved PageView of one request, minimised by ``Minimiser`` as a live one.

    ``time`` is aware (stored in UTC); ``ip`` is the full client address, used for the
    network prefix and the visitor hash under ``day_salt`` (32 bytes) and then dropped;
    ``duration_ms`` is in milliseconds. Raises nothing on odd input: unknown parts
    become "" or "Other".
    """
    minimiser = Minimiser(allowlist=allowlist, salt_for=lambda _day: day_salt)
    when = when_of(time, zone="")
    row = minimiser.row(when, method, path, status, response_bytes, referrer, ip, user_agent)
    values = dict(zip(IMPORT_COLUMNS, row, strict=True))
    utc = time.astimezone(dt.UTC)
    values.update(time=utc, day=utc.date(), duration_ms=duration_ms, source=source)
    return PageView(**values)


# --- Daily aggregates (the one way to aggregate: roll-up job and import both use it) ------

_VISIT_GAP_US = VISIT_GAP // _MICROSECOND

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

    ``add`` takes one request's minimised parts: ``page``, ``came_from`` and ``agent`` as
    ``Minimiser`` makes them, ``status`` an int, ``size`` bytes, ``visitor`` the visitor
    hash and ``time_us`` microseconds since the Unix epoch. Human requests are counted
    per distinct (page, referrer, agent, status) combination and per visitor the request
    times are kept, so ``rows()`` counts unique visitors and visits (runs with gaps under
    ``VISIT_GAP``) whatever order the requests came in. Bots only count by browser
    family. ``weblog_rollup`` feeds it raw rows, the importer log lines.
    """

    __slots__ = ("bot_visitors", "bots", "bytes", "combos", "visitors")

    def __init__(self) -> None:
        self.bytes = 0
        self.combos: Counter[tuple[PagePath, CameFrom, AgentColumns, int]] = Counter()
        self.bots: Counter[str] = Counter()
        self.bot_visitors: set[str] = set()
        self.visitors: defaultdict[str, list[int]] = defaultdict(list)

    def add(
        self,
        page: PagePath,
        came_from: CameFrom,
        agent: AgentColumns,
        status: int,
        size: int,
        visitor: str,
        time_us: int,
    ) -> None:
        """Count one request (arguments in the class docstring)."""
        if agent.is_bot:
            self.bots[agent.browser_family] += 1
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
            if page.is_page:
                pageviews += n
                counted["page"][page.path] += n
            counted["referrer_domain"][came_from.referrer_domain] += n
            counted["search_engine"][came_from.search_engine] += n
            counted["browser"][agent.browser_family] += n
            counted["os"][agent.os_family] += n
            counted["device"][agent.device_class] += n
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


class DropReason(StrEnum):
    """Why a line of a log adds nothing in this import; each such line has exactly one.

    The first three are bad lines (``ImportResult.bad``), each raised by ``logparse`` as
    a subclass of BadLine. ``ALREADY_IMPORTED`` is a line numbered up to the file's
    ``lines_done``: the run that got that far counted it (its recent-day row is stored;
    the figures of old-day lines, committed only at the end of a file, are counted again
    by the run that resumes). Bots and assets are not dropped: they are stored, flagged,
    and kept out of the visitor and pageview figures.
    """

    NOT_A_LOG_LINE = "not a log line"
    BAD_REQUEST_LINE = "bad request line"
    BAD_TIMESTAMP = "bad timestamp"
    ALREADY_IMPORTED = "already imported"


_BAD_LINE_REASONS: dict[type[BadLine], DropReason] = {
    NotALogLine: DropReason.NOT_A_LOG_LINE,
    BadRequestLine: DropReason.BAD_REQUEST_LINE,
    BadTimestamp: DropReason.BAD_TIMESTAMP,
}


@dataclass
class ImportResult:
    """Counts of one import, in lines: ``read`` = ``imported`` + every count in ``dropped``.

    ``skipped_bots`` counts the imported lines of bots (stored, flagged, kept out of the
    visitor figures). ``bad_samples`` holds (file, line number, reason), never a line.
    """

    read: int = 0
    imported: int = 0
    skipped_bots: int = 0
    dropped: Counter[DropReason] = field(default_factory=Counter)
    bad_samples: list[tuple[str, int, str]] = field(default_factory=list)

    @property
    def already(self) -> int:
        """Lines an earlier import of the file got past (``DropReason.ALREADY_IMPORTED``)."""
        return self.dropped[DropReason.ALREADY_IMPORTED]

    @property
    def bad(self) -> int:
        """Lines not in the log format, of any reason but ``ALREADY_IMPORTED``."""
        return self.dropped.total() - self.already

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


def _import_salts() -> Callable[[str], bytes]:
    """The salts of the days seen in a log: ``day_salt_get``, read once per day and run.

    The returned function takes an ISO day ("2015-05-17") and returns its 32-byte salt,
    the one the live recorder and every other import use for that day (issue 17).
    """
    salts: dict[str, bytes] = {}

    def salt_for(day: str) -> bytes:
        if day not in salts:
            salts[day] = day_salt_get(day=dt.date.fromisoformat(day))
        return salts[day]

    return salt_for


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
    rotated since; the buffer reads one salt per day and process, so the requests of a
    day share it), ``ip`` the full address, which is only minimised and hashed here and
    never stored (clause P2). Runs off the request path (``recorder.PageViewBuffer``).
    """
    zone = _zone()
    salts: dict[str, bytes] = {}
    minimiser = Minimiser(allowlist=query_allowlist(), salt_for=salts.__getitem__)
    rows = []
    for time, salt, ip, agent, method, url, status, size, referrer, duration in requests:
        when = when_of(time, zone=zone)
        salts[when.day] = salt
        rows.append(
            (*minimiser.row(when, method, url, status, size, referrer, ip, agent), duration)
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


def _sql_run(statements: Iterable[str]) -> None:
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


@dataclass(slots=True)
class _LogImport:
    """One ``access_log_import`` run over one file: its settings, its state, its steps.

    A line goes through: read (``chunks``) → parse (``split_line`` and the ``times``
    memo) → drop with a typed reason (``drop``) → route by day → minimise (the
    ``Minimiser``'s memos) → aggregate (old days: ``old_days``) or insert (a row in
    ``batch``) → checkpoint (``checkpoint`` per batch, ``finish`` at the end of the
    file). ``lines_import`` runs the middle steps in one loop, since it runs per line.
    """

    path: Path
    log_format: str
    batch_rows: int
    max_bad_samples: int
    progress: Callable[[int], None] | None
    bulk: bool
    source_pk: int
    done: int  # lines of the file whose recent-day rows are stored (lines_done)
    aggregated: int  # lines whose old-day figures are in DailyCount (lines_aggregated)
    cutoff: str  # ISO day: lines of earlier days are aggregated, the others stored raw
    minimiser: Minimiser
    times: Memo[str, When]
    old_days: defaultdict[str, DayAggregate] = field(
        default_factory=lambda: defaultdict(DayAggregate)
    )
    batch: list[tuple] = field(default_factory=list)
    line_no: int = 0
    result: ImportResult = field(default_factory=ImportResult)

    def run(self) -> ImportResult:
        """Import the file (see ``access_log_import``) and return its counts."""
        with transaction.atomic() if self.bulk else nullcontext(), _open_text(self.path) as lines:
            indexes = _pageview_indexes() if self.bulk else []
            _sql_run(drop for drop, _create in indexes)
            for first, chunk in self.chunks(lines):
                self.lines_import(first, chunk)
            if self.batch:
                self.checkpoint(self.line_no)
            _sql_run(create for _drop, create in indexes)
            self.finish()
        return self.result

    def chunks(self, lines: IO[str]) -> Iterator[tuple[int, list[str]]]:
        """Read: yield (number of the first line, lines) by about 1 MiB of text.

        Lines up to ``aggregated`` are cut off before parsing: an earlier run committed
        all they gave. ``progress`` gets the characters of each chunk, cut lines included.
        """
        while chunk := lines.readlines(1 << 20):
            first = self.line_no + 1
            self.line_no += len(chunk)
            if self.progress is not None:
                self.progress(sum(map(len, chunk)))
            skip = max(self.aggregated - first + 1, 0)
            yield first + skip, chunk[skip:] if skip else chunk

    def lines_import(self, first: int, chunk: list[str]) -> None:
        """Parse, drop, route, minimise, aggregate or insert each line of ``chunk``.

        ``first`` is the number of its first line. One loop for these steps, their memos
        bound to locals and each line's fields kept in local names: a method call per
        step and a named tuple per line would add about 10-25% to a line's 4-5 µs
        (docs/decisions/0005-weblog-import-hot-path.md).
        """
        log_format, done, cutoff, batch_rows = (
            self.log_format, self.done, self.cutoff, self.batch_rows
        )  # fmt: skip
        times, old_days, batch = self.times, self.old_days, self.batch
        pages, referrers = self.minimiser.pages, self.minimiser.referrers
        visitors = self.minimiser.visitors
        bots = 0
        for number, line in enumerate(chunk, first):
            try:  # parse
                host, stamp, method, url, status, size, referrer, agent = split_line(
                    line, log_format=log_format
                )
                when = times[stamp]
            except BadLine as error:
                if number > done:  # a bad line before it was counted by an earlier run
                    self.drop(number, error)
                continue
            day = when.day
            old = day < cutoff
            # Route: an old-day line is counted again even below ``done``, since its
            # day's figures were not committed; a recent line there has its row stored.
            if not old and number <= done:
                continue
            visitor = visitors[host, agent, day]  # minimise
            if number > done and visitor.agent.is_bot:
                bots += 1
            if old:
                old_days[day].add(
                    pages[url],
                    referrers[referrer],
                    visitor.agent,
                    int(status),
                    0 if size == "-" else int(size),
                    visitor.visitor_hash,
                    when.micros,
                )
                continue
            batch.append(
                row_columns(
                    when,
                    method,
                    int(status),
                    0 if size == "-" else int(size),
                    pages[url],
                    referrers[referrer],
                    visitor,
                )
            )
            if len(batch) >= batch_rows:
                self.checkpoint(number)
        self.result.skipped_bots += bots

    def drop(self, number: int, error: BadLine) -> None:
        """Count bad line ``number`` under its reason; sample its number, never its text."""
        self.result.dropped[_BAD_LINE_REASONS[type(error)]] += 1
        if len(self.result.bad_samples) < self.max_bad_samples:
            self.result.bad_samples.append((self.path.name, number, str(error)))

    def checkpoint(self, upto: int) -> None:
        """Insert the batch; outside bulk mode, commit it with ``lines_done = upto``.

        ``upto`` is the number of the last line the batch covers, so a killed run
        resumes after the last committed batch. In bulk mode the file is one transaction.
        """
        if self.bulk:
            _rows_insert(self.batch)
        else:
            with transaction.atomic():
                _rows_insert(self.batch)
                ImportedSourceModel.objects.filter(pk=self.source_pk).update(lines_done=upto)
        self.batch.clear()

    def finish(self) -> None:
        """The end of the file: old days' figures and the file's progress in one transaction.

        The cutoff goes, so the next import of the file (a grown one) routes its lines by
        its own day, and the day salts it used may expire (``day_salts_expire``).
        """
        line_no, done = self.line_no, self.done
        with transaction.atomic():
            for day, aggregate in sorted(self.old_days.items()):
                daily_counts_add(day=dt.date.fromisoformat(day), rows=aggregate.rows())
            ImportedSourceModel.objects.filter(pk=self.source_pk).update(
                lines_done=max(line_no, done),
                lines_aggregated=max(line_no, self.aggregated),
                raw_cutoff=None,
            )
        result = self.result
        result.read = line_no
        result.imported = max(line_no - done, 0) - result.bad
        result.dropped[DropReason.ALREADY_IMPORTED] += min(done, line_no)


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

    Every line is minimised like a live request (``Minimiser``, clause P2). Bots are
    flagged and counted in ``skipped_bots`` (they are kept out of visitor figures). Every
    line not imported is counted under a ``DropReason``; bad lines also give a sample of
    (file name, line number, reason). ``progress`` is called with characters read.

    Where a line goes: a line whose UTC day is before the file's cutoff (``raw_cutoff()``
    when its import began: older than ``WEBLOG_RAW_RETENTION_DAYS``) is counted into that
    day's in-memory ``DayAggregate`` (the roll-up job's own aggregation) and never stored
    raw; the aggregates of all such days are added to DailyCount when the file ends, in
    one transaction with the file's progress, so a day spread over the whole file (lines
    are not assumed to be in time order) counts each visitor and visit once. Memory grows
    with those days' human requests (one integer each) and distinct combinations of
    page, referrer, agent and status. Recent lines become PageView rows in batches.

    Idempotence (the file's fill state, ``ImportedSource``): ``lines_done`` (raw rows) is
    stored in the same transaction as each batch of rows, ``lines_aggregated`` with the
    daily aggregates at the end. A second import of the same file adds nothing; an import
    killed midway resumes: it reads the file from ``lines_aggregated`` on, aggregates
    old-day lines again (none of them was committed) and skips recent lines up to
    ``lines_done``. The cutoff is kept until the end of the file, so a resumed run routes
    lines as the killed one did, even on another day (a line stored raw is never
    aggregated too), and no day salt expires meanwhile, so it hashes visitors as the
    killed one did. Every line of a day gets that day's one salt (``day_salt_get``),
    whatever the file or the run, so a log imported in parts on one day (a grown log,
    split mid-day) counts each visitor of a raw day once. In ``bulk`` mode (default:
    ``_bulk_worthwhile``, a big file into a smaller SQLite table) the whole file is one
    transaction that drops the pageview index, inserts, and rebuilds it: a killed bulk
    import leaves nothing, and other writers wait meanwhile.

    Speed (``bench/bench_weblog.py``, decision 0005): lines are cut with ``str.split``;
    timestamps, paths, referrers and (IP, user agent, day) triples are parsed once and
    memoised, since real logs repeat them; rows are plain tuples written by multi-row
    INSERTs (SQLite) or COPY (PostgreSQL).
    """
    source, _ = ImportedSourceModel.objects.get_or_create(fingerprint=file_fingerprint(path))
    done = source.lines_done
    cutoff = source.raw_cutoff
    if cutoff is None:  # a new run over the file: this marks it unfinished until it ends
        cutoff = raw_cutoff()
        ImportedSourceModel.objects.filter(pk=source.pk).update(raw_cutoff=cutoff)
    zone = _zone()
    return _LogImport(
        path=path,
        log_format=log_format,
        batch_rows=batch_rows,
        max_bad_samples=max_bad_samples,
        progress=progress,
        bulk=_bulk_worthwhile(path, done) if bulk is None else bulk,
        source_pk=source.pk,
        done=done,
        aggregated=min(source.lines_aggregated, done),
        cutoff=cutoff.isoformat(),
        minimiser=Minimiser(allowlist=query_allowlist(), salt_for=_import_salts()),
        times=Memo(lambda stamp: when_of(parse_time(stamp), zone=zone)),
    ).run()


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
    for (
        path, is_page, referrer, domain, engine, browser, browser_version, os, os_version,
        device, is_bot, status, size, hashed, time,
    ) in rows.iterator(chunk_size=5000):  # fmt: skip
        aggregate.add(
            PagePath(path, is_page),
            CameFrom(referrer, domain, engine),
            AgentColumns(browser, browser_version, os, os_version, device, is_bot),
            status,
            size,
            hashed,
            (time - _EPOCH) // _MICROSECOND,
        )
    return aggregate


@dataclass
class RollupResult:
    """Days rolled up and raw rows deleted by one ``weblog_rollup`` run."""

    days: list[dt.date]
    rows_deleted: int


def weblog_rollup(*, now: dt.datetime | None = None) -> RollupResult:
    """Roll raw rows older than ``WEBLOG_RAW_RETENTION_DAYS`` into DailyCount, then delete them.

    Meant to run daily from the scheduler. It also destroys the salts of past days
    (``day_salts_expire``), in case no request arrived today to rotate them (clause P2). A day's raw rows are streamed
    through ``DayAggregate`` and written by ``daily_counts_add``, the code the importer
    uses for old-day lines, so both give the same figures. A day already in DailyCount
    (rolled up before, or imported as an old day) has the new counts added, so unique
    visitors of such a day can count one person twice.

    Fill state: the raw rows themselves. Each day is one transaction that adds its
    counts and deletes its raw rows, so a run that dies midway has either done a day
    whole or not at all, and the next run finds exactly the days left (Zulip's
    ``FillState`` records how far an aggregate got because its source rows stay; here
    they go with the counts). Returns the days and the number of raw rows deleted.
    """
    current = (now or clock.now()).astimezone(dt.UTC)
    cutoff = raw_cutoff(now=current)
    day_salts_expire(today=current.date())
    days = sorted(PageView.objects.filter(day__lt=cutoff).values_list("day", flat=True).distinct())
    deleted = 0
    for day in days:
        with transaction.atomic():
            daily_counts_add(day=day, rows=_day_aggregate(day).rows())
            deleted += PageView.objects.filter(day=day).delete()[0]
    if days:
        logger.info("weblog roll-up: %d days, %d raw rows deleted", len(days), deleted)
    return RollupResult(days=days, rows_deleted=deleted)
