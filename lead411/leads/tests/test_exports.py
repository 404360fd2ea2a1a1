"""CRM-ready exports: presets, BOM, file names, formulas, export jobs and their links (issue 16).

Clause L2 (CSV export of a result set for the member's own CRM), P4 (exports counted in the
member's activity), P8 (an export job is audited), P6 (the file holds lead data only).
"""

import csv
import datetime as dt
import io
from importlib import import_module

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_q.brokers import get_broker
from django_q.signing import SignedPackage

from lead411.accounts.tests.factories import UserFactory
from lead411.activity.models import MemberDailyActivity
from lead411.core import clock
from lead411.core.models import AuditEvent
from lead411.core.privacy_registry import Member, holdings
from lead411.leads.exports import PRESETS
from lead411.leads.models import Company, ExportJob, TriggerEvent
from lead411.leads.services import export_job_path, export_jobs_expire, leads_changed
from lead411.leads.tests.factories import (
    IMPORTED_AT,
    CompanyFactory,
    ContactFactory,
    ExportJobFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.clause("L2")]

EXPORT = reverse("leads:export-csv")
CREATE = reverse("leads:export-job-create")

# The columns of each preset as docs/exports.md documents them: HubSpot's property labels
# and Salesforce's field labels, which their import tools map by name.
DOCUMENTED_COLUMNS = {
    "leads": [
        "lead_id", "announced_on", "kind", "round_type", "series", "amount", "currency",
        "amount_usd", "counterparty", "summary", "company", "homepage", "categories",
        "country", "region", "city", "street_address", "postal_code", "ticker", "exchange",
        "sic_code", "industry", "state_of_incorporation", "company_status", "source",
        "source_key", "source_url", "lead_url",
    ],
    "hubspot-companies": [
        "Company name", "Company Domain Name", "Website URL", "City", "State/Region",
        "Country/Region", "Description", "Year Founded", "Street Address", "Postal Code",
        "Ticker Symbol", "Stock Exchange", "SIC Code", "SIC Industry", "State of Incorporation",
    ],
    "hubspot-contacts": [
        "First Name", "Last Name", "Job Title", "Company Name", "Website URL", "City",
        "State/Region", "Country/Region",
    ],
    "hubspot-leads": [
        "Company name", "Company Domain Name", "Website URL", "City", "State/Region",
        "Country/Region", "Activity date", "Note body",
    ],
    "salesforce-accounts": [
        "Account Name", "Website", "Industry", "Billing City", "Billing State/Province",
        "Billing Country", "Account Description", "Account Source", "Billing Street",
        "Billing Zip/Postal Code", "Ticker Symbol", "Stock Exchange", "SIC Code",
        "SIC Description", "State of Incorporation",
    ],
    "salesforce-contacts": [
        "First Name", "Last Name", "Title", "Account Name", "Mailing City",
        "Mailing State/Province", "Mailing Country", "Lead Source",
    ],
    "salesforce-leads": [
        "Last Name", "Company", "Website", "Industry", "City", "State/Province", "Country",
        "Lead Source", "Description",
    ],
}  # fmt: skip
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(autouse=True)
def _export_dir(settings, tmp_path):
    """Each test writes export files into its own folder and starts with an empty cache."""
    settings.LEADS_EXPORT_DIR = tmp_path / "exports"
    cache.clear()


@pytest.fixture
def munich() -> Company:
    """A company whose names need UTF-8: München, Müller, Zoë."""
    company = CompanyFactory.create(
        name="Müller Straßenbau GmbH",
        homepage="https://www.mueller-bau.example/de",
        country_code="DEU",
        region="BY",
        city="München",
        categories=["Construction", "Software"],
    )
    ContactFactory(company=company, name="Zoë Ångström", role="Geschäftsführerin")
    TriggerEvent.objects.create(**_event_fields(company, 1))
    return company


def _event_fields(company: Company, n: int, **extra: object) -> dict[str, object]:
    return {
        "company": company,
        "kind": TriggerEvent.Kind.FUNDING_ROUND,
        "announced_on": dt.date(2014, 1, 1) + dt.timedelta(days=n % 3000),
        "round_type": "venture",
        "series": "A",
        "amount": 1_000_000 + n,
        "currency": "USD",
        "amount_usd": 1_000_000 + n,
        "summary": f"{company.name} raised round {n}",
        "source": "crunchbase",
        "source_key": f"/funding-round/{company.pk}-{n}",
        "imported_at": IMPORTED_AT,
        "updated_at": IMPORTED_AT,
        **extra,
    }


