"""An access-log import killed midway, then run again, leaves what one clean import leaves.

``manage.py import_access_log`` runs as a subprocess on a database of its own (a SQLite
file, or a PostgreSQL database named after the suite's when the suite runs on
PostgreSQL) and a generated log of 150,000 lines with documentation addresses, half of
them on three days of May 2015 (past the raw retention: they go to the daily
aggregates when the file ends) and half on the two days before today (raw rows),
interleaved. It gets SIGKILL once its progress bar passes 40%, in both modes:

- ``never`` (batches): each batch of raw rows commits with the file's line count, so the
  killed run leaves some batches and no aggregate, and the rerun aggregates the old days
  from the first line and adds only the rest of the raw rows;
- ``always`` (bulk): one transaction, so the killed run leaves nothing, the index
  included, and the rerun imports the whole file.

Both must end with the same figures as a clean single import into an empty table,
unique visitors included: each day has one stored salt, and none expires while the
file's import is unfinished, so the rerun hashes visitors as the killed run did.
"""

import datetime as dt
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from lead411.core.tests.databases import own_database_url

pytestmark = [pytest.mark.clause("P2"), pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[3]
LINES = 150_000
BAD = len(range(500, LINES, 997))  # malformed lines the log holds
# Good lines with an even number are recent (raw rows); 500 + 997k is even for even k.
RAW = LINES // 2 - len(range(500, LINES, 997 * 2))
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
)
# Printed by the subprocess: figures that do not depend on the run's random day salts.
SUMMARY = """
import json
from django.db.models import Count, Sum
from lead411.weblog.models import DailyCount, ImportedSource, PageView
rows = PageView.objects.all()
daily = DailyCount.objects.all()
print(json.dumps({
    "rows": rows.count(),
    "bytes": rows.aggregate(s=Sum("response_bytes"))["s"],
    "by_day_bot": sorted(
        [str(r["day"]), r["is_bot"], r["n"]]
        for r in rows.values("day", "is_bot").annotate(n=Count("id"))
    ),
    "visitors": rows.values("day", "visitor_hash").distinct().count(),
    "paths": rows.values("path").distinct().count(),
    "daily": sorted([str(d), k, v, n] for d, k, v, n in daily.values_list(
        "day", "dimension", "key", "count")),
    "lines_done": sorted(ImportedSource.objects.values_list("lines_done", flat=True)),
    "unfinished": ImportedSource.objects.filter(raw_cutoff__isnull=False).count(),
}))
"""
RESET = (
    "from lead411.weblog.models import DailyCount, ImportedSource, PageView; "
    "PageView.objects.all().delete(); ImportedSource.objects.all().delete(); "
    "DailyCount.objects.all().delete()"
)


def _log(path: Path) -> None:
    """Write LINES combined-format lines, every 997th one malformed.

    Odd-numbered lines fall on 17-19 May 2015, even-numbered ones on the two days before
    today, each part in time order.
    """
    rnd = random.Random(5)
    today = dt.datetime.now(dt.UTC).date()
    with path.open("w") as out:
        for n in range(LINES):
            if n % 997 == 500:
                out.write("not a log line\n")
                continue
            net = rnd.choice(("192.0.2", "198.51.100", "203.0.113"))
            if n % 2:
                day = dt.date(2015, 5, 17 + n * 3 // LINES)
            else:
                day = today - dt.timedelta(days=2 - n * 2 // LINES)
            hour, minute = rnd.randrange(24), rnd.randrange(60)
            stamp = f"{day:%d}/{MONTHS[day.month - 1]}/{day:%Y}"
            out.write(
                f"{net}.{rnd.randrange(256)} - - [{stamp}:{hour:02}:{minute:02}:"
                f'{rnd.randrange(60):02} +0000] "GET /p/{rnd.randrange(500)}?id={n} HTTP/1.1" '
                f'{rnd.choice((200, 200, 304, 404))} {rnd.randrange(50_000)} "-" '
                f'"{rnd.choice(AGENTS)}"\n'
            )


def _manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(  # noqa: S603 - this interpreter and manage.py, no shell
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _summary(env: dict[str, str]) -> dict:
    return json.loads(_manage(env, "shell", "-c", SUMMARY).strip().splitlines()[-1])


def _import_killed_at(env: dict[str, str], log: Path, bulk: str, percent: int) -> None:
    """Start the import with its progress bar; SIGKILL it once the bar passes ``percent``."""
    process = subprocess.Popen(  # noqa: S603 - this interpreter and manage.py, no shell
        [sys.executable, "manage.py", "import_access_log", "--bulk", bulk, str(log)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    assert process.stderr is not None
    reached = threading.Event()

    def watch() -> None:
        assert process.stderr is not None
        seen = b""
        while chunk := os.read(process.stderr.fileno(), 4096):
            seen = (seen + chunk)[-200:]
            done = [int(p) for p in re.findall(rb"(\d+)%\|", seen)]
            if done and max(done) >= percent:
                reached.set()
        reached.set()  # the process ended

    threading.Thread(target=watch, daemon=True).start()
    reached.wait(timeout=300)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL, "the import finished before it was killed"


@pytest.mark.parametrize("bulk", ["never", "always"])
def test_an_import_killed_midway_then_rerun_equals_one_clean_import(tmp_path, bulk):
    log = tmp_path / "access.log"
    _log(log)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": own_database_url(tmp_path, f"wlkill_{bulk}"),
    }
    _manage(env, "migrate", "--noinput", "-v", "0")
    _manage(env, "import_access_log", "--no-progress", "--bulk", bulk, str(log))
    clean = _summary(env)
    assert clean["rows"] == RAW
    assert [d for d, k, _, _ in clean["daily"] if k == "totals"] == ["2015-05-17"] * 7 + [
        "2015-05-18"
    ] * 7 + ["2015-05-19"] * 7
    assert (clean["lines_done"], clean["unfinished"]) == ([LINES], 0)
    _manage(env, "shell", "-c", RESET)

    started = time.monotonic()
    _import_killed_at(env, log, bulk, percent=40)
    killed = _summary(env)
    if bulk == "never":
        # Killed between batches: some committed, each with the lines it covers.
        assert 0 < killed["rows"] < clean["rows"], killed
        assert 0 < killed["lines_done"][0] < LINES
        assert killed["unfinished"] == 1
        assert killed["daily"] == []
    else:
        assert killed["rows"] == 0, killed
        assert killed["daily"] == [], killed
        assert killed["lines_done"] in ([], [0])
    output = _manage(env, "import_access_log", "--no-progress", "--bulk", bulk, str(log))
    assert f"read={LINES} " in output
    assert _summary(env) == clean, f"killed after {time.monotonic() - started:.1f} s"
