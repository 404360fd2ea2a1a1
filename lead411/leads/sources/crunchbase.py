"""Import the CrunchBase 2015 export: companies, funding rounds and acquisitions (clauses L1, L5).

The export is three CSV files described in ``shared/data/SOURCES.md``. Each file is read as
bytes, one record at a time, parsed, checked against the rules below, and written in
batches: existing rows are loaded once per batch by their source key and compared field
by field, so a second run of the same files creates and changes nothing.

The dirt in the export, one rule per kind (each rule has a test on a small fixture):

* **Invalid UTF-8.** Every record is decoded on its own. In ``rounds2.csv`` the broken
  bytes sit only in the company permalink: they are the UTF-8 bytes of a real permalink
  read as Windows-1252 and then upper- or lower-cased. Such a permalink is repaired when,
  folded the same way, it matches exactly one company of ``companies.csv``; otherwise
  the row is rejected. Broken bytes in any other field, or in another file, reject the
  row: a name cannot be guessed.
* **Upper-cased permalinks.** CrunchBase permalinks are case-insensitive URL paths; the
  key is the lower-cased permalink.
* **Day-month-year dates** (``funded_at`` is ``DD-MM-YYYY``). Dates are read as
  ``YYYY-MM-DD`` or ``DD-MM-YYYY``; the four-digit year tells them apart. A trailing
  midnight time (``2012-07-23 00:00:00``) is dropped.
* **Junk years.** A date before ``EARLIEST_DATE`` (1500-01-01; Trinity College Dublin,
  founded 1592, is real) or after the export date (``export_date``: 4 Dec 2015 for the
  2015 export, ``import_crunchbase --export-date`` for a newer one) rejects the row:
  1015, 1201, 2016, 2914 and 3201 have no single meaning. A company row is the
  exception: a junk founding date is left empty and the company kept, so its rounds
  are not thrown away with it; ``CrunchbaseImportReport.repairs`` names each such row.
* **Empty dates** mean "unknown": ``founded_on`` or ``announced_on`` is left empty.
* **``-`` amounts** mean "unknown", like an empty amount. Other amounts must be plain
  non-negative numbers.
* **Line breaks inside quoted fields** are valid CSV and are kept as one record, numbered
  by its first line. In one-line text fields (names, cities) any run of whitespace,
  line breaks included, becomes one space. A field longer than its column is rejected,
  not cut.
* **Rounds whose company is missing** (not in the database after ``companies.csv`` and
  ``acquisitions.csv``) are rejected, as are rounds and acquisitions of a company whose
  own row was rejected.

Other rows are rejected for a wrong number of fields, malformed CSV, an empty name or
permalink, an unknown status, a malformed country or currency code, a price without a
currency, or a key already seen earlier in the same file (the first one wins).

Keys (``Provenance.source_key``, source ``"crunchbase"``): a company's lower-cased
permalink (``/organization/acme``); a round's ``funding_round_permalink``; an acquisition's
``<company permalink>|<acquirer permalink>|<acquired_at as YYYY-MM-DD, or "undated">``,
all lower-cased, since the export gives acquisitions no key of their own and one company
may be acquired more than once.
"""

import contextlib
import datetime as dt
import re
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from itertools import islice
from pathlib import Path
from typing import Any, Protocol, TypeVar, cast

from django.db import connection, transaction
from django.db.models import BooleanField, Field, Model
from django.db.models.expressions import RawSQL
from tqdm import tqdm

from lead411.core import clock
from lead411.core.database import planner_statistics_refresh
from lead411.leads.matching import normalize_company_name
from lead411.leads.models import Category, Company, TriggerEvent
from lead411.leads.services import build_search_document, format_amount, leads_changed
from lead411.leads.sources.base import (
    RejectsWriter,
    SourceFileError,
    SourceRow,
    read_header,
    read_rows,
)

SOURCE = "crunchbase"
SOURCE_URL = "https://www.crunchbase.com"
# How an event was tied to its company, shown on the lead page.
MATCHED_BY_ID = "matched by the Crunchbase company id"
MATCHED_BY_REPAIRED_ID = "matched by the Crunchbase company id, after repairing broken characters"
# The export is the snapshot of 4 Dec 2015 (SOURCES.md): no real date is later.
EXPORT_DATE = dt.date(2015, 12, 4)
EARLIEST_DATE = dt.date(1500, 1, 1)
BATCH_SIZE = 2000

