"""EDGAR parsing benchmark: our parsers against a bare ``xml.etree`` parse (issue 9).

Run: ``.venv/bin/python bench/bench_edgar.py`` (or ``make bench``). Prints a Markdown
section ``## EDGAR`` on stdout.

Reads the 30 real Atom feed pages and the 5 Form D documents in ``$LEAD411_DATA_DIR``
(default ``../shared/data``) into memory once, then times, interleaved in the same run:

* ``parse_feed`` / ``parse_form_d`` (defusedxml, entry and field extraction, problems),
* a bare ``xml.etree.ElementTree.fromstring`` of the same bytes (after stripping leading
  whitespace and cutting the ``<XML>`` body out of the SGML file, which the bare parser
  cannot do itself), walking nothing.

Each measurement is the median of ``BENCH_EDGAR_REPEATS`` (default 7) repetitions; a
repetition parses every file ``BENCH_EDGAR_LOOPS`` (default 5) times. The ratio is our
time over the bare parse's time: the cost of the safety checks and of the extraction.
No database is used.
"""

import os
import re
import statistics
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lead411.leads.sources.edgar.parsers import parse_feed, parse_form_d  # noqa: E402 - after sys.path

REPEATS = int(os.environ.get("BENCH_EDGAR_REPEATS", "7"))
LOOPS = int(os.environ.get("BENCH_EDGAR_LOOPS", "5"))
DATA = Path(os.environ.get("LEAD411_DATA_DIR", ROOT.parent / "shared" / "data"))
_XML_BODY = re.compile(rb"<XML>\s*(.*?)\s*</XML>", re.DOTALL)


def _median_seconds(work: Callable[[], int]) -> tuple[float, int]:
    """Return (median seconds of one repetition, items per repetition)."""
    times = []
    items = 0
    for _ in range(REPEATS):
        start = time.perf_counter()
        items = work()
        times.append(time.perf_counter() - start)
    return statistics.median(times), items


def main() -> None:
    feeds = [p.read_bytes() for p in sorted((DATA / "sec_edgar_current_atom").glob("*.atom"))]
    formd_dir = DATA / "sec_formd"
    docs = [p.read_bytes() for p in sorted([*formd_dir.glob("*.xml"), *formd_dir.glob("*.nc")])]
    if not feeds or not docs:
        print("## EDGAR\n\nSkipped: the shared EDGAR files are absent from " + str(DATA) + ".\n")
        return

    def ours_feed() -> int:
        return sum(len(parse_feed(d, origin="bench").entries) for _ in range(LOOPS) for d in feeds)

    def bare_feed() -> int:
        n = 0
        for _ in range(LOOPS):
            for d in feeds:
                root = ET.fromstring(d.lstrip())  # noqa: S314 - trusted local files
                n += len(root.findall("{http://www.w3.org/2005/Atom}entry"))
        return n

    def ours_formd() -> int:
        for _ in range(LOOPS):
            for d in docs:
                parse_form_d(d, origin="bench")
        return LOOPS * len(docs)

    def bare_formd() -> int:
        for _ in range(LOOPS):
            for d in docs:
                body = _XML_BODY.search(d)
                ET.fromstring(body.group(1) if body else d.lstrip())  # noqa: S314 - trusted files
        return LOOPS * len(docs)

    rows = []
    # Interleave ours and bare for each input, so both see the same machine state.
    for label, ours, bare, unit in (
        ("Atom feed (30 pages, 3,000 entries)", ours_feed, bare_feed, "entries/s"),
        ("Form D documents (5)", ours_formd, bare_formd, "documents/s"),
    ):
        ours(), bare()  # warm-up: imports, caches
        ours_s, n = _median_seconds(ours)
        bare_s, _ = _median_seconds(bare)
        rows.append((label, unit, n / ours_s, n / bare_s, ours_s / bare_s))

    print("## EDGAR\n")
    print(f"Command: `.venv/bin/python bench/bench_edgar.py` (repeats {REPEATS}, loops {LOOPS};")
    print(
        "median of the repetitions). `lead411.leads.sources.edgar.parsers` (defusedxml + extraction) against"
    )
    print("a bare `xml.etree.ElementTree.fromstring` of the same bytes, in the same run.\n")
    print("| input | unit | ours | bare ElementTree | ratio (ours time / bare time) |")
    print("|---|---|---:|---:|---:|")
    for label, unit, ours_rate, bare_rate, ratio in rows:
        print(f"| {label} | {unit} | {ours_rate:,.0f} | {bare_rate:,.0f} | {ratio:.2f} |")
    print()


if __name__ == "__main__":
    main()
