"""Old-day lines of an imported log go straight into the daily aggregates (clause P2).

Lines whose UTC day is older than ``WEBLOG_RAW_RETENTION_DAYS`` at import time are
counted in memory per day (``services.DayAggregate``, the roll-up job's own code) and
written to DailyCount when the file ends; recent lines stay raw rows. The figures must
be those of the other way round: every line imported raw, then the roll-up job.
"""

import datetime as dt
import random
from pathlib import Path

import pytest

from lead411.weblog.models import DailyCount, ImportedSource, PageView
from lead411.weblog.selectors import weblog_report
from lead411.weblog.services import access_log_import, weblog_rollup

from .conftest import CHROME, GOOGLEBOT, IPHONE

pytestmark = [pytest.mark.django_db, pytest.mark.clause("P2")]

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
OLD_DAYS = [dt.date(2015, 5, 17) + dt.timedelta(days=n) for n in range(4)]
CENTURY = 36_500  # a retention under which the 2015 days are still raw


def _stamp(moment: dt.datetime) -> str:
    return f"{moment:%d}/{MONTHS[moment.month - 1]}/{moment:%Y:%H:%M:%S} +0000"


def _write_log(path: Path, *, lines: int = 12_000, seed: int = 7) -> tuple[dt.date, dt.date]:
    """Write a log over four 2015 days and the two days before today, out of time order.

    Documentation-range addresses, three user agents (one a crawler), pages, assets,
    referrers (a search engine, a site, none), four statuses, a malformed line every
    1,000th; times are random within each day, so visits split on 30-minute gaps, and
    the lines are not sorted. Over 1 MiB, so the importer reads it in several chunks.
    Returns the first and last day written.
    """
    rnd = random.Random(seed)
    today = dt.datetime.now(dt.UTC).date()
    recent = [today - dt.timedelta(days=2), today - dt.timedelta(days=1)]
    agents = (CHROME, IPHONE, GOOGLEBOT)
    referrers = ("-", "https://www.google.com/search?q=leads", "http://example.org/a?x=1")
    paths = [f"/p/{n}/" for n in range(40)] + ["/style.css", "/logo.png", "/?utm_source=x"]
    with path.open("w") as out:
        for n in range(lines):
            if n % 1000 == 999:
                out.write("not a log line\n")
                continue
            day = rnd.choice(OLD_DAYS + recent)
            moment = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC) + dt.timedelta(
                seconds=rnd.randrange(86_400)
            )
            out.write(
                f"198.51.100.{rnd.randrange(60)} - - [{_stamp(moment)}] "
                f'"GET {rnd.choice(paths)} HTTP/1.1" {rnd.choice((200, 200, 304, 404))} '
                f'{rnd.randrange(20_000)} "{rnd.choice(referrers)}" "{rnd.choice(agents)}"'
                f"{' ' * 60}\n"  # padding: a longer file, more chunks
            )
    return OLD_DAYS[0], recent[-1]


def _report(first: dt.date, last: dt.date) -> dict:
    return weblog_report(start=first, end=last, top_n=1000).as_json()


def _empty_tables() -> None:
    for model in (PageView, DailyCount, ImportedSource):
        model.objects.all().delete()


def test_old_lines_give_the_figures_of_raw_rows_then_the_rollup(tmp_path, settings):
    log = tmp_path / "access.log"
    first, last = _write_log(log)

    settings.WEBLOG_RAW_RETENTION_DAYS = 30
    result = access_log_import(path=log, batch_rows=700)
    at_import = _report(first, last)
    assert set(PageView.objects.values_list("day", flat=True)) == {
        last - dt.timedelta(days=1),
        last,
    }
    assert set(DailyCount.objects.values_list("day", flat=True)) == set(OLD_DAYS)
    _empty_tables()

    settings.WEBLOG_RAW_RETENTION_DAYS = CENTURY
    raw = access_log_import(path=log, batch_rows=700)
    assert PageView.objects.filter(day__in=OLD_DAYS).exists()
    settings.WEBLOG_RAW_RETENTION_DAYS = 30
    rolled = weblog_rollup()
    assert sorted(rolled.days) == OLD_DAYS
    assert at_import == _report(first, last)
    assert result.summary() == raw.summary()
    # The comparison is not empty: every figure of the old days is there.
    totals = at_import["totals"]
    assert totals["hits"] > 0
    assert totals["bot_hits"] > 0
    assert 0 < totals["visitors"] < totals["visits"] < totals["hits"]
    assert {k for k, v in at_import["top"].items() if v} == {
        "page", "referrer_domain", "search_engine", "browser", "os", "device", "status", "bot",
    }  # fmt: skip


def test_importing_again_adds_nothing_and_a_grown_file_adds_its_new_lines(tmp_path, settings):
    settings.WEBLOG_RAW_RETENTION_DAYS = 30
    log = tmp_path / "access.log"
    first, last = _write_log(log, lines=3000)
    access_log_import(path=log)
    once = _report(first, last)
    again = access_log_import(path=log)
    assert (again.imported, again.already) == (0, 3000)
    assert _report(first, last) == once

    with log.open("a") as out:
        out.write(
            f"198.51.100.1 - - [{_stamp(dt.datetime(2015, 5, 18, 23, 59, tzinfo=dt.UTC))}] "
            f'"GET /new/ HTTP/1.1" 200 10 "-" "{CHROME}"\n'
        )
    grown = access_log_import(path=log)
    assert (grown.imported, grown.already) == (1, 3000)
    day = next(d for d in _report(first, last)["days"] if d["label"] == "2015-05-18")
    before = next(d for d in once["days"] if d["label"] == "2015-05-18")
    assert (day["hits"], day["pageviews"]) == (before["hits"] + 1, before["pageviews"] + 1)
    assert (
        DailyCount.objects.get(day=dt.date(2015, 5, 18), dimension="page", key="/new/").count == 1
    )


class Killed(Exception):
    """Stands for the process dying midway."""


def test_an_import_that_dies_midway_resumes_to_the_figures_of_one_clean_import(tmp_path, settings):
    settings.WEBLOG_RAW_RETENTION_DAYS = 30
    log = tmp_path / "access.log"
    first, last = _write_log(log)
    access_log_import(path=log, batch_rows=500, bulk=False)
    clean = _report(first, last)
    _empty_tables()

    chunks = []

    def die_on_the_second_chunk(size: int) -> None:
        chunks.append(size)
        if len(chunks) == 2:
            raise Killed

    with pytest.raises(Killed):
        access_log_import(path=log, batch_rows=500, bulk=False, progress=die_on_the_second_chunk)
    # Recent rows of the first chunk were committed batch by batch; no old day was.
    progress = ImportedSource.objects.get()
    assert progress.lines_done > 0
    assert progress.lines_aggregated == 0
    assert progress.raw_cutoff is not None  # unfinished: no day salt expires meanwhile
    assert PageView.objects.exists()
    assert not DailyCount.objects.exists()

    access_log_import(path=log, batch_rows=500, bulk=False)
    assert _report(first, last) == clean
    progress.refresh_from_db()
    assert progress.lines_done == progress.lines_aggregated == 12_000
    assert progress.raw_cutoff is None