COMPANIES = "companies.csv"
ROUNDS = "rounds2.csv"
ACQUISITIONS = "acquisitions.csv"
HEADERS = {
    COMPANIES: [
        "permalink",
        "name",
        "homepage_url",
        "category_list",
        "funding_total_usd",
        "status",
        "country_code",
        "state_code",
        "region",
        "city",
        "funding_rounds",
        "founded_at",
        "first_funding_at",
        "last_funding_at",
    ],
    ROUNDS: [
        "company_permalink",
        "funding_round_permalink",
        "funding_round_type",
        "funding_round_code",
        "funded_at",
        "raised_amount_usd",
    ],
    ACQUISITIONS: [
        "company_permalink",
        "company_name",
        "company_category_list",
        "company_country_code",
        "company_state_code",
        "company_region",
        "company_city",
        "acquirer_permalink",
        "acquirer_name",
        "acquirer_category_list",
        "acquirer_country_code",
        "acquirer_state_code",
        "acquirer_region",
        "acquirer_city",
        "acquired_at",
        "acquired_month",
        "price_amount",
        "price_currency_code",
    ],
}

# Countries whose ``state_code`` is a postal code people know (CA, NY, ON, BC); elsewhere
# the export's state codes are FIPS-like numbers, so the metro ``region`` is kept instead.
STATE_CODE_COUNTRIES = frozenset({"USA", "CAN"})
STATUSES = frozenset(
    {Company.Status.OPERATING, Company.Status.ACQUIRED, Company.Status.CLOSED, Company.Status.IPO}
)
ROUND_LABELS = {
    "venture": "venture round",
    "seed": "seed round",
    "angel": "angel round",
    "debt_financing": "debt financing round",
    "undisclosed": "undisclosed round",
    "equity_crowdfunding": "equity crowdfunding round",
    "private_equity": "private equity round",
    "grant": "grant",
    "convertible_note": "convertible note",
    "post_ipo_equity": "post-IPO equity round",
    "post_ipo_debt": "post-IPO debt round",
    "product_crowdfunding": "product crowdfunding campaign",
    "non_equity_assistance": "non-equity assistance round",
    "secondary_market": "secondary market round",
}

COMPANY_FIELDS = (
    "name",
    "normalized_name",
    "homepage",
    "country_code",
    "region",
    "city",
    "status",
    "founded_on",
    "source_url",
)
EVENT_FIELDS = (
    "company_id",
    "kind",
    "announced_on",
    "round_type",
    "series",
    "amount",
    "currency",
    "amount_usd",
    "counterparty",
    "summary",
    "search_document",
    "company_match",
    "source_url",
)

_SPACES = re.compile(r"\s+")
_AMOUNT = re.compile(r"\d+(?:\.\d+)?")
_CODE3 = re.compile(r"[A-Z]{3}")
_CENT = Decimal("0.01")
_MAX_AMOUNT = Decimal(10) ** 16  # DecimalField(max_digits=18, decimal_places=2)
_SUMMARY_MAX = TriggerEvent._meta.get_field("summary").max_length or 300

T = TypeVar("T")


class _Keyed(Protocol):
    key: str


K = TypeVar("K", bound=_Keyed)


class RowRejected(Exception):
    """A row breaks a rule; the message is the reason written to the rejects file."""


@dataclass
class FileCounts:
    """What happened to the rows of one file; ``read`` is always the sum of the other four."""

    file: str
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0

    def summary_line(self) -> str:
        """Return ``companies.csv: read=… created=… updated=… unchanged=… rejected=…``."""
        return (
            f"{self.file}: read={self.read} created={self.created} updated={self.updated} "
            f"unchanged={self.unchanged} rejected={self.rejected}"
        )


@dataclass
class CrunchbaseImportReport:
    """The outcome of one import: counts per file, in the order the files are listed.

    ``acquired_companies_created`` counts companies created from an acquisition row
    because ``companies.csv`` does not have them; ``seconds`` is the wall time.
    """

    companies: FileCounts = field(default_factory=lambda: FileCounts(COMPANIES))
    rounds: FileCounts = field(default_factory=lambda: FileCounts(ROUNDS))
    acquisitions: FileCounts = field(default_factory=lambda: FileCounts(ACQUISITIONS))
    acquired_companies_created: int = 0
    # Rows kept after a repair, one line each: "companies.csv line 4778: founded_at ...".
    repairs: list[str] = field(default_factory=list)
    rejects_path: Path | None = None
    seconds: float = 0.0

    @property
    def files(self) -> list[FileCounts]:
        """Return the per-file counts: companies, rounds, acquisitions."""
        return [self.companies, self.rounds, self.acquisitions]

    @property
    def rows_read(self) -> int:
        """Return the number of records read in all three files."""
        return sum(counts.read for counts in self.files)


