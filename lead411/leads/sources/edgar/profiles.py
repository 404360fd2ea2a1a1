"""Company profiles from the SEC (issue 14): ticker, SIC code and industry, state of
incorporation, business address, website.

Two kinds of JSON file, as ``../shared/data/sec_company/`` holds them (SOURCES.md):

* a submissions-API record (``CIK##########.json``, ``company_submission.json``): one
  company with ``cik``, ``sic``, ``sicDescription``, ``tickers``, ``exchanges``,
  ``stateOfIncorporation``, ``addresses.business`` and ``website``;
* ``company_tickers.json``: ``{"0": {"cik_str": 789019, "ticker": "MSFT", "title": ...}}``,
  one entry per ticker, so a CIK may have several (share classes). The first entry of a
  CIK is its ticker (the file lists the most valuable first). A ticker can pass to another
  company over time, so a ticker is only ever applied to the company with its CIK.

The industry is the SIC code's title: the SEC's ``sicDescription`` when the record gives
it, else the title in the OSHA SIC manual (``naics_sic_census/sic_codes_osha.txt`` under
``settings.LEAD411_DATA_DIR``, read when first needed; empty when the file is absent).
"""

import csv
import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from lead411.leads.edgar_places import incorporation_code, readable_case
from lead411.leads.sources.edgar.parsers import EdgarParseError, pad_cik

SIC_MANUAL = Path("naics_sic_census") / "sic_codes_osha.txt"


@dataclass(frozen=True)
class CompanyProfile:
    """What one source says about a company; ``""`` where it says nothing.

    ``cik`` is 10 digits zero-padded. ``state_code`` is the business address's EDGAR
    state/country code ("CA"); ``state_of_incorporation`` is the EDGAR code whichever way
    the source states it ("DE" from "DE", "Delaware" or "DELAWARE"; see
    ``edgar_places.incorporation_code``). ``street_address`` and ``city`` are in the case
    people write them when EDGAR printed them in capitals (``edgar_places.readable_case``).
    Every source builds one of these, so every path that writes a profile gets the same
    forms. ``website`` is an absolute http(s) URL.
    """

    cik: str
    ticker: str = ""
    exchange: str = ""
    sic_code: str = ""
    industry: str = ""
    state_of_incorporation: str = ""
    street_address: str = ""
    city: str = ""
    state_code: str = ""
    postal_code: str = ""
    website: str = ""

    def __post_init__(self) -> None:
        # A frozen dataclass sets its own fields through object.__setattr__.
        object.__setattr__(
            self, "state_of_incorporation", incorporation_code(self.state_of_incorporation)
        )
        object.__setattr__(self, "street_address", readable_case(self.street_address))
        object.__setattr__(self, "city", readable_case(self.city))


@functools.cache
def _sic_manual(path: Path) -> Mapping[str, str]:
    titles: dict[str, str] = {}
    if not path.is_file():
        return titles
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.reader(handle, delimiter="\t"):
            if len(row) >= 2 and row[0].isdigit() and len(row[0]) == 4:
                titles[row[0]] = row[1].strip()
    return titles


def sic_title(code: str) -> str:
    """Return the OSHA SIC manual's title of a 4-digit code ("2834" -> "Pharmaceutical
    Preparations"); ``""`` for an unknown code or when the manual is not installed."""
    return _sic_manual(Path(settings.LEAD411_DATA_DIR) / SIC_MANUAL).get(code, "")


def industry_of(*, sic_code: str, stated: str = "") -> str:
    """The industry shown for a SIC code: the title the SEC stated, else the manual's."""
    return stated.strip() or (sic_title(sic_code) if sic_code else "")


def sic_code_of(value: object) -> str:
    """A 4-digit SIC code from ``"3711"``, ``3711`` or ``"[3711]"``; ``""`` otherwise."""
    text = str(value or "").strip().strip("[]")
    return text if text.isdigit() and len(text) == 4 and text != "0000" else ""