def _download(client, params: dict[str, str]) -> tuple[bytes, str]:
    response = client.get(EXPORT, params)
    assert response.status_code == 200, response.content[:500]
    return b"".join(response.streaming_content), response["Content-Disposition"]


def _rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


# --- Presets ---


def test_every_preset_is_documented():
    assert set(PRESETS) == set(DOCUMENTED_COLUMNS)


@pytest.mark.parametrize("key", sorted(DOCUMENTED_COLUMNS))
def test_preset_header_is_the_crm_template(member_client, munich, key):
    body, _ = _download(member_client, {"preset": key})
    rows = _rows(body)
    assert rows[0] == DOCUMENTED_COLUMNS[key]
    assert len(rows) == 2  # one lead, one company, one contact
    assert all(len(row) == len(rows[0]) for row in rows)


def test_hubspot_companies_map_our_fields(member_client, munich):
    body, disposition = _download(member_client, {"preset": "hubspot-companies"})
    row = dict(zip(*_rows(body), strict=True))
    assert row == {
        "Company name": "Müller Straßenbau GmbH",
        "Company Domain Name": "mueller-bau.example",
        "Website URL": "https://www.mueller-bau.example/de",
        "City": "München",
        "State/Region": "BY",
        "Country/Region": row["Country/Region"],  # a name when the country table is present
        "Description": "Construction, Software",
        "Year Founded": "2010",
        # No SEC profile: the profile columns are empty, never "Unknown".
        "Street Address": "",
        "Postal Code": "",
        "Ticker Symbol": "",
        "Stock Exchange": "",
        "SIC Code": "",
        "SIC Industry": "",
        "State of Incorporation": "",
    }
    assert row["Country/Region"] in ("DEU", "Germany")
    assert (
        disposition
        == f'attachment; filename="lead411-hubspot-companies-{clock.today():%Y-%m-%d}.csv"'
    )


@pytest.mark.clause("L1")
def test_company_presets_and_the_plain_export_carry_the_sec_profile(member_client):
    """Issue 14: ticker, exchange, SIC code and industry, state of incorporation (by name
    for a CRM, as the EDGAR code in the plain export), street and postal code. The rows are
    read with as many queries for 30 companies as for one (no query per row)."""

    def add(count: int) -> None:
        for n in range(Company.objects.count(), Company.objects.count() + count):
            company = CompanyFactory.create(
                name=f"Tesla {n}", ticker=f"TS{n}", exchange="Nasdaq", sic_code="3711",
                industry="Motor Vehicles & Passenger Car Bodies", state_of_incorporation="DE",
                street_address="3500 Deer Creek Rd", postal_code="94304",
            )  # fmt: skip
            TriggerEvent.objects.create(**_event_fields(company, n))

    def export(preset: str) -> tuple[list[list[str]], int]:
        with CaptureQueriesContext(connection) as queries:
            rows = _rows(_download(member_client, {"preset": preset})[0])
        return rows, len(queries)

    add(1)
    export("salesforce-accounts")  # the member's first request records activity, caches counts
    _, one = export("salesforce-accounts")
    add(29)
    export("salesforce-accounts")  # the search counts cached again after the import
    accounts, thirty = export("salesforce-accounts")
    assert len(accounts) == 31
    assert thirty == one
    account = dict(zip(accounts[0], accounts[1], strict=True))
    assert account["Ticker Symbol"].startswith("TS")
    assert {k: account[k] for k in SALESFORCE_PROFILE} == {
        "Billing Street": "3500 Deer Creek Rd", "Billing Zip/Postal Code": "94304",
        "Stock Exchange": "Nasdaq", "SIC Code": "3711",
        "SIC Description": "Motor Vehicles & Passenger Car Bodies",
        "State of Incorporation": "Delaware",
    }  # fmt: skip
    hubspot = _rows(_download(member_client, {"preset": "hubspot-companies"})[0])
    company_row = dict(zip(hubspot[0], hubspot[1], strict=True))
    assert (company_row["SIC Industry"], company_row["State of Incorporation"]) == (
        "Motor Vehicles & Passenger Car Bodies",
        "Delaware",
    )
    plain = _rows(_download(member_client, {"preset": "leads"})[0])
    lead = dict(zip(plain[0], plain[1], strict=True))
    assert (lead["state_of_incorporation"], lead["exchange"], lead["postal_code"]) == (
        "DE",
        "Nasdaq",
        "94304",
    )