@dataclass(slots=True)
class _CompanyRow:
    key: str
    values: dict[str, Any]
    categories: tuple[str, ...]


@dataclass(slots=True)
class _EventRow:
    row: SourceRow
    key: str
    company_key: str
    company_match: str
    values: dict[str, Any]
    # For an acquisition: the company to create when the database does not have it.
    company: _CompanyRow | None = None
    # For a round: the company whose permalink folds like this one (see _fold), tried
    # when ``company_key`` is not found.
    folded_key: str | None = None


@dataclass
class _Run:
    """State shared by the three files of one import."""

    now: dt.datetime
    # ``now`` as the database driver wants it for a raw insert.
    db_now: Any
    export_date: dt.date
    rejects: RejectsWriter
    progress: bool
    category_ids: dict[str, int] = field(default_factory=dict)
    # Companies rejected in companies.csv, key -> line: their events are rejected too.
    rejected_companies: dict[str, int] = field(default_factory=dict)
    # Rows kept after a repair (``CrunchbaseImportReport.repairs``).
    repairs: list[str] = field(default_factory=list)
    # Permalinks with non-ASCII characters, folded as the broken rounds were (see _fold).
    folded_permalinks: dict[str, str | None] = field(default_factory=dict)


def crunchbase_import(
    *,
    directory: Path,
    rejects_path: Path | None = None,
    progress: bool = False,
    export_date: dt.date = EXPORT_DATE,
) -> CrunchbaseImportReport:
    """Import ``companies.csv``, ``acquisitions.csv`` and ``rounds2.csv`` from ``directory``.

    Creates or updates ``Company`` rows (with their categories) and ``TriggerEvent`` rows
    of kind ``funding_round`` and ``acquisition``, all with source ``"crunchbase"``. Rows that
    break a rule (see the module docstring) go to ``rejects_path`` as CSV with the columns
    ``file, line, reason, raw`` when a path is given. ``progress`` shows a tqdm bar with
    rows/s on stderr. ``export_date`` is the date of the snapshot: later dates are junk.

    Each file is written in one transaction, in batches of ``BATCH_SIZE`` rows, and the
    planner statistics are refreshed at the end (``planner_statistics_refresh``); a second
    run of the same files counts every row as unchanged (clause L5).

    Returns a ``CrunchbaseImportReport``. Raises ``SourceFileError`` (one line, nothing
    written) when the directory or a file is missing or unreadable or a header differs.
    """
    started = time.perf_counter()
    if not directory.is_dir():
        raise SourceFileError(f"{directory}: not a readable directory")
    for name, expected in HEADERS.items():
        found = read_header(directory / name)
        if found != expected:
            raise SourceFileError(
                f"{directory / name}: unexpected header: expected {','.join(expected)}; "
                f"found {','.join(found)}"
            )
    report = CrunchbaseImportReport(rejects_path=rejects_path)
    # A file that fails midway leaves the earlier files committed: expire counts either way.
    with RejectsWriter(rejects_path) as rejects, _leads_changed_at_exit():
        now = clock.now()
        run = _Run(
            now=now,
            db_now=connection.ops.adapt_datetimefield_value(now),
            export_date=export_date,
            rejects=rejects,
            progress=progress,
        )
        run.category_ids = dict(Category.objects.values_list("name", "id"))
        _import_companies(run, directory / COMPANIES, report.companies)
        # Acquisitions come before rounds: they may create companies, and a round must find
        # the same companies on every run for the import to be idempotent.
        report.acquired_companies_created = _import_acquisitions(
            run, directory / ACQUISITIONS, report.acquisitions
        )
        _import_rounds(run, directory / ROUNDS, report.rounds)
        report.repairs = run.repairs
    planner_statistics_refresh()
    report.seconds = time.perf_counter() - started
    return report


@contextlib.contextmanager
def _leads_changed_at_exit() -> Iterator[None]:
    """Call ``leads_changed`` when the block ends, however it ends."""
    try:
        yield
    finally:
        leads_changed()


# --- reading and checking fields ---------------------------------------------------------


def _text(value: str, column: str, max_length: int) -> str:
    """Return ``value`` with whitespace runs (line breaks too) made one space, or reject it."""
    cleaned = value.strip()
    # Most values have no run of whitespace to fold: skip the regex for them.
    if "  " in cleaned or not cleaned.isprintable():
        cleaned = _SPACES.sub(" ", cleaned)
    if len(cleaned) > max_length:
        raise RowRejected(f"{column} is {len(cleaned)} characters, longer than {max_length}")
    return cleaned


