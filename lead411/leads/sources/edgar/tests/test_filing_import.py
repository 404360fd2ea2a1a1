"""``import_edgar --8k/--ipo`` and the poller on the real 8-K and IPO filings (SOURCES.md)."""

import datetime as dt
import io
import shutil
import urllib.parse
from collections.abc import Callable, Iterator

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from lead411.leads.matching import normalize_company_name
from lead411.leads.models import Company, Contact, TriggerEvent
from lead411.leads.sources.edgar.documents import parse_8k
from lead411.leads.sources.edgar.models import EdgarFiling, FeedCursor, MatchReview
from lead411.leads.sources.edgar.services import (
    edgar_fetch,
    edgar_import,
    edgar_poll,
    retry_after_seconds,
)
from lead411.leads.sources.edgar.tests.fixtures import atom_entry, atom_feed, data_dir, form_d
from lead411.leads.sources.edgar.tests.test_poll import _Server, local_only
from lead411.leads.tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db


def _events(accession: str) -> list[tuple[str, str]]:
    return sorted(
        TriggerEvent.objects.filter(source_key__startswith=accession).values_list("kind", "summary")
    )


@pytest.fixture
def imported() -> io.StringIO:
    """Both real folders imported once through the command."""
    eight_k, ipo = data_dir("sec_8k"), data_dir("sec_ipo")
    out = io.StringIO()
    call_command("import_edgar", "--8k", str(eight_k), "--ipo", str(ipo), stdout=out)
    return out


@pytest.mark.clause("L1")
def test_real_folders_make_exactly_the_leads_the_answer_key_names(imported):
    lines = imported.getvalue().splitlines()
    assert "8-K and IPO documents read: 27 (8-K 23, 424B4 2, S-1 1, S-1/A 1)" in lines
    assert (
        "events created: 33 (executive_hire 16, executive_departure 8, acquisition 6, ipo 3)"
        in lines
    )
    assert "contacts created: 24, updated: 0" in lines
    assert "problems: 0 (0 files could not be read)" in lines
    # Disney's successor filing: two named hires, each a contact with provenance.
    assert _events("0001001039-15-000176") == [
        (
            "executive_hire",
            "The Walt Disney Company: Christine M. McCarthy appointed Senior Executive Vice "
            "President and Chief Financial Officer, effective July 1, 2015",
        ),
        (
            "executive_hire",
            "The Walt Disney Company: Kevin A. Mayer appointed Senior Executive Vice President "
            "and Chief Strategy Officer, effective July 1, 2015",
        ),
    ]
    disney = Company.objects.get(cik="0001001039")
    assert sorted(disney.contacts.values_list("name", "role", "source", "source_key")) == [
        (
            "Christine M. McCarthy",
            "Senior Executive Vice President and Chief Financial Officer",
            "sec_edgar",
            "0001001039-15-000176/appointment/Christine M. McCarthy",
        ),
        (
            "James A. Rasulo",
            "Former Chief Financial Officer",
            "sec_edgar",
            "0001001039-15-000150/departure/James A. Rasulo",
        ),
        (
            "Kevin A. Mayer",
            "Senior Executive Vice President and Chief Strategy Officer",
            "sec_edgar",
            "0001001039-15-000176/appointment/Kevin A. Mayer",
        ),
    ]
    # Meta: one director leaves.
    assert _events("0001628280-25-058337") == [
        (
            "executive_departure",
            "Meta Platforms, Inc.: Dina Powell McCormick leaves as Director, effective "
            "December 19, 2025",
        )
    ]
    meta = TriggerEvent.objects.get(source_key__startswith="0001628280-25-058337")
    assert meta.company.cik == "0001326801"
    assert meta.source_url == (
        "https://www.sec.gov/Archives/edgar/data/1326801/000162828025058337/"
        "0001628280-25-058337-index.htm"
    )
    # 5.02 filings that only change pay, and 8-Ks without 5.02 or 2.01: no lead, no company.
    for accession in ("0001493152-25-001317", "0000943374-24-000509", "0001213900-25-032135"):
        assert _events(accession) == []
    assert not Company.objects.filter(cik__in=["0000880984", "0001847360", "0000072333"]).exists()
    assert "8-K (no person joins or leaves, no acquisition or disposition) 7" in (
        imported.getvalue()
    )


