"""EDGAR state and country codes to the company's country and region (issue 14: "foreign
state codes map to countries where EDGAR defines them"), checked against the real EDGAR
code list and the ISO country list (SOURCES.md: sec_edgar_reference, country_codes); the
state of incorporation stored as one code, and addresses out of EDGAR's capitals."""

import csv
import importlib

import pytest

from lead411.leads.edgar_places import (
    PLACE_NAMES,
    incorporation_code,
    place_from_edgar_code,
    place_name,
    readable_case,
)
from lead411.leads.models import Company
from lead411.leads.sources.edgar.services import company_profiles_import, edgar_import
from lead411.leads.sources.edgar.tests.fixtures import data_dir
from lead411.leads.tests.factories import CompanyFactory


@pytest.mark.clause("L1")
def test_every_foreign_edgar_code_but_the_dissolved_antilles_maps_to_an_iso_country():
    with (data_dir("sec_edgar_reference") / "place_codes.csv").open(newline="") as f:
        codes = list(csv.DictReader(f))
    with (data_dir("country_codes") / "country-codes.csv").open(newline="") as f:
        iso = {row["ISO3166-1-Alpha-3"] for row in csv.DictReader(f)} - {""}
    foreign = {row["Code"]: row["Place"] for row in codes if row["Type"] == "FOREIGN"}
    places = {code: place_from_edgar_code(code) for code in foreign}
    unmapped = {code for code, (country, _region) in places.items() if not country}
    assert unmapped == {"P8"}  # NETHERLANDS ANTILLES: no ISO 3166-1 code since 2010
    assert {country for country, _ in places.values() if country} <= iso
    assert all(region == "" for _country, region in places.values())
    assert places["E9"] == ("CYM", "")  # Learn CW's header (SOURCES.md, sec_ipo)
    assert places["X0"] == ("GBR", "")
    assert places["K3"] == ("HKG", "")
    assert place_from_edgar_code("A6") == ("CAN", "ON")
    assert place_from_edgar_code("wa") == ("USA", "WA")


@pytest.mark.django_db
@pytest.mark.clause("L1")
def test_a_form_d_issuer_in_the_cayman_islands_gets_its_country(tmp_path):
    """The real D.APFund.xml with its issuer's code set to "E9", as EDGAR writes it."""
    data = (data_dir("sec_formd") / "D.APFund.xml").read_bytes()
    issuer_address = data.index(b"<stateOrCountry>WA</stateOrCountry>")
    cayman = (
        data[:issuer_address]
        + b"<stateOrCountry>E9</stateOrCountry>"
        + data[issuer_address + len(b"<stateOrCountry>WA</stateOrCountry>") :]
    )
    (tmp_path / "D.Cayman.xml").write_bytes(cayman)
    report = edgar_import(form_ds=[str(tmp_path / "D.Cayman.xml")])
    assert report.problems == []
    company = Company.objects.get(cik="0001958740")
    assert (company.country_code, company.region) == ("CYM", "")


def _form_d_stating(tmp_path, jurisdiction: bytes) -> str:
    """The real D.APFund.xml with its jurisdictionOfInc ("DELAWARE") written another way."""
    data = (data_dir("sec_formd") / "D.APFund.xml").read_bytes()
    path = tmp_path / "D.APFund.xml"
    path.write_bytes(
        data.replace(
            b"<jurisdictionOfInc>DELAWARE</jurisdictionOfInc>",
            b"<jurisdictionOfInc>" + jurisdiction + b"</jurisdictionOfInc>",
        )
    )
    return str(path)


@pytest.mark.django_db
@pytest.mark.clause("L1")
@pytest.mark.parametrize("stated", [b"DELAWARE", b"Delaware", b"State of Delaware", b"DE"])
def test_form_d_and_sec_header_states_of_incorporation_are_stored_as_one_code(tmp_path, stated):
    """Issue 14 gap 1: a Form D's jurisdictionOfInc ("DELAWARE", as the real file states it,
    or "Delaware") and an 8-K SEC header's "DE" (Meta's real submission) store the same
    value, the EDGAR code, which pages show by name."""
    report = edgar_import(
        form_ds=[_form_d_stating(tmp_path, stated)],
        eight_ks=[str(data_dir("sec_8k") / "0001628280-25-058337.txt")],
    )
    assert report.problems == []
    fund = Company.objects.get(cik="0001958740")
    meta = Company.objects.get(cik="0001326801")
    assert fund.state_of_incorporation == meta.state_of_incorporation == "DE"
    assert fund.state_of_incorporation_name == "Delaware"


@pytest.mark.django_db
@pytest.mark.clause("L1")
def test_a_state_of_incorporation_naming_no_edgar_place_is_kept_as_stated(tmp_path):
    """Issue 14 gap 1: nothing a source said is lost: an unknown value is stored and shown
    as it was stated."""
    edgar_import(form_ds=[_form_d_stating(tmp_path, b"Atlantis")])
    fund = Company.objects.get(cik="0001958740")
    assert (fund.state_of_incorporation, fund.state_of_incorporation_name) == (
        "Atlantis",
        "Atlantis",
    )