def _permalink(value: str, column: str) -> str:
    """Return the lower-cased permalink, the key of a company (CrunchBase URLs are lower-case)."""
    key = value.strip().lower()
    if not key:
        raise RowRejected(f"{column} is empty")
    if not key.startswith("/organization/"):
        raise RowRejected(f"{column} {value!r} does not start with /organization/")
    if len(key) > 200:
        raise RowRejected(f"{column} is {len(key)} characters, longer than 200")
    return key


def _date(value: str, column: str, run: _Run) -> dt.date | None:
    """Return the date in ``value`` (``YYYY-MM-DD`` or ``DD-MM-YYYY``), ``None`` when empty."""
    text = value.strip()
    if not text:
        return None
    if text.endswith(" 00:00:00"):
        text = text[:-9]
    try:
        if len(text) == 10 and text[2] == "-" and text[5] == "-":
            parsed = dt.date(int(text[6:]), int(text[3:5]), int(text[:2]))
        else:
            parsed = dt.date.fromisoformat(text)
    except ValueError:
        raise RowRejected(f"{column} {value!r} is not a date") from None
    if not EARLIEST_DATE <= parsed <= run.export_date:
        raise RowRejected(
            f"{column} {value!r} is outside {EARLIEST_DATE.isoformat()}..{run.export_date.isoformat()}"
        )
    return parsed


def _amount(value: str, column: str) -> Decimal | None:
    """Return the amount in ``value``; empty and ``-`` mean unknown (``None``)."""
    text = value.strip()
    if text in ("", "-"):
        return None
    if not _AMOUNT.fullmatch(text):
        raise RowRejected(f"{column} {value!r} is not a non-negative number")
    try:
        amount = Decimal(text).quantize(_CENT)
    except InvalidOperation:
        raise RowRejected(f"{column} {value!r} is not a number") from None
    if amount >= _MAX_AMOUNT:
        raise RowRejected(f"{column} {value!r} is too large")
    return amount


def _code3(value: str, column: str) -> str:
    code = value.strip()
    if code and not _CODE3.fullmatch(code):
        raise RowRejected(f"{column} {value!r} is not a three-letter code")
    return code


def _categories(value: str, column: str) -> tuple[str, ...]:
    names = {_text(name, column, 100) for name in value.split("|")}
    names.discard("")
    return tuple(sorted(names))


def _company_values(
    *,
    key: str,
    name: str,
    homepage: str,
    country: str,
    state: str,
    region: str,
    city: str,
    status: str,
    founded_on: dt.date | None,
    prefix: str = "",
) -> dict[str, Any]:
    """Return the ``Company`` field values of one row, checked; ``prefix`` names its columns."""
    clean_name = _text(name, f"{prefix}name", 300)
    if not clean_name:
        raise RowRejected(f"{prefix}name is empty")
    country_code = _code3(country, f"{prefix}country_code")
    place = state if country_code in STATE_CODE_COUNTRIES else region
    return {
        "name": clean_name,
        "normalized_name": normalize_company_name(clean_name)[:300],
        "homepage": _text(homepage, "homepage_url", 500),
        "country_code": country_code,
        "region": _text(place, f"{prefix}state_code/region", 100),
        "city": _text(city, f"{prefix}city", 100),
        "status": status,
        "founded_on": founded_on,
        "source_url": f"{SOURCE_URL}{key}",
    }


def _fold(raw: bytes) -> str:
    """Return ``raw`` read as Windows-1252 and lower-cased: how rounds2.csv broke its permalinks.

    The broken permalinks are the UTF-8 bytes of the real one, decoded as Windows-1252,
    case-changed, and encoded back; folding both sides the same way lines them up.
    """
    return raw.decode("cp1252", errors="surrogateescape").lower()


# --- companies.csv -----------------------------------------------------------------------


def _parse_company(run: _Run, row: SourceRow, fields_: list[str]) -> _CompanyRow:
    if row.invalid_utf8_at is not None:
        raise RowRejected(f"not valid UTF-8 (byte {row.invalid_utf8_at} of the row)")
    (
        permalink,
        name,
        homepage,
        category_list,
        _funding_total,
        status,
        country,
        state,
        region,
        city,
        _rounds,
        founded_at,
        _first,
        _last,
    ) = fields_
    key = _permalink(permalink, "permalink")
    status = status.strip().lower() or Company.Status.UNKNOWN
    if status != Company.Status.UNKNOWN and status not in STATUSES:
        raise RowRejected(f"status {status!r} is not one of {', '.join(sorted(STATUSES))}")
    values = _company_values(
        key=key,
        name=name,
        homepage=homepage,
        country=country,
        state=state,
        region=region,
        city=city,
        status=status,
        founded_on=_founded_on(founded_at, row=row, run=run),
    )
    parsed = _CompanyRow(key, values, _categories(category_list, "category_list"))
    if not key.isascii():
        folded = _fold(permalink.strip().encode("utf-8"))
        # Two permalinks folding alike would make the repair ambiguous: keep neither.
        known = run.folded_permalinks.get(folded, key)
        run.folded_permalinks[folded] = key if known == key else None
    return parsed


