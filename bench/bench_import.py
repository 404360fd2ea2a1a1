"""Benchmark: import the whole CrunchBase 2015 export, against raw sqlite3 executemany (L5).

Standalone: ``python bench/bench_import.py [RUNS]``. It points Django at a temporary SQLite
file, migrates it once, then for each run starts from a copy of that empty database and
times ``crunchbase_import``. In the same process it times the baseline: the same rows read
and parsed by the importer's own reader and rules, then written with ``sqlite3``
``executemany`` into bare tables (same columns, the two unique keys, no other index, no
full-text triggers). It prints one Markdown section, ``## Import``.

The goal (issue 2, section 6): the import takes at most 3x the baseline, peak RSS < 500 MB.
"""

import os
import resource
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="bench_import_"))
DB = WORK / "bench.sqlite3"
TEMPLATE = WORK / "template.sqlite3"
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
os.environ["DATABASE_URL"] = f"sqlite:///{DB}"

import django  # noqa: E402 - settings must be chosen before Django loads

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from lead411.core import clock  # noqa: E402
from lead411.leads.sources import crunchbase as cb  # noqa: E402
from lead411.leads.sources.base import RejectsWriter  # noqa: E402

EXPORT = Path(settings.LEAD411_DATA_DIR) / "crunchbase_2015"

BARE_SCHEMA = """
CREATE TABLE company (id INTEGER PRIMARY KEY, name TEXT, normalized_name TEXT, homepage TEXT,
    country_code TEXT, region TEXT, city TEXT, status TEXT, founded_on TEXT, source_url TEXT,
    source TEXT, source_key TEXT, imported_at TEXT, updated_at TEXT, UNIQUE (source, source_key));
CREATE TABLE category (id INTEGER PRIMARY KEY, name TEXT UNIQUE);
CREATE TABLE company_categories (id INTEGER PRIMARY KEY, company_id INTEGER, category_id INTEGER);
CREATE TABLE event (id INTEGER PRIMARY KEY, company_id INTEGER, kind TEXT, announced_on TEXT,
    round_type TEXT, series TEXT, amount TEXT, currency TEXT, amount_usd TEXT, counterparty TEXT,
    summary TEXT, search_document TEXT, company_match TEXT, source_url TEXT, source TEXT,
    source_key TEXT, imported_at TEXT, updated_at TEXT, UNIQUE (source, source_key));
"""


def _fresh_database() -> None:
    connection.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{DB}{suffix}").unlink(missing_ok=True)
    shutil.copy(TEMPLATE, DB)


def _time_import() -> tuple[float, float, cb.CrunchbaseImportReport]:
    """Return (wall s, CPU s, report) of one import into an empty database."""
    _fresh_database()
    started, cpu = time.perf_counter(), time.process_time()
    report = cb.crunchbase_import(directory=EXPORT)
    return time.perf_counter() - started, time.process_time() - cpu, report


def _parsed(run: Any, name: str, parse: Any) -> list[Any]:
    counts = cb.FileCounts(name)
    return list(cb._checked_rows(run, EXPORT / name, counts, parse, {}))


def _time_baseline() -> tuple[float, float]:
    """Parse the export with the importer's rules, insert it with sqlite3 executemany.

    Returns (wall s, CPU s).
    """
    path = WORK / "baseline.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    started, cpu = time.perf_counter(), time.process_time()
    now = clock.now().isoformat()
    run = cb._Run(now=clock.now(), db_now=now, export_date=cb.EXPORT_DATE,
                  rejects=RejectsWriter(None), progress=False)  # fmt: skip
    companies = _parsed(run, cb.COMPANIES, lambda row, f: cb._parse_company(run, row, f))
    acquisitions = _parsed(run, cb.ACQUISITIONS, lambda row, f: cb._parse_acquisition(run, row, f))
    rounds = _parsed(run, cb.ROUNDS, lambda row, f: cb._parse_round(run, row, f))

    db = sqlite3.connect(path, isolation_level=None)
    db.executescript("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;" + BARE_SCHEMA)
    db.execute("BEGIN")
    columns = cb.COMPANY_FIELDS
    ids: dict[str, tuple[int, str, tuple[str, ...]]] = {}
    company_rows = []
    for pk, company in enumerate(companies, start=1):
        ids[company.key] = (pk, company.values["name"], company.categories)
        company_rows.append(
            (pk, *(company.values[c] for c in columns), "crunchbase", company.key, now, now)
        )
    for acquisition in acquisitions:
        if acquisition.company_key not in ids and acquisition.company is not None:
            pk = len(ids) + 1
            company = acquisition.company
            ids[company.key] = (pk, company.values["name"], company.categories)
            company_rows.append(
                (pk, *(company.values[c] for c in columns), "crunchbase", company.key, now, now)
            )
    db.executemany(f"INSERT INTO company VALUES ({','.join('?' * 14)})", _plain(company_rows))
    names = sorted({name for _, _, categories in ids.values() for name in categories})
    category_ids = {name: pk for pk, name in enumerate(names, start=1)}
    db.executemany(
        "INSERT INTO category VALUES (?, ?)", [(pk, name) for name, pk in category_ids.items()]
    )
    db.executemany(
        "INSERT INTO company_categories (company_id, category_id) VALUES (?, ?)",
        [(pk, category_ids[name]) for pk, _, categories in ids.values() for name in categories],
    )
    events = []
    for acquisition in acquisitions:
        pk, name, categories = ids[acquisition.company_key]
        v = acquisition.values
        summary = cb._acquisition_summary(name, v["counterparty"], v["amount"], v["currency"])
        events.append(_event_row(acquisition, pk, name, categories, summary, now))
    for round_ in rounds:
        if round_.company_key not in ids:
            continue
        pk, name, categories = ids[round_.company_key]
        v = round_.values
        summary = cb._round_summary(name, v["round_type"], v["series"], v["amount"])
        events.append(_event_row(round_, pk, name, categories, summary, now))
    db.executemany(
        f"INSERT INTO event (company_id, kind, announced_on, round_type, series, amount, currency, "
        f"amount_usd, counterparty, summary, search_document, company_match, source_url, source, "
        f"source_key, imported_at, updated_at) VALUES ({','.join('?' * 17)})",
        _plain(events),
    )
    db.execute("COMMIT")
    db.close()
    return time.perf_counter() - started, time.process_time() - cpu


