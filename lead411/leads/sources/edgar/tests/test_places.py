"""EDGAR state and country codes to the company's country and region (issue 14: "foreign
state codes map to countries where EDGAR defines them"), checked against the real EDGAR
code list and the ISO country list (SOURCES.md: sec_edgar_reference, country_codes)."""

import csv

import pytest

from lead411.leads.models import Company
from lead411.leads.sources.edgar.places import place_from_edgar_code
from lead411.leads.sources.edgar.services import edgar_import
from lead411.leads.sources.edgar.tests.fixtures import data_dir


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