SALESFORCE_PROFILE = (
    "Billing Street", "Billing Zip/Postal Code", "Stock Exchange", "SIC Code",
    "SIC Description", "State of Incorporation",
)  # fmt: skip


def test_contact_presets_split_names_and_keep_roles(member_client, munich):
    hubspot = dict(
        zip(*_rows(_download(member_client, {"preset": "hubspot-contacts"})[0]), strict=True)
    )
    assert (hubspot["First Name"], hubspot["Last Name"], hubspot["Job Title"]) == (
        "Zoë", "Ångström", "Geschäftsführerin",
    )  # fmt: skip
    salesforce = dict(
        zip(*_rows(_download(member_client, {"preset": "salesforce-contacts"})[0]), strict=True)
    )
    assert salesforce["Account Name"] == "Müller Straßenbau GmbH"
    assert salesforce["Lead Source"] == "Lead411"


def test_lead_presets_carry_the_event_as_a_note(member_client, munich):
    event = munich.events.get()
    url = f"http://testserver/leads/{event.pk}/"
    hubspot = dict(
        zip(*_rows(_download(member_client, {"preset": "hubspot-leads"})[0]), strict=True)
    )
    assert hubspot["Activity date"] == event.announced_on.isoformat()
    assert hubspot["Note body"] == (
        f"{event.announced_on.isoformat()} · Funding round (venture, series A) · "
        f"Müller Straßenbau GmbH raised round 1 · USD 1,000,001 · {url}"
    )
    salesforce = dict(
        zip(*_rows(_download(member_client, {"preset": "salesforce-leads"})[0]), strict=True)
    )
    assert salesforce["Description"] == hubspot["Note body"]
    assert salesforce["Last Name"] == "[not provided]"  # required; Salesforce's own placeholder
    assert salesforce["Company"] == "Müller Straßenbau GmbH"


def test_company_presets_hold_each_company_once(member_client, munich):
    TriggerEvent.objects.create(**_event_fields(munich, 2))
    leads_changed(index_now=False)
    assert len(_rows(_download(member_client, {"preset": "salesforce-accounts"})[0])) == 2
    assert len(_rows(_download(member_client, {"preset": "salesforce-leads"})[0])) == 3


def test_file_name_says_what_and_when(member_client, munich):
    _, disposition = _download(member_client, {"preset": "salesforce-leads", "q": "Müller bau"})
    assert disposition == (
        f'attachment; filename="lead411-salesforce-leads-muller-bau-{clock.today():%Y-%m-%d}.csv"'
    )


def test_an_unknown_preset_is_a_400(member_client, munich):
    response = member_client.get(EXPORT, {"preset": "excel-macro"})
    assert response.status_code == 400
    assert "Choose one of the listed formats." in response.content.decode()


# --- UTF-8 and the byte-order mark ---


@pytest.mark.parametrize("key", sorted(DOCUMENTED_COLUMNS))
def test_bom_only_when_asked_and_munich_round_trips(member_client, munich, key):
    with_bom, _ = _download(member_client, {"preset": key, "bom": "1"})
    without, _ = _download(member_client, {"preset": key})
    assert with_bom.startswith(b"\xef\xbb\xbf")
    assert not without.startswith(b"\xef\xbb\xbf")
    assert with_bom[3:] == without
    for body in (with_bom, without):
        cells = {cell for row in _rows(body) for cell in row}
        assert not any(cell.startswith("\ufeff") for cell in cells)
        expected = "Zoë" if "contacts" in key else "München"
        assert expected in cells


# --- Formula injection (OWASP CSV Injection) ---


@pytest.mark.parametrize("key", sorted(DOCUMENTED_COLUMNS))
def test_every_preset_neutralises_formulas(member_client, key):
    company = CompanyFactory.create(
        name='=HYPERLINK("http://evil.example","x")',
        homepage="",
        city="+cmd",
        region="@SUM(1)",
        country_code="",
        categories=["-2+3"],
    )
    ContactFactory(company=company, name="=cmd|' /C calc'!A0", role="@role")
    TriggerEvent.objects.create(
        **_event_fields(company, 1, summary="=1+1", counterparty="-x", round_type="")
    )
    rows = _rows(_download(member_client, {"preset": key})[0])
    data = rows[1:]
    assert data
    for row in data:
        assert not [cell for cell in row if cell.startswith(FORMULA_STARTS)]
    flat = [cell for row in data for cell in row]
    if "contacts" in key:
        assert "'=cmd|' /C" in flat  # the first name; "calc'!A0" is the last name
        assert "'@role" in flat
    else:
        assert '\'=HYPERLINK("http://evil.example","x")' in flat
    assert "'+cmd" in flat


