"""Recording of public requests by the middleware (clause P2)."""

import datetime as dt

import pytest
from django.db import connection

from lead411.core import clock
from lead411.weblog.models import DaySalt, PageView
from lead411.weblog.recorder import buffer
from lead411.weblog.services import access_log_import, day_salt_get

from .conftest import CHROME

pytestmark = [pytest.mark.urls("lead411.weblog.tests.urls_public"), pytest.mark.django_db]


@pytest.mark.clause("P2")
def test_a_public_request_is_recorded_minimised(client, recording):
    client.get(
        "/pricing/?utm_source=news&email=a@b.c",
        HTTP_USER_AGENT=CHROME,
        HTTP_REFERER="https://www.google.com/search?q=lead411",
        REMOTE_ADDR="192.0.2.77",
    )
    row = PageView.objects.get()
    assert (row.method, row.path, row.status) == ("GET", "/pricing/?utm_source=news", 200)
    assert row.referrer == "https://www.google.com/search"
    assert (row.referrer_domain, row.search_engine) == ("www.google.com", "Google")
    assert (row.browser_family, row.os_family, row.device_class) == ("Chrome", "Windows", "desktop")
    assert row.network_prefix == "192.0.2.0/24"
    assert row.response_bytes == len(b"<p>public</p>")
    assert row.duration_ms is not None
    assert row.time.tzinfo is not None
    assert row.day == row.time.astimezone(dt.UTC).date()
    assert len(row.visitor_hash) == 16
    assert row.source == PageView.Source.LIVE


@pytest.mark.clause("P2")
def test_member_admin_and_static_requests_are_not_recorded(client, member, recording):
    client.get("/staff/weblog/", REMOTE_ADDR="192.0.2.77")
    client.get("/static/core/site.css", REMOTE_ADDR="192.0.2.77")
    client.force_login(member)
    client.get("/", REMOTE_ADDR="192.0.2.77")
    client.get("/member/", REMOTE_ADDR="192.0.2.77")
    assert PageView.objects.count() == 0


@pytest.mark.clause("P2")
def test_recording_can_be_switched_off(client, recording):
    recording.WEBLOG_RECORDING_ENABLED = False
    client.get("/", REMOTE_ADDR="192.0.2.77")
    assert PageView.objects.count() == 0


@pytest.mark.clause("P2")
def test_writes_are_buffered_until_the_batch_is_full(client, recording):
    recording.WEBLOG_BUFFER_ROWS = 3
    client.get("/", REMOTE_ADDR="192.0.2.77")
    client.get("/", REMOTE_ADDR="192.0.2.78")
    assert (PageView.objects.count(), buffer.pending()) == (0, 2)
    client.get("/", REMOTE_ADDR="192.0.2.79")
    assert (PageView.objects.count(), buffer.pending()) == (3, 0)


@pytest.mark.clause("P2")
def test_same_visitor_same_day_same_hash_other_ip_other_hash(client, recording):
    client.get("/", REMOTE_ADDR="192.0.2.77", HTTP_USER_AGENT=CHROME)
    client.get("/pricing/", REMOTE_ADDR="192.0.2.77", HTTP_USER_AGENT=CHROME)
    client.get("/", REMOTE_ADDR="192.0.2.78", HTTP_USER_AGENT=CHROME)
    hashes = list(PageView.objects.order_by("id").values_list("visitor_hash", flat=True))
    assert hashes[0] == hashes[1] != hashes[2]


@pytest.mark.clause("P2")
def test_the_day_salt_rotates_and_the_old_one_is_destroyed(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2026, 1, 1, 23, 59, tzinfo=dt.UTC))
    first = day_salt_get(day=dt.date(2026, 1, 1))
    assert day_salt_get(day=dt.date(2026, 1, 1)) == first
    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2026, 1, 2, 0, 1, tzinfo=dt.UTC))
    second = day_salt_get(day=dt.date(2026, 1, 2))
    assert second != first
    assert list(DaySalt.objects.values_list("day", flat=True)) == [dt.date(2026, 1, 2)]


@pytest.mark.clause("P2")
def test_no_full_ip_in_any_stored_row_after_recording(client, recording):
    for ip in ("192.0.2.77", "2001:db8:abcd:12::1"):
        client.get("/?utm_source=x", REMOTE_ADDR=ip, HTTP_USER_AGENT=CHROME)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM weblog_pageview")
        text = repr(cursor.fetchall())
    assert "192.0.2.77" not in text
    assert "2001:db8:abcd:12::1" not in text
    assert "192.0.2.0/24" in text


@pytest.mark.clause("P2")
def test_control_characters_of_agent_referrer_and_path_are_stored_escaped(
    client, recording, tmp_path
):
    """Issue 17: U+0085 and U+2028 in a user agent or referrer were stored raw."""
    client.get(
        "/",
        REMOTE_ADDR="192.0.2.77",
        HTTP_USER_AGENT="Evil\x85Bot/1.0\u2028",
        HTTP_REFERER="https://example.org/a\x85b\u2028c\x1b",
    )
    log = tmp_path / "access.log"
    log.write_text(
        '192.0.2.78 - - [17/May/2015:10:05:03 +0000] "GET /p\x85q/ HTTP/1.1" 200 5 '
        '"https://example.org/a\x85b\u2028c\x1b" "Evil\x85Bot/1.0\u2028"\n',
        encoding="utf-8",
    )
    settings = recording
    settings.WEBLOG_RAW_RETENTION_DAYS = 36_500  # the 2015 line is stored raw
    assert access_log_import(path=log).imported == 1
    rows = list(PageView.objects.order_by("source").values())
    assert [r["source"] for r in rows] == ["import", "live"]
    for row in rows:
        texts = [v for v in row.values() if isinstance(v, str)]
        assert all(t.isprintable() for t in texts), row
        assert row["referrer"] == "https://example.org/a\\x85b\\u2028c\\x1b"
    assert rows[0]["path"] == "/p\\x85q/"
