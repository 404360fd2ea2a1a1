"""An 8-K whose document a poll could not read is read again by later polls (issue 14), on
a local HTTP server on 127.0.0.1 that first fails and then serves a real 8-K (SOURCES.md,
sec_8k: Meta's 0001628280-25-058337, Dina Powell McCormick resigns as a director)."""

import datetime as dt
import urllib.parse
from collections.abc import Iterator

import pytest
from django.urls import reverse

from lead411.leads.models import Contact, TriggerEvent
from lead411.leads.sources.edgar import services
from lead411.leads.sources.edgar.models import EdgarFiling, FeedCursor
from lead411.leads.sources.edgar.services import (
    NAMES_NONE,
    NAMES_NOT_READ,
    edgar_import,
    edgar_poll,
)
from lead411.leads.sources.edgar.tests.fixtures import ITEM_502, atom_entry, atom_feed, data_dir
from lead411.leads.sources.edgar.tests.test_poll import _Server, local_only

pytestmark = [pytest.mark.django_db, pytest.mark.clause("L5")]

META, META_CIK = "0001628280-25-058337", "1326801"


@pytest.fixture
def server() -> Iterator[_Server]:
    running = _Server()
    yield running
    running.close()


def _submission_path(cik: str, accession: str) -> str:
    return f"/Archives/edgar/data/{cik}/{accession.replace('-', '')}/{accession}.txt"


def _feed(server: _Server, settings, *filings: tuple[str, str, str]) -> None:
    """Serve a feed page of 8-K Item 5.02 entries ``(name, cik, accession)``."""
    settings.EDGAR_FEED_URL = f"{server.base}/cgi-bin/browse-edgar?action=getcurrent&start=0"
    entries = [
        atom_entry(form="8-K", name=name, cik=cik, accession=accession, items=(ITEM_502,))
        for name, cik, accession in filings
    ]
    server.routes["/cgi-bin/browse-edgar"] = (
        200,
        atom_feed(*(e.replace("https://www.sec.gov", server.base) for e in entries)),
    )


def _submission_requests(server: _Server) -> list[str]:
    paths = [urllib.parse.urlsplit(path).path for path, _ in server.requests]
    return [path for path in paths if path.endswith(".txt")]


def test_a_document_that_failed_is_read_by_a_later_poll_and_the_lead_gets_its_people(
    server, settings
):
    """First poll: the archive answers 404, the lead comes from the feed entry and says
    its names are not read yet, the filing remembers why. Second poll: the document is
    served and the same lead names the person, who becomes a contact. Later polls and a
    re-import of the same file change nothing."""
    settings.EDGAR_DOCUMENT_RETRY_MINUTES = 0  # due at the next poll
    _feed(server, settings, ("Meta Platforms, Inc.", META_CIK, META))
    path = _submission_path(META_CIK, META)
    server.routes[path] = (404, b"")

    first = edgar_poll(fetch=local_only, max_pages=1)

    assert len(first.problems) == 1
    assert "HTTP Error 404" in first.problems[0]
    assert "read again by a later poll" in first.problems[0]
    event = TriggerEvent.objects.get()
    assert event.kind == TriggerEvent.Kind.EXECUTIVE_HIRE
    assert event.summary.endswith(NAMES_NOT_READ)
    assert not Contact.objects.exists()
    filing = EdgarFiling.objects.get(accession=META)
    assert (filing.document_loaded, filing.document_attempts) == (False, 1)
    assert "HTTP Error 404" in filing.document_error
    assert filing.document_status.startswith("retrying (attempt 1 of 5 failed): ")

    data = (data_dir("sec_8k") / f"{META}.txt").read_bytes()
    server.routes[path] = (200, data)
    server.requests.clear()

    second = edgar_poll(fetch=local_only, max_pages=1)

    assert second.problems == []
    assert _submission_requests(server) == [path]
    # The same lead (its id, company and import time), now naming the person.
    later = TriggerEvent.objects.get()
    assert (later.pk, later.company_id, later.imported_at) == (
        event.pk,
        event.company_id,
        event.imported_at,
    )
    assert later.kind == TriggerEvent.Kind.EXECUTIVE_DEPARTURE
    assert "Dina Powell McCormick" in later.summary
    assert NAMES_NOT_READ not in later.summary
    assert later.source_key.startswith(META + "/")
    assert Contact.objects.get().name == "Dina Powell McCormick"
    filing.refresh_from_db()
    assert (filing.document_loaded, filing.document_error, filing.event_id) == (
        True,
        "",
        event.pk,
    )
    assert filing.document_status == "read"

    # Nothing is asked for again and nothing changes, by the poller or a re-import.
    server.requests.clear()
    assert edgar_poll(fetch=local_only, max_pages=1).changed == 0
    assert _submission_requests(server) == []
    snapshot = list(TriggerEvent.objects.values())
    again = edgar_import(eight_ks=[str(data_dir("sec_8k") / f"{META}.txt")])
    assert (again.changed, again.problems) == (0, [])
    assert list(TriggerEvent.objects.values()) == snapshot
    assert Contact.objects.count() == 1