# --- Export jobs past the direct limit ---


def _many_leads(count: int) -> list[int]:
    """Create ``count`` events over 50 companies (bulk_create) and return their ids."""
    companies = [
        CompanyFactory.create(name=f"Bulk {n}", city="München", categories=["Software"])
        for n in range(50)
    ]
    TriggerEvent.objects.bulk_create(
        TriggerEvent(**_event_fields(companies[n % 50], n)) for n in range(count)
    )
    leads_changed(index_now=False)
    return list(TriggerEvent.objects.values_list("pk", flat=True))


def _run_queued_tasks() -> int:
    """Run every task waiting in the queue, as a django-q2 worker would; return how many."""
    broker = get_broker()
    done = 0
    while tasks := broker.dequeue():
        for ack_id, payload in tasks:
            task = SignedPackage.loads(payload)
            module, func = task["func"].rsplit(".", 1)
            getattr(import_module(module), func)(*task["args"], **task["kwargs"])
            broker.acknowledge(ack_id)
            done += 1
    return done


@pytest.fixture
def big_export(member_client, settings, django_capture_on_commit_callbacks):
    """A HubSpot export of 5,050 leads, asked for through the pages; returns (job, ids)."""
    settings.ACTIVITY_RECORDING_ENABLED = True
    assert settings.LEADS_EXPORT_DIRECT_MAX_ROWS == 5000
    ids = _many_leads(5050)
    search = member_client.get(reverse("leads:search")).content.decode()
    assert f'action="{CREATE}"' in search
    assert "5,050 leads: more than the 5,000 a download carries at once" in search
    # An old "Export CSV" link still says what happens instead of cutting the file short.
    confirm = member_client.get(EXPORT, {"preset": "hubspot-leads", "bom": "1"})
    assert confirm.status_code == 200
    assert "<strong>5,050</strong> leads" in confirm.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(CREATE, {"preset": "hubspot-leads", "bom": "1"})
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("leads:export-job", args=[job.public_id])
    return job, ids


def test_a_large_export_runs_as_a_job_with_progress_then_a_link(member_client, member, big_export):
    job, ids = big_export
    page = member_client.get(reverse("leads:export-job", args=[job.public_id])).content.decode()
    assert '<progress id="export-progress" max="5050" value="0">' in page
    assert 'id="export-download" hidden' in page
    progress_url = reverse("leads:export-job-progress", args=[job.public_id])
    assert member_client.get(progress_url).json()["status"] == "queued"

    assert _run_queued_tasks() == 1

    state = member_client.get(progress_url).json()
    download = reverse("leads:export-job-download", args=[job.public_id])
    assert state == {
        "status": "done", "status_label": "Ready", "processed": 5050, "total": 5050,
        "rows": 5050, "download_url": download, "error": "",
    }  # fmt: skip
    page = member_client.get(reverse("leads:export-job", args=[job.public_id])).content.decode()
    assert '<progress id="export-progress" max="5050" value="5050">' in page
    assert f'href="{download}"' in page
    assert 'id="export-download" hidden' not in page

    response = member_client.get(download)
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="lead411-hubspot-leads-{clock.today():%Y-%m-%d}.csv"'
    )
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    rows = _rows(body)
    assert rows[0] == DOCUMENTED_COLUMNS["hubspot-leads"]
    assert len(rows) == 1 + 5050
    written = {int(row[-1].rsplit("/leads/", 1)[1].strip("/")) for row in rows[1:]}
    assert written == set(ids)
    assert {row[3] for row in rows[1:]} == {"München"}
    # P6: the file holds lead data, nothing about the member.
    assert member.email.encode() not in body

    # P8: the export is audited; P4: the download counts as an export, the progress polls do not.
    audit = AuditEvent.objects.get(verb="lead_export")
    assert (audit.actor_id, audit.object_id) == (member.pk, str(job.pk))
    counts = dict(
        MemberDailyActivity.objects.filter(member=member).values_list("page_type", "pageviews")
    )
    assert counts[MemberDailyActivity.PageType.EXPORT] == 3 + 1  # confirm, 2 job pages, file
    assert MemberDailyActivity.PageType.OTHER not in counts


