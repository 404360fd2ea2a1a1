"""A log imported in parts counts each visitor of a day once (clause P2, issue 17).

A log that grew since its last import used to get a new salt for its new part, so a
visitor on both sides of the old end counted twice that day. A day has one stored salt
whatever the file or the run (``services.day_salt_get``): the parts together must give
the figures of one clean import of the same lines, for raw days (kept as rows) and for
today (shared with the live recorder). Only totals are compared, never per-IP figures.
"""

import datetime as dt
import random

import pytest

from lead411.core import clock
from lead411.weblog.models import DailyCount, DaySalt, ImportedSource, PageView
from lead411.weblog.selectors import weblog_report
from lead411.weblog.services import access_log_import, day_salts_expire

from .conftest import CHROME, IPHONE

pytestmark = [pytest.mark.django_db, pytest.mark.clause("P2")]

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
NOW = dt.datetime(2026, 3, 10, 18, 0, tzinfo=dt.UTC)
DAYS = [dt.date(2026, 3, 8), dt.date(2026, 3, 9), dt.date(2026, 3, 10)]  # the last is today


@pytest.fixture(autouse=True)
def _frozen(monkeypatch, settings):
    settings.WEBLOG_RAW_RETENTION_DAYS = 30  # every day of the log is kept raw
    monkeypatch.setattr(clock, "now", lambda: NOW)


def _lines() -> list[str]:
    """Requests of 80 documentation-range visitors over three days, in time order."""
    rnd = random.Random(11)
    moments = sorted(
        dt.datetime.combine(rnd.choice(DAYS), dt.time(), tzinfo=dt.UTC)
        + dt.timedelta(seconds=rnd.randrange(17 * 3600))
        for _ in range(3000)
    )
    return [
        f"198.51.100.{rnd.randrange(80)} - - "
        f"[{m:%d}/{MONTHS[m.month - 1]}/{m:%Y:%H:%M:%S} +0000] "
        f'"GET /p/{rnd.randrange(20)}/ HTTP/1.1" 200 {rnd.randrange(5000)} "-" '
        f'"{rnd.choice((CHROME, IPHONE))}"\n'
        for m in moments
    ]


def _figures() -> dict:
    report = weblog_report(start=DAYS[0], end=DAYS[-1], top_n=50).as_json()
    return {d["label"]: (d["hits"], d["visits"], d["visitors"]) for d in report["days"]}


def _empty() -> None:
    for model in (PageView, DailyCount, ImportedSource, DaySalt):
        model.objects.all().delete()


def _split_points(lines: list[str]) -> list[int]:
    """The line numbers at noon of each day: every part ends in the middle of a day."""
    return [
        next(
            n
            for n, line in enumerate(lines)
            if f"{day:%d}/{MONTHS[day.month - 1]}" in line and ":12:" in line
        )
        for day in DAYS
    ]


def test_a_log_grown_mid_day_counts_each_visitor_once(tmp_path):
    lines = _lines()
    log = tmp_path / "access.log"
    log.write_text("".join(lines))
    access_log_import(path=log)
    clean = _figures()
    assert all(visitors > 10 for _hits, _visits, visitors in clean.values())
    _empty()

    part = tmp_path / "growing.log"
    for end in [*_split_points(lines), len(lines)]:  # the log grows, imported each time
        part.write_text("".join(lines[:end]))
        access_log_import(path=part)
    assert ImportedSource.objects.count() == 1
    assert _figures() == clean


def test_lines_of_one_day_in_two_files_share_the_days_salt(tmp_path):
    """A rotated log: the day that spans the rotation is split over two files."""
    lines = _lines()
    log = tmp_path / "access.log"
    log.write_text("".join(lines))
    access_log_import(path=log)
    clean = _figures()
    _empty()

    middle = _split_points(lines)[1]
    first, second = tmp_path / "access.log.1", tmp_path / "access.log.2"
    first.write_text("".join(lines[:middle]))
    second.write_text("".join(lines[middle:]))
    access_log_import(path=first)
    access_log_import(path=second)
    assert ImportedSource.objects.count() == 2
    assert _figures() == clean


def test_past_days_salts_expire_when_the_day_is_over_unless_an_import_is_unfinished(tmp_path):
    log = tmp_path / "access.log"
    log.write_text("".join(_lines()))
    access_log_import(path=log)
    assert sorted(DaySalt.objects.values_list("day", flat=True)) == DAYS
    ImportedSource.objects.update(raw_cutoff=DAYS[0])  # as if a run were killed midway
    assert day_salts_expire(today=DAYS[-1] + dt.timedelta(days=1)) == 0
    ImportedSource.objects.update(raw_cutoff=None)
    assert day_salts_expire(today=DAYS[-1] + dt.timedelta(days=1)) == 3
    assert not DaySalt.objects.exists()
