"""Search benchmark: ``lead_search`` (tantivy) beside bare tantivy and the old SQL search (issue 13).

Run: ``.venv/bin/python bench/bench_search.py`` (or ``make bench``). Prints a Markdown
section ``## Search`` on stdout; progress goes to stderr.

For each database (a temporary SQLite file; PostgreSQL too when ``BENCH_DATABASE_URL`` is
set, e.g. ``postgres://postgres@127.0.0.1:5432/bench_search``) it migrates an empty
database, imports the real Crunchbase export with ``crunchbase_import``, builds the
search index (timed), times ~20 representative searches at the real size, then
replicates the rows (shifted dates, varied company names, bulk ``INSERT ... SELECT``) up
to ``BENCH_SEARCH_EVENTS`` events (1M by default; 0 skips), rebuilds the index and times
them again.

Each search is timed three ways in the same run, interleaved:

* ``lead_search``: the whole selector: the index freshness check, the engine search
  (total, a page of 25 sorted, six facets as terms aggregations) and the page's events
  read from the database with their companies;
* bare tantivy: the same tantivy query, search and aggregation on the same index, with
  nothing around it (no freshness check, no database, no labels);
* the old search: hand-written SQL on the FTS5 table / PostgreSQL tsvector (COUNT, the
  page, six GROUP BYs), i.e. what the site did before issue 13. It answers a different
  (wrong) question for some queries, so only its time is compared.

Nothing is cached between runs (the engine has no result cache); the OS page cache is
warm after the first run, which this benchmark cannot drop without root. Goal (issue 13):
lead_search p95 <= 1.5 x bare tantivy p95 plus the page's database fetch.
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


def fts5_match_expression(terms: list[str]) -> str:
    """Return the old search's FTS5 MATCH expression: ``terms`` ANDed, each quoted."""
    return " ".join('"' + term.replace('"', '""') + '"' for term in terms)


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
        from lead411.leads.search.query import search_terms

        self.query, self.vendor = query, vendor
        # The old search: every word ANDed, operators dropped.
        self.terms = search_terms(query.q)
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
        sort = self.query.effective_sort if self.terms or self.query.sort != "relevance" else "date"
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


def _bare(query: Any) -> tuple[int, list[int]]:
    """Bare tantivy: the same query, top 25 in order, count and six aggregations."""
    from lead411.leads.search import engine

    index = engine.open_index(engine.search_index_dir())
    hits = engine.engine_search(index, query, offset=0, limit=25, facet_size=12)
    return hits.total, hits.ids


def _measure(label_size: str) -> dict[str, Any]:
    """Time every query REPEATS times through lead_search, bare tantivy and the old SQL."""
    from django.db import connection

    from lead411.leads.selectors import lead_search

    vendor = connection.vendor
    times: dict[str, list[float]] = {"new": [], "bare": [], "old": []}
    per_query = []
    for label, query in _queries():
        baseline = RawSearch(query, vendor)
        result = lead_search(query=query, page=1)  # warm-up; syncs the index once
        bare_total, bare_ids = _bare(query)
        if (result.total, [e.pk for e in result.events]) != (bare_total, bare_ids):
            raise SystemExit(f"{label}: lead_search and bare tantivy disagree")
        with connection.cursor() as cursor:
            old_total = baseline.run(cursor)
        mine: dict[str, list[float]] = {"new": [], "bare": [], "old": []}
        for _ in range(REPEATS):
            started = time.perf_counter()
            lead_search(query=query, page=1)
            mine["new"].append(time.perf_counter() - started)
            started = time.perf_counter()
            _bare(query)
            mine["bare"].append(time.perf_counter() - started)
            started = time.perf_counter()
            with connection.cursor() as cursor:
                baseline.run(cursor)
            mine["old"].append(time.perf_counter() - started)
        for key in times:
            times[key].extend(mine[key])
        per_query.append(
            {
                "label": label,
                "total": result.total,
                "old_total": old_total,
                **{f"{key}_ms": statistics.median(mine[key]) * 1000 for key in mine},
            }
        )
        print(
            f"  [{label_size}] {label}: {result.total:,} hits (old {old_total:,}), lead_search "
            f"{per_query[-1]['new_ms']:.1f} ms, bare {per_query[-1]['bare_ms']:.1f} ms, "
            f"old SQL {per_query[-1]['old_ms']:.0f} ms",
            file=sys.stderr,
            flush=True,
        )
    summary: dict[str, Any] = {"size": label_size, "per_query": per_query}
    for key, samples in times.items():
        summary[f"{key}_p50"] = statistics.median(samples) * 1000
        summary[f"{key}_p95"] = _percentile(samples, 95) * 1000
    return summary


def _build_index() -> dict[str, Any]:
    """Rebuild the search index from the database; return its time and the peak memory."""
    import resource

    from lead411.leads.search.index import search_index_rebuild

    report = search_index_rebuild()
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"  {report.line()}", file=sys.stderr, flush=True)
    return {"build_s": report.seconds, "documents": report.documents, "peak_mib": peak_kib / 1024}


def child(database_url: str) -> None:
    """Set up Django on ``database_url``, import, measure at both sizes; print JSON."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ["DATABASE_URL"] = database_url
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    settings.SEARCH_INDEX_DIR = Path(tempfile.mkdtemp(prefix="bench_search_index_"))
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
    built = _build_index()
    runs = [_measure(f"real ({TriggerEvent.objects.count():,} events)") | built]
    print(f"  RESULT {json.dumps(runs[-1])}", file=sys.stderr, flush=True)
    if TriggerEvent.objects.count() < TARGET_EVENTS:
        started = time.perf_counter()
        total = _replicate(TARGET_EVENTS)
        print(
            f"  replicated to {total:,} events in {time.perf_counter() - started:.0f} s",
            file=sys.stderr,
        )
        built = _build_index()
        runs.append(_measure(f"replicated ({total:,} events)") | built)
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
        f"{len(_queries())} searches x {REPEATS} runs each through `lead_search` (tantivy: "
        "total, a page of 25 with companies from the database, six facets), bare tantivy "
        "doing the same engine work on the same index, and the old SQL search, interleaved "
        f"in the same run. Goal: p95 <= {GOAL_RATIO} x bare tantivy p95 plus the page fetch.",
        "",
        "| database | size | index build | peak MiB | lead_search p50 | p95 | bare p50 | p95 "
        "| old SQL p50 | p95 | p95 new/bare | p95 old/new |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    details = []
    for name, result in results:
        if "skipped" in result:
            lines.append(f"| {name} | skipped: {result['skipped']} |" + " |" * 10)
            continue
        for run in result["runs"]:
            lines.append(
                f"| {name} | {run['size']} | {run['build_s']:.1f} s | {run['peak_mib']:.0f} | "
                f"{run['new_p50']:.1f} ms | {run['new_p95']:.1f} ms | "
                f"{run['bare_p50']:.1f} ms | {run['bare_p95']:.1f} ms | "
                f"{run['old_p50']:.1f} ms | {run['old_p95']:.1f} ms | "
                f"{run['new_p95'] / run['bare_p95']:.2f}x | {run['old_p95'] / run['new_p95']:.0f}x |"
            )
            details.append(f"\n**{name}, {run['size']}**: median per search\n")
            details.append("| search | hits (old) | lead_search | bare tantivy | old SQL |")
            details.append("|---|---:|---:|---:|---:|")
            details.extend(
                f"| {q['label']} | {q['total']:,} ({q['old_total']:,}) | {q['new_ms']:.1f} ms | "
                f"{q['bare_ms']:.1f} ms | {q['old_ms']:.1f} ms |"
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