def _event_row(
    row: Any, pk: int, name: str, categories: tuple[str, ...], summary: str, now: str
) -> tuple[Any, ...]:
    v = row.values
    document = cb.build_search_document(company_name=name, categories=categories, summary=summary)
    return (pk, v["kind"], v["announced_on"], v["round_type"], v["series"], v["amount"],
            v["currency"], v["amount_usd"], v["counterparty"], summary, document,
            row.company_match, v["source_url"], "crunchbase", row.key, now, now)  # fmt: skip


def _plain(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Dates and decimals as text, as sqlite3 stores them (no adapter registered here)."""
    return [
        tuple(v if v is None or isinstance(v, (int, str)) else str(v) for v in row) for row in rows
    ]


def main() -> int:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    if not (EXPORT / "companies.csv").exists():
        print(f"## Import\n\nSkipped: the CrunchBase 2015 export is not at {EXPORT}.")
        return 0
    call_command("migrate", verbosity=0, interactive=False)
    connection.close()
    shutil.copy(DB, TEMPLATE)

    imports = [_time_import() for _ in range(runs)]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    baselines = [_time_baseline() for _ in range(runs)]
    shutil.rmtree(WORK, ignore_errors=True)

    report = imports[0][2]
    rows = report.rows_read
    import_median = statistics.median(wall for wall, _, _ in imports)
    baseline_median = statistics.median(wall for wall, _ in baselines)
    import_cpu = statistics.median(cpu for _, cpu, _ in imports)
    baseline_cpu = statistics.median(cpu for _, cpu in baselines)
    lines = [
        "## Import",
        "",
        f"The whole CrunchBase 2015 export ({rows:,} rows) into a fresh SQLite database; "
        f"median of {runs} runs each. Baseline: the same rows read and parsed by the "
        "importer's reader and rules, then inserted with `sqlite3` `executemany` into bare "
        "tables (same columns and unique keys, no other index, no FTS triggers).",
        "",
        "| measure | import_crunchbase | raw executemany | ratio | goal |",
        "|---|---|---|---|---|",
        f"| wall time (s) | {import_median:.1f} | {baseline_median:.1f} "
        f"| {import_median / baseline_median:.2f}x | <= 3x |",
        f"| CPU time (s) | {import_cpu:.1f} | {baseline_cpu:.1f} "
        f"| {import_cpu / baseline_cpu:.2f}x | <= 3x |",
        f"| rows/s (wall) | {rows / import_median:,.0f} | {rows / baseline_median:,.0f} | | |",
        f"| peak RSS (MB) | {peak_mb:.0f} | | | < 500 |",
        "",
        "| file | read | created | updated | unchanged | rejected |",
        "|---|---|---|---|---|---|",
    ]
    for counts in report.files:
        lines.append(
            f"| {counts.file} | {counts.read} | {counts.created} | {counts.updated} | "
            f"{counts.unchanged} | {counts.rejected} |"
        )
    lines += [
        "",
        f"Wall time of each run (s): import {', '.join(f'{t:.1f}' for t, _, _ in imports)}; "
        f"baseline {', '.join(f'{t:.1f}' for t, _ in baselines)}. "
        f"Load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
        "(CPU time is the fairer figure on a shared machine). "
        f"{report.acquired_companies_created:,} companies were created from acquisitions.",
        "",
        f"Command: `.venv/bin/python bench/bench_import.py {runs}` (or `make bench`).",
    ]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