def _founded_on(value: str, *, row: SourceRow, run: _Run) -> dt.date | None:
    """A company's founding date; a junk one is left empty and the repair reported.

    A founding year is a detail of the profile, not the company: rejecting the row
    would throw away its funding rounds with it (issue 14).
    """
    try:
        return _date(value, "founded_at", run)
    except RowRejected as exc:
        run.repairs.append(f"{COMPANIES} line {row.line}: {exc}; founding date left empty")
        return None


def _import_companies(run: _Run, path: Path, counts: FileCounts) -> None:
    seen: dict[str, int] = {}

    def reject(row: SourceRow, reason: str, fields_: list[str] | None) -> None:
        key = fields_[0].strip().lower() if fields_ else ""
        # A repeated key was imported from its first line; only a company never imported
        # takes its events down with it.
        if key and key not in seen:
            run.rejected_companies.setdefault(key, row.line)

    rows = _checked_rows(
        run,
        path,
        counts,
        lambda row, fields_: _parse_company(run, row, fields_),
        seen,
        on_reject=reject,
    )
    with transaction.atomic():
        for batch in _batched(rows, BATCH_SIZE):
            _upsert_companies(run, batch, counts)


def _category_ids(run: _Run, names: Iterable[str]) -> None:
    missing = sorted(set(names) - run.category_ids.keys())
    if missing:
        Category.objects.bulk_create(
            [Category(name=name) for name in missing], ignore_conflicts=True
        )
        run.category_ids.update(Category.objects.filter(name__in=missing).values_list("name", "id"))


def _company_categories(company_ids: list[int]) -> dict[int, tuple[str, ...]]:
    """Return each company's category names, sorted, in one query."""
    through = Company.categories.through
    found: dict[int, list[str]] = {}
    for company_id, name in through.objects.filter(company_id__in=company_ids).values_list(
        "company_id", "category__name"
    ):
        found.setdefault(company_id, []).append(name)
    return {company_id: tuple(sorted(names)) for company_id, names in found.items()}


def _upsert_companies(run: _Run, batch: list[_CompanyRow], counts: FileCounts) -> int:
    """Create or update the companies of ``batch``; return how many were created."""
    existing = {
        key: (pk, tuple(values))
        for pk, key, *values in Company.objects.filter(
            _key_in([row.key for row in batch]), source=SOURCE
        ).values_list("id", "source_key", *COMPANY_FIELDS)
    }
    old_categories = _company_categories([pk for pk, _ in existing.values()])
    to_create: list[_CompanyRow] = []
    to_update: list[Company] = []
    new_categories: dict[int, tuple[str, ...]] = {}
    for row in batch:
        if row.key not in existing:
            to_create.append(row)
            continue
        pk, old = existing[row.key]
        same_fields = old == tuple(row.values[name] for name in COMPANY_FIELDS)
        same_categories = old_categories.get(pk, ()) == row.categories
        if same_fields and same_categories:
            counts.unchanged += 1
            continue
        counts.updated += 1
        to_update.append(Company(pk=pk, updated_at=run.now, **row.values))
        if not same_categories:
            new_categories[pk] = row.categories
    _category_ids(run, (name for row in batch for name in row.categories))
    if to_create:
        _insert(
            run,
            Company,
            [*COMPANY_FIELDS, "source", "source_key", "imported_at", "updated_at"],
            [
                (
                    *(row.values[name] for name in COMPANY_FIELDS),
                    SOURCE,
                    row.key,
                    run.db_now,
                    run.db_now,
                )
                for row in to_create
            ],
        )
        counts.created += len(to_create)
        ids = dict(
            Company.objects.filter(
                _key_in([row.key for row in to_create]), source=SOURCE
            ).values_list("source_key", "id")
        )
        for row in to_create:
            if row.categories:
                new_categories[ids[row.key]] = row.categories
    if to_update:
        Company.objects.bulk_update(to_update, [*COMPANY_FIELDS, "updated_at"])
    through = Company.categories.through
    replaced = [pk for pk in new_categories if pk in old_categories]
    if replaced:
        through.objects.filter(company_id__in=replaced).delete()
    _insert(
        run,
        through,
        ["company", "category"],
        [(pk, run.category_ids[name]) for pk, names in new_categories.items() for name in names],
    )
    return len(to_create)


