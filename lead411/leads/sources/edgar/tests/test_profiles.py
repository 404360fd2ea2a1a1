"""Company profiles (issue 14): ticker, SIC industry, state of incorporation, address and
website from the real SEC company records and filings (SOURCES.md, sec_company, sec_ipo)."""

import io
import shutil

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from lead411.leads.models import Company
from lead411.leads.sources.edgar.services import edgar_import
from lead411.leads.sources.edgar.tests.fixtures import data_dir, form_d
from lead411.leads.tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db

TESLA, UNICYCIVE, MICROSOFT, APPLE = "0001318605", "0001766140", "0000789019", "0000320193"


def _profiles(*paths: str) -> list[str]:
    out = io.StringIO()
    call_command("import_company_profiles", *paths, stdout=out)
    return out.getvalue().splitlines()


@pytest.mark.clause("L1")
def test_tesla_gets_its_sic_industry_state_and_address_from_its_submissions_record():
    """Issue 14: Tesla (CIK 1318605) -> SIC 3711 "Motor Vehicles & Passenger Car Bodies"
    (the SEC's title), incorporated in DE, business address in Palo Alto, CA."""
    folder = data_dir("sec_company")
    tesla = CompanyFactory.create(
        name="Tesla, Inc.", cik=TESLA, city="", region="", country_code=""
    )
    other = CompanyFactory.create(name="Rivian", cik="0001874178", city="", region="")
    lines = _profiles(str(folder / "company_submission.json"))
    tesla.refresh_from_db()
    assert (tesla.sic_code, tesla.industry) == ("3711", "Motor Vehicles & Passenger Car Bodies")
    assert tesla.state_of_incorporation == "DE"
    assert (tesla.city, tesla.region, tesla.country_code) == ("Palo Alto", "CA", "USA")
    # EDGAR's "3500 DEER CREEK RD" in the case people write it.
    assert (tesla.street_address, tesla.postal_code) == ("3500 Deer Creek Rd", "94304")
    assert (tesla.ticker, tesla.exchange) == ("TSLA", "Nasdaq")
    assert "Motor Vehicles & Passenger Car Bodies" in tesla.categories.values_list(
        "name", flat=True
    )
    other.refresh_from_db()
    assert (other.sic_code, other.ticker, other.city) == ("", "", "")
    assert "companies known here by CIK: 1; profiles filled in: 1" in lines[1]
    # A second run fills nothing.
    assert "profiles filled in: 0" in _profiles(str(folder / "company_submission.json"))[1]


@pytest.mark.clause("L1")
def test_unicycive_ipo_filing_states_ticker_sic_and_state_then_the_record_adds_the_rest():
    """Issue 14: the S-1/A's SEC header and cover give Unicycive (CIK 1766140) ticker UNCY,
    SIC 2834 and DE; its submissions record then fills the address blanks and keeps what
    the filing stated (the listing sentence's "Nasdaq Capital Market", not the record's
    "Nasdaq")."""
    ipo = data_dir("sec_ipo") / "0001213900-21-035033.txt"
    report = edgar_import(ipos=[str(ipo)])
    assert report.problems == []
    company = Company.objects.get(cik=UNICYCIVE)
    assert (company.ticker, company.sic_code, company.state_of_incorporation) == (
        "UNCY",
        "2834",
        "DE",
    )
    assert company.street_address == ""
    _profiles(str(data_dir("sec_company") / "CIK0001766140.json"))
    company.refresh_from_db()
    assert company.ticker == "UNCY"
    assert company.exchange == "Nasdaq Capital Market"
    assert company.street_address == "1975 W. El Camino Real, Suite 204"
    assert company.industry == "Pharmaceutical Preparations"
    assert (company.city, company.region) == ("Mountain View", "CA")


@pytest.mark.clause("L1")
def test_a_ticker_goes_only_to_the_company_with_its_cik():
    """Issue 14 / SOURCES.md: tickers are reused over time, so company_tickers.json is matched
    by CIK only: a company named like a ticker holder but without its CIK gets nothing."""
    folder = data_dir("sec_company")
    microsoft = CompanyFactory.create(name="MICROSOFT CORP", cik=MICROSOFT)
    apple = CompanyFactory.create(name="Apple Inc.", cik=APPLE)
    namesake = CompanyFactory.create(name="Microsoft Corp", cik=None)
    stranger = CompanyFactory.create(name="Old Microsoft Holdings", cik="0000000042")
    lines = _profiles(str(folder / "company_tickers.json"))
    for company in (microsoft, apple, namesake, stranger):
        company.refresh_from_db()
    assert (microsoft.ticker, apple.ticker) == ("MSFT", "AAPL")
    assert (microsoft.exchange, microsoft.sic_code) == ("", "")
    assert (namesake.ticker, stranger.ticker) == ("", "")
    assert lines[0] == "company files read: 1; company records in them: 7919"
    assert "companies known here by CIK: 2; profiles filled in: 2 (ticker 2)" in lines[1]


@pytest.mark.clause("L5")
def test_a_value_a_filing_stated_is_never_overwritten():
    """Issue 14: profile values fill blanks only; a state of incorporation already known
    (from a filing or staff) stays when the SEC record says otherwise."""
    tesla = CompanyFactory.create(name="Tesla", cik=TESLA, state_of_incorporation="NV", city="")
    _profiles(str(data_dir("sec_company") / "company_submission.json"))
    tesla.refresh_from_db()
    assert tesla.state_of_incorporation == "NV"
    assert tesla.sic_code == "3711"


