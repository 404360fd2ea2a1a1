"""Runs that die midway, then run again, count every request once (clause P2).

The roll-up's fill state is the raw table itself: a day's counts are added and its raw
rows deleted in one transaction, so a rerun finds exactly the days not yet done. An
import's is ``ImportedSource``: lines done, lines aggregated and the
cutoff its lines are routed by, kept until the end of the file.
"""

import datetime as dt
import random
from pathlib import Path

import pytest

from lead411.core import clock
from lead411.weblog import services
from lead411.weblog.models import DailyCount, ImportedSource, PageView
from lead411.weblog.selectors import weblog_report
from lead411.weblog.services import access_log_import, pageview_build, weblog_rollup

from .conftest import CHROME, GOOGLEBOT, IPHONE

pytestmark = [pytest.mark.django_db, pytest.mark.clause("P2")]

NOW = dt.datetime(2026, 6, 30, 12, tzinfo=dt.UTC)
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class Killed(Exception):
    """Stands for the process dying midway."""


def _raw_rows() -> None:
    """Raw rows on three days past the 30-day retention and one recent day."""
    rows = []
    for age in (40, 41, 42, 3):
        base = NOW - dt.timedelta(days=age)
        for minute, (ip, agent, path) in enumerate(
            [
                ("192.0.2.1", CHROME, "/"),
                ("192.0.2.1", CHROME, "/about/"),
                ("198.51.100.9", IPHONE, "/pricing/"),
                ("203.0.113.4", GOOGLEBOT, "/robots.txt"),
            ]
        ):
            rows.append(
                pageview_build(
                    time=base + dt.timedelta(minutes=minute * 40),
                    ip=ip,
                    user_agent=agent,
                    method="GET",
                    path=path,
                    status=200,
                    response_bytes=10,
                    referrer="-",
                    day_salt=b"s" * 32,
                )
            )
    PageView.objects.bulk_create(rows)


def _daily() -> list[tuple]:
    return sorted(DailyCount.objects.values_list("day", "dimension", "key", "count"))


def test_a_rollup_that_dies_midway_then_reruns_counts_each_day_once(monkeypatch):
    _raw_rows()
    weblog_rollup(now=NOW)
    clean = _daily()
    DailyCount.objects.all().delete()
    PageView.objects.all().delete()

    _raw_rows()
    add = services.daily_counts_add
    calls = []

    def die_on_the_second_day(**kwargs):
        calls.append(kwargs["day"])
        if len(calls) == 2:
            raise Killed
        add(**kwargs)

    monkeypatch.setattr(services, "daily_counts_add", die_on_the_second_day)
    with pytest.raises(Killed):
        weblog_rollup(now=NOW)
    monkeypatch.setattr(services, "daily_counts_add", add)
    # The first day is done (counted, raw rows gone); the second rolled back whole.
    assert {d for d, *_ in _daily()} == {calls[0]}
    assert not PageView.objects.filter(day=calls[0]).exists()
    assert PageView.objects.filter(day=calls[1]).count() == 4

    rerun = weblog_rollup(now=NOW)
    assert calls[0] not in rerun.days
    assert _daily() == clean
    assert set(PageView.objects.values_list("day", flat=True)) == {(NOW - dt.timedelta(3)).date()}


def _write_log(path: Path, edge: dt.date) -> None:
    """Lines on ``edge`` and on a 2015 day, interleaved, over 1 MiB (several chunks)."""
    rnd = random.Random(3)
    with path.open("w") as out:
        for n in range(12_000):
            day = edge if n % 2 else dt.date(2015, 5, 17)
            stamp = f"{day:%d}/{MONTHS[day.month - 1]}/{day:%Y}:{n * 7 % 86_400 // 3600:02}:00:00"
            out.write(
                f"198.51.100.{rnd.randrange(60)} - - [{stamp} +0000] "
                f'"GET /p/{rnd.randrange(30)}/ HTTP/1.1" 200 {rnd.randrange(9000)} "-" '
                f'"{rnd.choice((CHROME, IPHONE, GOOGLEBOT))}"{" " * 60}\n'
            )


def _report(edge: dt.date) -> dict:
    return weblog_report(start=dt.date(2015, 5, 17), end=edge, top_n=100).as_json()


def test_an_import_resumed_on_a_later_day_routes_lines_as_the_killed_run(
    tmp_path, settings, monkeypatch
):
    """A line stored raw by the killed run is not aggregated by the rerun a day later.

    The log's recent day is the oldest one kept raw when the import begins; by the
    next day it is past the retention, but the rerun keeps the first run's cutoff.
    """
    settings.WEBLOG_RAW_RETENTION_DAYS = 30
    begun = clock.now()
    edge = services.raw_cutoff(now=begun)
    log = tmp_path / "access.log"
    _write_log(log, edge)
    access_log_import(path=log, batch_rows=500, bulk=False)
    clean = _report(edge)
    assert PageView.objects.filter(day=edge).exists()
    for model in (PageView, DailyCount, ImportedSource):
        model.objects.all().delete()

    chunks = []

    def die_on_the_second_chunk(size: int) -> None:
        chunks.append(size)
        if len(chunks) == 2:
            raise Killed

    with pytest.raises(Killed):
        access_log_import(path=log, batch_rows=500, bulk=False, progress=die_on_the_second_chunk)
    assert ImportedSource.objects.get().raw_cutoff == edge
    monkeypatch.setattr(clock, "now", lambda: begun + dt.timedelta(days=1))
    assert services.raw_cutoff() > edge

    result = access_log_import(path=log, batch_rows=500, bulk=False)
    assert _report(edge) == clean
    assert not DailyCount.objects.filter(day=edge).exists()
    assert result.read == result.imported + result.dropped.total() == 12_000
    progress = ImportedSource.objects.get()
    assert progress.raw_cutoff is None