@pytest.mark.clause("L1")
def test_acquisitions_carry_counterparty_and_price(imported):
    bevocal = TriggerEvent.objects.get(source_key__startswith="0000950135-07-002616")
    assert (bevocal.kind, bevocal.counterparty, bevocal.amount_usd, bevocal.currency) == (
        "acquisition",
        "BeVocal, Inc.",
        15_000_000,
        "USD",
    )
    kofax = TriggerEvent.objects.get(source_key__startswith="0000950142-19-000172")
    assert kofax.summary == (
        "NUANCE COMMUNICATIONS, INC. sells Document Imaging division to Project Leopard "
        "AcquireCo Limited (an affiliate of Kofax, Inc.) for $400 million"
    )
    assert kofax.company == bevocal.company  # matched by CIK 0001002517 from the file name


@pytest.mark.clause("L1")
def test_ipo_filings_make_one_ipo_lead_each_and_a_follow_on_424b4_none(imported):
    camp4 = TriggerEvent.objects.get(kind="ipo", company__name="CAMP4 Therapeutics Corporation")
    assert camp4.summary == (
        "CAMP4 Therapeutics Corporation prices its IPO on Nasdaq Global Market (CAMP), $75,020,000"
    )
    assert camp4.amount_usd == 75_020_000
    assert camp4.announced_on == dt.date(2024, 10, 10)  # the prospectus's cover date
    # The file has no SEC header, so no CIK: the company is never taken from the ticker.
    assert camp4.company.cik is None
    assert TriggerEvent.objects.filter(kind="ipo").count() == 3
    assert not Company.objects.filter(cik="0001130598").exists()  # Traws Pharma
    assert "424B4 (not an initial public offering) 1" in imported.getvalue()


@pytest.mark.clause("L5")
def test_a_second_import_of_the_same_files_changes_nothing(imported):
    counts = (TriggerEvent.objects.count(), Contact.objects.count(), Company.objects.count())
    report = edgar_import(eight_ks=[str(data_dir("sec_8k"))], ipos=[str(data_dir("sec_ipo"))])
    assert report.changed == 0
    assert report.unchanged == 33
    assert (
        counts
        == (
            TriggerEvent.objects.count(),
            Contact.objects.count(),
            Company.objects.count(),
        )
        == (33, 24, 14)
    )


@pytest.mark.clause("L5")
def test_later_filing_of_the_same_ipo_updates_its_lead(tmp_path):
    # Unicycive's S-1/A is one step of the offering: read twice, under two names, one lead.
    source = data_dir("sec_ipo") / "0001213900-21-035033.txt"
    copy = tmp_path / "copy.txt"
    shutil.copy(source, copy)
    edgar_import(ipos=[str(source)])
    report = edgar_import(ipos=[str(copy)])
    assert report.changed == 0
    assert TriggerEvent.objects.filter(kind="ipo").count() == 1


@pytest.mark.clause("L5")
def test_unreadable_files_are_reported_and_the_command_fails_after_importing_the_rest(tmp_path):
    meta = data_dir("sec_8k") / "0001628280-25-058337.txt"
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(meta, folder / meta.name)
    (folder / "error.htm").write_bytes(b"<html><body>Too Many Requests</body></html>")
    (folder / "cut.txt").write_bytes(meta.read_bytes()[:200])
    out = io.StringIO()
    with pytest.raises(CommandError, match=r"^2 file\(s\) could not be read"):
        call_command("import_edgar", "--8k", str(folder), stdout=out)
    lines = out.getvalue().splitlines()
    assert "problems: 2 (2 files could not be read)" in lines
    assert any(line.startswith(f"  {folder / 'cut.txt'}: ") for line in lines)
    assert (
        f"  {folder / 'error.htm'}: no 8-K item headings and no Form 8-K cover: document skipped"
        in lines
    )
    assert TriggerEvent.objects.get().kind == "executive_departure"