@pytest.mark.clause("L5")
def test_a_folder_with_truncated_or_wrongly_encoded_json_reports_each_and_exits_non_zero(tmp_path):
    """Issue 14: bad input is a reported problem with the file and reason, the good files
    are still imported, and the command exits non-zero."""
    real = data_dir("sec_company")
    shutil.copy(real / "company_submission.json", tmp_path / "company_submission.json")
    data = (real / "CIK0001766140.json").read_bytes()
    (tmp_path / "CIK0001766140.json").write_bytes(data[: len(data) // 2])
    (tmp_path / "CIK0001847577.json").write_bytes(
        (real / "CIK0001847577.json").read_text(encoding="utf-8").encode("utf-16")
    )
    (tmp_path / "LICENSE_edgartools_MIT.txt").write_text("MIT")
    tesla = CompanyFactory.create(name="Tesla", cik=TESLA)
    out = io.StringIO()
    with pytest.raises(CommandError, match="2 file"):
        call_command("import_company_profiles", str(tmp_path), stdout=out)
    text = out.getvalue()
    assert "CIK0001766140.json: not valid JSON (line" in text
    assert "CIK0001847577.json: not UTF-8 text (byte 0)" in text
    assert "problems: 2 (2 files could not be read)" in text
    tesla.refresh_from_db()
    assert tesla.sic_code == "3711"


@pytest.mark.clause("L1")
def test_form_d_states_the_jurisdiction_of_incorporation(tmp_path):
    """Issue 14: a Form D's jurisdictionOfInc fills the state of incorporation."""
    document = form_d(cik="0009000001", name="Acme, Inc.")
    assert b"<jurisdictionOfInc>" in document
    path = tmp_path / "primary_doc.xml"
    path.write_bytes(document)
    edgar_import(form_ds=[str(path)])
    company = Company.objects.get(cik="0009000001")
    assert company.state_of_incorporation == "DE"  # stated "DELAWARE": stored as its code


@pytest.mark.clause("L1")
def test_company_and_lead_pages_show_the_profile_and_hide_what_is_unknown(client, member):
    """Issue 14: ticker, industry, state of incorporation, address and a nofollow website
    link on both pages; the API's company endpoint carries the same fields."""
    from lead411.leads.tests.factories import TriggerEventFactory

    company = CompanyFactory.create(
        name="Tesla, Inc.", cik=TESLA, ticker="TSLA", exchange="Nasdaq", sic_code="3711",
        industry="Motor Vehicles & Passenger Car Bodies", state_of_incorporation="DE",
        street_address="3500 DEER CREEK RD", city="Palo Alto", region="CA", postal_code="94304",
        country_code="USA", homepage="https://www.tesla.com",
    )  # fmt: skip
    event = TriggerEventFactory.create(company=company)
    client.force_login(member)
    for url in (
        reverse("companies:detail", args=[company.pk]),
        reverse("leads:detail", args=[event.pk]),
    ):
        html = client.get(url).content.decode()
        assert "<dt>Ticker</dt><dd>TSLA" in html
        assert "(Nasdaq)" in html
        assert "Motor Vehicles &amp; Passenger Car Bodies" in html
        assert "(SIC 3711)" in html
        assert "<dt>Incorporated in</dt><dd>Delaware</dd>" in html
        assert "3500 DEER CREEK RD<br>Palo Alto, CA 94304" in html
        assert 'href="https://www.tesla.com" rel="nofollow noopener noreferrer"' in html
    bare = CompanyFactory.create(name="Quiet", homepage="", city="", region="", country_code="")
    html = client.get(reverse("companies:detail", args=[bare.pk])).content.decode()
    for label in ("Ticker", "Industry", "Incorporated in", "Address", "Website"):
        assert f"<dt>{label}</dt>" not in html


@pytest.mark.clause("L1")
def test_8k_sec_headers_give_sic_industry_state_of_incorporation_and_street():
    """Issue 14: the SEC header of an 8-K states the SIC code (bracketed after the title, or
    bare in 1994 headers) and the state of incorporation; the industry is the OSHA SIC
    manual's title, also one of the company's categories."""
    if not (data_dir("naics_sic_census") / "sic_codes_osha.txt").is_file():
        pytest.skip("naics_sic_census/sic_codes_osha.txt is absent")
    edgar_import(eight_ks=[str(data_dir("sec_8k"))])
    meta = Company.objects.get(cik="0001326801")
    assert (meta.sic_code, meta.state_of_incorporation) == ("7370", "DE")
    assert meta.industry == (
        "Computer Programming, Data Processing, And Other Computer Related Services"
    )
    assert (meta.street_address, meta.city, meta.postal_code) == (
        "1 Meta Way",
        "Menlo Park",
        "94025",
    )
    turner = Company.objects.get(cik="0000100240")
    assert (turner.sic_code, turner.industry, turner.state_of_incorporation) == (
        "4833",
        "Television Broadcasting Stations",
        "GA",
    )
    assert list(turner.categories.values_list("name", flat=True)) == [
        "Television Broadcasting Stations"
    ]


@pytest.mark.clause("L1")
def test_a_foreign_state_of_incorporation_is_stored_coded_and_shown_named():
    """Issue 14: Learn CW Investment Corp (CIK 1847577) is incorporated in EDGAR code "E9",
    which its record describes as the Cayman Islands; SIC 6770 "Blank Checks". The code
    is stored (as for every source) and the name shown."""
    spac = CompanyFactory.create(name="Learn CW Investment Corp", cik="0001847577")
    _profiles(str(data_dir("sec_company") / "CIK0001847577.json"))
    spac.refresh_from_db()
    assert spac.state_of_incorporation == "E9"
    assert spac.state_of_incorporation_name == "Cayman Islands"
    assert (spac.sic_code, spac.industry, spac.ticker) == ("6770", "Blank Checks", "")
