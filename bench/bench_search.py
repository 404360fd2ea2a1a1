"""Search benchmark: ``lead_search`` against hand-written SQL doing the same work (issue 2, section 6).

Run: ``.venv/bin/python bench/bench_search.py`` (or ``make bench``). Prints a Markdown
section ``## Search`` on stdout; progress goes to stderr.

For each database (a temporary SQLite file; PostgreSQL too when ``BENCH_DATABASE_URL`` is
set, e.g. ``postgres://postgres@127.0.0.1:5432/bench_search``) it migrates an empty
database, imports the real Crunchbase export with ``crunchbase_import``, times ~20
representative searches at the real size, then replicates the rows (shifted dates, varied
company names, bulk ``INSERT ... SELECT``) up to ``BENCH_SEARCH_EVENTS`` events (1M by
default) and times them again.

Each search is timed twice in the same run, interleaved: through ``lead_search`` (the
total, one page of 25 leads with their companies, six facets) and as raw SQL on the FTS
table giving the same answer the straightforward way: a COUNT, the page and six facet
GROUP BYs, written by hand. ``lead_search`` gets the total and the facets from one tally
query counted in Python (``selectors._tally``); the baseline deliberately stays the plain
hand-written SQL, so the ratio shows what that choice gains or costs. The goal is
lead_search p95 <= 1.5 x the raw-SQL p95.
"""

import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHILD_ENV = "_BENCH_SEARCH_CHILD_URL"
TARGET_EVENTS = int(os.environ.get("BENCH_SEARCH_EVENTS", "1000000"))
REPEATS = int(os.environ.get("BENCH_SEARCH_REPEATS", "5"))
GOAL_RATIO = 1.5
# Words appended to replicated company names, so copies differ in name and in text.
COPY_WORDS = ["Nova", "Polar", "Vertex", "Harbor", "Summit", "Quartz", "Cedar", "Orbit", "Delta"]


def _queries() -> list[tuple[str, Any]]:
    """Return (label, LeadQuery) pairs: common and rare words, with and without facets."""
    from lead411.leads.selectors import LeadQuery

    d = dt.date
    return [
        ("no words, no filter (landing page)", LeadQuery()),
        ("software", LeadQuery(q="software")),
        ("mobile", LeadQuery(q="mobile")),
        ("health care", LeadQuery(q="health care")),
        ("enterprise software", LeadQuery(q="enterprise software")),
        ("biotechnology, sort by amount", LeadQuery(q="biotechnology", sort="amount")),
        ("software + funding + USA/CA + 2014", LeadQuery(
            q="software", kinds=("funding_round",), countries=("USA",), regions=("CA",),
            date_from=d(2014, 1, 1), date_to=d(2014, 12, 31),
        )),
        ("analytics + seed", LeadQuery(q="analytics", round_types=("seed",))),
        ("games + GBR", LeadQuery(q="games", countries=("GBR",))),
        ("social media + >= $10M", LeadQuery(q="social media", amount_min=Decimal(10_000_000))),
        ("acquired (summary word)", LeadQuery(q="acquired", sort="date")),
        ("rare: drone", LeadQuery(q="drone")),
        ("rare: genomics", LeadQuery(q="genomics")),
        ("rare: bitcoin + venture", LeadQuery(q="bitcoin", round_types=("venture",))),
        ("no match", LeadQuery(q="zzyzxnotaword")),
        ("kind=acquisition", LeadQuery(kinds=("acquisition",))),
        ("seed + USA", LeadQuery(round_types=("seed",), countries=("USA",))),
        ("category=Software", LeadQuery(categories=("Software",))),
        ("city=San Francisco, sort by amount", LeadQuery(cities=("San Francisco",), sort="amount")),
        ("2015 + >= $50M", LeadQuery(
            date_from=d(2015, 1, 1), date_to=d(2015, 12, 31), amount_min=Decimal(50_000_000),
        )),
    ]  # fmt: skip


# --- the raw-SQL baseline: the same count, page and facets, written by hand ---------------