# The poller ------------------------------------------------------------------------


@pytest.fixture
def server() -> Iterator[_Server]:
    running = _Server()
    yield running
    running.close()


@pytest.mark.clause("L5")
def test_poll_reads_new_8k_and_ipo_submissions_from_a_local_server(server, settings):
    settings.EDGAR_FEED_URL = f"{server.base}/cgi-bin/browse-edgar?action=getcurrent&start=0"
    entries = [
        ("8-K", "Meta Platforms, Inc.", "1326801", "0001628280-25-058337", "sec_8k"),
        ("424B4", "Traws Pharma, Inc.", "1130598", "0001104659-24-132924", "sec_ipo"),
        ("S-1", "Learn CW Investment Corp", "1847577", "0001140361-21-010426", "sec_ipo"),
    ]
    feed = []
    for form, name, cik, accession, folder in entries:
        feed.append(
            atom_entry(form=form, name=name, cik=cik, accession=accession).replace(
                "https://www.sec.gov", server.base
            )
        )
        path = f"/Archives/edgar/data/{cik}/{accession.replace('-', '')}/{accession}.txt"
        server.routes[path] = (200, (data_dir(folder) / f"{accession}.txt").read_bytes())
    server.routes["/cgi-bin/browse-edgar"] = (200, atom_feed(*feed))

    report = edgar_poll(fetch=local_only, max_pages=1)

    assert report.problems == []
    paths = [urllib.parse.urlsplit(path).path for path, _ in server.requests]
    # The feed page, then one submission per 8-K / S-1 / 424B4, each with the declared agent.
    assert paths[0] == "/cgi-bin/browse-edgar"
    assert len(paths) == 4
    assert sorted(TriggerEvent.objects.values_list("kind", "company__cik")) == [
        ("executive_departure", "0001326801"),
        ("ipo", "0001847577"),
    ]
    assert Contact.objects.get().name == "Dina Powell McCormick"
    assert EdgarFiling.objects.get(accession="0001628280-25-058337").document_loaded
    assert FeedCursor.objects.get().last_error == ""
    # The next poll asks for no document again and changes nothing.
    server.requests.clear()
    assert edgar_poll(fetch=local_only, max_pages=1).changed == 0
    assert len(server.requests) == 1


@pytest.mark.clause("L5")
def test_fetch_backs_off_on_429_and_503_honouring_retry_after(server, settings):
    settings.EDGAR_HTTP_BACKOFF_SECONDS = 0.01
    answers = [(429, {"Retry-After": "0"}), (503, {}), (200, {})]
    served: list[str] = []

    def route(path: str) -> tuple[int, bytes]:
        served.append(path)
        status, _ = answers[min(len(served), len(answers)) - 1]
        return status, b"ok" if status == 200 else b""

    server.routes = _Answers(route)
    assert edgar_fetch(f"{server.base}/x") == b"ok"
    assert len(served) == 3
    assert {agent for _, agent in server.requests} == {
        f"{settings.OPERATOR['company_name']} {settings.OPERATOR['contact_email']}"
    }


class _Answers(dict[str, tuple[int, bytes]]):
    """A route table whose every lookup calls ``route``: one status per request, in order."""

    def __init__(self, route: Callable[[str], tuple[int, bytes]]) -> None:
        super().__init__()
        self._route = route

    def get(self, key: str, default: object = None) -> tuple[int, bytes]:  # type: ignore[override] # the server calls get(path, fallback) only
        return self._route(key)