def website_of(value: str) -> str:
    """An absolute http(s) URL from what EDGAR states ("www.tesla.com"); ``""`` if not a URL."""
    text = value.strip()
    if not text:
        return ""
    if "://" not in text:
        text = "https://" + text
    try:
        URLValidator(schemes=["http", "https"])(text)
    except ValidationError:
        return ""
    return text[:500]


def _text(value: object) -> str:
    """JSON text, with the SEC's ``"None"`` and ``null`` for a missing line as ``""``."""
    text = str(value).strip() if value is not None else ""
    return "" if text == "None" else text


def _street(address: Mapping[str, Any]) -> str:
    lines = [_text(address.get("street1")), _text(address.get("street2"))]
    return ", ".join(line for line in lines if line)


@dataclass(frozen=True)
class CompanyFile:
    """A parsed company file: ``is_ticker_list`` for company_tickers.json (tickers only)."""

    is_ticker_list: bool
    profiles: tuple[CompanyProfile, ...]


def parse_company_file(data: bytes, *, origin: str) -> CompanyFile:
    """Parse a submissions-API record or ``company_tickers.json`` into profiles.

    Raises EdgarParseError naming ``origin`` and the reason for bytes that are not UTF-8,
    not JSON (truncated), or JSON of another shape.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise EdgarParseError(f"{origin}: not UTF-8 text (byte {exc.start})") from exc
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise EdgarParseError(
            f"{origin}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from exc
    if isinstance(document, dict) and "cik" in document and "addresses" in document:
        return CompanyFile(False, (_from_submissions(document, origin=origin),))
    if (
        isinstance(document, dict)
        and document
        and all(
            isinstance(entry, dict) and "cik_str" in entry and "ticker" in entry
            for entry in document.values()
        )
    ):
        return CompanyFile(True, _from_tickers(document, origin=origin))
    raise EdgarParseError(f"{origin}: neither an SEC submissions record nor company_tickers.json")


def _cik(value: object, *, origin: str) -> str:
    text = str(value).strip()
    if not text.isdigit() or len(text) > 10:
        raise EdgarParseError(f"{origin}: CIK {text[:20]!r} is not a number of up to 10 digits")
    return pad_cik(text)


def _from_submissions(record: Mapping[str, Any], *, origin: str) -> CompanyProfile:
    addresses = record.get("addresses") or {}
    business = addresses.get("business") or {} if isinstance(addresses, dict) else {}
    tickers = record.get("tickers") or []
    exchanges = record.get("exchanges") or []
    sic = sic_code_of(record.get("sic"))
    return CompanyProfile(
        cik=_cik(record.get("cik"), origin=origin),
        ticker=_text(tickers[0])[:20] if tickers else "",
        exchange=_text(exchanges[0])[:40] if exchanges else "",
        sic_code=sic,
        industry=industry_of(sic_code=sic, stated=_text(record.get("sicDescription")))[:200]
        if sic
        else "",
        # The code ("E9"); its description ("Cayman Islands") when a record lacks it.
        state_of_incorporation=(
            _text(record.get("stateOfIncorporation"))
            or _text(record.get("stateOfIncorporationDescription"))
        )[:60],
        street_address=_street(business)[:300],
        city=_text(business.get("city"))[:100],
        state_code=_text(business.get("stateOrCountry")),
        postal_code=_text(business.get("zipCode"))[:20],
        website=website_of(_text(record.get("website"))),
    )


def _from_tickers(entries: Mapping[str, Any], *, origin: str) -> tuple[CompanyProfile, ...]:
    seen: dict[str, CompanyProfile] = {}
    for entry in entries.values():
        cik = _cik(entry["cik_str"], origin=origin)
        ticker = _text(entry["ticker"])[:20]
        if ticker and cik not in seen:
            seen[cik] = CompanyProfile(cik=cik, ticker=ticker)
    return tuple(seen.values())
