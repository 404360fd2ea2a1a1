"""The EDGAR parsers on every real shared file and on broken input (clause L5)."""

import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest

from lead411.leads.sources.edgar.models import EdgarFiling
from lead411.leads.sources.edgar.parsers import (
    EdgarParseError,
    parse_feed,
    parse_form_d,
    parse_form_index,
)
from lead411.leads.sources.edgar.services import edgar_import
from lead411.leads.sources.edgar.tests.fixtures import (
    ITEM_502,
    atom_entry,
    atom_feed,
    data_dir,
    form_d,
)


@pytest.mark.clause("L5")
def test_every_atom_page_parses_with_the_documented_counts():
    folder = data_dir("sec_edgar_current_atom")
    pages = sorted(folder.glob("*.atom"))
    entries = []
    for page in pages:
        result = parse_feed(page.read_bytes(), origin=page.name)
        assert result.problems == []
        assert len(result.entries) == 100
        entries.extend(result.entries)
    assert len(pages) == 30
    assert len(entries) == 3000
    assert len({e.accession for e in entries}) == 1939
    forms = Counter(e.form_type for e in entries)
    assert (forms["D"], forms["D/A"], forms["8-K"], forms["4"]) == (96, 73, 157, 1223)
    bausch = next(e for e in entries if e.accession == "0000950103-25-016089")
    assert bausch.company_name == "Bausch Health Companies Inc."
    assert bausch.cik == "0000885590"
    assert bausch.filed_on == dt.date(2025, 12, 12)
    assert bausch.items == (
        ("8.01", "Other Events"),
        ("9.01", "Financial Statements and Exhibits"),
    )
    assert bausch.link.endswith("/885590/000095010325016089/0000950103-25-016089-index.htm")


@pytest.mark.clause("L5")
def test_every_form_d_document_parses():
    folder = data_dir("sec_formd")
    files = sorted([*folder.glob("*.xml"), *folder.glob("*.nc")])
    assert len(files) == 5
    docs = {f.name: parse_form_d(f.read_bytes(), origin=f.name) for f in files}
    # Two documents start with a blank line before the XML declaration.
    assert docs["D.APFund.xml"].total_offering_amount == Decimal(659752)
    shepherds = docs["D.Shepards.xml"]
    assert (shepherds.form_type, shepherds.is_amendment) == ("D/A", True)
    assert shepherds.previous_accession == "0001544190-19-000002"
    assert shepherds.total_offering_amount == Decimal(8000000)
    assert shepherds.related_persons[0].name == "Daniel M. Wallach"
    assert shepherds.related_persons[0].role == (
        "Executive Officer, Director (Chief Executive Officer and Member of the Board of Managers)"
    )
    sgml = docs["0001398344-24-000491.nc"]
    assert (sgml.accession, sgml.filed_on) == ("0001398344-24-000491", dt.date(2024, 1, 11))
    assert sgml.total_offering_amount is None  # "Indefinite"
    # "N/A" as a first name is no part of the name.
    assert sgml.related_persons[0].name == "Investure, LLC"
    reit = docs["D.1685REIT.xml"]
    assert (reit.cik, reit.city, reit.state_code) == ("0001961089", "LOS ANGELES", "CA")
    assert reit.date_of_first_sale == dt.date(2023, 1, 19)
    assert len(reit.related_persons) == 14
    assert docs["halloran_primary_doc.xml"].industry_group == "Pharmaceuticals"


@pytest.mark.clause("L5")
def test_daily_form_index_parses_with_the_documented_counts():
    path = data_dir("sec_edgar_index") / "form.20200318.idx"
    result = parse_form_index(path.read_bytes(), origin=path.name)
    assert result.problems == []
    forms = Counter(e.form_type for e in result.entries)
    assert len(result.entries) == 4084
    assert (forms["D"], forms["D/A"], forms["8-K"]) == (87, 89, 232)
    first = result.entries[0]
    assert (first.form_type, first.cik, first.accession) == (
        "1-A",
        "0001806014",
        "0001140361-20-006155",
    )
    assert first.link == (
        "https://www.sec.gov/Archives/edgar/data/1806014/000114036120006155/"
        "0001140361-20-006155-index.htm"
    )