@pytest.mark.clause("L1")
def test_every_edgar_place_name_gives_back_its_code():
    """Each place of EDGAR's own list, by its name as EDGAR prints it ("CAYMAN ISLANDS")
    and in the readable form shown, is the place's code; "GEORGIA" is the US state."""
    with (data_dir("sec_edgar_reference") / "place_codes.csv").open(newline="") as f:
        codes = {row["Code"]: row["Place"] for row in csv.DictReader(f)}
    assert set(codes) == set(PLACE_NAMES)
    shared = {"GEORGIA"}
    for code, place in codes.items():
        if place not in shared:
            assert incorporation_code(place) == code, place
        assert incorporation_code(PLACE_NAMES[code]) in (code, "GA"), code
        assert incorporation_code(code.lower()) == code
    assert incorporation_code("GEORGIA") == "GA"
    assert place_name("E9") == "Cayman Islands"
    assert place_name("A6") == "Ontario, Canada"
    assert incorporation_code("Ontario") == "A6"


@pytest.mark.django_db
@pytest.mark.clause("L5")
def test_the_data_migration_normalises_existing_rows_and_is_idempotent():
    """Issue 14 gap 1: rows stored before hold "DELAWARE", "Delaware" or "DE"; the migration
    writes the code, keeps what names no place, and a second run changes nothing."""
    from django.apps import apps

    migration = importlib.import_module(
        "lead411.leads.migrations.0012_company_incorporation_codes_and_readable_streets"
    )
    stated = ["DELAWARE", "Delaware", "DE", "Cayman Islands", "Atlantis", ""]
    companies = [
        CompanyFactory.create(state_of_incorporation=value, street_address="1 META WAY")
        for value in stated
    ]
    mixed = CompanyFactory.create(state_of_incorporation="NV", street_address="1 Main St")
    for _run in range(2):
        migration.normalise(apps, None)
        for company in (*companies, mixed):
            company.refresh_from_db()
        assert [c.state_of_incorporation for c in companies] == [
            "DE",
            "DE",
            "DE",
            "E9",
            "Atlantis",
            "",
        ]
        assert {c.street_address for c in companies} == {"1 Meta Way"}
        assert (mixed.state_of_incorporation, mixed.street_address) == ("NV", "1 Main St")


# Street lines and cities exactly as the real SEC headers of sec_8k/ and sec_ipo/ print them.
@pytest.mark.clause("L1")
@pytest.mark.parametrize(
    ("printed", "shown"),
    [
        ("1 META WAY", "1 Meta Way"),
        ("11755 WILSHIRE BLVD.", "11755 Wilshire Blvd."),
        ("5150 EL CAMINO REAL, SUITE A-32", "5150 El Camino Real, Suite A-32"),
        ("7001 WEST EDGERTON AVENUE", "7001 West Edgerton Avenue"),
        ("PO BOX 2000", "PO Box 2000"),
        ("P O BOX 105366", "P O Box 105366"),
        ("1975 W. EL CAMINO REAL, SUITE 204", "1975 W. El Camino Real, Suite 204"),
        ("1000 N WEST STREET, SUITE 1200", "1000 N West Street, Suite 1200"),
        ("MENLO PARK", "Menlo Park"),
        ("LOS ANGELES", "Los Angeles"),
        # Forms the shared files do not hold: ordinals, a compass point after the street,
        # joining words, a state code before its ZIP code, a possessive.
        ("100 1ST AVE NW", "100 1st Ave NW"),
        ("1290 AVENUE OF THE AMERICAS", "1290 Avenue of the Americas"),
        ("AUSTIN, TX 78701", "Austin, TX 78701"),
        ("O'HARE INT'L CENTER", "O'Hare Int'l Center"),
        ("12 MAIN ST (REAR)", "12 Main St (Rear)"),
        # Mixed case is a source's own spelling (D.Shepards.xml, the iXBRL covers): kept.
        ("13241 Bartram Park Blvd.", "13241 Bartram Park Blvd."),
        ("1000    N West St.", "1000    N West St."),
    ],
)
def test_edgar_capitals_in_addresses_read_as_people_write_them(printed, shown):
    """Issue 14 gap 2: an address line or city EDGAR prints in capitals is stored in the
    case people write it; mixed case is left alone; the result maps to itself."""
    assert readable_case(printed) == shown
    assert readable_case(shown) == shown


@pytest.mark.django_db
@pytest.mark.clause("L1")
def test_every_path_writes_readable_addresses():
    """Issue 14 gap 2: a Form D (D.Shepards.xml: "13241 BARTRAM PARK BLVD.",
    "JACKSONVILLE"), an 8-K SEC header (Pericom: "2380 BERING DR", "SAN JOSE")
    and a submissions record (Tesla: "3500 DEER CREEK RD", "PALO ALTO") all store
    readable text."""
    tesla = CompanyFactory.create(name="Tesla, Inc.", cik="0001318605", city="", region="")
    report = edgar_import(
        form_ds=[str(data_dir("sec_formd") / "D.Shepards.xml")],
        eight_ks=[str(data_dir("sec_8k") / "1001426_8K_2005_0001275287-05-000056.txt")],
    )
    assert report.problems == []
    company_profiles_import(sources=[str(data_dir("sec_company") / "company_submission.json")])
    places = {
        company.cik: (company.street_address, company.city)
        for company in Company.objects.filter(cik__in=["0001544190", "0001001426", tesla.cik])
    }
    assert places == {
        "0001544190": ("13241 Bartram Park Blvd., Suite 2401", "Jacksonville"),
        "0001001426": ("2380 Bering Dr", "San Jose"),
        "0001318605": ("3500 Deer Creek Rd", "Palo Alto"),
    }