def _key_in(keys: Collection[str]) -> RawSQL:
    """Return the condition ``source_key IN (keys)`` for a query on one table.

    ``source_key__in`` prepares each value through the field, which costs seconds over
    the 200k keys of an import; the keys here are already plain strings.
    """
    if not keys:
        return RawSQL("1 = 0", [], output_field=BooleanField())
    placeholders = ", ".join(["%s"] * len(keys))
    # Only placeholders are formatted into the SQL; the keys travel as parameters.
    return RawSQL(f"source_key IN ({placeholders})", list(keys), output_field=BooleanField())  # noqa: S611


def _insert(run: _Run, model: type[Model], names: list[str], rows: list[tuple[Any, ...]]) -> None:
    """Insert ``rows`` (values in the order of the field ``names``) with one ``executemany``.

    Django's ``bulk_create`` builds a model instance and prepares every value through its
    field, which costs more than the insert itself on a 200k-row import; the values here
    are already plain dates, decimals and strings that both database drivers adapt.
    """
    if not rows:
        return
    quote = connection.ops.quote_name
    # Every name is a concrete field of ``model``, so each has a column.
    fields = [cast("Field[Any, Any]", model._meta.get_field(name)) for name in names]
    columns = ", ".join(quote(str(field.column)) for field in fields)
    placeholders = ", ".join(["%s"] * len(names))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608 - table and column names come from the models, values are parameters
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


# --- acquisitions.csv --------------------------------------------------------------------


def _acquisition_summary(company: str, acquirer: str, price: Decimal | None, currency: str) -> str:
    summary = f"{company} was acquired by {acquirer}" if acquirer else f"{company} was acquired"
    if price:
        summary += f" for {format_amount(price, currency)}"
    return summary


def _parse_acquisition(run: _Run, row: SourceRow, fields_: list[str]) -> _EventRow:
    if row.invalid_utf8_at is not None:
        raise RowRejected(f"not valid UTF-8 (byte {row.invalid_utf8_at} of the row)")
    (
        permalink,
        name,
        category_list,
        country,
        state,
        region,
        city,
        acquirer_permalink,
        acquirer_name,
        _acq_categories,
        _acq_country,
        _acq_state,
        _acq_region,
        _acq_city,
        acquired_at,
        _acquired_month,
        price_amount,
        price_currency,
    ) = fields_
    company_key = _permalink(permalink, "company_permalink")
    acquirer_key = _permalink(acquirer_permalink, "acquirer_permalink")
    if company_key in run.rejected_companies:
        line = run.rejected_companies[company_key]
        raise RowRejected(f"company {company_key} was rejected in {COMPANIES} line {line}")
    company = _CompanyRow(
        company_key,
        _company_values(
            key=company_key,
            name=name,
            homepage="",
            country=country,
            state=state,
            region=region,
            city=city,
            status=Company.Status.ACQUIRED,
            founded_on=None,
            prefix="company_",
        ),
        _categories(category_list, "company_category_list"),
    )
    announced_on = _date(acquired_at, "acquired_at", run)
    price = _amount(price_amount, "price_amount")
    currency = _code3(price_currency, "price_currency_code")
    if price is not None and not currency:
        raise RowRejected("price_amount has no price_currency_code")
    day = announced_on.isoformat() if announced_on else "undated"
    return _EventRow(
        row=row,
        key=f"{company_key}|{acquirer_key}|{day}",
        company_key=company_key,
        company_match=MATCHED_BY_ID,
        values={
            "kind": TriggerEvent.Kind.ACQUISITION,
            "announced_on": announced_on,
            "round_type": "",
            "series": "",
            "amount": price,
            "currency": currency if price is not None else "",
            "amount_usd": price if currency == "USD" else None,
            "counterparty": _text(acquirer_name, "acquirer_name", 300),
            "source_url": f"{SOURCE_URL}{company_key}",
        },
        company=company,
    )


