"""Parsers for SEC EDGAR documents: the "latest filings" Atom feed, the daily form index,
and Form D primary documents (plain XML or an SGML dissemination file with an ``<XML>`` body).

Pure functions over bytes: no database, no network. XML is parsed with ``defusedxml``
(the standard library's ElementTree with entity expansion and external references
refused), because these documents come from the network. Every parser raises
``EdgarParseError`` with a one-line reason for a document it cannot read; per-entry
problems are returned beside the parsed entries, so one bad entry never loses a batch
(clause L5).
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

ATOM = "{http://www.w3.org/2005/Atom}"
ACCESSION_RE = re.compile(r"\b(\d{10}-\d{2}-\d{6})\b")
# Title of a feed entry: "8-K - Acme Corp (0001234567) (Filer)".
_TITLE_RE = re.compile(
    r"^(?P<form>.+?) - (?P<name>.*) \((?P<cik>\d{1,10})\) \((?P<role>[^)]*)\)\s*$"
)
_TITLE_NO_CIK_RE = re.compile(r"^(?P<form>.+?) - (?P<name>.*?)(?: \((?P<role>[^)]*)\))?\s*$")
_FILED_RE = re.compile(r"Filed:</b>\s*(\d{4}-\d{2}-\d{2})")
# 8-K item lines in the entry summary: "Item 5.02: Departure of Directors ...".
_ITEM_RE = re.compile(r"Item\s+([0-9A-Z]+(?:\.[0-9A-Z]+)?):\s*([^<\n]*)")
_SGML_FIELD_RE = re.compile(r"^<(ACCESSION-NUMBER|TYPE|FILING-DATE)>(.*)$", re.MULTILINE)
# The same facts in a full .txt submission's SEC header ("ACCESSION NUMBER:\t\t0001...").
_TEXT_FIELD_RE = re.compile(
    r"^[ \t]*(ACCESSION NUMBER|CONFORMED SUBMISSION TYPE|FILED AS OF DATE):[ \t]*(\S*)",
    re.MULTILINE,
)
_TEXT_FIELD_TAGS = {
    "ACCESSION NUMBER": "ACCESSION-NUMBER",
    "CONFORMED SUBMISSION TYPE": "TYPE",
    "FILED AS OF DATE": "FILING-DATE",
}
# How a whole submission starts: a dissemination file, a full .txt submission (the
# 1990s IMS variant, and up to 2008 inside a privacy-enhanced-message envelope).
_SUBMISSION_STARTS = (
    b"<SUBMISSION>",
    b"<SEC-DOCUMENT>",
    b"<IMS-DOCUMENT>",
    b"-----BEGIN PRIVACY-ENHANCED MESSAGE-----",
)
_XML_BODY_RE = re.compile(rb"<XML>\s*(.*?)\s*</XML>", re.DOTALL | re.IGNORECASE)
# Values Form D filers type for "no such thing" in name fields.
_BLANK_NAME_PARTS = frozenset({"", "n/a", "na", "none", "-", "--"})


class EdgarParseError(ValueError):
    """A document could not be read at all; the message says why in one line."""


@dataclass(frozen=True)
class FeedEntry:
    """One filing as listed by the Atom feed or the daily form index.

    ``cik`` is the filer's CIK without leading zeros padding removed: 10 digits, zero-padded.
    ``updated`` is the feed's timestamp (aware); ``None`` for index entries.
    ``items`` are the 8-K item numbers and titles, in feed order.
    """

    accession: str
    form_type: str
    company_name: str
    cik: str
    role: str
    filed_on: dt.date | None
    updated: dt.datetime | None
    link: str
    items: tuple[tuple[str, str], ...] = ()


@dataclass
class FeedParseResult:
    """Entries read from one feed page or index file, plus one line per skipped entry."""

    entries: list[FeedEntry] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RelatedPerson:
    """A person a Form D names: full name, relationships ("Executive Officer"), clarification."""

    name: str
    relationships: tuple[str, ...]
    clarification: str = ""

    @property
    def role(self) -> str:
        """Return the role label: ``"Executive Officer, Director (Chief Executive Officer)"``."""
        role = ", ".join(self.relationships)
        if self.clarification:
            role = f"{role} ({self.clarification})" if role else self.clarification
        return role[:200]


@dataclass(frozen=True)
class FormDDocument:
    """The parts of a Form D (or D/A) that make a lead.

    Amounts are in US dollars (Form D states them in USD); ``None`` when the filing
    says "Indefinite" or leaves them out. ``accession`` and ``filed_on`` are known only
    from an SGML dissemination header (or given by the caller).
    """

    form_type: str
    cik: str
    entity_name: str
    city: str
    state_code: str
    entity_type: str
    industry_group: str
    is_amendment: bool
    previous_accession: str
    date_of_first_sale: dt.date | None
    signature_date: dt.date | None
    total_offering_amount: Decimal | None
    total_amount_sold: Decimal | None
    related_persons: tuple[RelatedPerson, ...]
    accession: str = ""
    filed_on: dt.date | None = None
    # offeringData/industryGroup/investmentFundInfo/investmentFundType, for a pooled fund.
    investment_fund_type: str = ""
    # primaryIssuer/yearOfInc/value: stated only when incorporated within the last five years.
    year_of_incorporation: int | None = None
    # primaryIssuer/jurisdictionOfInc ("DELAWARE") and the issuer's street lines and ZIP code.
    jurisdiction_of_incorporation: str = ""
    street_address: str = ""
    postal_code: str = ""


def pad_cik(value: str) -> str:
    """Return a CIK as EDGAR prints it: 10 digits, zero-padded (``"320193"`` -> ``"0000320193"``)."""
    return value.strip().zfill(10)


def _parse_xml(data: bytes, *, origin: str) -> Element:
    """Parse ``data`` as XML after checking it is XML at all; raise EdgarParseError."""
    body = data.lstrip()
    if not body:
        raise EdgarParseError(f"{origin}: empty document")
    head = body[:300].lower()
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
        raise EdgarParseError(f"{origin}: an HTML page, not XML (an error page from the server?)")
    try:
        return fromstring(body)
    except ParseError as exc:
        raise EdgarParseError(f"{origin}: not well-formed XML ({exc})") from exc
    except DefusedXmlException as exc:
        raise EdgarParseError(f"{origin}: refused XML ({exc.__class__.__name__})") from exc


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value.strip()) if value else None
    except ValueError:
        return None


def _text(element: Element | None, path: str) -> str:
    found = element.find(path) if element is not None else None
    return (found.text or "").strip() if found is not None else ""


def parse_feed(data: bytes, *, origin: str) -> FeedParseResult:
    """Parse one page of the EDGAR "latest filings" Atom feed.

    Returns every entry with a form type, CIK and accession number; an entry missing
    one of them is left out with a line in ``problems`` ("entry 7: no CIK in title").
    Raises EdgarParseError for a page that is not an Atom feed (HTML error page,
    truncated XML). Entries keep feed order (newest first); the same accession appears
    once per filer role, which the importer de-duplicates.
    """
    root = _parse_xml(data, origin=origin)
    if root.tag != f"{ATOM}feed":
        raise EdgarParseError(f"{origin}: not an Atom feed (root element <{root.tag}>)")
    result = FeedParseResult()
    for number, entry in enumerate(root.iter(f"{ATOM}entry"), start=1):
        where = f"{origin} entry {number}"
        title = _text(entry, f"{ATOM}title")
        category = entry.find(f"{ATOM}category")
        form_type = (category.get("term", "") if category is not None else "").strip()
        match = _TITLE_RE.match(title)
        if not match:
            loose = _TITLE_NO_CIK_RE.match(title)
            name = loose.group("name") if loose else title
            result.problems.append(f"{where}: no CIK in the title {title!r} ({name or 'no name'})")
            continue
        form_type = form_type or match.group("form")
        if not form_type:
            result.problems.append(f"{where}: no form type ({title!r})")
            continue
        summary = _text(entry, f"{ATOM}summary")
        accession_match = ACCESSION_RE.search(_text(entry, f"{ATOM}id")) or ACCESSION_RE.search(
            summary
        )
        if not accession_match:
            result.problems.append(f"{where}: no accession number ({title!r})")
            continue
        link = entry.find(f"{ATOM}link")
        filed = _FILED_RE.search(summary)
        updated_text = _text(entry, f"{ATOM}updated")
        try:
            updated = dt.datetime.fromisoformat(updated_text) if updated_text else None
        except ValueError:
            updated = None
        result.entries.append(
            FeedEntry(
                accession=accession_match.group(1),
                form_type=form_type,
                company_name=match.group("name").strip(),
                cik=pad_cik(match.group("cik")),
                role=match.group("role"),
                filed_on=_date(filed.group(1)) if filed else (updated.date() if updated else None),
                updated=updated,
                link=(link.get("href", "") if link is not None else "").strip(),
                items=tuple((code, text.strip()) for code, text in _ITEM_RE.findall(summary)),
            )
        )
    return result


_INDEX_LABELS = ("Form Type", "Company Name", "CIK", "Date Filed", "File Name")


def parse_form_index(data: bytes, *, origin: str) -> FeedParseResult:
    """Parse an EDGAR daily index (fixed-width columns) in either layout EDGAR publishes.

    ``form.YYYYMMDD.idx`` is sorted by form type, ``company.YYYYMMDD.idx`` by company,
    with "Company Name" as its first column; a header may wrap onto a second line before
    the dashed rule. Columns are cut by the positions of the header labels ("Form Type",
    "Company Name", "CIK", "Date Filed", "File Name", each placed by its first word on
    whichever header line holds it), so a wider column in another day's file still reads. The link is the filing's
    index page under www.sec.gov/Archives. Raises EdgarParseError when the header is
    missing (an HTML page, a truncated download).
    """
    text = data.decode("latin-1")
    lines = text.splitlines()
    header_at = next(
        (i for i, line in enumerate(lines) if line.startswith(("Form Type", "Company Name"))),
        None,
    )
    rule_at = next(
        (i for i in range(header_at or 0, len(lines)) if lines[i].startswith("---")), None
    )
    if header_at is None or rule_at is None:
        kind = "an HTML page" if "<html" in text[:500].lower() else "no 'Form Type' header line"
        raise EdgarParseError(f"{origin}: not an EDGAR form index ({kind})")
    header = lines[header_at:rule_at]
    starts = {}
    for label in _INDEX_LABELS:
        # A wrapped header may split a label ("Form" / "Type"): its first word places it.
        first_word = re.compile(rf"\b{label.split()[0]}\b")
        found = next((m.start() for line in header if (m := first_word.search(line))), None)
        if found is None:
            raise EdgarParseError(f"{origin}: not an EDGAR form index (no {label!r} column)")
        starts[label] = found
    order = sorted(_INDEX_LABELS, key=starts.__getitem__)
    spans = {
        label: (starts[label], starts[order[i + 1]] if i + 1 < len(order) else None)
        for i, label in enumerate(order)
    }

    def column(line: str, label: str) -> str:
        start, end = spans[label]
        return line[start:end].strip()

    result = FeedParseResult()
    for number, line in enumerate(lines[rule_at + 1 :], start=rule_at + 2):
        if not line.strip():
            continue
        form_type = column(line, "Form Type")
        name = column(line, "Company Name")
        cik = column(line, "CIK")
        filed = column(line, "Date Filed")
        path = column(line, "File Name")
        accession = ACCESSION_RE.search(path)
        if not cik.isdigit():
            result.problems.append(f"{origin} line {number}: no CIK ({form_type} {name!r})")
            continue
        if not accession:
            result.problems.append(f"{origin} line {number}: no accession number in {path!r}")
            continue
        try:
            filed_on: dt.date | None = dt.datetime.strptime(filed, "%Y%m%d").date()
        except ValueError:
            filed_on = None
        folder = f"{path.rsplit('/', 1)[0]}/{accession.group(1).replace('-', '')}"
        result.entries.append(
            FeedEntry(
                accession=accession.group(1),
                form_type=form_type,
                company_name=name,
                cik=pad_cik(cik),
                role="Filer",
                filed_on=filed_on,
                updated=None,
                link=f"https://www.sec.gov/Archives/{folder}/{accession.group(1)}-index.htm",
            )
        )
    return result


def _amount(value: str) -> Decimal | None:
    try:
        amount = Decimal(value.replace(",", "").replace("$", "").strip())
    except (InvalidOperation, AttributeError):
        return None  # "Indefinite", or empty
    return amount if amount.is_finite() and amount >= 0 else None


def _person_name(info: Element) -> str:
    parts = [
        _text(info, f"relatedPersonName/{part}") for part in ("firstName", "middleName", "lastName")
    ]
    return " ".join(p for p in parts if p.casefold() not in _BLANK_NAME_PARTS)


def parse_form_d(data: bytes, *, origin: str) -> FormDDocument:
    """Parse a Form D or D/A primary document (schemas X0707/X0708, no namespace).

    Accepts the plain XML (leading blank lines allowed: EDGAR documents cut out of
    ``<XML>`` wrappers often start with one), the document still inside its bare
    ``<XML>`` element (no declaration), an SGML dissemination file (``.nc``) or a full
    ``.txt`` submission (SEC header of ``KEY: value`` lines, possibly inside a
    ``-----BEGIN PRIVACY-ENHANCED MESSAGE-----`` envelope); the headers give the
    accession number and filing date. Raises EdgarParseError for anything that is not
    a Form D submission, or has no issuer CIK.
    """
    accession = ""
    filed_on = None
    stripped = data.lstrip()
    if stripped.upper().startswith(_SUBMISSION_STARTS):
        header = stripped[: stripped.upper().find(b"<DOCUMENT>")].decode("latin-1")
        fields = {key: value.strip() for key, value in _SGML_FIELD_RE.findall(header)}
        for key, value in _TEXT_FIELD_RE.findall(header):
            fields.setdefault(_TEXT_FIELD_TAGS[key], value.strip())
        accession = fields.get("ACCESSION-NUMBER", "")
        filed = fields.get("FILING-DATE", "")
        filed_on = dt.datetime.strptime(filed, "%Y%m%d").date() if filed.isdigit() else None
        body = _XML_BODY_RE.search(stripped)
        if not body:
            raise EdgarParseError(f"{origin}: SGML filing without an <XML> document")
        stripped = body.group(1)
    elif stripped[:5].upper() == b"<XML>":
        body = _XML_BODY_RE.search(stripped)
        if body:
            stripped = body.group(1)
    root = _parse_xml(stripped, origin=origin)
    if root.tag != "edgarSubmission":
        raise EdgarParseError(f"{origin}: not a Form D submission (root element <{root.tag}>)")
    form_type = _text(root, "submissionType")
    if form_type not in {"D", "D/A"}:
        raise EdgarParseError(f"{origin}: submission type {form_type!r}, not D or D/A")
    issuer = root.find("primaryIssuer")
    cik = _text(issuer, "cik")
    if not cik.isdigit():
        raise EdgarParseError(f"{origin}: no issuer CIK")
    offering = root.find("offeringData")
    persons = []
    for info in root.iterfind("relatedPersonsList/relatedPersonInfo"):
        name = _person_name(info)
        if not name:
            continue
        persons.append(
            RelatedPerson(
                name=name[:200],
                relationships=tuple(
                    (rel.text or "").strip()
                    for rel in info.iterfind("relatedPersonRelationshipList/relationship")
                    if (rel.text or "").strip()
                ),
                clarification=_text(info, "relationshipClarification"),
            )
        )
    return FormDDocument(
        form_type=form_type,
        cik=pad_cik(cik),
        entity_name=_text(issuer, "entityName"),
        city=_text(issuer, "issuerAddress/city"),
        state_code=_text(issuer, "issuerAddress/stateOrCountry"),
        entity_type=_text(issuer, "entityType"),
        industry_group=_text(offering, "industryGroup/industryGroupType"),
        is_amendment=_text(offering, "typeOfFiling/newOrAmendment/isAmendment").lower() == "true"
        or form_type == "D/A",
        previous_accession=_text(offering, "typeOfFiling/newOrAmendment/previousAccessionNumber"),
        date_of_first_sale=_date(_text(offering, "typeOfFiling/dateOfFirstSale/value")),
        signature_date=_date(_text(offering, "signatureBlock/signature/signatureDate")),
        total_offering_amount=_amount(_text(offering, "offeringSalesAmounts/totalOfferingAmount")),
        total_amount_sold=_amount(_text(offering, "offeringSalesAmounts/totalAmountSold")),
        related_persons=tuple(persons),
        accession=accession,
        filed_on=filed_on,
        investment_fund_type=_text(offering, "industryGroup/investmentFundInfo/investmentFundType"),
        year_of_incorporation=_year(_text(issuer, "yearOfInc/value")),
        jurisdiction_of_incorporation=_text(issuer, "jurisdictionOfInc"),
        street_address=", ".join(
            line
            for line in (
                _text(issuer, "issuerAddress/street1"),
                _text(issuer, "issuerAddress/street2"),
            )
            if line
        ),
        postal_code=_text(issuer, "issuerAddress/zipCode"),
    )


def _year(value: str) -> int | None:
    """A four-digit year from 1600 on (``"2022"``); ``None`` for anything else."""
    return int(value) if value.isdigit() and len(value) == 4 and int(value) >= 1600 else None
