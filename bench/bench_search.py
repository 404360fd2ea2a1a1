"""Search benchmark: ``lead_search`` (tantivy) beside bare tantivy on the same index (issue 13).

Run: ``.venv/bin/python bench/bench_search.py`` (or ``make bench``). Prints a Markdown
section ``## Search`` on stdout; progress goes to stderr.

For each database (a temporary SQLite file; PostgreSQL too when ``BENCH_DATABASE_URL`` is
set, e.g. ``postgres://postgres@127.0.0.1:5432/bench_search``) it migrates an empty
database, imports the real Crunchbase export with ``crunchbase_import``, builds the
search index (timed, in a child process whose peak memory is read), times ~20
representative searches at the real size and the whole search page (Django test client,
cache emptied before each request), then replicates the rows (shifted dates, varied
company names, bulk ``INSERT ... SELECT``) up to each size of ``BENCH_SEARCH_EVENTS``
(comma-separated, ``1000000`` by default, e.g. ``1000000,10000000``; 0 skips), rebuilds
the index and times the searches again.

Each search is timed two ways in the same run, interleaved:

* ``lead_search``: the whole selector: the index freshness check, the engine search
  (total, a page of 25 sorted, six facets as terms aggregations) and the page's events
  read from the database with their companies;
* bare tantivy: the same tantivy query, search and aggregation on the same index, with
  nothing around it (no freshness check, no database, no labels).

(The old SQL search on the FTS5 table / GIN index went with migration 0008; its last
figures are in BENCHMARKS.md.) Nothing is cached between runs (the engine has no result
cache); the OS page cache is warm after the first run, which this benchmark cannot drop
without root. Goal (issue 13): lead_search p95 <= 1.5 x bare tantivy p95 plus the page's
database fetch; search page p95 <= 60 ms at the real size.
"""

import datetime as dt
import json
import os
import resource
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
TARGETS = [int(n) for n in os.environ.get("BENCH_SEARCH_EVENTS", "1000000").split(",") if n]
REPEATS = int(os.environ.get("BENCH_SEARCH_REPEATS", "5"))
PAGE_REPEATS = int(os.environ.get("BENCH_SEARCH_PAGE_REPEATS", "3"))
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


def _page_params(query: Any) -> dict[str, Any]:
    """Return the search page's GET parameters of a LeadQuery (codes, ISO dates)."""
    params: dict[str, Any] = {}
    for name, value in (
        ("q", query.q), ("kind", query.kinds), ("round_type", query.round_types),
        ("category", query.categories), ("country", query.countries),
        ("region", query.regions), ("city", query.cities), ("date_from", query.date_from),
        ("date_to", query.date_to), ("amount_min", query.amount_min),
        ("amount_max", query.amount_max), ("sort", query.sort),
    ):  # fmt: skip
        if value in (None, "", ()):
            continue
        params[name] = list(value) if isinstance(value, tuple) else str(value)
    return params


# --- replication up to the target size ---------------------------------------------------