class RawSearch:
    """Hand-written SQL for one LeadQuery on one vendor (``?``-free: DB-API ``%s`` params)."""

    def __init__(self, query: Any, vendor: str) -> None:
        from lead411.leads.selectors import fts5_match_expression

        self.query, self.vendor = query, vendor
        self.terms = query.terms
        self.match = (
            " ".join(self.terms) if vendor == "postgresql" else fts5_match_expression(self.terms)
        )
        self.where, self.params = self._where(with_text=True)

    def _where(self, *, with_text: bool) -> tuple[str, list[Any]]:
        q = self.query
        clauses: list[str] = []
        params: list[Any] = []
        if with_text and self.terms:
            if self.vendor == "postgresql":
                clauses.append(
                    "to_tsvector('english', e.search_document) @@ plainto_tsquery('english', %s)"
                )
            else:
                clauses.append(
                    "e.id IN (SELECT rowid FROM leads_event_fts WHERE leads_event_fts MATCH %s)"
                )
            params.append(self.match)
        for column, values in (
            ("e.kind", q.kinds), ("e.round_type", q.round_types), ("c.country_code", q.countries),
            ("c.region", q.regions), ("c.city", q.cities),
        ):  # fmt: skip
            if values:
                clauses.append(f"{column} IN ({', '.join(['%s'] * len(values))})")
                params.extend(values)
        if q.categories:
            clauses.append(
                "e.company_id IN (SELECT cc.company_id FROM leads_company_categories cc "
                "JOIN leads_category cat ON cat.id = cc.category_id "
                f"WHERE cat.name IN ({', '.join(['%s'] * len(q.categories))}))"
            )
            params.extend(q.categories)
        for clause, value in (
            ("e.announced_on >= %s", q.date_from), ("e.announced_on <= %s", q.date_to),
            ("e.amount_usd >= %s", q.amount_min), ("e.amount_usd <= %s", q.amount_max),
        ):  # fmt: skip
            if value is not None:
                clauses.append(clause)
                params.append(value if isinstance(value, dt.date) else str(value))
        return (" AND ".join(clauses) or "1=1"), params

    def run(self, cursor: Any) -> int:
        """Run the count, the page and the six facets; return the count."""
        return self.run_with_facets(cursor)[0]

    def run_with_facets(self, cursor: Any) -> tuple[int, list[list[tuple[str, int]]]]:
        """Run the count, the page and the six facets; return the count and the facet rows."""
        base = "FROM leads_triggerevent e JOIN leads_company c ON c.id = e.company_id"
        cursor.execute(f"SELECT COUNT(*) {base} WHERE {self.where}", self.params)
        total = cursor.fetchone()[0]
        columns = (
            "e.id, e.kind, e.announced_on, e.round_type, e.series, e.amount, e.currency, "
            "e.amount_usd, e.counterparty, e.summary, e.source, e.source_key, c.id, c.name, "
            "c.country_code, c.region, c.city, c.status"
        )
        sort = self.query.effective_sort
        if total and sort == "relevance" and self.vendor != "postgresql":
            others, other_params = self._where(with_text=False)
            extra = f" AND +rowid IN (SELECT e.id {base} WHERE {others})" if others != "1=1" else ""
            cursor.execute(
                "SELECT rowid FROM leads_event_fts WHERE leads_event_fts MATCH %s"
                f"{extra} ORDER BY rank, rowid DESC LIMIT 25",
                [self.match, *(other_params if extra else [])],
            )
            ids = [row[0] for row in cursor.fetchall()]
            if ids:
                marks = ", ".join(["%s"] * len(ids))
                cursor.execute(f"SELECT {columns} {base} WHERE e.id IN ({marks})", ids)
                cursor.fetchall()
        elif total:
            if sort == "relevance":
                order = (
                    "ts_rank(to_tsvector('english', e.search_document), "
                    "plainto_tsquery('english', %s)) DESC, e.id DESC"
                )
                order_params = [self.match]
            elif sort == "amount":
                order, order_params = (
                    "e.amount_usd DESC NULLS LAST, e.announced_on DESC NULLS LAST, e.id DESC",
                    [],
                )
            else:
                order, order_params = "e.announced_on DESC NULLS LAST, e.id DESC", []
            cursor.execute(
                f"SELECT {columns} {base} WHERE {self.where} ORDER BY {order} LIMIT 25",
                [*self.params, *order_params],
            )
            cursor.fetchall()
        facets = []
        for column, join in (
            ("e.kind", ""), ("e.round_type", ""),
            ("cat.name", " JOIN leads_company_categories cc ON cc.company_id = c.id "
                         "JOIN leads_category cat ON cat.id = cc.category_id"),
            ("c.country_code", ""), ("c.region", ""), ("c.city", ""),
        ):  # fmt: skip
            cursor.execute(
                f"SELECT {column}, COUNT(e.id) AS n {base}{join} WHERE {self.where} "
                f"AND {column} <> '' AND {column} IS NOT NULL GROUP BY {column} "
                f"ORDER BY n DESC, {column} LIMIT 12",
                self.params,
            )
            facets.append([(value, int(n)) for value, n in cursor.fetchall()])
        return int(total), facets