def test_the_link_expires_and_the_file_is_deleted(member_client, big_export, settings, monkeypatch):
    job, _ = big_export
    _run_queued_tasks()
    job.refresh_from_db()
    path = export_job_path(job=job)
    assert path.is_file()
    download = reverse("leads:export-job-download", args=[job.public_id])
    later = job.finished_at + dt.timedelta(hours=settings.LEADS_EXPORT_LINK_HOURS, seconds=1)
    monkeypatch.setattr(clock, "now", lambda: later)

    response = member_client.get(download)
    assert response.status_code == 410
    assert "link expired" in response.content.decode()

    assert export_jobs_expire() == 1
    job.refresh_from_db()
    assert job.status == ExportJob.Status.EXPIRED
    assert not path.exists()
    assert member_client.get(download).status_code == 410


def test_another_member_cannot_see_or_download_the_export(client, big_export):
    job, _ = big_export
    _run_queued_tasks()
    other = UserFactory.create(email="other@example.com")
    client.force_login(other)
    for name in ("leads:export-job", "leads:export-job-progress", "leads:export-job-download"):
        assert client.get(reverse(name, args=[job.public_id])).status_code == 404
    assert (
        "lead411-hubspot-leads" not in client.get(reverse("leads:export-job-list")).content.decode()
    )


def test_a_member_has_at_most_the_allowed_exports_in_preparation(member_client, settings):
    settings.LEADS_EXPORT_JOBS_PER_MEMBER_MAX = 2
    _many_leads(10)
    for _ in range(2):
        assert member_client.post(CREATE, {"preset": "leads"}).status_code == 302
    refused = member_client.post(CREATE, {"preset": "leads"})
    assert refused.status_code == 409
    assert "You have 2 exports in preparation; wait for one to finish." in refused.content.decode()
    assert ExportJob.objects.count() == 2


def test_an_export_past_the_job_limit_is_refused_in_words(member_client, settings):
    settings.LEADS_EXPORT_JOB_MAX_ROWS = 5
    _many_leads(6)
    refused = member_client.post(CREATE, {"preset": "leads"})
    assert refused.status_code == 409
    assert "This search has 6 leads; an export holds at most 5." in refused.content.decode()
    assert not ExportJob.objects.exists()


def test_deleting_the_account_deletes_its_jobs_and_the_cleanup_their_files(member, big_export):
    job, _ = big_export
    _run_queued_tasks()
    job.refresh_from_db()
    path = export_job_path(job=job)
    member.delete()
    assert not ExportJob.objects.exists()
    export_jobs_expire()
    assert not path.exists()


def test_bom_0_in_a_url_means_no_bom(member_client, munich):
    body, _ = _download(member_client, {"preset": "leads", "bom": "0"})
    assert not body.startswith(b"\xef\xbb\xbf")


def test_an_export_the_queue_gave_up_on_is_failed_and_frees_the_limit(
    member_client, member, settings, monkeypatch
):
    settings.LEADS_EXPORT_JOBS_PER_MEMBER_MAX = 1
    _many_leads(3)
    assert member_client.post(CREATE, {"preset": "leads", "q": "Bulk"}).status_code == 302
    job = ExportJob.objects.get()
    assert job.described == "words: bulk"
    assert member_client.post(CREATE, {"preset": "leads"}).status_code == 409
    later = job.created_at + dt.timedelta(hours=settings.LEADS_EXPORT_JOB_STALE_HOURS, seconds=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    export_jobs_expire()
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED
    page = member_client.get(reverse("leads:export-job", args=[job.public_id])).content.decode()
    assert "This export failed: The export did not finish in time; please export again." in page
    assert member_client.post(CREATE, {"preset": "leads"}).status_code == 302


def test_export_jobs_are_in_the_members_data_download(member):
    """Issue 16 with the personal-data registry: a member's export jobs, and only theirs."""
    mine = ExportJobFactory.create(member=member)
    ExportJobFactory.create()  # someone else's
    (holding,) = [h for h in holdings() if h.model == "leads.ExportJob"]
    assert holding.export is not None
    (row,) = holding.export(Member(user=member, emails=frozenset({member.email})))
    assert row["download_name"] == mine.download_name
    assert row["preset"] == "hubspot-leads"
    assert row["criteria"] == {"q": ["robotics"]}