def _import_acquisitions(run: _Run, path: Path, counts: FileCounts) -> int:
    """Import acquisitions; return how many companies were created from their rows."""
    seen: dict[str, int] = {}
    created_companies = 0
    rows = _checked_rows(
        run, path, counts, lambda row, fields_: _parse_acquisition(run, row, fields_), seen
    )
    with transaction.atomic():
        for batch in _batched(rows, BATCH_SIZE):
            companies = _companies_by_key({row.company_key for row in batch})
            missing: dict[str, _CompanyRow] = {}
            for row in batch:
                if row.company_key not in companies and row.company is not None:
                    # The first row naming an unknown company describes it.
                    missing.setdefault(row.company_key, row.company)
            if missing:
                ignored = FileCounts(ACQUISITIONS)
                created_companies += _upsert_companies(run, list(missing.values()), ignored)
                companies.update(_companies_by_key(set(missing)))
            for row in batch:
                name, categories, pk = companies[row.company_key]
                row.values["summary"] = _acquisition_summary(
                    name, row.values["counterparty"], row.values["amount"], row.values["currency"]
                )[:_SUMMARY_MAX]
                row.values["company_id"] = pk
                row.values["company_match"] = row.company_match
                row.values["search_document"] = build_search_document(
                    company_name=name, categories=categories, summary=row.values["summary"]
                )
            _upsert_events(run, batch, counts)
    return created_companies


def _companies_by_key(keys: set[str]) -> dict[str, tuple[str, tuple[str, ...], int]]:
    """Return ``key -> (name, sorted category names, id)`` for the crunchbase companies in ``keys``."""
    found = {
        key: (name, pk)
        for pk, key, name in Company.objects.filter(_key_in(keys), source=SOURCE).values_list(
            "id", "source_key", "name"
        )
    }
    categories = _company_categories([pk for _, pk in found.values()])
    return {key: (name, categories.get(pk, ()), pk) for key, (name, pk) in found.items()}


# --- rounds2.csv -------------------------------------------------------------------------


def _round_summary(company: str, round_type: str, series: str, amount: Decimal | None) -> str:
    """Return "Acme raised a $5M series A", "Acme raised an angel round"."""
    if series and round_type == "venture":
        label = f"series {series}"
    else:
        label = ROUND_LABELS.get(round_type, f"{round_type.replace('_', ' ')} round".strip())
        if series:
            label += f" (series {series})"
    if amount:
        return f"{company} raised a {format_amount(amount)} {label}"
    article = "an" if label[0] in "aeiou" else "a"
    return f"{company} raised {article} {label}"


def _parse_round(run: _Run, row: SourceRow, fields_: list[str]) -> _EventRow:
    (permalink, round_permalink, round_type, round_code, funded_at, raised) = fields_
    if row.invalid_utf8_at is not None and not all(value.isascii() for value in fields_[1:]):
        # The other columns are ASCII by nature: broken bytes there have no repair.
        raise RowRejected(f"not valid UTF-8 (byte {row.invalid_utf8_at} of the row)")
    folded_key = None
    if not permalink.isascii():
        folded_key = run.folded_permalinks.get(
            _fold(permalink.strip().encode("utf-8", errors="surrogateescape"))
        )
    if row.invalid_utf8_at is not None:
        if folded_key is None:
            raise RowRejected(
                f"company_permalink is not valid UTF-8 (byte {row.invalid_utf8_at} of the row) "
                f"and matches no single company of {COMPANIES}"
            )
        company_key = folded_key
    else:
        company_key = _permalink(permalink, "company_permalink")
    key = round_permalink.strip().lower()
    if not key.startswith("/funding-round/"):
        raise RowRejected(
            f"funding_round_permalink {round_permalink!r} does not start with /funding-round/"
        )
    amount = _amount(raised, "raised_amount_usd")
    return _EventRow(
        row=row,
        key=_text(key, "funding_round_permalink", 300),
        company_key=company_key,
        company_match=(MATCHED_BY_ID if company_key != folded_key else MATCHED_BY_REPAIRED_ID),
        folded_key=folded_key,
        values={
            "kind": TriggerEvent.Kind.FUNDING_ROUND,
            "announced_on": _date(funded_at, "funded_at", run),
            "round_type": _text(round_type, "funding_round_type", 40).lower(),
            "series": _text(round_code, "funding_round_code", 10).upper(),
            "amount": amount,
            "currency": "USD" if amount is not None else "",
            "amount_usd": amount,
            "counterparty": "",
            "source_url": f"{SOURCE_URL}{key}",
        },
    )


