"""Writes of the weblog: day salts, pageview rows, log import, roll-up (clause P2)."""

import datetime as dt
import gzip
import hashlib
import logging
import secrets
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import connection, transaction

from lead411.core import clock

from .classify import classify_user_agent
from .logparse import BadLine, parse_line
from .models import DailyCount, DaySalt, PageView
from .models import ImportedSource as ImportedSourceModel
from .privacy import clean_path, clean_referrer, is_page_path, minimise_ip, visitor_hash

logger = logging.getLogger(__name__)

VISIT_GAP = dt.timedelta(minutes=30)  # a visit ends after 30 minutes of inactivity (GA, GoAccess)


def query_allowlist() -> frozenset[str]:
    """Return the query parameters kept in stored paths (``WEBLOG_QUERY_ALLOWLIST``)."""
    return frozenset(getattr(settings, "WEBLOG_QUERY_ALLOWLIST", ()))


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


def pageviews_write(*, rows: list[PageView]) -> int:
    """Insert ``rows`` in batches of 1,000; return how many were written."""
    PageView.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def pageview_values_write(*, rows: list[tuple]) -> int:
    """Insert rows of ``pageview_values`` with one executemany; return how many.

    The importer's path: it skips model instances, which cost more than the parsing.
    """
    ops = connection.ops
    table = connection.ops.quote_name(PageView._meta.db_table)
    columns = ", ".join(ops.quote_name(c) for c in PAGEVIEW_COLUMNS)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(PAGEVIEW_COLUMNS))})"  # noqa: S608 - names from the model
    if connection.vendor == "sqlite":
        # Django's SQLite adapter, inlined: naive UTC text "YYYY-MM-DD HH:MM:SS[.ffffff]".
        params = [(str(r[0].replace(tzinfo=None)), str(r[1]), *r[2:]) for r in rows]
    else:
        params = [
            (ops.adapt_datetimefield_value(r[0]), ops.adapt_datefield_value(r[1]), *r[2:])
            for r in rows
        ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
    return len(rows)


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


def _ephemeral_salts() -> Callable[[dt.date], bytes]:
    """Salts for past days seen in a log: random, held in memory for one run, then gone."""
    today = clock.now().astimezone(dt.UTC).date()
    salts: dict[dt.date, bytes] = {}

    def salt_for(day: dt.date) -> bytes:
        if day == today:
            return day_salt_get(day=day)
        if day not in salts:
            salts[day] = secrets.token_bytes(32)
        return salts[day]

    return salt_for


def access_log_import(
    *,
    path: Path,
    log_format: str = "combined",
    batch_rows: int = 5000,
    progress: Callable[[int], None] | None = None,
    max_bad_samples: int = 10,
) -> ImportResult:
    """Import one Apache/nginx access log (plain or gzip), streaming, in batches.

    Every line is minimised like a live request (clause P2). Bots are stored, flagged,
    and counted in ``skipped_bots`` (they are kept out of visitor figures). Bad lines are
    counted with a sample of (file name, line number, reason). The file's progress is
    stored in ImportedSource in the same transaction as each batch, so a second import
    of the same file reads it but adds nothing. ``progress`` is called with bytes read.
    """
    result = ImportResult()
    fingerprint = file_fingerprint(path)
    source, _ = ImportedSourceModel.objects.get_or_create(fingerprint=fingerprint)
    done = source.lines_done
    allowlist = query_allowlist()
    salt_for = _ephemeral_salts()
    batch: list[tuple] = []
    hashes: dict[tuple[str, str, dt.date], str] = {}
    line_no = 0
    unreported_bytes = 0

    def flush() -> None:
        with transaction.atomic():
            pageview_values_write(rows=batch)
            ImportedSourceModel.objects.filter(pk=source.pk).update(lines_done=line_no)
        batch.clear()

    with _open_text(path) as handle:
        for line_no, line in enumerate(handle, 1):
            result.read += 1
            unreported_bytes += len(line)
            if progress is not None and line_no % 1000 == 0:
                progress(unreported_bytes)
                unreported_bytes = 0
            if line_no <= done:
                result.already += 1
                continue
            try:
                parsed = parse_line(line, log_format=log_format)
            except BadLine as error:
                result.bad += 1
                if len(result.bad_samples) < max_bad_samples:
                    result.bad_samples.append((path.name, line_no, str(error)))
                continue
            day = parsed.time.astimezone(dt.UTC).date()
            key = (parsed.host, parsed.user_agent, day)
            hashed = hashes.get(key)
            if hashed is None:
                if len(hashes) > 200_000:
                    hashes.clear()  # bounds memory on logs with very many visitors
                hashed = hashes[key] = visitor_hash(
                    ip=parsed.host, user_agent=parsed.user_agent, day_salt=salt_for(day)
                )
            row = pageview_values(
                time=parsed.time,
                ip=parsed.host,
                user_agent=parsed.user_agent,
                method=parsed.method,
                path=parsed.path,
                status=parsed.status,
                response_bytes=parsed.response_bytes,
                referrer=parsed.referrer,
                day_salt=b"",
                source=PageView.Source.IMPORT,
                allowlist=allowlist,
                hashed=hashed,
            )
            if row[PAGEVIEW_COLUMNS.index("is_bot")]:
                result.skipped_bots += 1
            result.imported += 1
            batch.append(row)
            if len(batch) >= batch_rows:
                flush()
    if batch or line_no > done:
        flush()
    if progress is not None and unreported_bytes:
        progress(unreported_bytes)
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


ROLLUP_DIMENSIONS = {
    "page": "path",
    "referrer_domain": "referrer_domain",
    "search_engine": "search_engine",
    "browser": "browser_family",
    "os": "os_family",
    "device": "device_class",
    "status": "status",
}


def _day_counts(day: dt.date) -> Iterator[tuple[str, str, int]]:
    rows = PageView.objects.filter(day=day)
    humans = rows.filter(is_bot=False)
    pairs = humans.order_by("visitor_hash", "time").values_list("visitor_hash", "time")
    yield "totals", "hits", humans.count()
    yield "totals", "pageviews", humans.filter(is_page=True).count()
    yield "totals", "visitors", humans.values("visitor_hash").distinct().count()
    yield "totals", "visits", count_visits(pairs.iterator(chunk_size=5000))
    yield "totals", "bot_hits", rows.filter(is_bot=True).count()
    yield "totals", "bytes", sum(humans.values_list("response_bytes", flat=True))
    for dimension, column in ROLLUP_DIMENSIONS.items():
        source = humans.filter(is_page=True) if dimension == "page" else humans
        counted: Counter[str] = Counter()
        for value in source.values_list(column, flat=True).iterator(chunk_size=5000):
            counted[str(value)] += 1
        for key, count in counted.items():
            if key:
                yield dimension, key[:500], count
    bots: Counter[str] = Counter(
        rows.filter(is_bot=True).values_list("browser_family", flat=True).iterator()
    )
    for key, count in bots.items():
        yield "bot", key or "Other", count


@dataclass
class RollupResult:
    """Days rolled up and raw rows deleted by one ``weblog_rollup`` run."""

    days: list[dt.date]
    rows_deleted: int


def weblog_rollup(*, now: dt.datetime | None = None) -> RollupResult:
    """Roll raw rows older than ``WEBLOG_RAW_RETENTION_DAYS`` into DailyCount, then delete them.

    Meant to run daily from the scheduler. It also destroys any salt of a past day, in
    case no request arrived today to rotate it (clause P2). A day already rolled up (rows imported
    later for an old date) has the new counts added, so unique visitors of such a day
    can count one person twice. Each day is one transaction. Returns the days and
    the number of raw rows deleted.
    """
    current = (now or clock.now()).astimezone(dt.UTC)
    retention = int(getattr(settings, "WEBLOG_RAW_RETENTION_DAYS", 30))
    cutoff = current.date() - dt.timedelta(days=retention)
    DaySalt.objects.filter(day__lt=current.date()).delete()
    days = sorted(PageView.objects.filter(day__lt=cutoff).values_list("day", flat=True).distinct())
    deleted = 0
    for day in days:
        with transaction.atomic():
            totals: defaultdict[tuple[str, str], int] = defaultdict(int)
            for dimension, key, count in _day_counts(day):
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
            deleted += PageView.objects.filter(day=day).delete()[0]
    if days:
        logger.info("weblog roll-up: %d days, %d raw rows deleted", len(days), deleted)
    return RollupResult(days=days, rows_deleted=deleted)
