"""API search and CRM export benchmark (issue 16).

Run: ``.venv/bin/python bench/bench_api_export.py`` (or ``make bench BENCH=api_export``).
Prints a Markdown section ``## API search and CRM export`` on stdout; progress goes to
stderr.

Migrates a temporary SQLite database, imports the real Crunchbase 2015 export with
``crunchbase_import`` and builds the search index, then measures in the same run:

1. **Export rows/s**: the first ``BENCH_EXPORT_ROWS`` (default 100,000) leads in date
   order, written to a file by the export path of a background job
   (``lead_export_rows`` in chunks, a preset's ``export_rows`` with formula
   neutralising, ``csv.writer``) beside a bare ``csv.writer`` writing the same leads
   read by one plain SQL join per chunk of 2,000 ids (no categories, no neutralising).
   ``BENCH_EXPORT_REPEATS`` (default 3) interleaved repetitions; medians.
   Goal: ours >= 0.5 x bare.
2. **API lead search p95**: ``GET /api/v1/leads`` with a token, beside the search page
   (``GET /leads/``), both through the Django test client, over the search benchmark's
   queries (``bench_search._queries``), ``BENCH_API_REPEATS`` (default 3) requests each,
   interleaved, the cache emptied before each request but for the leads data version
   (as bench_search does). Goal: API p95 <= 1.2 x page p95.
"""

import csv
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ROWS = int(os.environ.get("BENCH_EXPORT_ROWS", "100000"))
EXPORT_REPEATS = int(os.environ.get("BENCH_EXPORT_REPEATS", "3"))
API_REPEATS = int(os.environ.get("BENCH_API_REPEATS", "3"))
PRESET_KEYS = ("leads", "hubspot-leads", "salesforce-accounts")
CHUNK = 2000

_BARE_SQL = (
    "SELECT e.id, e.announced_on, e.kind, e.round_type, e.series, e.amount, e.currency, "
    "e.amount_usd, e.counterparty, e.summary, c.name, c.homepage, c.country_code, c.region, "
    "c.city, c.status, e.source, e.source_key, e.source_url "
    "FROM leads_triggerevent e JOIN leads_company c ON c.id = e.company_id WHERE e.id IN ({})"
)


