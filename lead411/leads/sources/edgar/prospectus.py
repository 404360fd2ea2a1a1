# EDGAR text uses typographic quotes (“ ”); the patterns must match them.
"""Read IPO registration statements and prospectuses: S-1, S-1/A, F-1, F-1/A and 424B4.

Pure functions over bytes, like ``documents.parse_8k``. The form type alone does not
make an IPO: a 424B4 is the final prospectus of any offering priced under Rule
424(b)(4), a follow-on as often as a first sale. A document is an IPO when its cover
says so ("This is an initial public offering", "no public market ... exists") and is
not when it says the shares are already listed (SOURCES.md, sec_ipo).

Exchange and ticker come from the listing sentence ("listed on the Nasdaq Global
Market under the trading symbol “CAMP”"). A ticker is kept as the filing states it and
never used to find the company: symbols are reused (``CAMP`` was CalAmp's before
CAMP4 Therapeutics took it), so callers match companies by CIK.
"""

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import PurePath

from lead411.leads.sources.edgar.documents import (
    ACCESSION_IN_NAME_RE,
    MONTHS,
    cover_name,
    parse_date,
)
from lead411.leads.sources.edgar.parsers import EdgarParseError
from lead411.leads.sources.edgar.submission import read_submission

IPO_FORMS = frozenset({"S-1", "S-1/A", "F-1", "F-1/A", "424B4"})
# How far into the prospectus the cover facts are looked for, in characters: the
# cover page and the registration-fee table come first in every layout seen.
_COVER_CHARS = 60_000

_IPO_RE = re.compile(
    r"this is (?:an|our) initial public offering|no public market (?:currently )?exists"
    r"|there (?:has been|is) (?:currently )?no public market",
    re.IGNORECASE,
)
_LISTED_RE = re.compile(
    r"(?:is|are) (?:currently )?(?:listed|quoted|traded) on",
    re.IGNORECASE,
)
_EXCHANGE = (
    r"(?:Nasdaq|NASDAQ|The Nasdaq|New York Stock Exchange|NYSE)(?: (?:Global Select|Global|Capital|"
    r"Stock) Market(?: LLC)?| American| Arca)?"
)
_SYMBOL_RE = re.compile(
    rf"(?:the\s+)?(?P<exchange>{_EXCHANGE})(?:,\s+or\s+(?:the\s+)?[\w ]{{2,20}},)?\s+"
    r"under\s+the\s+(?:trading\s+)?symbols?\s+[“\"](?P<ticker>[A-Z][A-Z0-9.\-]{0,9})[”\"]"
)
_TOTAL_RE = re.compile(
    r"(?:initial public offering price|public offering price|price to (?:the )?public)"
    r"(?:\(\d\))?\s*\$\s*([\d,]+(?:\.\d+)?)\s*\$\s*([\d,]+(?:\.\d+)?)",
    re.IGNORECASE,
)
_HEADLINE_AMOUNT_RE = re.compile(r"^\$\s?([\d,]{7,})$", re.MULTILINE)
_COUNT_RE = re.compile(
    r"^([\d,]{5,})\s+(Units|Shares|shares|units|American Depositary Shares)\b", re.MULTILINE
)
_RANGE_RE = re.compile(r"between\s+\$\s?(\d+(?:\.\d+)?)\s+and\s+\$\s?(\d+(?:\.\d+)?)")
_PRICE_RE = re.compile(
    r"(?:initial public )?offering price (?:is|of)\s+\$\s?(\d+(?:\.\d+)?)", re.IGNORECASE
)
# The prospectus proper starts after the registration statement's own cover and fee
# table, whose amounts (maximum aggregate price, over-allotment units) are not the offering.
_PROSPECTUS_START_RE = re.compile(
    r"^(?:PRELIMINARY PROSPECTUS|SUBJECT TO COMPLETION\b.*|Prospectus|PROSPECTUS SUPPLEMENT)$",
    re.IGNORECASE | re.MULTILINE,
)
_REGISTRATION_RE = re.compile(r"Registration (?:Statement )?No\.\s*(333-\d+)", re.IGNORECASE)
_BY_COMPANY_RE = re.compile(
    r"initial public offering of [^.]{0,60}? by ([A-Z][^.]{2,100}?)\.(?:\s|$)"
)


