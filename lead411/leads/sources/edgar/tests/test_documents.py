"""8-K and IPO document parsing: every real filing in shared/data against SOURCES.md, and
small synthetic documents for each EDGAR shape so the parser is proven without the data.
"""

import datetime as dt
from decimal import Decimal

import pytest

from lead411.leads.sources.edgar.documents import (
    Change,
    Direction,
    EightKDocument,
    ExecutiveChange,
    parse_8k,
)
from lead411.leads.sources.edgar.parsers import EdgarParseError
from lead411.leads.sources.edgar.prospectus import IpoDocument, parse_ipo
from lead411.leads.sources.edgar.submission import html_to_text, read_submission
from lead411.leads.sources.edgar.tests.fixtures import data_dir

D = dt.date
APPOINTED = Change.APPOINTMENT
LEFT = Change.DEPARTURE


def real_8k(name: str) -> EightKDocument:
    path = data_dir("sec_8k") / name
    return parse_8k(path.read_bytes(), origin=str(path))


def real_ipo(name: str) -> IpoDocument:
    path = data_dir("sec_ipo") / name
    return parse_ipo(path.read_bytes(), origin=str(path))


def people(document: EightKDocument) -> list[tuple[str, str, Change, dt.date | None]]:
    return [(c.name, c.role, c.change, c.effective_on) for c in document.executive_changes]


# Real 8-Ks, group A: appointments and departures (SOURCES.md, sec_8k) -----------------


@pytest.mark.clause("L1")
def test_blackrock_cfo_moves_to_vice_chairman_and_small_becomes_cfo() -> None:
    document = real_8k("form8K.Blackrock.html")
    assert (document.cik, document.company_name, document.items) == (
        "0001364742",
        "BlackRock, Inc.",
        ("5.02",),
    )
    assert document.report_date == D(2023, 2, 24)
    assert people(document) == [
        ("Gary S. Shedlin", "Vice Chairman", APPOINTED, None),
        ("Martin Small", "Chief Financial Officer", APPOINTED, None),
    ]
    assert document.executive_changes[0].previous_role == "Chief Financial Officer"
    assert document.summaries() == [
        "Gary S. Shedlin appointed Vice Chairman (previously Chief Financial Officer)",
        "Martin Small appointed Chief Financial Officer",
    ]


@pytest.mark.clause("L1")
def test_meta_director_resigns_effective_immediately() -> None:
    document = real_8k("0001628280-25-058337.txt")
    assert (document.accession, document.cik, document.filed_on) == (
        "0001628280-25-058337",
        "0001326801",
        D(2025, 12, 19),
    )
    assert people(document) == [("Dina Powell McCormick", "Director", LEFT, D(2025, 12, 19))]
    assert document.summaries() == ["Dina Powell McCormick leaves as Director"]


@pytest.mark.clause("L1")
def test_pericom_plain_text_director_appointment_not_the_quoted_ceo() -> None:
    document = real_8k("1001426_8K_2005_0001275287-05-000056.txt")
    assert document.items == ("5.02", "9.01")
    assert document.report_date == D(2005, 1, 7)  # "January 10, 2005 (January 7, 2005)"
    assert people(document) == [("Murray Goldman", "Director", APPOINTED, D(2005, 1, 7))]


@pytest.mark.clause("L1")
def test_horizon_new_cfo_not_the_interim_cfo_he_replaces() -> None:
    document = real_8k("1002682_8K_2008_0000939057-08-000391.txt")
    assert (document.cik, document.filed_on, document.report_date) == (
        "0001002682",
        D(2008, 10, 27),
        D(2008, 10, 24),
    )
    assert people(document) == [
        ("Greg B. Spear", "Chief Financial Officer", APPOINTED, D(2008, 10, 24))
    ]


@pytest.mark.clause("L1")
def test_disney_cfo_resigns_as_cfo() -> None:
    document = real_8k("1001039_8K_2015_0001001039-15-000150.htm")
    assert document.accession == "0001001039-15-000150"  # from the file name
    assert people(document) == [
        ("James A. Rasulo", "Chief Financial Officer", LEFT, D(2015, 6, 30))
    ]


