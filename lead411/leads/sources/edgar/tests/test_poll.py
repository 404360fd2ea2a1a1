"""``edgar_poll`` against a local HTTP server on 127.0.0.1: no test touches the network."""

import datetime as dt
import socket
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from lead411.leads.models import Contact, TriggerEvent
from lead411.leads.sources.edgar import services
from lead411.leads.sources.edgar.models import EdgarFiling, FeedCursor
from lead411.leads.sources.edgar.services import edgar_fetch, edgar_poll
from lead411.leads.sources.edgar.tests.fixtures import atom_entry, atom_feed, data_dir, form_d

pytestmark = pytest.mark.django_db


class _Server:
    """Serves ``routes`` (path -> (status, body)) and records each request's path and headers."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, bytes]] = {}
        self.requests: list[tuple[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append((self.path, self.headers.get("User-Agent", "")))
                status, body = server.routes.get(urllib.parse.urlsplit(self.path).path, (404, b""))
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                """Keep the test output quiet."""

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[_Server]:
    running = _Server()
    yield running
    running.close()


def local_only(url: str) -> bytes:
    """The real fetcher, refusing any host but the loopback one."""
    assert urllib.parse.urlsplit(url).hostname == "127.0.0.1", url
    return edgar_fetch(url)


def _feed_url(server: _Server) -> str:
    return f"{server.base}/cgi-bin/browse-edgar?action=getcurrent&start=0&count=100&output=atom"


def _local_entry(server: _Server, **kwargs: Any) -> str:
    """A feed entry whose filing link points at the local server."""
    return atom_entry(**kwargs).replace("https://www.sec.gov", server.base)


@pytest.mark.clause("L5")
def test_poll_reads_a_saved_feed_page_with_the_fair_access_user_agent(server, settings):
    page = data_dir("sec_edgar_current_atom") / "sec_current_all_start0000.atom"
    server.routes["/cgi-bin/browse-edgar"] = (200, page.read_bytes())
    settings.EDGAR_FEED_URL = _feed_url(server)
    settings.OPERATOR = {
        **settings.OPERATOR,
        "company_name": "Lead411 Test",
        "contact_email": "ops@example.org",
    }

    report = edgar_poll(fetch=local_only, max_pages=1, fetch_documents=False)

    assert report.problems == []
    assert report.entries_read == 100
    assert TriggerEvent.objects.filter(source="sec_edgar").count() == sum(report.created.values())
    assert [ua for _, ua in server.requests] == ["Lead411 Test ops@example.org"]
    cursor = FeedCursor.objects.get(feed_url=settings.EDGAR_FEED_URL)
    assert cursor.last_updated is not None
    assert cursor.last_updated.isoformat() == "2025-12-12T23:02:43+00:00"
    assert cursor.last_accession == "0002063236-25-000004"
    assert cursor.last_error == ""
    # The staff page says what the poll added (issue 14).
    assert cursor.last_added == report.added_line()


@pytest.mark.clause("L5")
def test_poll_fetches_form_d_documents_and_pages_until_the_stored_position(server, settings):
    settings.EDGAR_FEED_URL = _feed_url(server)
    newer = _local_entry(
        server,
        form="D",
        name="Acme, Inc.",
        cik="9000001",
        accession="0009000001-25-000001",
        updated="2025-12-12T17:00:00-05:00",
    )
    older = _local_entry(
        server,
        form="8-K",
        name="Old Co",
        cik="9000002",
        accession="0009000002-25-000001",
        updated="2025-12-12T09:00:00-05:00",
    )
    server.routes["/cgi-bin/browse-edgar"] = (200, atom_feed(newer, older))
    server.routes["/Archives/edgar/data/9000001/000900000125000001/primary_doc.xml"] = (
        200,
        form_d(leading_blank_line=True),
    )
    FeedCursor.objects.create(
        feed_url=settings.EDGAR_FEED_URL,
        last_accession="0009000002-25-000001",
        last_updated="2025-12-12T14:00:00Z",
    )

    report = edgar_poll(fetch=local_only, max_pages=5)

    # The first page reached the stored position: no second page was asked for.
    assert [urllib.parse.urlsplit(path).path for path, _ in server.requests] == [
        "/cgi-bin/browse-edgar",
        "/Archives/edgar/data/9000001/000900000125000001/primary_doc.xml",
    ]
    assert report.problems == []
    event = TriggerEvent.objects.get(source_key="0009000001-25-000001")
    assert event.summary == "Acme, Inc. files a Form D offering of $5M"
    assert event.company.city == "Boston"
    assert list(Contact.objects.values_list("name", flat=True)) == ["Ada Lovelace"]
    assert EdgarFiling.objects.get(accession="0009000001-25-000001").document_loaded
    assert FeedCursor.objects.get().last_accession == "0009000001-25-000001"
    assert FeedCursor.objects.get().last_added == (
        "events created: 1 (funding_round 1), updated: 1; companies created: 1; "
        "contacts created: 1; problems: 0"
    )

    # The next poll fetches no document again and changes nothing.
    server.requests.clear()
    again = edgar_poll(fetch=local_only, max_pages=5)
    assert len(server.requests) == 1
    assert again.changed == 0


@pytest.mark.clause("L5")
def test_server_error_keeps_the_feed_position_and_the_next_poll_loses_nothing(server, settings):
    settings.EDGAR_FEED_URL = _feed_url(server)
    cursor = FeedCursor.objects.create(
        feed_url=settings.EDGAR_FEED_URL,
        last_accession="0000000001-25-000001",
        last_updated=dt.datetime(2025, 12, 12, 12, tzinfo=dt.UTC),
    )
    entry = _local_entry(
        server,
        form="8-K",
        name="Hire Co",
        cik="11",
        accession="0000000011-25-000001",
        items=("Item 5.02: Departure of Directors or Certain Officers; Election",),
    )
    server.routes["/cgi-bin/browse-edgar"] = (
        500,
        b"<html><body>Internal Server Error</body></html>",
    )

    report = edgar_poll(fetch=local_only, max_pages=1)

    assert report.problems == [
        f"{settings.EDGAR_FEED_URL}: poll failed, feed position kept for the next poll "
        "(HTTP Error 500: Internal Server Error)"
    ]
    failed = FeedCursor.objects.get()
    assert (failed.last_accession, failed.last_updated) == (
        cursor.last_accession,
        cursor.last_updated,
    )
    assert failed.last_error == "HTTP Error 500: Internal Server Error"
    assert failed.last_success_at is None

    server.routes["/cgi-bin/browse-edgar"] = (200, atom_feed(entry))
    edgar_poll(fetch=local_only, max_pages=1)
    assert TriggerEvent.objects.get().kind == "executive_hire"
    assert FeedCursor.objects.get().last_accession == "0000000011-25-000001"


@pytest.mark.clause("L5")
def test_html_page_instead_of_the_feed_is_a_failed_poll(server, settings):
    settings.EDGAR_FEED_URL = _feed_url(server)
    server.routes["/cgi-bin/browse-edgar"] = (200, b"<!DOCTYPE html><html>Rate limited</html>")
    report = edgar_poll(fetch=local_only, max_pages=1)
    assert report.problems == [
        f"{settings.EDGAR_FEED_URL}: poll failed, feed position kept for the next poll "
        f"({settings.EDGAR_FEED_URL}: an HTML page, not XML (an error page from the server?))"
    ]
    assert FeedCursor.objects.get().last_updated is None


@pytest.mark.clause("L5")
def test_connection_refused_keeps_the_feed_position(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on the port any more.
    settings.EDGAR_FEED_URL = f"http://127.0.0.1:{port}/feed?start=0&count=100"
    report = edgar_poll(fetch=local_only, max_pages=1)
    assert len(report.problems) == 1
    assert "poll failed, feed position kept for the next poll" in report.problems[0]
    assert "Connection refused" in report.problems[0]
    cursor = FeedCursor.objects.get()
    assert cursor.last_updated is None
    assert "Connection refused" in cursor.last_error
    assert TriggerEvent.objects.count() == 0


def test_feed_pages_after_the_first_set_the_start_parameter():
    url = "https://www.sec.gov/cgi-bin/browse-edgar?action=getcurrent&type=&start=0&count=100"
    assert services.feed_page_url(url, start=200) == (
        "https://www.sec.gov/cgi-bin/browse-edgar?action=getcurrent&type=&count=100&start=200"
    )


def test_fetch_refuses_other_schemes():
    with pytest.raises(ValueError, match=r"^not an http\(s\) URL: 'file:///etc/passwd'$"):
        edgar_fetch("file:///etc/passwd")


INDEX_PATH = "/Archives/edgar/daily-index/2020/QTR1/form.20200318.idx"


@pytest.mark.clause("L5")
def test_the_daily_index_of_a_day_is_read_once_and_its_filings_imported(server, settings):
    """Issue 14: the daily index beside the feed, read once per day, from a local server."""
    settings.EDGAR_DAILY_INDEX_URL = f"{server.base}/Archives/edgar/daily-index"
    server.routes[INDEX_PATH] = (
        200,
        (data_dir("sec_edgar_index") / "form.20200318.idx").read_bytes(),
    )
    day = dt.date(2020, 3, 18)

    report = services.edgar_poll_daily_index(day=day, fetch=local_only)
    again = services.edgar_poll_daily_index(day=day, fetch=local_only)

    assert report.files_failed == 0
    assert report.changed > 0
    assert TriggerEvent.objects.filter(source="sec_edgar").count() > 0
    assert [path for path, _ in server.requests] == [INDEX_PATH], "the second run fetches nothing"
    assert again.changed == 0
    cursor = FeedCursor.objects.get(feed_url=services.daily_index_url(day=day))
    assert cursor.last_success_at is not None
    assert cursor.last_added


@pytest.mark.clause("L5")
def test_a_day_without_an_index_is_kept_for_the_next_run(server, settings):
    settings.EDGAR_DAILY_INDEX_URL = f"{server.base}/Archives/edgar/daily-index"
    day = dt.date(2020, 3, 18)

    missing = services.edgar_poll_daily_index(day=day, fetch=local_only)
    server.routes[INDEX_PATH] = (
        200,
        (data_dir("sec_edgar_index") / "form.20200318.idx").read_bytes(),
    )
    found = services.edgar_poll_daily_index(day=day, fetch=local_only)

    assert missing.files_failed == 1
    assert "daily index not read" in missing.problems[0]
    assert found.files_failed == 0
    assert found.changed > 0


@pytest.mark.clause("L5")
@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (dt.date(2026, 12, 7), dt.date(2026, 12, 4)),  # Monday reads Friday's
        (dt.date(2026, 12, 6), dt.date(2026, 12, 4)),  # Sunday too
        (dt.date(2026, 12, 9), dt.date(2026, 12, 8)),  # Wednesday reads Tuesday's
    ],
)
def test_the_daily_index_read_is_the_last_business_day_before_today(today, expected):
    assert services.daily_index_day(today=today) == expected
    assert services.daily_index_url(day=expected).endswith(f"/QTR4/form.{expected:%Y%m%d}.idx")