def _round_company(
    run: _Run, row: _EventRow, companies: dict[str, tuple[str, tuple[str, ...], int]]
) -> tuple[str, tuple[str, ...], int]:
    """Return the company of a round as ``(name, categories, id)``, or reject the round."""
    for key, match in (
        (row.company_key, row.company_match),
        (row.folded_key, "permalink repaired from broken bytes"),
    ):
        if key is None:
            continue
        if key in run.rejected_companies:
            line = run.rejected_companies[key]
            raise RowRejected(f"company {key} was rejected in {COMPANIES} line {line}")
        if key in companies:
            row.company_key, row.company_match = key, match
            return companies[key]
    raise RowRejected(f"company {row.company_key} is in neither {COMPANIES} nor {ACQUISITIONS}")


def _import_rounds(run: _Run, path: Path, counts: FileCounts) -> None:
    seen: dict[str, int] = {}
    rows = _checked_rows(
        run, path, counts, lambda row, fields_: _parse_round(run, row, fields_), seen
    )
    with transaction.atomic():
        for batch in _batched(rows, BATCH_SIZE):
            keys = {row.company_key for row in batch}
            keys.update(row.folded_key for row in batch if row.folded_key)
            companies = _companies_by_key(keys)
            found: list[_EventRow] = []
            for row in batch:
                try:
                    name, categories, pk = _round_company(run, row, companies)
                except RowRejected as exc:
                    # The company is known only after the batch lookup, so this rule
                    # is applied here rather than while parsing.
                    counts.rejected += 1
                    run.rejects.write(file=ROUNDS, row=row.row, reason=str(exc))
                    continue
                values = row.values
                values["summary"] = _round_summary(
                    name, values["round_type"], values["series"], values["amount"]
                )[:_SUMMARY_MAX]
                values["company_id"] = pk
                values["company_match"] = row.company_match
                values["search_document"] = build_search_document(
                    company_name=name, categories=categories, summary=values["summary"]
                )
                found.append(row)
            _upsert_events(run, found, counts)


# --- shared ------------------------------------------------------------------------------


def _checked_rows(
    run: _Run,
    path: Path,
    counts: FileCounts,
    parse: Callable[[SourceRow, list[str]], K],
    seen: dict[str, int],
    *,
    on_reject: Callable[[SourceRow, str, list[str] | None], None] | None = None,
) -> Iterator[K]:
    """Yield the parsed rows of ``path``; count and report each row that breaks a rule.

    ``seen`` maps each key already read to its line, so a repeated key is rejected.
    """
    file = path.name
    expected = len(HEADERS[file])
    bar = tqdm(desc=file, unit=" rows", unit_scale=True, disable=not run.progress, mininterval=0.5)
    try:
        for row in read_rows(path):
            counts.read += 1
            bar.update(1)
            fields_ = row.fields
            try:
                if fields_ is None:
                    raise RowRejected(row.error)
                if len(fields_) != expected:
                    raise RowRejected(f"expected {expected} fields, found {len(fields_)}")
                parsed = parse(row, fields_)
                key = parsed.key
                if key in seen:
                    raise RowRejected(f"duplicate key {key} of line {seen[key]}")
                seen[key] = row.line
            except RowRejected as exc:
                counts.rejected += 1
                run.rejects.write(file=file, row=row, reason=str(exc))
                if on_reject is not None:
                    on_reject(row, str(exc), fields_)
                continue
            yield parsed
    finally:
        bar.close()


def _batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _upsert_events(run: _Run, batch: list[_EventRow], counts: FileCounts) -> None:
    """Create the new events of ``batch``, update the changed ones, count the rest unchanged."""
    existing = {
        key: (pk, tuple(values))
        for pk, key, *values in TriggerEvent.objects.filter(
            _key_in([row.key for row in batch]), source=SOURCE
        ).values_list("id", "source_key", *EVENT_FIELDS)
    }
    to_create: list[tuple[Any, ...]] = []
    to_update: list[TriggerEvent] = []
    for row in batch:
        values = tuple(row.values[name] for name in EVENT_FIELDS)
        if row.key not in existing:
            to_create.append((*values, SOURCE, row.key, run.db_now, run.db_now))
            continue
        pk, old = existing[row.key]
        if old == values:
            counts.unchanged += 1
        else:
            to_update.append(TriggerEvent(pk=pk, updated_at=run.now, **row.values))
    _insert(
        run,
        TriggerEvent,
        [*EVENT_FIELDS, "source", "source_key", "imported_at", "updated_at"],
        to_create,
    )
    counts.created += len(to_create)
    if to_update:
        TriggerEvent.objects.bulk_update(to_update, [*EVENT_FIELDS, "updated_at"])
        counts.updated += len(to_update)


__all__ = [
    "BATCH_SIZE",
    "EXPORT_DATE",
    "CrunchbaseImportReport",
    "FileCounts",
    "SourceFileError",
    "crunchbase_import",
]
