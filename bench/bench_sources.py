"""Lead sources benchmark: 8-K documents parsed and imported, Form D submissions imported (issue 14).

Run: ``.venv/bin/python bench/bench_sources.py`` (or ``make bench BENCH=sources``). Prints a
Markdown section ``## Sources`` on stdout.

Reads the real 8-K filings (``sec_8k``, 23 documents: SEC text submissions, ``.nc``,
crawler ``.htm`` pages, inline XBRL) and Form D submissions (``sec_formd``, 5) from
``$LEAD411_DATA_DIR`` (default ``../shared/data``) and times, in the same run:

* baselines on the same bytes: reading the files from disk (page cache), and a bare
  tokenising of each document with the standard library's ``html.parser.HTMLParser``
  (decode, feed, nothing kept) for the 8-Ks, a bare ``xml.etree`` parse for the Form Ds;
* ``parse_8k`` on the bytes in memory (submission split, text extraction, item sections,
  people and deals);
* ``edgar_import`` of each folder into an empty SQLite database (companies, events,
  contacts, filings, the search index catch-up), then a second import of the same folder
  (every filing known: nothing written).

Each figure is the median of ``BENCH_SOURCES_REPEATS`` (default 5) repetitions; every
import starts from a copy of one migrated, empty database.
"""

import os
import re
import shutil
import statistics
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="bench_sources_"))
DB = WORK / "bench.sqlite3"
TEMPLATE = WORK / "template.sqlite3"
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
os.environ["DATABASE_URL"] = f"sqlite:///{DB}"
os.environ["SEARCH_INDEX_DIR"] = str(WORK / "search-index")

import django  # noqa: E402 - settings must be chosen before Django loads

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from lead411.leads.sources.edgar.documents import parse_8k  # noqa: E402
from lead411.leads.sources.edgar.parsers import parse_form_d  # noqa: E402
from lead411.leads.sources.edgar.services import (  # noqa: E402
    FILING_PATTERNS,
    EdgarImportReport,
    edgar_import,
)

REPEATS = int(os.environ.get("BENCH_SOURCES_REPEATS", "5"))
DATA = Path(settings.LEAD411_DATA_DIR)
_NOTES = re.compile(r"^(?:LICENSE|ATTRIBUTION|README)", re.IGNORECASE)
_XML_BODY = re.compile(rb"<XML>\s*(.*?)\s*</XML>", re.DOTALL)


def _files(folder: Path, patterns: tuple[str, ...]) -> list[Path]:
    found = {p for pattern in patterns for p in folder.glob(pattern) if p.is_file()}
    return sorted(p for p in found if not _NOTES.match(p.name))


def _median(work: Callable[[], object]) -> float:
    """Return the median wall time (s) of ``REPEATS`` runs of ``work``."""
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _fresh_database() -> None:
    connection.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{DB}{suffix}").unlink(missing_ok=True)
    shutil.copy(TEMPLATE, DB)
    shutil.rmtree(WORK / "search-index", ignore_errors=True)


def _imports(**folders: list[str]) -> tuple[float, float, EdgarImportReport, EdgarImportReport]:
    """Return (median s of a first import, median s of a repeat, their last reports)."""
    firsts, repeats = [], []
    first = again = EdgarImportReport()
    for _ in range(REPEATS):
        _fresh_database()
        started = time.perf_counter()
        first = edgar_import(**folders)  # type: ignore[arg-type]  # keyword folders
        firsts.append(time.perf_counter() - started)
        started = time.perf_counter()
        again = edgar_import(**folders)  # type: ignore[arg-type]
        repeats.append(time.perf_counter() - started)
    return statistics.median(firsts), statistics.median(repeats), first, again


class _Bare(HTMLParser):
    """Tokenise and drop everything: the least any HTML reader must do."""