@pytest.mark.clause("L1")
def test_disney_appoints_cfo_and_chief_strategy_officer_not_their_past_roles() -> None:
    document = real_8k("1001039_8K_2015_0001001039-15-000176.htm")
    assert people(document) == [
        (
            "Christine M. McCarthy",
            "Senior Executive Vice President and Chief Financial Officer",
            APPOINTED,
            D(2015, 7, 1),
        ),
        (
            "Kevin A. Mayer",
            "Senior Executive Vice President and Chief Strategy Officer",
            APPOINTED,
            D(2015, 7, 1),
        ),
    ]


@pytest.mark.clause("L1")
def test_nuance_new_ceo_retiring_ceo_and_acting_ceo_not_the_ncr_role() -> None:
    document = real_8k("1002517_8K_2018_0001002517-18-000024.htm")
    assert document.report_date == D(2018, 3, 19)
    assert people(document) == [
        ("Mark D. Benjamin", "Chief Executive Officer", APPOINTED, D(2018, 3, 19)),
        ("Paul Ricci", "Chief Executive Officer", LEFT, D(2018, 3, 29)),
        ("Daniel J. Tempesta", "acting Chief Executive Officer", APPOINTED, None),
    ]


@pytest.mark.clause("L1")
def test_fedex_cfo_elect_not_his_atlas_or_aar_roles() -> None:
    document = real_8k("1048911_8K_2023_0001193125-23-188128.htm")
    assert (document.cik, document.items) == ("0001048911", ("5.02", "9.01"))
    assert people(document) == [
        (
            "John W. Dietrich",
            "Executive Vice President and Chief Financial Officer\u2013Elect",  # en dash
            APPOINTED,
            D(2023, 7, 17),
        )
    ]


@pytest.mark.clause("L1")
def test_fedex_two_directors_leave_not_the_union_pacific_appointment() -> None:
    document = real_8k("1048911_8K_2023_0001193125-23-199169.htm")
    assert people(document) == [
        ("V. James Vena", "Director", LEFT, D(2023, 7, 26)),
        ("Kimberly A. Jabal", "Director", LEFT, D(2023, 9, 21)),
    ]


@pytest.mark.clause("L1")
def test_worthington_three_directors_resign_four_join_not_worthington_steel_seats() -> None:
    document = real_8k("108516_8K_2023_0000950170-23-062135.htm")
    assert document.items == ("5.02", "8.01", "9.01")
    # "effective upon consummation of the separation": no date is stated.
    assert people(document) == [
        ("Carl A. Nelson", "Director", LEFT, None),
        ("Mary Schiavo", "Director", LEFT, None),
        ("Sidney A. Ribeau", "Director", LEFT, None),
        ("B. Andrew Rose", "Director", APPOINTED, None),
        ("Billy R. Vickers", "Director", APPOINTED, None),
        ("Paul G. Heller", "Director", APPOINTED, None),
        ("Virgil L. Winland", "Director", APPOINTED, None),
    ]


@pytest.mark.clause("L1")
def test_netapp_director_and_principal_accounting_officer_not_past_employers() -> None:
    document = real_8k("1002047_8K_2021_0001564590-21-004336.htm")
    assert people(document) == [
        ("Carrie Palin", "Director", APPOINTED, D(2021, 2, 4)),
        ("Robert Parks", "principal accounting officer", APPOINTED, D(2021, 2, 4)),
    ]


# Group B: Item 5.02 that only changes pay -------------------------------------------


@pytest.mark.clause("L1")
@pytest.mark.parametrize(
    ("name", "cik"),
    [
        ("form8k.Nordstrom.html", "0000072333"),
        ("0001493152-25-001317.nc", "0000880984"),  # CR-only line endings
        ("0000943374-24-000509.txt", "0001847360"),
    ],
)
def test_compensation_only_502_moves_nobody(name: str, cik: str) -> None:
    document = real_8k(name)
    assert "5.02" in document.items
    assert document.cik == cik
    assert document.executive_changes == ()
    assert document.transactions == ()


# Group C: acquisitions and dispositions ---------------------------------------------