@dataclass(frozen=True)
class IpoDocument:
    """The offering a registration statement or prospectus describes.

    ``is_ipo`` is False for a prospectus of securities already listed (a follow-on).
    ``cik`` is 10 digits when the file has an SEC header, else empty. Money is in US
    dollars: ``price_low``/``price_high`` per share or unit (equal when priced),
    ``offering_usd`` the total the cover states (``None`` when only a range is given).
    ``securities`` is the number of shares or units offered, ``security_kind`` "shares"
    or "units".
    """

    form_type: str
    accession: str
    cik: str
    company_name: str
    filed_on: dt.date | None
    is_ipo: bool
    exchange: str
    ticker: str
    securities: int | None
    security_kind: str
    price_low: Decimal | None
    price_high: Decimal | None
    offering_usd: Decimal | None
    registration_number: str
    # The date the prospectus gives itself on its cover ("October 10, 2024" on a line of
    # its own, or "Prospectus dated ..."); the lead's date when the file has no SEC header.
    dated_on: dt.date | None = None
    # The SEC header's SIC code and state of incorporation; empty without a header.
    sic_code: str = ""
    state_of_incorporation: str = ""

    def summary(self) -> str:
        """Return the one-line lead summary: "Acme Inc. files for an IPO on Nasdaq (ACME), $75M"."""
        if not self.is_ipo:
            return (
                f"{self.company_name} offers listed securities (Form {self.form_type}, not an IPO)"
            )
        verb = "prices its IPO" if self.form_type == "424B4" else "files for an IPO"
        text = f"{self.company_name} {verb}"
        if self.exchange:
            text += f" on {self.exchange}"
            if self.ticker:
                text += f" ({self.ticker})"
        if self.offering_usd is not None:
            text += f", ${self.offering_usd:,.0f}"
        elif self.price_low is not None and self.price_high is not None and self.securities:
            text += f", {self.securities:,} {self.security_kind} at ${self.price_low}-${self.price_high}"
        return text


def _decimal(value: str) -> Decimal | None:
    try:
        return Decimal(value.replace(",", ""))
    except InvalidOperation:
        return None


def parse_ipo(data: bytes, *, origin: str = "") -> IpoDocument:
    """Parse an S-1, S-1/A, F-1, F-1/A or 424B4 in any EDGAR shape.

    Raises EdgarParseError for an unreadable file or another form type. Facts the
    cover leaves blank (``$____`` in preliminary filings) are ``None``/empty.
    """
    where = origin or "document"
    try:
        submission = read_submission(data)
        primary = submission.primary()
    except EdgarParseError as exc:
        raise EdgarParseError(f"{where}: {exc}") from exc
    form_type = (submission.form_type or primary.doc_type).upper()
    if form_type not in IPO_FORMS:
        raise EdgarParseError(
            f"{where}: a {form_type or 'document of unknown form'}, not {sorted(IPO_FORMS)}"
        )
    text = primary.text()
    start = _PROSPECTUS_START_RE.search(text[:_COVER_CHARS])
    cover = text[start.start() if start else 0 :][:_COVER_CHARS]
    ipo_said = _IPO_RE.search(cover)
    listed = _LISTED_RE.search(cover)
    # "Our common stock is listed on ..." before any IPO wording: a follow-on offering.
    is_ipo = ipo_said is not None and (listed is None or listed.start() > ipo_said.start())
    symbol = _SYMBOL_RE.search(cover)
    total = _TOTAL_RE.search(cover)
    headline = _HEADLINE_AMOUNT_RE.search(cover)
    count = _COUNT_RE.search(cover)
    price_range = _RANGE_RE.search(cover)
    price = _PRICE_RE.search(cover)
    low = high = None
    if total:
        low = high = _decimal(total.group(1))
    elif price_range:
        low, high = _decimal(price_range.group(1)), _decimal(price_range.group(2))
    elif price:
        low = high = _decimal(price.group(1))
    offering = _decimal(total.group(2)) if total else None
    if offering is None and headline:
        offering = _decimal(headline.group(1))
    registration = _REGISTRATION_RE.search(text[:_COVER_CHARS])
    by_company = _BY_COMPANY_RE.search(cover)
    name = submission.company_name or (by_company.group(1) if by_company else cover_name(cover))
    accession = submission.accession
    if not accession and origin:
        found = ACCESSION_IN_NAME_RE.search(PurePath(origin).name)
        accession = found.group(1) if found else ""
    return IpoDocument(
        form_type=form_type,
        accession=accession,
        cik=submission.cik,
        company_name=name.strip(),
        filed_on=submission.filed_on,
        is_ipo=is_ipo,
        exchange=symbol.group("exchange") if symbol else "",
        ticker=symbol.group("ticker").rstrip(".") if symbol else "",
        securities=int(count.group(1).replace(",", "")) if count else None,
        security_kind=count.group(2).lower() if count else "",
        price_low=low,
        price_high=high,
        offering_usd=offering,
        registration_number=registration.group(1) if registration else submission.file_number,
        dated_on=_cover_date(cover),
        sic_code=submission.sic,
        state_of_incorporation=submission.state_of_incorporation,
    )


# The cover's own date: alone on its line, or after "Prospectus dated" (not "Preliminary
# Prospectus dated ____", whose date is blank until pricing).
_COVER_DATE_RE = re.compile(
    rf"^[ \t]*(?:(?:final\s+)?prospectus\s+dated\s+)?((?:{MONTHS})[ \t\xa0]+\d{{1,2}},?[ \t\xa0]+\d{{4}})"
    r"[ \t]*\.?[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
_CONTENTS_RE = re.compile(r"table of contents", re.IGNORECASE)


def _cover_date(cover: str) -> dt.date | None:
    """Return the date a prospectus cover states for itself, ``None`` when it has none."""
    contents = _CONTENTS_RE.search(cover)
    found = _COVER_DATE_RE.search(cover[: contents.start() if contents else len(cover)])
    return parse_date(found.group(1)) if found else None