def main() -> int:
    eight_k_dir, form_d_dir = DATA / "sec_8k", DATA / "sec_formd"
    eight_ks = _files(eight_k_dir, FILING_PATTERNS)
    form_ds = _files(form_d_dir, ("*.xml", "*.nc"))
    if not eight_ks or not form_ds:
        print(
            f"## Sources\n\nSkipped: the shared sec_8k or sec_formd files are absent from {DATA}."
        )
        return 0
    call_command("migrate", verbosity=0, interactive=False)
    connection.close()
    shutil.copy(DB, TEMPLATE)

    eight_k_bytes = [p.read_bytes() for p in eight_ks]
    form_d_bytes = [p.read_bytes() for p in form_ds]
    size_mb = sum(map(len, eight_k_bytes)) / 1e6

    def bare_html() -> None:
        for data in eight_k_bytes:
            parser = _Bare(convert_charrefs=True)
            parser.feed(data.decode("utf-8", errors="replace"))
            parser.close()

    def bare_xml() -> None:
        for data in form_d_bytes:
            body = _XML_BODY.search(data)
            ET.fromstring(body.group(1) if body else data.lstrip())  # noqa: S314 - trusted local files

    people = sum(
        len(parse_8k(d, origin=p.name).executive_changes)
        for p, d in zip(eight_ks, eight_k_bytes, strict=True)
    )
    read_s = _median(lambda: [p.read_bytes() for p in eight_ks])
    bare_s = _median(bare_html)
    parse_s = _median(
        lambda: [parse_8k(d, origin=p.name) for p, d in zip(eight_ks, eight_k_bytes, strict=True)]
    )
    k_first, k_again, k_report, k_repeat = _imports(eight_ks=[str(eight_k_dir)])

    form_read_s = _median(lambda: [p.read_bytes() for p in form_ds])
    form_bare_s = _median(bare_xml)
    form_parse_s = _median(lambda: [parse_form_d(d, origin="bench") for d in form_d_bytes])
    d_first, d_again, d_report, d_repeat = _imports(form_ds=[str(form_d_dir)])
    shutil.rmtree(WORK, ignore_errors=True)

    n, m = len(eight_ks), len(form_ds)
    events = sum(k_report.created.values())
    rows = [
        ("8-K", "read the files (baseline)", n / read_s, read_s / bare_s),
        ("8-K", "bare `HTMLParser` tokenising (baseline)", n / bare_s, 1.0),
        ("8-K", "`parse_8k` (people, deals)", n / parse_s, parse_s / bare_s),
        ("8-K", f"`edgar_import`, empty database ({events} events)", n / k_first, k_first / bare_s),
        ("8-K", "`edgar_import` again (nothing to write)", n / k_again, k_again / bare_s),
        ("Form D", "read the files (baseline)", m / form_read_s, form_read_s / form_bare_s),
        ("Form D", "bare `ElementTree` parse (baseline)", m / form_bare_s, 1.0),
        ("Form D", "`parse_form_d`", m / form_parse_s, form_parse_s / form_bare_s),
        ("Form D", "`edgar_import`, empty database", m / d_first, d_first / form_bare_s),
        ("Form D", "`edgar_import` again (nothing to write)", m / d_again, d_again / form_bare_s),
    ]
    if k_repeat.changed or d_repeat.changed:
        print("## Sources\n\nFailed: a repeated import wrote rows.")
        return 1
    print("## Sources\n")
    print(
        f"Command: `.venv/bin/python bench/bench_sources.py` (median of {REPEATS} repetitions). "
        f"The {n} real 8-K documents of `sec_8k` ({size_mb:.1f} MB, {people} people named in "
        f"executive changes) and the {m} Form D submissions of `sec_formd`; imports into an "
        "empty SQLite database (rows, contacts, filings and the search index catch-up), then "
        "the same folder again. Ratios are time over the bare parse of the same bytes in the "
        "same run (`HTMLParser` for the 8-Ks, `ElementTree` for the Form Ds).\n"
    )
    print("| documents | step | documents/s | time ratio to the bare parse |")
    print("|---|---|---:|---:|")
    for kind, step, rate, ratio in rows:
        print(f"| {kind} | {step} | {rate:,.1f} | {ratio:.2f} |")
    print(
        f"\nThe first Form D import created {d_report.companies_created} companies and "
        f"{sum(d_report.created.values())} events; the repeats wrote nothing."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