@pytest.mark.clause("L1")
def test_nuance_acquires_bevocal_with_shares_cash_and_earn_out() -> None:
    document = real_8k("1002517_8K_2007_0000950135-07-002616.htm")
    assert document.items == ("2.01", "3.02", "9.01")  # the table of contents is not counted
    (deal,) = document.transactions
    assert (deal.direction, deal.counterparty, deal.completed_on) == (
        Direction.ACQUISITION,
        "BeVocal, Inc.",
        D(2007, 4, 24),
    )
    assert "8.3 million shares" in deal.price_text
    assert "$15 million in cash" in deal.price_text
    assert "$60,000,000" in deal.price_text
    assert deal.price_usd == Decimal(15_000_000)


@pytest.mark.clause("L1")
def test_pericom_acquires_ecera_from_aker() -> None:
    document = real_8k("1001426_8K_2005_0001193125-05-180607.htm")
    (deal,) = document.transactions
    assert (deal.direction, deal.counterparty, deal.seller, deal.completed_on) == (
        Direction.ACQUISITION,
        "eCERA ComTek Corporation",
        "AKER Technology Company, Ltd.",
        D(2005, 8, 30),
    )
    assert "Four Hundred Seventy Five Million New Taiwan Dollars" in deal.price_text
    assert deal.price_usd == Decimal("14.7") * 10**6
    assert document.summaries() == [
        "PERICOM SEMICONDUCTOR CORPORATION acquires eCERA ComTek Corporation from AKER "
        "Technology Company, Ltd. for approximately $14.7 million"
    ]


@pytest.mark.clause("L1")
def test_turner_1994_old_item_2_acquires_new_line_not_its_executives() -> None:
    document = real_8k("100240_8K_1994_0000950144-94-000277.txt")
    assert document.items == ("2", "7")
    (deal,) = document.transactions
    assert (deal.direction, deal.counterparty, deal.completed_on) == (
        Direction.ACQUISITION,
        "New Line Cinema Corporation",
        D(1994, 1, 28),
    )
    assert "0.96386" in deal.price_text
    assert deal.price_usd is None  # shares, not dollars; "$0.0625" is a par value
    assert document.executive_changes == ()
    # Issue 14: the summary states the price as the filing does, never the par value.
    assert document.summaries() == [
        "TURNER BROADCASTING SYSTEM INC acquires New Line Cinema Corporation "
        "for stock, 0.96386 of a share for each share"
    ]


@pytest.mark.clause("L1")
def test_nuance_2019_is_a_disposition_to_kofax_affiliate() -> None:
    document = real_8k("1002517_8K_2019_0000950142-19-000172.htm")
    (deal,) = document.transactions
    assert deal.direction is Direction.DISPOSITION
    assert deal.counterparty == "Project Leopard AcquireCo Limited (an affiliate of Kofax, Inc.)"
    assert (deal.asset, deal.price_usd, deal.completed_on) == (
        "Document Imaging division",
        Decimal(400_000_000),
        D(2019, 2, 1),
    )
    assert document.summaries()[0].startswith(
        "NUANCE COMMUNICATIONS, INC. sells Document Imaging division to Project Leopard"
    )


@pytest.mark.clause("L1")
def test_stockwalk_2001_old_items_2_and_5() -> None:
    document = real_8k("1001136_8K_2001_0000950124-01-503539.htm")
    assert document.items == ("2", "3", "5")
    transfer, purchase = document.transactions
    assert (transfer.direction, transfer.counterparty, transfer.asset) == (
        Direction.DISPOSITION,
        "SWS Securities, Inc.",
        "customer accounts of MJK Clearing, Inc.",
    )
    assert (purchase.direction, purchase.counterparty, purchase.seller, purchase.price_usd) == (
        Direction.ACQUISITION,
        "Miller Johnson Steichen Kinnard, Inc.",
        "SIPC trustee",
        Decimal("3.2") * 10**6,
    )
    assert people(document) == [
        ("David B. Johnson", "Chief Executive Officer", APPOINTED, D(2001, 10, 5))
    ]


# Group D: negatives -----------------------------------------------------------------


@pytest.mark.clause("L1")
@pytest.mark.parametrize(
    ("name", "items"),
    [
        ("1800Flowers.8-K.html", ("5.07",)),  # re-elected directors are no appointment
        ("NextPoint.8K.html", ("8.01",)),
        ("0001213900-25-032135.txt", ("2.02", "4.02", "7.01", "9.01")),
        ("109446_8K_1994_0000109446-94-000005.txt", ("5",)),
    ],
)
def test_filings_without_changes_or_deals_make_no_records(
    name: str, items: tuple[str, ...]
) -> None:
    document = real_8k(name)
    assert document.items == items
    assert document.executive_changes == ()
    assert document.transactions == ()
    assert document.summaries() == []