@pytest.mark.clause("L5")
def test_fetch_gives_up_after_the_bounded_retries(server, settings):
    settings.EDGAR_HTTP_BACKOFF_SECONDS = 0.0
    settings.EDGAR_HTTP_MAX_RETRIES = 2
    server.routes["/busy"] = (429, b"")
    with pytest.raises(OSError, match="HTTP Error 429"):
        edgar_fetch(f"{server.base}/busy")
    assert len(server.requests) == 3


def test_retry_after_accepts_seconds_and_dates():
    assert retry_after_seconds("5", default=1.0) == 5.0
    assert retry_after_seconds(None, default=1.5) == 1.5
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", default=1.0) == 0.0
    assert retry_after_seconds("soon", default=2.0) == 2.0


@pytest.mark.clause("L5")
def test_review_queue_shows_company_names_and_candidates_not_ids(admin_client, tmp_path):
    CompanyFactory(
        name="Acme, Inc.", normalized_name=normalize_company_name("Acme, Inc."), city="Austin"
    )
    path = tmp_path / "0009000001-25-000001.xml"
    path.write_bytes(form_d())
    edgar_import(form_ds=[str(path)])
    review = MatchReview.objects.get()
    opts = MatchReview._meta
    change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[review.pk])
    listing = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    for url in (change, listing):
        html = admin_client.get(url).content.decode()
        assert "Acme, Inc. (Boston, MA; CIK 0009000001; #" in html
        assert "Acme, Inc. (Austin, CA; #" in html


@pytest.mark.clause("L1")
def test_an_8k_header_gives_the_company_its_business_address(imported):
    """Issue 14: the SEC header's BUSINESS ADDRESS fills the company's place (text and
    tag headers); a bare document without a header leaves it empty, never guessed."""
    places = {
        c.cik: (c.city, c.region, c.country_code)
        for c in Company.objects.filter(
            cik__in=["0000100240", "0001326801", "0001002682", "0001048911"]
        )
    }
    assert places == {
        "0000100240": ("Atlanta", "GA", "USA"),  # 1994 text header
        "0001326801": ("Menlo Park", "CA", "USA"),  # 2025 text header
        "0001002682": ("Bellingham", "WA", "USA"),
        "0001048911": ("", "", ""),  # FedEx: crawler .htm, no header
    }
    # A dissemination (.nc) tag header: no lead in this filing, but the address is read.
    nc = parse_8k((data_dir("sec_8k") / "0001493152-25-001317.nc").read_bytes())
    assert (nc.city, nc.state_code) == ("WILMINGTON", "DE")


@pytest.mark.clause("L1")
def test_company_page_shows_the_timeline_people_with_provenance_and_sources(
    imported, member_client, client
):
    """Issue 14: /companies/<id>/ with its events on a timeline, its people and its
    sources; the lead page links to it. Nuance's three 8-Ks (2007, 2018, 2019)."""
    hire = TriggerEvent.objects.get(source_key__endswith="appointment/Mark D. Benjamin")
    nuance = hire.company
    url = reverse("companies:detail", args=[nuance.pk])
    assert url == f"/companies/{nuance.pk}/"
    assert f'href="{url}"' in member_client.get(reverse("leads:detail", args=[hire.pk])).text

    page = member_client.get(url)
    assert page.status_code == 200
    html = page.text
    for event in nuance.events.all():
        assert reverse("leads:detail", args=[event.pk]) in html
        assert event.source_url in html
    assert html.index("Project Leopard") < html.index("Mark D. Benjamin") < html.index("BeVocal")
    for person in ("Mark D. Benjamin", "Paul Ricci", "Daniel J. Tempesta"):
        contact = Contact.objects.get(company=nuance, name=person)
        assert contact.source_key in html  # the filing that named the person
    assert "Company match" not in html

    assert (
        member_client.get(reverse("companies:detail", args=[nuance.pk + 10_000])).status_code == 404
    )
    client.logout()
    assert client.get(url).status_code in (302, 403)
