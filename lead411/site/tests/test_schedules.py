import datetime as dt
import os
import subprocess
import sys
import urllib.parse
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django_q.models import Schedule

from lead411.site import schedules
from lead411.site.schedules import Job, next_local_time, schedules_sync

FIXED_NOW = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)  # 04:00 in Los Angeles


@pytest.fixture
def frozen_clock():
    with mock.patch.object(schedules.clock, "now", return_value=FIXED_NOW):
        yield


@pytest.mark.django_db
def test_sync_creates_declared_jobs_and_drops_disabled_and_stale(frozen_clock):
    Schedule.objects.create(
        name="lead411: old job", func="x.y", schedule_type=Schedule.MINUTES, minutes=5
    )
    Schedule.objects.create(
        name="someone else's", func="x.z", schedule_type=Schedule.MINUTES, minutes=5
    )

    kept = schedules_sync(jobs=[Job("poll", "a.b", 15), Job("off", "a.c", 0)])

    assert [s.name for s in kept] == ["lead411: poll"]
    assert set(Schedule.objects.values_list("name", flat=True)) == {
        "lead411: poll",
        "someone else's",
    }
    assert Schedule.objects.get(name="lead411: poll").minutes == 15


@pytest.mark.django_db
def test_daily_job_first_runs_at_its_local_time_and_restart_keeps_it(frozen_clock):
    (schedule,) = schedules_sync(jobs=[Job("daily", "a.b", 1440, "06:30")])
    assert schedule.next_run == dt.datetime(2026, 11, 29, 14, 30, tzinfo=dt.UTC)  # 06:30 PST

    (again,) = schedules_sync(jobs=[Job("daily", "a.b", 1440, "06:30")])
    assert again.next_run == schedule.next_run


def test_next_local_time_rolls_to_tomorrow_once_passed(frozen_clock):
    assert next_local_time("03:00") == dt.datetime(2026, 11, 30, 11, 0, tzinfo=dt.UTC)
    with pytest.raises(ValueError, match=r"hour must be in 0\.\.23"):
        next_local_time("25:99")


def _poll_minutes(jobs: list[Job]) -> int:
    (poll,) = [job for job in jobs if job.func.endswith("edgar.services.edgar_poll")]
    return poll.minutes


@pytest.mark.django_db
def test_make_run_settings_schedule_the_edgar_poll_and_test_settings_do_not():
    """Issue 14 "fresh by default": the settings `make run` uses (config.settings.local,
    as manage.py and wsgi.py default to) schedule the EDGAR poll; the test settings never do,
    so no test reaches sec.gov."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("EDGAR_")}
    environment["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    probe = (
        "import django; django.setup(); "
        "from lead411.site.schedules import configured_jobs; "
        "print([j.minutes for j in configured_jobs() if j.func.endswith('edgar_poll')][0])"
    )
    done = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", probe],
        env=environment,
        cwd=Path(__file__).resolve().parents[3],
        capture_output=True,
        text=True,
        check=True,
    )
    local_minutes = int(done.stdout.strip())
    assert 0 < local_minutes <= 60

    assert _poll_minutes(schedules.configured_jobs()) == 0
    assert urllib.parse.urlsplit(settings.EDGAR_FEED_URL).hostname == "127.0.0.1"
    kept = schedules_sync()
    assert not [s for s in kept if s.func.endswith("edgar_poll")]
    assert "lead411: daily newsletter" in {s.name for s in kept}