@pytest.mark.clause("L1")
def test_share_of_real_502_filings_naming_a_person_meets_the_goal() -> None:
    """Issue 14 goal: >= 95% of 5.02 leads name at least one person; here 11 of 11."""
    folder = data_dir("sec_8k")
    movers = [
        name
        for name in (
            "form8K.Blackrock.html",
            "0001628280-25-058337.txt",
            "1001426_8K_2005_0001275287-05-000056.txt",
            "1002682_8K_2008_0000939057-08-000391.txt",
            "1001039_8K_2015_0001001039-15-000150.htm",
            "1001039_8K_2015_0001001039-15-000176.htm",
            "1002517_8K_2018_0001002517-18-000024.htm",
            "1048911_8K_2023_0001193125-23-188128.htm",
            "1048911_8K_2023_0001193125-23-199169.htm",
            "108516_8K_2023_0000950170-23-062135.htm",
            "1002047_8K_2021_0001564590-21-004336.htm",
        )
        if parse_8k((folder / name).read_bytes()).executive_changes
    ]
    assert len(movers) == 11


# Real IPO documents -----------------------------------------------------------------


@pytest.mark.clause("L1")
def test_camp4_424b4_is_a_priced_ipo_and_no_cik_is_guessed_from_the_reused_ticker() -> None:
    document = real_ipo("camp4_424b4.htm")
    assert document.is_ipo
    assert (document.company_name, document.exchange, document.ticker) == (
        "CAMP4 Therapeutics Corporation",
        "Nasdaq Global Market",
        "CAMP",
    )
    assert (document.securities, document.price_low, document.offering_usd) == (
        6_820_000,
        Decimal("11.00"),
        Decimal(75_020_000),
    )
    assert document.registration_number == "333-282241"
    # Issue 14: no SEC header, so the cover's own date is the lead's date (SOURCES.md).
    assert (document.filed_on, document.dated_on) == (None, D(2024, 10, 10))
    # A preliminary prospectus is undated ("____, 2021"): no date from its financial tables.
    assert real_ipo("0001213900-21-035033.txt").dated_on is None
    # company_tickers.json (May 2024) gives CAMP to CalAmp, CIK 730255: never used.
    assert document.cik == ""
    assert document.summary() == (
        "CAMP4 Therapeutics Corporation prices its IPO on Nasdaq Global Market (CAMP), $75,020,000"
    )


@pytest.mark.clause("L1")
def test_learn_cw_s1_spac_ipo() -> None:
    document = real_ipo("0001140361-21-010426.txt")
    assert (document.form_type, document.cik, document.filed_on, document.is_ipo) == (
        "S-1",
        "0001847577",
        D(2021, 3, 29),
        True,
    )
    assert (document.exchange, document.ticker) == ("New York Stock Exchange", "LCW.U")
    assert (document.securities, document.security_kind, document.price_low) == (
        25_000_000,
        "units",
        Decimal("10.00"),
    )
    assert document.offering_usd == Decimal(250_000_000)
    assert document.registration_number == "333-254820"  # blank on the cover, from the header


@pytest.mark.clause("L1")
def test_unicycive_s1a_ipo_with_a_price_range() -> None:
    document = real_ipo("0001213900-21-035033.txt")
    assert (document.form_type, document.cik, document.is_ipo) == ("S-1/A", "0001766140", True)
    assert (document.exchange, document.ticker) == ("Nasdaq Capital Market", "UNCY")
    assert (document.securities, document.price_low, document.price_high) == (
        4_550_000,
        Decimal("5.00"),
        Decimal("6.00"),
    )
    assert document.offering_usd is None  # only a range is stated
    assert document.registration_number == "333-256367"


@pytest.mark.clause("L1")
def test_traws_424b4_is_not_an_ipo() -> None:
    document = real_ipo("0001104659-24-132924.txt")
    assert (document.form_type, document.cik, document.is_ipo) == ("424B4", "0001130598", False)
    assert (document.ticker, document.securities) == ("TRAW", 608_197)
    assert document.summary() == (
        "Traws Pharma, Inc. offers listed securities (Form 424B4, not an IPO)"
    )