def _by_company(form_index: str) -> str:
    """The real form index re-laid as EDGAR's ``company.YYYYMMDD.idx``: company name
    first, form type second, the rows sorted by company, the header wrapped onto two
    lines before the dashed rule (issue 14)."""
    lines = form_index.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("Form Type"))
    rows = []
    for line in lines[at + 2 :]:
        if line.strip():
            form, name, rest = line[:12], line[12:74], line[74:]
            rows.append(f"{name}{form}{rest}")
    header = (
        f"{'Company Name':<62}{'Form':<12}{'CIK':<12}{'Date':<12}File\n"
        f"{'':<62}{'Type':<12}{'':<12}{'Filed':<12}Name"
    )
    preamble = lines[0].replace("by Form Type", "by Company Name")
    return "\n".join([preamble, *lines[1:at], header, lines[at + 1], *sorted(rows)]) + "\n"


@pytest.mark.clause("L5")
def test_daily_index_sorted_by_company_reads_the_same_filings():
    path = data_dir("sec_edgar_index") / "form.20200318.idx"
    by_form = parse_form_index(path.read_bytes(), origin=path.name)
    company_layout = _by_company(path.read_text(encoding="latin-1")).encode("latin-1")
    by_company = parse_form_index(company_layout, origin="company.20200318.idx")
    assert by_company.problems == []
    assert sorted(by_company.entries, key=lambda e: (e.accession, e.cik, e.form_type)) == sorted(
        by_form.entries, key=lambda e: (e.accession, e.cik, e.form_type)
    )


@pytest.mark.clause("L5")
def test_truncated_xml_is_a_parse_error_with_the_reason():
    data = form_d()[:200]
    with pytest.raises(EdgarParseError, match=r"^cut\.xml: not well-formed XML \(unclosed token"):
        parse_form_d(data, origin="cut.xml")


@pytest.mark.clause("L5")
def test_html_error_page_is_not_taken_for_a_feed():
    page = b"<!DOCTYPE html>\n<html><body><h1>Request Rate Threshold Exceeded</h1></body></html>"
    with pytest.raises(EdgarParseError) as error:
        parse_feed(page, origin="feed.atom")
    assert str(error.value) == "feed.atom: an HTML page, not XML (an error page from the server?)"


@pytest.mark.clause("L5")
def test_entity_expansion_is_refused():
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><feed>&a;</feed>'
    with pytest.raises(EdgarParseError, match=r"^bomb\.atom: refused XML \(EntitiesForbidden\)$"):
        parse_feed(bomb, origin="bomb.atom")


@pytest.mark.clause("L5")
def test_feed_entry_without_cik_is_reported_and_the_rest_read():
    page = atom_feed(
        atom_entry(form="D", name="No Cik Fund LP", cik=None, accession="0000000001-25-000001"),
        atom_entry(
            form="8-K",
            name="Acme Corp",
            cik="123",
            accession="0000000123-25-000002",
            items=(ITEM_502,),
        ),
    )
    result = parse_feed(page, origin="page.atom")
    assert result.problems == [
        "page.atom entry 1: no CIK in the title 'D - No Cik Fund LP (Filer)' (No Cik Fund LP)"
    ]
    assert [e.cik for e in result.entries] == ["0000000123"]
    assert result.entries[0].items[0][0] == "5.02"


@pytest.mark.clause("L5")
def test_form_d_without_issuer_cik_is_a_parse_error():
    with pytest.raises(EdgarParseError, match=r"^d\.xml: no issuer CIK$"):
        parse_form_d(form_d(cik=""), origin="d.xml")