def _replicate(target: int) -> int:
    """Copy the imported companies and events until there are ``target`` events; return the count.

    Only the imported rows are copied each time, so copies never copy copies. Copy k gets
    new ids (old id + k x the imported rows' max id), a company name with a word appended,
    dates shifted back k x 37 days, and a search document rebuilt with the new name. A
    second call (a larger size) continues after the last copy.
    """
    from django.db import connection, transaction

    from lead411.leads.models import TriggerEvent

    count = TriggerEvent.objects.count()
    if count == 0 or count >= target:
        return count
    postgres = connection.vendor == "postgresql"
    original = "source_key NOT LIKE '%%#copy%%'"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(id) FROM leads_company WHERE {original}")
        company_span = cursor.fetchone()[0]
        cursor.execute(f"SELECT MAX(id), COUNT(*) FROM leads_triggerevent WHERE {original}")
        event_span, real = cursor.fetchone()
        cursor.execute(
            "SELECT MAX(id) FROM leads_company_categories WHERE company_id <= %s", [company_span]
        )
        link_span = cursor.fetchone()[0] or 0
        cursor.execute("SELECT MAX(id) FROM leads_triggerevent")
        done = (cursor.fetchone()[0] - 1) // event_span
    copies = done + -(-(target - count) // real)
    company_columns = (
        "source, source_key, source_url, imported_at, updated_at, normalized_name, homepage, "
        "country_code, region, city, status, founded_on"
    )
    event_columns = (
        "source, source_url, imported_at, updated_at, kind, round_type, series, amount, "
        "currency, amount_usd, counterparty, company_match"
    )
    cat = "||"
    for k in range(done + 1, copies + 1):
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
    """Time every query REPEATS times through lead_search and bare tantivy, interleaved."""
    from lead411.leads.selectors import lead_search

    times: dict[str, list[float]] = {"new": [], "bare": []}
    per_query = []
    for label, query in _queries():
        result = lead_search(query=query, page=1)  # warm-up; syncs the index once
        bare_total, bare_ids = _bare(query)
        if (result.total, [e.pk for e in result.events]) != (bare_total, bare_ids):
            raise SystemExit(f"{label}: lead_search and bare tantivy disagree")
        mine: dict[str, list[float]] = {"new": [], "bare": []}
        for _ in range(REPEATS):
            started = time.perf_counter()
            lead_search(query=query, page=1)
            mine["new"].append(time.perf_counter() - started)
            started = time.perf_counter()
            _bare(query)
            mine["bare"].append(time.perf_counter() - started)
        for key in times:
            times[key].extend(mine[key])
        per_query.append(
            {
                "label": label,
                "total": result.total,
                **{f"{key}_ms": statistics.median(mine[key]) * 1000 for key in mine},
            }
        )
        print(
            f"  [{label_size}] {label}: {result.total:,} hits, lead_search "
            f"{per_query[-1]['new_ms']:.1f} ms, bare {per_query[-1]['bare_ms']:.1f} ms",
            file=sys.stderr,
            flush=True,
        )
    summary: dict[str, Any] = {"size": label_size, "per_query": per_query}
    for key, samples in times.items():
        summary[f"{key}_p50"] = statistics.median(samples) * 1000
        summary[f"{key}_p95"] = _percentile(samples, 95) * 1000
    return summary


def _measure_page() -> dict[str, float]:
    """Time the whole search page (member logged in, Django test client) for every query.

    The cache is emptied before each request but for the leads data version (an emptied
    version is the rarer "cache lost" case, which syncs the index against the database).
    """
    from django.contrib.auth import get_user_model
    from django.test import Client, override_settings
    from django.urls import reverse

    user = get_user_model().objects.create_user("bench-search@example.com", "bench-password-1")
    client = Client()
    client.force_login(user)
    url = reverse("leads:search")
    samples = []
    # The test client's host, and static files without a collectstatic manifest.
    with override_settings(
        ALLOWED_HOSTS=["testserver"],
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    ):
        for label, query in _queries():
            samples += _time_page(client, url, label, _page_params(query))
    page = {
        "page_p50": statistics.median(samples) * 1000,
        "page_p95": _percentile(samples, 95) * 1000,
    }
    print(f"  search page: {page}", file=sys.stderr, flush=True)
    return page


def _time_page(client: Any, url: str, label: str, params: dict[str, Any]) -> list[float]:
    """Return the times (s) of PAGE_REPEATS requests of one search, each on an empty cache."""
    from django.core.cache import cache

    from lead411.leads.search.index import DATA_VERSION_KEY

    samples = []
    for _ in range(PAGE_REPEATS):
        version = cache.get(DATA_VERSION_KEY)
        cache.clear()
        if version is not None:
            cache.set(DATA_VERSION_KEY, version, None)
        started = time.perf_counter()
        response = client.get(url, params)
        samples.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise SystemExit(f"search page, {label}: HTTP {response.status_code}")
    return samples


def _build_index(database_url: str, index_dir: Path) -> dict[str, Any]:
    """Rebuild the search index in a child process; return its time and peak memory.

    A child of its own so the figure is the build's peak resident memory, not the
    import's or the replication's.
    """
    from lead411.leads.search import engine

    env = {**os.environ, "DATABASE_URL": database_url, "SEARCH_INDEX_DIR": str(index_dir)}
    env.pop(CHILD_ENV, None)
    done = subprocess.run(
        [sys.executable, "manage.py", "search_index_rebuild", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    line = done.stdout.strip().splitlines()[-1]
    print(f"  {line}", file=sys.stderr, flush=True)
    # "Rebuilt the search index: N written, 0 deleted, N documents, S s."
    documents = int(line.split(", ")[2].split()[0].replace(",", ""))
    seconds = float(line.split(", ")[3].split()[0])
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # This process's open handle still reads the folder's previous state.
    engine.forget_index(index_dir)
    return {"build_s": seconds, "documents": documents, "peak_mib": peak_kib / 1024}


def child(database_url: str) -> None:
    """Set up Django on ``database_url``, import, measure at every size; print JSON."""
    with tempfile.TemporaryDirectory(prefix="bench_search_") as scratch:
        index_dir = Path(scratch) / "index"
        os.environ["SEARCH_INDEX_DIR"] = str(index_dir)
        # A private cache: the page timing empties it (never a Redis shared with anyone).
        os.environ["REDIS_URL"] = ""
        os.environ["CACHE_DIR"] = str(Path(scratch) / "cache")
        _child(database_url, index_dir)


def _child(database_url: str, index_dir: Path) -> None:
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
    from lead411.leads.sources.crunchbase import crunchbase_import

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
    built = _build_index(database_url, index_dir)
    runs = [_measure(f"real ({TriggerEvent.objects.count():,} events)") | built | _measure_page()]
    print(f"  RESULT {json.dumps(runs[-1])}", file=sys.stderr, flush=True)
    for target in TARGETS:
        if TriggerEvent.objects.count() >= target:
            continue
        started = time.perf_counter()
        total = _replicate(target)
        print(
            f"  replicated to {total:,} events in {time.perf_counter() - started:.0f} s",
            file=sys.stderr,
        )
        built = _build_index(database_url, index_dir)
        runs.append(_measure(f"replicated ({total:,} events)") | built)
        print(f"  RESULT {json.dumps(runs[-1])}", file=sys.stderr, flush=True)
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
        f"(BENCH_SEARCH_EVENTS={','.join(map(str, TARGETS))}, BENCH_SEARCH_REPEATS={REPEATS}"
        + (", BENCH_DATABASE_URL set" if os.environ.get("BENCH_DATABASE_URL") else "")
        + ")",
        "",
        f"{len(_queries())} searches x {REPEATS} runs each through `lead_search` (tantivy: "
        "total, a page of 25 with companies from the database, six facets) and bare tantivy "
        "doing the same engine work on the same index, interleaved in the same run. Goal: "
        f"p95 <= {GOAL_RATIO} x bare tantivy p95 plus the page fetch. Search page: the whole "
        f"view through the Django test client, {PAGE_REPEATS} requests per search, cache "
        "emptied before each.",
        "",
        "| database | size | index build | build peak MiB | lead_search p50 | p95 "
        "| bare p50 | p95 | p95 new/bare | page p50 | page p95 |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    details = []
    for name, result in results:
        if "skipped" in result:
            lines.append(f"| {name} | skipped: {result['skipped']} |" + " |" * 9)
            continue
        for run in result["runs"]:
            page = (
                f"{run['page_p50']:.1f} ms | {run['page_p95']:.1f} ms"
                if "page_p50" in run
                else "| "
            )
            lines.append(
                f"| {name} | {run['size']} | {run['build_s']:.1f} s | {run['peak_mib']:.0f} | "
                f"{run['new_p50']:.1f} ms | {run['new_p95']:.1f} ms | "
                f"{run['bare_p50']:.1f} ms | {run['bare_p95']:.1f} ms | "
                f"{run['new_p95'] / run['bare_p95']:.2f}x | {page} |"
            )
            details.append(f"\n**{name}, {run['size']}**: median per search\n")
            details.append("| search | hits | lead_search | bare tantivy |")
            details.append("|---|---:|---:|---:|")
            details.extend(
                f"| {q['label']} | {q['total']:,} | {q['new_ms']:.1f} ms | {q['bare_ms']:.1f} ms |"
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