# Synthetic documents: every EDGAR shape, no shared data needed ----------------------

COVER = (
    "FORM 8-K\nCURRENT REPORT\n"
    "Date of Report (Date of earliest event reported): March 3, 2024\n"
    "Acme Widgets, Inc.\n(Exact name of registrant as specified in its charter)\n"
)
ITEM_502_HTML = (
    "<p><b>Item 5.02 Departure of Directors or Certain Officers.</b></p>"
    "<p>On March 3, 2024, the Board of Directors of Acme Widgets, Inc. (the &#8220;Company"
    "&#8221;) appointed Jane Roe as Chief Financial Officer of the Company, effective "
    "April 1, 2024. Ms. Roe, 51, served as Chief Financial Officer of Globex Corporation "
    "from 2019 to 2024. John Q. Public notified the Company that he will resign as a "
    "director, effective March 31, 2024.</p>"
)
SIGNATURE = "<p>SIGNATURES</p><p>/s/ Mary Major</p><p>Mary Major, Secretary</p>"
EXPECTED = [
    ("Jane Roe", "Chief Financial Officer", APPOINTED, D(2024, 4, 1)),
    ("John Q. Public", "Director", LEFT, D(2024, 3, 31)),
]


def html_8k() -> str:
    cover = "".join(f"<div>{line}</div>" for line in COVER.splitlines())
    return f"<html><body>{cover}{ITEM_502_HTML}{SIGNATURE}</body></html>"


def sec_header(*, accession: str = "0000999999-24-000001") -> str:
    return (
        f"<SEC-DOCUMENT>{accession}.txt : 20240304\n<SEC-HEADER>{accession}.hdr.sgml : 20240304\n"
        f"ACCESSION NUMBER:\t\t{accession}\nCONFORMED SUBMISSION TYPE:\t8-K\n"
        "PUBLIC DOCUMENT COUNT:\t\t3\nCONFORMED PERIOD OF REPORT:\t20240303\n"
        "FILED AS OF DATE:\t\t20240304\n\nFILER:\n\n\tCOMPANY DATA:\n"
        "\t\tCOMPANY CONFORMED NAME:\t\t\tACME WIDGETS INC\n"
        "\t\tCENTRAL INDEX KEY:\t\t\t0000999999\n</SEC-HEADER>\n"
    )


def document_block(body: str, *, doc_type: str = "8-K", filename: str = "d8k.htm") -> str:
    return (
        f"<DOCUMENT>\n<TYPE>{doc_type}\n<SEQUENCE>1\n<FILENAME>{filename}\n"
        f"<DESCRIPTION>FORM 8-K\n<TEXT>\n{body}\n</TEXT>\n</DOCUMENT>\n"
    )


UUENCODED = "begin 644 logo.jpg\nM_]C_X``02D9)1@`!`0$`8`!@``#_VP!#``@&!@<&!0@'<![CDATA[\nend\n"


@pytest.mark.clause("L1")
def test_bare_html_page() -> None:
    document = parse_8k(html_8k().encode())
    assert (document.company_name, document.report_date, document.items) == (
        "Acme Widgets, Inc.",
        D(2024, 3, 3),
        ("5.02",),
    )
    assert people(document) == EXPECTED


@pytest.mark.clause("L1")
def test_ixbrl_page_with_blank_line_before_the_declaration_and_hidden_header() -> None:
    page = (
        '\n<?xml version="1.0" encoding="utf-8"?>\n<html xmlns:ix="http://www.xbrl.org/2013/inlineXBRL">'
        '<body><div style="display:none"><ix:header><ix:hidden>'
        '<ix:nonNumeric name="dei:EntityCentralIndexKey">0000999999</ix:nonNumeric>'
        "<p>Item 9.01 hidden text</p></ix:hidden></ix:header></div>"
        + html_8k().removeprefix("<html><body>")
    )
    document = parse_8k(page.encode())
    assert document.cik == "0000999999"
    assert document.items == ("5.02",)
    assert people(document) == EXPECTED


