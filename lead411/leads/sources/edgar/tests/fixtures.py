"""Small EDGAR documents written for the tests: Atom feed pages and Form D submissions."""

from pathlib import Path

import pytest
from django.conf import settings

ATOM_HEAD = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<feed xmlns="http://www.w3.org/2005/Atom">
<title>Latest Filings</title>
<id>https://www.sec.gov/cgi-bin/browse-edgar?action=getcurrent</id>
<updated>2025-12-12T18:03:31-05:00</updated>
"""


def atom_entry(
    *,
    form: str,
    name: str,
    cik: str | None,
    accession: str,
    updated: str = "2025-12-12T17:00:00-05:00",
    role: str = "Filer",
    items: tuple[str, ...] = (),
) -> str:
    """Return one ``<entry>`` as EDGAR writes it; ``cik=None`` leaves the CIK out of the title."""
    title = f"{form} - {name} ({cik}) ({role})" if cik else f"{form} - {name} ({role})"
    folder = f"{int(cik or '1')}/{accession.replace('-', '')}"
    item_lines = "".join(f"\n&lt;br&gt;{item}" for item in items)
    return f"""<entry>
<title>{title}</title>
<link rel="alternate" type="text/html" href="https://www.sec.gov/Archives/edgar/data/{folder}/{accession}-index.htm"/>
<summary type="html">
 &lt;b&gt;Filed:&lt;/b&gt; {updated[:10]} &lt;b&gt;AccNo:&lt;/b&gt; {accession} &lt;b&gt;Size:&lt;/b&gt; 9 KB{item_lines}
</summary>
<updated>{updated}</updated>
<category scheme="https://www.sec.gov/" label="form type" term="{form}"/>
<id>urn:tag:sec.gov,2008:accession-number={accession}</id>
</entry>
"""


def atom_feed(*entries: str) -> bytes:
    """Return a feed page holding ``entries``."""
    return (ATOM_HEAD + "".join(entries) + "</feed>\n").encode("latin-1")


ITEM_502 = (
    "Item 5.02: Departure of Directors or Certain Officers; Election of Directors; "
    "Appointment of Certain Officers: Compensatory Arrangements of Certain Officers"
)
ITEM_201 = "Item 2.01: Completion of Acquisition or Disposition of Assets"


def form_d(
    *,
    cik: str = "0009000001",
    name: str = "Acme, Inc.",
    city: str = "Boston",
    state: str = "MA",
    submission: str = "D",
    previous: str = "",
    amount: str = "5000000",
    first_sale: str = "2025-12-01",
    persons: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
        ("Ada", "Lovelace", ("Executive Officer", "Director"), "Chief Executive Officer"),
    ),
    leading_blank_line: bool = False,
    jurisdiction: str = "DELAWARE",
) -> bytes:
    """Return a Form D ``edgarSubmission`` (schema X0708) with the given facts."""
    amendment = (
        f"<isAmendment>true</isAmendment><previousAccessionNumber>{previous}</previousAccessionNumber>"
        if submission == "D/A"
        else "<isAmendment>false</isAmendment>"
    )
    people = "".join(
        f"""<relatedPersonInfo><relatedPersonName><firstName>{first}</firstName>
        <lastName>{last}</lastName></relatedPersonName><relatedPersonRelationshipList>
        {"".join(f"<relationship>{rel}</relationship>" for rel in rels)}
        </relatedPersonRelationshipList>
        <relationshipClarification>{clarification}</relationshipClarification></relatedPersonInfo>"""
        for first, last, rels, clarification in persons
    )
    xml = f"""<?xml version="1.0"?>
<edgarSubmission><schemaVersion>X0708</schemaVersion><submissionType>{submission}</submissionType>
<primaryIssuer><cik>{cik}</cik><entityName>{name}</entityName>
<issuerAddress><street1>1 Main St</street1><city>{city}</city><stateOrCountry>{state}</stateOrCountry>
</issuerAddress><jurisdictionOfInc>{jurisdiction}</jurisdictionOfInc>
<entityType>Corporation</entityType></primaryIssuer>
<relatedPersonsList>{people}</relatedPersonsList>
<offeringData><industryGroup><industryGroupType>Other Technology</industryGroupType></industryGroup>
<typeOfFiling><newOrAmendment>{amendment}</newOrAmendment>
<dateOfFirstSale><value>{first_sale}</value></dateOfFirstSale></typeOfFiling>
<offeringSalesAmounts><totalOfferingAmount>{amount}</totalOfferingAmount>
<totalAmountSold>0</totalAmountSold></offeringSalesAmounts>
<signatureBlock><signature><signatureDate>2025-12-12</signatureDate></signature></signatureBlock>
</offeringData></edgarSubmission>
"""
    return (("\n" if leading_blank_line else "") + xml).encode()


def data_dir(*parts: str) -> Path:
    """Return a folder of the shared data, or skip the test when it is absent."""
    folder = Path(settings.LEAD411_DATA_DIR).joinpath(*parts)
    if not folder.is_dir():
        pytest.skip(f"shared data folder {folder} is absent (set LEAD411_DATA_DIR)")
    return folder