# --- replication up to the target size ---------------------------------------------------


def _replicate(target: int) -> int:
    """Copy the imported companies and events until there are ``target`` events; return the count.

    Only the imported rows (ids up to the real maximum) are copied each time, so copies
    never copy copies. Copy k gets new ids (old id + k x max id), a company name with a word appended, dates
    shifted back k x 37 days, and a search document rebuilt with the new name. The FTS5
    triggers (SQLite) index each inserted row; PostgreSQL's GIN index updates itself.
    """
    from django.db import connection, transaction

    from lead411.leads.models import TriggerEvent

    real = TriggerEvent.objects.count()
    if real == 0 or real >= target:
        return real
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SELECT MAX(id) FROM leads_company")
        company_span = cursor.fetchone()[0]
        cursor.execute("SELECT MAX(id) FROM leads_triggerevent")
        event_span = cursor.fetchone()[0]
        cursor.execute("SELECT MAX(id) FROM leads_company_categories")
        link_span = cursor.fetchone()[0] or 0
    copies = -(-(target - real) // real)
    company_columns = (
        "source, source_key, source_url, imported_at, updated_at, normalized_name, homepage, "
        "country_code, region, city, status, founded_on"
    )
    event_columns = (
        "source, source_url, imported_at, updated_at, kind, round_type, series, amount, "
        "currency, amount_usd, counterparty, company_match"
    )
    cat = "||"
    for k in range(1, copies + 1):
        word = COPY_WORDS[(k - 1) % len(COPY_WORDS)] + (f" {k}" if k > len(COPY_WORDS) else "")
        shift = (
            f"e.announced_on - {37 * k}" if postgres else f"date(e.announced_on, '-{37 * k} days')"
        )
        remaining = target - TriggerEvent.objects.count()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO leads_company (id, name, cik, {company_columns}) "
                f"SELECT id + %s, name {cat} ' ' {cat} %s, NULL, "
                f"{company_columns.replace('source_key', 'source_key ' + cat + ' %s')} "
                "FROM leads_company WHERE id <= %s",
                [k * company_span, word, f"#copy{k}", company_span],
            )
            cursor.execute(
                "INSERT INTO leads_company_categories (id, company_id, category_id) "
                "SELECT id + %s, company_id + %s, category_id FROM leads_company_categories "
                "WHERE id <= %s",
                [k * link_span, k * company_span, link_span],
            )
            cursor.execute(
                f"INSERT INTO leads_triggerevent (id, company_id, announced_on, summary, "
                f"search_document, source_key, {event_columns}) "
                f"SELECT e.id + %s, e.company_id + %s, {shift}, "
                f"replace(e.summary, c.name, c.name {cat} ' ' {cat} %s), "
                f"replace(e.search_document, c.name, c.name {cat} ' ' {cat} %s), "
                f"e.source_key {cat} %s, "
                + ", ".join(f"e.{col.strip()}" for col in event_columns.split(","))
                + " FROM leads_triggerevent e JOIN leads_company c ON c.id = e.company_id "
                "WHERE e.id <= %s ORDER BY e.id LIMIT %s",
                [k * event_span, k * company_span, word, word, f"#copy{k}", event_span, remaining],
            )
        print(f"  copy {k}/{copies}: {TriggerEvent.objects.count():,} events", file=sys.stderr)
    with connection.cursor() as cursor:
        if postgres:
            cursor.execute("ANALYZE")
            for table in ("leads_company", "leads_triggerevent", "leads_company_categories"):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), MAX(id)) FROM {table}"
                )
        else:
            cursor.execute("ANALYZE")
            cursor.execute("INSERT INTO leads_event_fts(leads_event_fts) VALUES ('optimize')")
    return TriggerEvent.objects.count()