@pytest.mark.clause("L1")
def test_single_document_block_takes_the_accession_from_the_file_name() -> None:
    data = document_block(html_8k()).encode()
    document = parse_8k(data, origin="/x/999999_8K_2024_0000999999-24-000001.htm")
    assert document.accession == "0000999999-24-000001"
    assert people(document) == EXPECTED


@pytest.mark.clause("L1")
def test_full_submission_with_pem_envelope_exhibits_and_uuencoded_image() -> None:
    press_release = "<p>Acme names Jane Roe CFO, said Richard Roe, Chief Executive Officer.</p>"
    data = (
        "-----BEGIN PRIVACY-ENHANCED MESSAGE-----\nProc-Type: 2001,MIC-CLEAR\n\n"
        + sec_header()
        + document_block(html_8k())
        + document_block(press_release, doc_type="EX-99.1", filename="ex99.htm")
        + document_block(UUENCODED, doc_type="GRAPHIC", filename="logo.jpg")
        + "</SEC-DOCUMENT>\n-----END PRIVACY-ENHANCED MESSAGE-----\n"
    )
    document = parse_8k(data.encode())
    assert (document.accession, document.cik, document.filed_on) == (
        "0000999999-24-000001",
        "0000999999",
        D(2024, 3, 4),
    )
    assert document.company_name == "ACME WIDGETS INC"
    assert people(document) == EXPECTED  # the press release quotes are not read


@pytest.mark.clause("L1")
def test_nc_tag_header_with_cr_only_line_endings() -> None:
    data = (
        "<SUBMISSION>\n<ACCESSION-NUMBER>0000999999-24-000002\r<TYPE>8-K\r<ITEMS>5.02\r"
        "<FILING-DATE>20240304\r<FILER>\r<COMPANY-DATA>\r<CONFORMED-NAME>ACME WIDGETS INC\r"
        "<CIK>0000999999\r</COMPANY-DATA>\r</FILER>\r"
        + document_block(html_8k().replace("Jane Roe", "Jane\rRoe")).replace("\n", "\r")
        + "</SUBMISSION>\r"
    )
    document = parse_8k(data.encode())
    assert (document.accession, document.cik) == ("0000999999-24-000002", "0000999999")
    assert people(document) == EXPECTED


@pytest.mark.clause("L1")
def test_plain_text_1990s_old_item_5_and_item_2() -> None:
    body = (
        "                        FORM 8-K\n\n"
        "ACME WIDGETS, INC. (Exact name of registrant as specified in its charter)\n"
        "<PAGE>   2\n"
        "ITEM 2.  ACQUISITION OR DISPOSITION OF ASSETS\n\n"
        '     On June 1, 1995, Acme Widgets, Inc. ("Acme") acquired all of the\n'
        "outstanding stock of Gizmo Corporation, a Delaware corporation, for\n"
        "$12.5 million in cash.\n\n"
        "ITEM 5.  OTHER EVENTS\n\n"
        "     On June 2, 1995, Acme announced that Richard Roe was named Chief\n"
        "Executive Officer of Acme Widgets, Inc.\n\n"
        "                          SIGNATURES\n\n     /s/ Mary Major\n"
    )
    document = parse_8k(document_block(body, filename="").encode())
    assert document.items == ("2", "5")
    (deal,) = document.transactions
    assert (deal.direction, deal.counterparty, deal.price_usd, deal.completed_on) == (
        Direction.ACQUISITION,
        "Gizmo Corporation",
        Decimal("12.5") * 10**6,
        D(1995, 6, 1),
    )
    assert people(document) == [
        ("Richard Roe", "Chief Executive Officer", APPOINTED, D(1995, 6, 2))
    ]
    assert document.summaries() == [
        "Richard Roe appointed Chief Executive Officer",
        "ACME WIDGETS, INC. acquires Gizmo Corporation for $12.5 million",
    ]


@pytest.mark.clause("L1")
def test_table_of_contents_repeats_headings() -> None:
    toc = "<p>Item 5.02. Departure of Directors</p><p>Item 9.01. Exhibits</p>"
    page = html_8k().replace("<p><b>Item 5.02", toc + "<p><b>Item 5.02")
    document = parse_8k(page.encode())
    assert document.items == ("5.02", "9.01")
    assert people(document) == EXPECTED


