"""Reports benchmark: report selectors against one raw SQL ``GROUP BY`` (issue 6).

Run: ``.venv/bin/python bench/bench_reports.py`` (or ``make bench``). Prints a Markdown
section ``## Reports`` on stdout; progress goes to stderr.

In a temporary SQLite database (migrated from scratch) it creates ``BENCH_REPORTS_MEMBERS``
members with applications (100,000 by default) and ``BENCH_REPORTS_ROWS`` daily activity
rows (10,000,000 by default, written by one ``INSERT ... SELECT`` over a recursive
sequence). Then, interleaved and repeated:

1. the demographic report (members by industry over the period) through
   ``report_table`` against one hand-written ``GROUP BY``;
2. the usage report (page views by section per week) through ``report_table`` against
   one hand-written ``GROUP BY``;

reporting the median time, the ratio (goal <= 2x) and the peak Python heap of each
(tracemalloc). Suppression of the result is timed separately. Last, the per-request
activity upsert (``activity_record``) against a plain single-row ``INSERT``.
No member data is printed: only timings and sizes.
"""

import datetime as dt
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MEMBERS = int(os.environ.get("BENCH_REPORTS_MEMBERS", "100000"))
ROWS = int(os.environ.get("BENCH_REPORTS_ROWS", "10000000"))
REPEATS = int(os.environ.get("BENCH_REPORTS_REPEATS", "3"))
UPSERTS = int(os.environ.get("BENCH_REPORTS_UPSERTS", "5000"))
GOAL_RATIO = 2.0
FIRST_DAY = dt.date(2026, 1, 5)  # a Monday
INDUSTRIES = [f"Industry {chr(65 + i)}" for i in range(26)] + ["Software", "Biotechnology"]
TITLES = ["CEO", "Account Executive", "Sales Director", "Marketing Manager", "CTO", "Analyst"]
COUNTRIES = ["United States", "Canada", "United Kingdom", "Germany", "France", "India"]
SIZES = ["1-10", "11-50", "51-200", "201-1000", "1001+"]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def setup(db_path: str) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def populate() -> int:
    """Create the members, applications and activity rows; return the days covered."""
    from django.db import connection, transaction

    from lead411.accounts.models import Application, User
    from lead411.activity.models import MemberDailyActivity

    now = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
    started = time.perf_counter()
    batch = 10000
    for first in range(0, MEMBERS, batch):
        with transaction.atomic():
            users = User.objects.bulk_create(
                User(email=f"bench{n}@example.invalid", password="!", date_joined=now)  # noqa: S106  # "!" is Django's unusable-password marker
                for n in range(first, min(first + batch, MEMBERS))
            )
            Application.objects.bulk_create(
                Application(
                    user=user,
                    company="Bench company",
                    job_title=TITLES[user.pk % len(TITLES)],
                    telephone="",
                    industry=INDUSTRIES[(user.pk * 7) % len(INDUSTRIES)],
                    company_size=SIZES[user.pk % len(SIZES)],
                    country=COUNTRIES[user.pk % len(COUNTRIES)],
                    status=Application.Status.APPROVED,
                    submitted_at=now,
                )
                for user in users
            )
    log(f"members: {MEMBERS:,} in {time.perf_counter() - started:.1f} s")
    first_id = User.objects.order_by("pk").values_list("pk", flat=True).first() or 1
    per_member = max(1, ROWS // MEMBERS)
    days = (per_member + 1) // 2
    table = MemberDailyActivity._meta.db_table
    # Row n: member n % MEMBERS, its (n // MEMBERS)-th row; two rows a day with adjacent
    # page types, so (member, day, page type) stays unique.
    sql = f"""
        WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n < {ROWS - 1})
        INSERT INTO {table} (member_id, day, page_type, lead_id, pageviews, visits, last_seen_at)
        SELECT {first_id} + n % {MEMBERS},
               date('{FIRST_DAY.isoformat()}', '+' || ((n / {MEMBERS}) / 2) || ' days'),
               CASE ((n / {MEMBERS}) % 2 + n % {MEMBERS} + (n / {MEMBERS}) / 2) % 7
                   WHEN 0 THEN 'search' WHEN 1 THEN 'lead_detail' WHEN 2 THEN 'saved_searches'
                   WHEN 3 THEN 'export' WHEN 4 THEN 'newsletter' WHEN 5 THEN 'account'
                   ELSE 'other' END,
               0, 1 + n % 5, (n % 3 = 0), '2026-01-05 12:00:00'
        FROM seq
    """
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    log(f"activity rows: {ROWS:,} in {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return days


def measure(fn: Callable[[], Any]) -> tuple[float, int, Any]:
    """Return (seconds, peak Python heap bytes, result) of one call."""
    tracemalloc.start()
    started = time.perf_counter()
    result = fn()
    took = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return took, peak, result


def raw(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def compare(name: str, ours: Callable[[], Any], baseline: Callable[[], Any]) -> dict[str, Any]:
    ours_t, base_t, ours_m, base_m = [], [], [], []
    for _ in range(REPEATS):
        t, m, _ = measure(baseline)
        base_t.append(t)
        base_m.append(m)
        t, m, _ = measure(ours)
        ours_t.append(t)
        ours_m.append(m)
    result: dict[str, Any] = {
        "name": name,
        "ours": statistics.median(ours_t),
        "base": statistics.median(base_t),
        "ours_mem": max(ours_m),
        "base_mem": max(base_m),
    }
    result["ratio"] = result["ours"] / result["base"]
    log(f"{name}: ours {result['ours']:.2f} s, raw {result['base']:.2f} s, x{result['ratio']:.2f}")
    return result


def bench_upsert() -> tuple[float, float]:
    """Return (µs per activity_record, µs per plain INSERT), each in autocommit mode."""
    from django.db import connection

    from lead411.accounts.models import User
    from lead411.activity.models import MemberDailyActivity
    from lead411.activity.services import activity_record

    member_ids = list(User.objects.order_by("pk").values_list("pk", flat=True)[:UPSERTS])
    started = time.perf_counter()
    for i, member_id in enumerate(member_ids):
        activity_record(member_id=member_id, page_type="search", lead_id=1 + i % 3)
    ours = (time.perf_counter() - started) / len(member_ids) * 1e6
    table = MemberDailyActivity._meta.db_table
    sql = (
        f"INSERT INTO {table} (member_id, day, page_type, lead_id, pageviews, visits, last_seen_at)"
        " VALUES (%s, %s, 'search', %s, 1, 1, %s)"
    )
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for i, member_id in enumerate(member_ids):
            cursor.execute(sql, [member_id, "2030-01-01", 10 + i % 3, "2030-01-01 00:00:00"])
    base = (time.perf_counter() - started) / len(member_ids) * 1e6
    return ours, base


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        setup(str(Path(tmp) / "bench.sqlite3"))
        from lead411.activity.models import MemberDailyActivity
        from lead411.reports.selectors import ReportKind, report_table
        from lead411.reports.suppression import suppress

        days = populate()
        start, end = FIRST_DAY, FIRST_DAY + dt.timedelta(days=days - 1)
        table = MemberDailyActivity._meta.db_table
        demo = compare(
            f"Members by industry ({MEMBERS:,} members)",
            lambda: report_table(kind=ReportKind.MEMBERS_BY_INDUSTRY, start=start, end=end, k=10),
            lambda: raw(
                "SELECT industry, COUNT(*) FROM accounts_application WHERE user_id IN "
                f"(SELECT DISTINCT member_id FROM {table} WHERE day BETWEEN %s AND %s) "
                "GROUP BY industry",
                [start.isoformat(), end.isoformat()],
            ),
        )
        usage = compare(
            f"Page views by section per week ({ROWS:,} rows)",
            lambda: report_table(kind=ReportKind.PAGEVIEWS_BY_SECTION, start=start, end=end, k=10),
            lambda: raw(
                f"SELECT date(day, 'weekday 0', '-6 days') AS week, page_type, SUM(pageviews), "
                f"COUNT(DISTINCT member_id) FROM {table} WHERE day BETWEEN %s AND %s "
                "AND pageviews > 0 GROUP BY week, page_type",
                [start.isoformat(), end.isoformat()],
            ),
        )
        counts = report_table(kind=ReportKind.PAGEVIEWS_BY_SECTION, start=start, end=end, k=10)
        sup_t, sup_m, _ = measure(lambda: suppress(table=counts, k=10))
        upsert_us, insert_us = bench_upsert()

    lines = [
        "## Reports",
        "",
        f"SQLite, temporary database: {MEMBERS:,} members with applications, {ROWS:,} daily "
        f"activity rows over {days} days. Median of {REPEATS} interleaved runs; memory is the "
        "peak Python heap (tracemalloc). Goal: report <= 2x the raw `GROUP BY`.",
        "",
        "| Report | report_table | raw SQL GROUP BY | ratio | peak heap (ours / raw) |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in (demo, usage):
        verdict = "ok" if r["ratio"] <= GOAL_RATIO else "over goal"
        lines.append(
            f"| {r['name']} | {r['ours']:.2f} s | {r['base']:.2f} s | {r['ratio']:.2f}x ({verdict}) "
            f"| {r['ours_mem'] / 1e6:.1f} MB / {r['base_mem'] / 1e6:.1f} MB |"
        )
    lines += [
        "",
        f"Suppression of the usage table ({len(counts.rows)} weeks x {len(counts.columns)} "
        f"sections): {sup_t * 1000:.1f} ms, peak heap {sup_m / 1e6:.2f} MB.",
        "",
        f"Per-request activity upsert (`activity_record`, one statement, autocommit): "
        f"{upsert_us:.0f} µs against {insert_us:.0f} µs for a plain single-row INSERT "
        f"({upsert_us / insert_us:.1f}x), {UPSERTS:,} calls each.",
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