def test_retries_are_bounded_per_poll_spaced_and_given_up_with_the_reason_for_staff(
    server, settings, monkeypatch, admin_client
):
    """At most EDGAR_DOCUMENT_RETRIES_PER_POLL retries a poll, none before its time (the
    pause doubles), none after EDGAR_DOCUMENT_MAX_ATTEMPTS; the staff poll page lists each
    unread document with its reason."""
    settings.EDGAR_DOCUMENT_RETRIES_PER_POLL = 1
    settings.EDGAR_DOCUMENT_MAX_ATTEMPTS = 3
    settings.EDGAR_DOCUMENT_RETRY_MINUTES = 10
    clock = [dt.datetime(2025, 12, 13, 9, 0, tzinfo=dt.UTC)]
    monkeypatch.setattr(services, "now", lambda: clock[0])
    gone = [
        ("Acme Corp", "9000001", "0009000001-25-000001"),
        ("Beta Corp", "9000002", "0009000002-25-000001"),
    ]
    _feed(server, settings, *gone)  # both submissions answer 404 (no route)

    edgar_poll(fetch=local_only, max_pages=1)
    assert len(_submission_requests(server)) == 2
    first_try = {f.accession: f.document_retry_at for f in EdgarFiling.objects.all()}
    assert set(first_try.values()) == {clock[0] + dt.timedelta(minutes=10)}

    def poll_at(minutes: int) -> list[str]:
        clock[0] += dt.timedelta(minutes=minutes)
        server.requests.clear()
        edgar_poll(fetch=local_only, max_pages=1)
        return _submission_requests(server)

    acme, beta = (_submission_path(cik, accession) for _name, cik, accession in gone)
    assert poll_at(5) == []  # not due yet
    assert poll_at(5) == [acme]  # both due: one a poll, the longest-waiting first
    assert poll_at(1) == [beta]
    # The second failure waits twice as long: 20 minutes after each filing's own retry.
    assert sorted(
        EdgarFiling.objects.values_list("accession", "document_attempts", "document_retry_at")
    ) == [
        (gone[0][2], 2, clock[0] + dt.timedelta(minutes=19)),
        (gone[1][2], 2, clock[0] + dt.timedelta(minutes=20)),
    ]
    assert poll_at(18) == []
    assert poll_at(1) == [acme]
    assert poll_at(1) == [beta]
    assert sorted(EdgarFiling.objects.values_list("document_attempts", flat=True)) == [3, 3]
    assert poll_at(600) == []  # given up after 3 attempts
    for filing in EdgarFiling.objects.all():
        assert filing.document_status.startswith("gave up after 3 attempts: ")
        assert "HTTP Error 404" in filing.document_status
    listing = admin_client.get(reverse("admin:edgar_feedcursor_changelist")).content.decode()
    assert "2 filing documents not read yet (retrying 0, given up 2)" in listing
    page = admin_client.get(
        reverse("admin:edgar_feedcursor_change", args=[FeedCursor.objects.get().pk])
    ).content.decode()
    for _name, _cik, accession in gone:
        assert accession in page
    assert page.count("gave up after 3 attempts") == 2


def test_a_retry_the_server_fails_is_one_more_attempt_not_a_failed_poll(server, settings):
    """A 500 (or a timeout) on a retry would fail a poll of new filings; here it only
    counts against that filing, and the poll's position still moves."""
    settings.EDGAR_DOCUMENT_RETRY_MINUTES = 0
    _feed(server, settings, ("Meta Platforms, Inc.", META_CIK, META))
    path = _submission_path(META_CIK, META)
    server.routes[path] = (404, b"")
    edgar_poll(fetch=local_only, max_pages=1)
    server.routes[path] = (500, b"")

    report = edgar_poll(fetch=local_only, max_pages=1)

    assert FeedCursor.objects.get().last_error == ""
    assert [problem for problem in report.problems if "HTTP Error 500" in problem]
    filing = EdgarFiling.objects.get(accession=META)
    assert filing.document_attempts == 2
    assert "HTTP Error 500" in filing.document_error
    assert TriggerEvent.objects.get().summary.endswith(NAMES_NOT_READ)


def test_a_document_read_later_that_moves_nobody_no_longer_promises_names(server, settings):
    """1895 Bancorp's real 8-K (0000943374-24-000509) is Item 5.02 pay only: once read,
    its lead says the filing names nobody who joins or leaves, and the filing is done."""
    settings.EDGAR_DOCUMENT_RETRY_MINUTES = 0
    accession, cik = "0000943374-24-000509", "1847360"
    _feed(server, settings, ("1895 Bancorp of Wisconsin, Inc. /MD/", cik, accession))
    path = _submission_path(cik, accession)
    server.routes[path] = (404, b"")
    edgar_poll(fetch=local_only, max_pages=1)
    server.routes[path] = (200, (data_dir("sec_8k") / f"{accession}.txt").read_bytes())

    report = edgar_poll(fetch=local_only, max_pages=1)

    assert report.problems == []
    event = TriggerEvent.objects.get()
    assert event.summary.endswith(NAMES_NONE)
    assert NAMES_NOT_READ not in event.summary
    assert not Contact.objects.exists()
    assert EdgarFiling.objects.get(accession=accession).document_status == "read"
    assert edgar_poll(fetch=local_only, max_pages=1).changed == 0