def _setup(scratch: Path) -> bool:
    """Point Django at a scratch database, index and cache; import the data. False: no data."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ["DATABASE_URL"] = f"sqlite:///{scratch / 'bench.sqlite3'}"
    os.environ["SEARCH_INDEX_DIR"] = str(scratch / "index")
    os.environ["REDIS_URL"] = ""  # a private cache: the page timing empties it
    os.environ["CACHE_DIR"] = str(scratch / "cache")
    os.environ["LEADS_EXPORT_DIR"] = str(scratch / "exports")
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from lead411.leads.models import TriggerEvent
    from lead411.leads.sources.crunchbase import crunchbase_import

    data_dir = Path(settings.LEAD411_DATA_DIR) / "crunchbase_2015"
    if not data_dir.is_dir():
        return False
    call_command("migrate", interactive=False, verbosity=0)
    started = time.perf_counter()
    crunchbase_import(directory=data_dir, progress=False)
    call_command("search_index_rebuild", verbosity=0, stdout=sys.stderr)
    print(
        f"  imported and indexed {TriggerEvent.objects.count():,} events in "
        f"{time.perf_counter() - started:.0f} s",
        file=sys.stderr,
        flush=True,
    )
    return True


# --- 1. export rows/s -----------------------------------------------------------------


def _ours(ids: list[int], key: str, path: Path) -> int:
    from lead411.leads.exports import PRESETS, export_rows
    from lead411.leads.selectors import lead_export_rows

    preset = PRESETS[key]
    leads = lead_export_rows(ids=ids, with_contacts=preset.needs_contacts)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerows(
            export_rows(preset=preset, leads=leads, lead_url_prefix="https://x.example/leads/")
        )
    return len(ids)


def _bare(ids: list[int], path: Path) -> int:
    from django.db import connection

    with path.open("w", encoding="utf-8", newline="") as out, connection.cursor() as cursor:
        writer = csv.writer(out)
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            cursor.execute(_BARE_SQL.format(", ".join(["%s"] * len(chunk))), chunk)
            writer.writerows(cursor.fetchall())
    return len(ids)


def _measure_export(scratch: Path) -> dict[str, Any]:
    from lead411.leads.search.query import LeadQuery
    from lead411.leads.selectors import lead_export_ids

    ids = lead_export_ids(query=LeadQuery(sort="date"), limit=ROWS)
    times: dict[str, list[float]] = {"bare": [], **{key: [] for key in PRESET_KEYS}}
    for repeat in range(EXPORT_REPEATS):
        for name in times:
            path = scratch / f"{name}.csv"
            started = time.perf_counter()
            if name == "bare":
                _bare(ids, path)
            else:
                _ours(ids, name, path)
            times[name].append(time.perf_counter() - started)
            print(
                f"  export {repeat + 1}/{EXPORT_REPEATS} {name}: {times[name][-1]:.2f} s",
                file=sys.stderr,
                flush=True,
            )
    rates = {name: len(ids) / statistics.median(samples) for name, samples in times.items()}
    return {"rows": len(ids), "rates": rates}


# --- 2. API search p95 beside the page ------------------------------------------------------


def _percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def _measure_api() -> dict[str, Any]:
    from bench_search import _page_params, _queries
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.test import Client, override_settings
    from django.urls import reverse

    from lead411.api.models import ApiToken
    from lead411.api.services import api_token_create
    from lead411.leads.search.index import DATA_VERSION_KEY

    user = get_user_model().objects.create_user("bench-api@example.com", "bench-password-1")
    token = api_token_create(member=user, name="bench", scope=ApiToken.Scope.READ).plaintext
    page_client, api_client = Client(), Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    page_client.force_login(user)
    urls = {"page": reverse("leads:search"), "api": "/api/v1/leads"}
    clients = {"page": page_client, "api": api_client}
    samples: dict[str, list[float]] = {"page": [], "api": []}
    # The test client's host, static files without a manifest, no rate limit in the way.
    with override_settings(
        ALLOWED_HOSTS=["testserver"],
        API_RATE_LIMIT_REQUESTS=10**9,
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    ):
        for label, query in _queries():
            params = _page_params(query)
            for _ in range(API_REPEATS):
                for name in ("page", "api"):
                    version = cache.get(DATA_VERSION_KEY)
                    cache.clear()
                    if version is not None:
                        cache.set(DATA_VERSION_KEY, version, None)
                    started = time.perf_counter()
                    response = clients[name].get(urls[name], params)
                    samples[name].append(time.perf_counter() - started)
                    if response.status_code != 200:
                        raise SystemExit(f"{name}, {label}: HTTP {response.status_code}")
            print(f"  api/page: {label}", file=sys.stderr, flush=True)
    return {
        "queries": len(_queries()),
        **{f"{name}_p50": statistics.median(s) * 1000 for name, s in samples.items()},
        **{f"{name}_p95": _percentile(s, 95) * 1000 for name, s in samples.items()},
    }


def _markdown(export: dict[str, Any], api: dict[str, Any]) -> str:
    bare = export["rates"]["bare"]
    lines = [
        "## API search and CRM export",
        "",
        f"`{Path(sys.executable).name} bench/bench_api_export.py` (BENCH_EXPORT_ROWS={ROWS}, "
        f"BENCH_EXPORT_REPEATS={EXPORT_REPEATS}, BENCH_API_REPEATS={API_REPEATS}); SQLite, "
        "the CrunchBase 2015 export imported and indexed in the same run.",
        "",
        f"**Export**: the first {export['rows']:,} leads in date order written to a file by the "
        "export job's path (chunked reads with categories, the preset's rows, formula "
        "neutralising, csv.writer) beside a bare csv.writer over the same leads read by one "
        "SQL join per 2,000 ids. Goal: >= 0.5x bare. Leads read per second: a company preset "
        "(`salesforce-accounts`) writes each company once, so fewer rows.",
        "",
        "| writer | leads/s | x bare |",
        "|---|---:|---:|",
        f"| bare csv.writer | {bare:,.0f} | 1.00 |",
        *(
            f"| preset `{key}` | {export['rates'][key]:,.0f} | {export['rates'][key] / bare:.2f} |"
            for key in PRESET_KEYS
        ),
        "",
        f"**API lead search**: `GET /api/v1/leads` with a token beside the search page, "
        f"{api['queries']} searches of bench_search x {API_REPEATS} requests each, interleaved, "
        "Django test client, cache emptied before each request. Goal: API p95 <= 1.2x page p95.",
        "",
        "| endpoint | p50 | p95 |",
        "|---|---:|---:|",
        f"| search page | {api['page_p50']:.1f} ms | {api['page_p95']:.1f} ms |",
        f"| API /api/v1/leads | {api['api_p50']:.1f} ms | {api['api_p95']:.1f} ms |",
        f"| API / page | {api['api_p50'] / api['page_p50']:.2f}x "
        f"| {api['api_p95'] / api['page_p95']:.2f}x |",
    ]
    return "\n".join(lines)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench_api_export_") as tmp:
        scratch = Path(tmp)
        if not _setup(scratch):
            print("## API search and CRM export\n\nSkipped: no Crunchbase 2015 export.\n")
            return
        export = _measure_export(scratch)
        api = _measure_api()
    print(_markdown(export, api))


if __name__ == "__main__":
    main()