# --- timing ---------------------------------------------------------------------------------


def _percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def _measure(label_size: str) -> dict[str, Any]:
    """Time every query REPEATS times through lead_search and as raw SQL, interleaved."""
    from django.core.cache import cache
    from django.db import connection

    from lead411.leads.selectors import lead_search

    vendor = connection.vendor
    orm: list[float] = []
    raw: list[float] = []
    per_query = []
    for label, query in _queries():
        baseline = RawSearch(query, vendor)
        with connection.cursor() as cursor:
            # Warm-up, and the count and facet counts both must agree on.
            expected, expected_facets = baseline.run_with_facets(cursor)
        result = lead_search(query=query, page=1)
        if result.total != expected:
            raise SystemExit(f"{label}: lead_search found {result.total}, raw SQL {expected}")
        facets = [
            [(v.value, v.count) for v in facet.values if v.count is not None]
            for facet in result.facets
        ]
        if facets != expected_facets:
            raise SystemExit(f"{label}: lead_search facets differ from the raw SQL GROUP BYs")
        q_orm, q_raw = [], []
        for _ in range(REPEATS):
            # Measured cold: the raw SQL has no cache, so neither may lead_search.
            cache.clear()
            started = time.perf_counter()
            lead_search(query=query, page=1)
            q_orm.append(time.perf_counter() - started)
            started = time.perf_counter()
            with connection.cursor() as cursor:
                baseline.run(cursor)
            q_raw.append(time.perf_counter() - started)
        orm.extend(q_orm)
        raw.extend(q_raw)
        per_query.append(
            {
                "label": label,
                "total": expected,
                "orm_ms": statistics.median(q_orm) * 1000,
                "raw_ms": statistics.median(q_raw) * 1000,
            }
        )
        print(
            f"  [{label_size}] {label}: {expected:,} hits, lead_search "
            f"{per_query[-1]['orm_ms']:.0f} ms, raw {per_query[-1]['raw_ms']:.0f} ms",
            file=sys.stderr,
            flush=True,
        )
    return {
        "size": label_size,
        "orm_p50": statistics.median(orm) * 1000,
        "orm_p95": _percentile(orm, 95) * 1000,
        "raw_p50": statistics.median(raw) * 1000,
        "raw_p95": _percentile(raw, 95) * 1000,
        "per_query": per_query,
    }


