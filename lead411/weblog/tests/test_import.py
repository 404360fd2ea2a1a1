"""import_access_log: parsing, minimisation, bots, bad lines, idempotence (clause P2)."""

import datetime as dt
import gzip
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from lead411.weblog.logparse import BadLine, parse_line, parse_time
from lead411.weblog.models import PageView

from .conftest import LOG_LINES

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _raw_rows(settings):
    """Keep the 2015 fixture lines as raw rows (retention of a century): these tests read
    the stored rows. Old lines going to daily aggregates: test_import_aggregated.py."""
    settings.WEBLOG_RAW_RETENTION_DAYS = 36_500


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("import_access_log", *args, "--no-progress", stdout=out)
    return out.getvalue()


def test_parse_time_converts_to_utc():
    assert parse_time("17/May/2015:12:00:00 +0200") == dt.datetime(2015, 5, 17, 10, tzinfo=dt.UTC)
    with pytest.raises(BadLine, match="bad timestamp"):
        parse_time("99/Foo/2015:01:00:00 +0000")


def test_parse_line_reads_the_combined_format():
    line = parse_line(LOG_LINES[1])
    assert (line.method, line.path, line.status, line.response_bytes) == (
        "GET",
        "/pricing/",
        200,
        100,
    )
    assert line.referrer == "-"
    common = parse_line(LOG_LINES[1].rsplit(' "-"', 1)[0], log_format="common")
    assert common.user_agent == ""
    with pytest.raises(BadLine, match="not a combined log line"):
        parse_line("this is not a log line at all")


@pytest.mark.clause("P2")
def test_import_summarises_and_reports_bad_lines_without_ips(access_log):
    output = _run(str(access_log))
    assert "access.log: read=8 imported=6 skipped_bots=1 bad=2" in output
    assert "bad line access.log:5: not a combined log line" in output
    assert "bad line access.log:8: bad timestamp" in output
    assert "192.0.2" not in output
    assert "203.0.113" not in output
    assert PageView.objects.count() == 6
    assert PageView.objects.filter(is_bot=True).count() == 1
    first = PageView.objects.get(path="/?utm_source=news")
    assert first.network_prefix == "192.0.2.0/24"
    assert first.source == PageView.Source.IMPORT
    assert first.duration_ms is None
    ipv6 = PageView.objects.get(day=dt.date(2015, 5, 18), is_bot=False)
    assert ipv6.network_prefix == "2001:db8:abcd::/48"


@pytest.mark.clause("P2")
def test_importing_the_same_file_twice_adds_nothing(access_log, tmp_path):
    _run(str(access_log))
    second = _run(str(access_log))
    assert "read=8 imported=0 skipped_bots=0 bad=0 already=8" in second
    assert PageView.objects.count() == 6
    # The same content gzipped is the same file.
    gz = tmp_path / "access.log.1.gz"
    gz.write_bytes(gzip.compress(access_log.read_bytes()))
    assert "imported=0" in _run(str(gz))
    assert PageView.objects.count() == 6


def test_a_grown_file_imports_only_its_new_lines(access_log):
    _run(str(access_log))
    with access_log.open("a") as handle:
        handle.write(LOG_LINES[1] + "\n")
    assert "read=9 imported=1 skipped_bots=0 bad=0 already=8" in _run(str(access_log))
    assert PageView.objects.count() == 7


def test_gzip_and_common_format(tmp_path):
    gz = tmp_path / "common.log.gz"
    gz.write_bytes(
        gzip.compress(b'192.0.2.1 - - [17/May/2015:10:05:03 +0000] "GET /a HTTP/1.0" 200 -\n')
    )
    assert "read=1 imported=1 skipped_bots=0 bad=0" in _run(str(gz), "--format", "common")
    row = PageView.objects.get()
    assert (row.path, row.response_bytes, row.browser_family) == ("/a", 0, "Other")


def test_a_missing_file_is_an_error(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        _run(str(tmp_path / "nope.log"))


def test_escaped_quotes_in_a_field_fall_back_to_the_strict_pattern():
    line = parse_line(
        '192.0.2.1 - - [17/May/2015:10:05:03 +0000] "GET /a HTTP/1.1" 200 5 "-" "Agent \\"x\\" 1.0"'
    )
    assert line.user_agent == 'Agent \\"x\\" 1.0'