@pytest.mark.clause("L1")
def test_pay_only_502_and_other_company_roles_make_no_person() -> None:
    body = (
        "<p>Item 5.02 Compensatory Arrangements of Certain Officers</p>"
        "<p>On March 3, 2024, the Compensation Committee approved a base salary of $500,000 "
        "for Jane Roe, Chief Financial Officer, and extended the employment agreement of "
        "John Q. Public, President.</p>"
        "<p>On March 3, 2024, John Q. Public was appointed as a director of Globex "
        "Corporation.</p>"
    )
    page = html_8k().replace(ITEM_502_HTML, body)
    assert parse_8k(page.encode()).executive_changes == ()


@pytest.mark.clause("L1")
def test_disposition_names_the_buyer() -> None:
    body = (
        "<p>Item 2.01 Completion of Acquisition or Disposition of Assets.</p>"
        "<p>On May 1, 2024, Acme Widgets, Inc. (the &#8220;Company&#8221;) completed the sale "
        "of its Sprocket business to Initech LLC for a purchase price of $40 million in "
        "cash.</p>"
    )
    page = html_8k().replace(ITEM_502_HTML, body)
    (deal,) = parse_8k(page.encode()).transactions
    assert (deal.direction, deal.counterparty, deal.asset, deal.price_usd) == (
        Direction.DISPOSITION,
        "Initech LLC",
        "its Sprocket business",
        Decimal(40_000_000),
    )


@pytest.mark.clause("L5")
@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty document"),
        (b"\x00\x01PK\x03\x04", "a binary file, not a filing"),
        (b"<html><body><h1>Too Many Requests</h1></body></html>", "no 8-K item headings"),
        (document_block("x", doc_type="10-Q").encode(), "a 10-Q filing, not an 8-K"),
    ],
)
def test_bad_input_is_a_reported_problem(data: bytes, reason: str) -> None:
    with pytest.raises(EdgarParseError, match=reason):
        parse_8k(data, origin="bad.htm")


@pytest.mark.clause("L5")
def test_truncated_and_wrongly_encoded_documents_still_read() -> None:
    cut = html_8k()[: html_8k().index("John Q. Public")]
    assert people(parse_8k(cut.encode())) == EXPECTED[:1]
    latin = html_8k().replace("Jane Roe", "Jos\xe9 Ro\xe9").encode("cp1252")
    assert parse_8k(latin).executive_changes[0].name == "Jos\xe9 Ro\xe9"


def test_html_to_text_breaks_blocks_and_hides_hidden_content() -> None:
    markup = (
        "<div>Item&nbsp;5.02<span style='display:none'>secret</span></div>"
        "<table><tr><td>a</td><td>b\n c</td></tr></table><script>x()</script>&#8203;"
    )
    assert html_to_text(markup) == "Item 5.02\na\nb c"


def test_uuencoded_documents_are_never_parsed_as_html() -> None:
    data = (sec_header() + document_block(UUENCODED, doc_type="GRAPHIC")).encode()
    submission = read_submission(data)
    assert submission.documents[0].is_binary
    assert submission.documents[0].text() == ""
    with pytest.raises(EdgarParseError, match="no text document"):
        submission.primary()


def test_ipo_synthetic_cover_and_other_forms_refused() -> None:
    cover = (
        "<html><body><p>Prospectus</p><p>5,000,000 shares</p><p>This is an initial public "
        "offering of shares of common stock by Acme Widgets, Inc.</p><p>The initial public "
        "offering price is $15.00 per share. Our common stock has been approved for listing "
        "on the Nasdaq Global Select Market under the symbol &#8220;ACME.&#8221;</p></body></html>"
    )
    document = parse_ipo(document_block(cover, doc_type="424B4").encode())
    assert (document.is_ipo, document.exchange, document.ticker, document.securities) == (
        True,
        "Nasdaq Global Select Market",
        "ACME",
        5_000_000,
    )
    assert document.price_low == Decimal("15.00")
    with pytest.raises(EdgarParseError, match="a 8-K, not"):
        parse_ipo(document_block("x").encode(), origin="x")


def test_summary_of_a_departure_without_a_role() -> None:
    change = ExecutiveChange(name="Jane Roe", role="", change=LEFT, effective_on=None, item="5.02")
    assert change.summary() == "Jane Roe leaves"