def child(database_url: str) -> None:
    """Set up Django on ``database_url``, import, measure at both sizes; print JSON."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ["DATABASE_URL"] = database_url
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from lead411.leads.models import TriggerEvent

    data_dir = Path(settings.LEAD411_DATA_DIR) / "crunchbase_2015"
    if not data_dir.is_dir():
        print(json.dumps({"skipped": f"no Crunchbase export at {data_dir}"}))
        return
    try:
        from lead411.leads.sources.crunchbase import crunchbase_import
    except ImportError:
        print(json.dumps({"skipped": "lead411.leads.sources.crunchbase is not there yet"}))
        return
    call_command("migrate", interactive=False, verbosity=0)
    if connection.vendor == "postgresql":
        # BENCH_DATABASE_URL names a scratch database: it is emptied first.
        call_command("flush", interactive=False, verbosity=0)
    started = time.perf_counter()
    crunchbase_import(directory=data_dir, progress=False)
    print(
        f"  imported {TriggerEvent.objects.count():,} events in {time.perf_counter() - started:.0f} s",
        file=sys.stderr,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    runs = [_measure(f"real ({TriggerEvent.objects.count():,} events)")]
    print(f"  RESULT {json.dumps(runs[-1])}", file=sys.stderr, flush=True)
    if TriggerEvent.objects.count() < TARGET_EVENTS:
        started = time.perf_counter()
        total = _replicate(TARGET_EVENTS)
        print(
            f"  replicated to {total:,} events in {time.perf_counter() - started:.0f} s",
            file=sys.stderr,
        )
        runs.append(_measure(f"replicated ({total:,} events)"))
    print(json.dumps({"vendor": connection.vendor, "runs": runs}))


def _run_child(database_url: str) -> dict[str, Any]:
    env = {**os.environ, CHILD_ENV: database_url}
    # Progress on stderr passes straight through; the result is the last stdout line.
    done = subprocess.run(  # noqa: S603 - this script, run with our own interpreter
        [sys.executable, __file__],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        return {"skipped": f"failed with exit code {done.returncode}"}
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _markdown(results: list[tuple[str, dict[str, Any]]]) -> str:
    lines = [
        "## Search",
        "",
        f"`{Path(sys.executable).name} bench/bench_search.py` "
        f"(BENCH_SEARCH_EVENTS={TARGET_EVENTS}, BENCH_SEARCH_REPEATS={REPEATS}"
        + (", BENCH_DATABASE_URL set" if os.environ.get("BENCH_DATABASE_URL") else "")
        + ")",
        "",
        f"{len(_queries())} searches x {REPEATS} runs each, timed through `lead_search` (total, "
        "a page of 25 leads with companies, six facets from one tally query) and as "
        "hand-written SQL on the FTS table (COUNT, page, six GROUP BYs), interleaved in the "
        f"same run. Goal: p95 <= {GOAL_RATIO} x raw p95.",
        "",
        "| database | size | lead_search p50 | p95 | raw SQL p50 | p95 | p95 ratio | goal |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    details = []
    for name, result in results:
        if "skipped" in result:
            lines.append(f"| {name} | skipped: {result['skipped']} | | | | | | |")
            continue
        for run in result["runs"]:
            ratio = run["orm_p95"] / run["raw_p95"]
            lines.append(
                f"| {name} | {run['size']} | {run['orm_p50']:.1f} ms | {run['orm_p95']:.1f} ms | "
                f"{run['raw_p50']:.1f} ms | {run['raw_p95']:.1f} ms | {ratio:.2f}x | "
                f"{'met' if ratio <= GOAL_RATIO else 'MISSED'} |"
            )
            details.append(f"\n**{name}, {run['size']}**: median per search\n")
            details.append("| search | hits | lead_search | raw SQL | ratio |")
            details.append("|---|---:|---:|---:|---:|")
            details.extend(
                f"| {q['label']} | {q['total']:,} | {q['orm_ms']:.1f} ms | {q['raw_ms']:.1f} ms | "
                f"{q['orm_ms'] / q['raw_ms']:.2f}x |"
                for q in run["per_query"]
            )
    return "\n".join([*lines, *details])


def main() -> None:
    child_url = os.environ.get(CHILD_ENV)
    if child_url:
        child(child_url)
        return
    with tempfile.TemporaryDirectory(prefix="bench_search_") as tmp:
        results = [("SQLite", _run_child(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"))]
        if os.environ.get("BENCH_DATABASE_URL"):
            results.append(("PostgreSQL", _run_child(os.environ["BENCH_DATABASE_URL"])))
    # The report names the query set, which imports the selectors: Django must be set up here too.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()
    print(_markdown(results))


if __name__ == "__main__":
    main()