def test_index_without_header_is_a_parse_error():
    with pytest.raises(EdgarParseError, match=r"not an EDGAR form index \(an HTML page\)$"):
        parse_form_index(b"<html><body>503</body></html>", origin="form.idx")


def _shepherds_xml() -> bytes:
    """The real D.Shepards.xml without its XML declaration (as inside an ``<XML>`` body)."""
    data = (data_dir("sec_formd") / "D.Shepards.xml").read_bytes().lstrip()
    return data[data.index(b"?>") + 2 :].lstrip() if data.startswith(b"<?xml") else data


def _pem_submission(accession: str) -> bytes:
    """The real D.Shepards.xml as the primary document of a full .txt submission, in the
    privacy-enhanced-message envelope and SEC header EDGAR archives (SOURCES.md, sec_8k)."""
    header = (
        "-----BEGIN PRIVACY-ENHANCED MESSAGE-----\n"
        "Proc-Type: 2001,MIC-CLEAR\n"
        "Originator-Name: webmaster@www.sec.gov\n\n"
        f"<SEC-DOCUMENT>{accession}.txt : 20190212\n"
        f"<SEC-HEADER>{accession}.hdr.sgml : 20190212\n"
        f"ACCESSION NUMBER:\t\t{accession}\n"
        "CONFORMED SUBMISSION TYPE:\tD/A\n"
        "PUBLIC DOCUMENT COUNT:\t\t1\n"
        "FILED AS OF DATE:\t\t20190212\n\n"
        "FILER:\n\n\tCOMPANY DATA:\t\n\t\tCOMPANY CONFORMED NAME:\t\t\tShepherd's Finance, LLC\n"
        "\t\tCENTRAL INDEX KEY:\t\t\t0001544190\n"
        "</SEC-HEADER>\n<DOCUMENT>\n<TYPE>D/A\n<SEQUENCE>1\n<FILENAME>primary_doc.xml\n<TEXT>\n"
        "<XML>\n"
    ).encode()
    footer = (
        b"\n</XML>\n</TEXT>\n</DOCUMENT>\n</SEC-DOCUMENT>\n-----END PRIVACY-ENHANCED MESSAGE-----\n"
    )
    return header + _shepherds_xml() + footer


@pytest.mark.clause("L5")
def test_form_d_in_a_bare_xml_element_without_declaration_is_read():
    """Issue 14: today "not a Form D submission (root element <XML>)"."""
    document = parse_form_d(b"<XML>\n" + _shepherds_xml() + b"\n</XML>\n", origin="bare.xml")
    assert (document.cik, document.entity_name, document.form_type) == (
        "0001544190",
        "Shepherd's Finance, LLC",
        "D/A",
    )


@pytest.mark.clause("L5")
def test_form_d_full_submission_in_a_pem_envelope_gives_its_accession_number():
    """Issue 14: today "not well-formed XML (line 1, column 0)"."""
    document = parse_form_d(_pem_submission("0001544190-19-000005"), origin="pem.txt")
    assert (document.accession, document.filed_on) == ("0001544190-19-000005", dt.date(2019, 2, 12))
    assert document.total_offering_amount == Decimal(8000000)
    assert document.related_persons[0].name == "Daniel M. Wallach"


@pytest.mark.django_db
@pytest.mark.clause("L5")
def test_a_form_d_folder_reads_txt_submissions_too(tmp_path):
    """Issue 14: a .txt submission in a folder given to --formd was skipped silently."""
    (tmp_path / "0001544190-19-000005.txt").write_bytes(_pem_submission("0001544190-19-000005"))
    (tmp_path / "LICENSE.txt").write_text("MIT licence of the carrier\n")
    report = edgar_import(form_ds=[str(tmp_path)])
    assert (report.documents_read, report.problems) == (1, [])
    assert report.skipped["licence or provenance note"] == 1
    assert EdgarFiling.objects.filter(accession="0001544190-19-000005").exists()
