"""Writes for the SEC EDGAR lead source: filings to companies, trigger events and contacts.

Mapping (issue 9; clauses L1, L5):

* Form D -> ``funding_round``, round type "Form D offering", amount = totalOfferingAmount
  in USD, date = date of first sale, else the filing date.
* Form D/A -> updates the event of the offering it amends (see ``_amended_event``).
* 8-K with Item 2.01 -> ``acquisition``; with Item 5.02 -> ``executive_hire``, or
  ``executive_departure`` when the item text names only a departure. One event per
  filing: when both items are present, the acquisition is the event and its summary
  names the officer change too.
* S-1 and F-1 (registration of a first public offering, most often) -> ``other``.
* Every other form (Form 4, 424B2, 144, 8-K/A...) is not a lead: counted as skipped.

Provenance: source "sec_edgar", source key = accession number, source URL = the
filing's index page. A Form D document read without an accession number (a bare
``primary_doc.xml``) is keyed ``doc-`` + 16 hex chars of the SHA-256 of its bytes.

Idempotent: each accession is stored once (``EdgarFiling``) with the event it made,
and fields are written only when they change. A feed entry only fills what is still
unknown; a Form D document (the richer source) overwrites.
"""

import datetime as dt
import email.utils
import hashlib
import logging
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from http.client import HTTPException
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Q

from lead411.core.audit import audit_record
from lead411.core.clock import now, today
from lead411.core.database import planner_statistics_refresh
from lead411.core.models import AuditEvent
from lead411.leads.edgar_places import place_from_edgar_code, readable_case
from lead411.leads.matching import normalize_company_name
from lead411.leads.models import Category, Company, Contact, TriggerEvent
from lead411.leads.search.index import search_index_batch
from lead411.leads.services import build_search_document, format_amount, leads_changed
from lead411.leads.sources.edgar.documents import (
    Change,
    EightKDocument,
    ExecutiveChange,
    Transaction,
    parse_8k,
)
from lead411.leads.sources.edgar.form_types import is_known_form_type
from lead411.leads.sources.edgar.models import EdgarFiling, FeedCursor, MatchReview
from lead411.leads.sources.edgar.parsers import (
    ACCESSION_RE,
    EdgarParseError,
    FeedEntry,
    FormDDocument,
    RelatedPerson,
    parse_feed,
    parse_form_d,
    parse_form_index,
)
from lead411.leads.sources.edgar.profiles import (
    CompanyProfile,
    industry_of,
    parse_company_file,
)
from lead411.leads.sources.edgar.prospectus import IPO_FORMS, IpoDocument, parse_ipo
from lead411.leads.sources.edgar.selectors import company_label, company_match_find
from lead411.leads.sources.edgar.vehicles import (
    NAMED_VEHICLE,
    investment_vehicle,
    investment_vehicle_by_name,
)

logger = logging.getLogger(__name__)

SOURCE = "sec_edgar"
FORM_D_ROUND_TYPE = "Form D offering"
FORM_D_TYPES = frozenset({"D", "D/A"})
REGISTRATION_FORMS = frozenset({"S-1", "F-1"})
# Feed roles, best first: the issuer/filer is the company the filing is about.
_ROLE_RANK = {"Issuer": 0, "Filer": 1, "Subject": 2, "Filed by": 3, "Reporting": 4}
_DEPARTURE_WORDS = ("departure", "resign", "retire", "terminat")
_APPOINTMENT_WORDS = ("appoint", "election", "elect ", "hire", "named")
Kind = TriggerEvent.Kind


@dataclass
class EdgarImportReport:
    """What one import or poll did; ``lines()`` is the summary the command prints.

    Counts are of distinct filings (accession numbers) unless named ``entries``.
    ``problems`` hold one line per input that was not imported, with its reason and
    the file/entry it came from (clause L5).
    """

    entries_read: int = 0
    duplicate_entries: int = 0
    documents_read: int = 0
    filings_read: Counter[str] = field(default_factory=Counter)
    files_failed: int = 0
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: int = 0
    amendments_linked: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    contacts_created: int = 0
    contacts_updated: int = 0
    companies_matched: Counter[str] = field(default_factory=Counter)
    companies_created: int = 0
    reviews_created: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def changed(self) -> int:
        """Events and contacts created or updated: 0 on a repeated import."""
        return (
            sum(self.created.values())
            + sum(self.updated.values())
            + self.contacts_created
            + self.contacts_updated
            + self.companies_created
        )

    def added_line(self) -> str:
        """Return what was added in one line: ``"events created: 3 (funding_round 3),
        updated: 1; companies created: 1; contacts created: 2; problems: 0"``."""
        return (
            f"events created: {sum(self.created.values())} {_counts(self.created)}".rstrip()
            + f", updated: {sum(self.updated.values())}; companies created: "
            f"{self.companies_created}; contacts created: {self.contacts_created}; "
            f"problems: {len(self.problems)}"
        )

    def lines(self) -> list[str]:
        """Return the import summary, one line per fact, problems last."""
        out = [
            f"feed/index entries read: {self.entries_read} "
            f"({self.duplicate_entries} repeats of a filing under another filer role)",
            f"Form D documents read: {self.documents_read}",
            f"8-K and IPO documents read: {sum(self.filings_read.values())} "
            f"{_counts(self.filings_read)}",
            f"events created: {sum(self.created.values())} {_counts(self.created)}",
            f"events updated: {sum(self.updated.values())} {_counts(self.updated)}",
            f"filings unchanged: {self.unchanged}",
            f"amendments linked to their original offering: {self.amendments_linked}",
            f"contacts created: {self.contacts_created}, updated: {self.contacts_updated}",
            f"companies matched: {sum(self.companies_matched.values())} "
            f"{_counts(self.companies_matched)}",
            f"companies created: {self.companies_created} "
            f"({self.reviews_created} sent to staff review)",
            f"filings skipped (not leads): {sum(self.skipped.values())} {_counts(self.skipped)}",
            f"problems: {len(self.problems)} ({self.files_failed} files could not be read)",
        ]
        out.extend(f"  {problem}" for problem in self.problems)
        return out


def _counts(counter: Counter[str]) -> str:
    if not counter:
        return ""
    return "(" + ", ".join(f"{key} {n}" for key, n in counter.most_common()) + ")"


@dataclass
class _Lead:
    """A filing that makes or amends a trigger event, from a feed entry or a document."""

    accession: str
    form_type: str
    cik: str
    company_name: str
    source_url: str
    filed_on: dt.date | None
    kind: str
    announced_on: dt.date | None
    from_document: bool = False
    city: str = ""
    state_code: str = ""
    industry: str = ""
    amount: Decimal | None = None
    previous_accession: str = ""
    items: tuple[tuple[str, str], ...] = ()
    persons: tuple[RelatedPerson, ...] = ()
    # What marks the issuer as a fund or trust (``vehicles.investment_vehicle``); "" otherwise.
    investment_vehicle: str = ""
    # Year of incorporation when the filing states it (Form D: within the last five years).
    founded_year: int | None = None
    # What the document states about the company's profile (``company_profile_fill``).
    profile: CompanyProfile | None = None

    @property
    def is_amendment(self) -> bool:
        return self.form_type.endswith("/A")


def filing_url(*, cik: str, accession: str) -> str:
    """Return the EDGAR index page of a filing (the lead's source URL)."""
    return (
        f"https://www.sec.gov/Archives/edgar/data/{int(cik)}/"
        f"{accession.replace('-', '')}/{accession}-index.htm"
    )


def _item_codes(items: Iterable[tuple[str, str]]) -> dict[str, str]:
    return dict(items)


def _executive_kind(text: str) -> str:
    """Departure only when the item text names a departure and no appointment.

    The feed gives the standard title of Item 5.02 ("Departure of Directors ...;
    Election of Directors; Appointment of Certain Officers ..."), which names both,
    so feed 8-Ks are ``executive_hire`` ("executive change"); a filing whose text
    says only "resignation" or "departure" is ``executive_departure``.
    """
    lowered = text.casefold()
    departs = any(word in lowered for word in _DEPARTURE_WORDS)
    appoints = any(word in lowered for word in _APPOINTMENT_WORDS)
    return Kind.EXECUTIVE_DEPARTURE if departs and not appoints else Kind.EXECUTIVE_HIRE


def lead_from_entry(entry: FeedEntry) -> _Lead | str:
    """Return the lead a feed/index entry makes, or the skip reason (a form-type label)."""
    common = {
        "accession": entry.accession,
        "form_type": entry.form_type,
        "cik": entry.cik,
        "company_name": entry.company_name,
        "source_url": entry.link or filing_url(cik=entry.cik, accession=entry.accession),
        "filed_on": entry.filed_on,
        "announced_on": entry.filed_on,
        "items": entry.items,
    }
    if entry.form_type in FORM_D_TYPES:
        return _Lead(
            kind=Kind.FUNDING_ROUND,
            investment_vehicle=investment_vehicle_by_name(entry.company_name),
            **common,  # type: ignore[arg-type]
        )
    if entry.form_type == "8-K":
        items = _item_codes(entry.items)
        if "2.01" in items:
            return _Lead(kind=Kind.ACQUISITION, **common)  # type: ignore[arg-type]
        if "5.02" in items:
            kind = _executive_kind(items["5.02"])
            return _Lead(kind=kind, **common)  # type: ignore[arg-type]
        if not entry.items and entry.updated is None:
            return "8-K (items unknown in the daily index)"
        return "8-K (no item 2.01 or 5.02)"
    if entry.form_type in REGISTRATION_FORMS:
        return _Lead(kind=Kind.OTHER, **common)  # type: ignore[arg-type]
    return entry.form_type


def lead_from_form_d(document: FormDDocument, *, key: str) -> _Lead:
    """Return the lead a Form D document makes; ``key`` is its accession or ``doc-`` key."""
    has_accession = not key.startswith("doc-")
    return _Lead(
        accession=key,
        form_type=document.form_type,
        cik=document.cik,
        company_name=document.entity_name,
        # Without an accession, the issuer's list of Form D filings is the closest link.
        source_url=(
            filing_url(cik=document.cik, accession=key)
            if has_accession
            else "https://www.sec.gov/cgi-bin/browse-edgar?action=getcompany&type=D&CIK="
            + document.cik
        ),
        filed_on=document.filed_on or document.signature_date,
        kind=Kind.FUNDING_ROUND,
        announced_on=document.date_of_first_sale or document.filed_on or document.signature_date,
        from_document=True,
        city=readable_case(document.city),
        state_code=document.state_code,
        industry=document.industry_group,
        amount=document.total_offering_amount,
        previous_accession=document.previous_accession,
        persons=document.related_persons,
        investment_vehicle=investment_vehicle(document),
        founded_year=document.year_of_incorporation,
        profile=CompanyProfile(
            cik=document.cik,
            state_of_incorporation=document.jurisdiction_of_incorporation[:60],
            street_address=document.street_address[:300],
            city=document.city[:100],
            state_code=document.state_code,
            postal_code=document.postal_code[:20],
        ),
    )


@dataclass(frozen=True)
class _DocumentLead:
    """One trigger event an 8-K or IPO document makes: a person, a deal or an offering."""

    key: str
    kind: str
    summary: str
    announced_on: dt.date | None
    counterparty: str = ""
    amount_usd: Decimal | None = None
    person: ExecutiveChange | None = None


@dataclass(frozen=True)
class _FilingLeads:
    """What one 8-K or IPO document gives the importer: its filing facts and its leads."""

    accession: str
    form_type: str
    cik: str
    company_name: str
    filed_on: dt.date | None
    source_url: str
    leads: tuple[_DocumentLead, ...]
    city: str = ""
    state_code: str = ""
    profile: CompanyProfile | None = None

    def company_lead(self) -> _Lead:
        """The filing as a ``_Lead``, for company matching and the ``EdgarFiling`` row."""
        return _Lead(
            accession=self.accession,
            form_type=self.form_type,
            cik=self.cik,
            company_name=self.company_name,
            source_url=self.source_url,
            filed_on=self.filed_on,
            kind=self.leads[0].kind if self.leads else Kind.OTHER,
            announced_on=self.filed_on,
            from_document=True,
            city=readable_case(self.city),
            state_code=self.state_code,
            profile=self.profile,
        )

    def supersedes(self, event: TriggerEvent) -> bool:
        """True when this filing is newer than the one that last wrote ``event``.

        Only an IPO lead is shared by several filings (S-1, amendments, 424B4); a
        filing without a date never overwrites one with a date.
        """
        if self.filed_on is None:
            return event.announced_on is None
        return event.announced_on is None or self.filed_on >= event.announced_on


# Folders of saved filings carry licence and provenance notes beside the filings.
_CARRIER_NOTE_RE = re.compile(r"^(?:LICENSE|ATTRIBUTION|README)", re.IGNORECASE)
# edgar-crawler names a document "CIK_8K_year_accession.htm"; a single <DOCUMENT> block
# has no SEC header, so the name is where its CIK is (SOURCES.md, sec_8k).
_CRAWLER_NAME_RE = re.compile(r"^(\d{1,10})_8K_\d{4}_")
FILING_PATTERNS = ("*.txt", "*.nc", "*.htm", "*.html")
# A Form D folder: primary documents (.xml), dissemination files (.nc), full submissions (.txt).
FORM_D_PATTERNS = ("*.xml", "*.nc", "*.txt")


def _cik_from_name(origin: str) -> str:
    found = _CRAWLER_NAME_RE.match(Path(urllib.parse.urlsplit(origin).path).name)
    return found.group(1).zfill(10) if found else ""


def _filing_key(accession: str, *, data: bytes) -> str:
    """The accession, or ``doc-`` + 16 hex chars of the SHA-256 of a document without one."""
    return accession or "doc-" + hashlib.sha256(data.strip()).hexdigest()[:16]


def _filing_source_url(*, cik: str, accession: str, origin: str) -> str:
    if cik and accession:
        return filing_url(cik=cik, accession=accession)
    if _is_url(origin):
        return origin[:500]
    if cik:
        return "https://www.sec.gov/cgi-bin/browse-edgar?action=getcompany&CIK=" + cik
    return ""


def _on(day: dt.date) -> str:
    return f"{day:%B} {day.day}, {day.year}"


def person_summary(*, company_name: str, change: ExecutiveChange) -> str:
    """Return the lead summary of one executive change, naming the person.

    ``"The Walt Disney Company: Christine M. McCarthy appointed Chief Financial Officer,
    effective July 1, 2015"``; the date when the filing states one.
    """
    text = f"{company_name}: {change.summary()}"
    if change.effective_on is not None:
        text += f", effective {_on(change.effective_on)}"
    return text


def leads_from_8k(document: EightKDocument, *, data: bytes, origin: str) -> _FilingLeads:
    """Return the leads of an 8-K: one per person who joins or leaves (Item 5.02, old
    Item 5), one per acquisition or disposition (Item 2.01, old Item 2).

    Appointment -> ``executive_hire``, departure -> ``executive_departure``; a deal ->
    ``acquisition`` with the counterparty and the US-dollar price when stated. An 8-K
    whose items move nobody and transfer nothing (pay only, results, votes) has none.
    """
    accession = _filing_key(document.accession, data=data)
    cik = document.cik or _cik_from_name(origin)
    announced = document.filed_on or document.report_date
    leads: list[_DocumentLead] = []
    for change in document.executive_changes:
        kind = (
            Kind.EXECUTIVE_HIRE if change.change is Change.APPOINTMENT else Kind.EXECUTIVE_DEPARTURE
        )
        leads.append(
            _DocumentLead(
                key=f"{accession}/{change.change}/{change.name}"[:300],
                kind=kind,
                summary=person_summary(company_name=document.company_name, change=change),
                announced_on=announced or change.effective_on,
                person=change,
            )
        )
    for deal in document.transactions:
        leads.append(_deal_lead(deal, accession=accession, document=document, announced=announced))
    return _FilingLeads(
        accession=accession,
        form_type=document.form_type,
        cik=cik,
        company_name=document.company_name,
        filed_on=document.filed_on,
        source_url=_filing_source_url(cik=cik, accession=document.accession, origin=origin),
        leads=tuple(leads),
        city=document.city,
        state_code=document.state_code,
        profile=CompanyProfile(
            cik=cik,
            sic_code=document.sic_code,
            industry=industry_of(sic_code=document.sic_code)[:200],
            state_of_incorporation=document.state_of_incorporation[:60],
            street_address=document.street_address[:300],
            city=document.city[:100],
            state_code=document.state_code,
            postal_code=document.postal_code[:20],
        ),
    )


def _deal_lead(
    deal: Transaction, *, accession: str, document: EightKDocument, announced: dt.date | None
) -> _DocumentLead:
    return _DocumentLead(
        key=f"{accession}/{deal.direction}/{deal.counterparty}"[:300],
        kind=Kind.ACQUISITION,
        summary=deal.summary(document.company_name),
        announced_on=announced or deal.completed_on,
        counterparty=deal.counterparty,
        amount_usd=deal.price_usd,
    )


def leads_from_ipo(document: IpoDocument, *, data: bytes, origin: str) -> _FilingLeads:
    """Return the ``ipo`` lead of an IPO registration or prospectus; none for a follow-on.

    The summary carries the exchange, ticker and offering size when stated; the
    offering size (US dollars) is also the event's amount. The ticker never selects
    the company: CIK does.
    """
    accession = _filing_key(document.accession, data=data)
    leads: tuple[_DocumentLead, ...] = ()
    if document.is_ipo:
        leads = (
            _DocumentLead(
                key=accession,
                kind=Kind.IPO,
                summary=document.summary(),
                announced_on=document.filed_on or document.dated_on,
                amount_usd=document.offering_usd,
            ),
        )
    return _FilingLeads(
        accession=accession,
        form_type=document.form_type,
        cik=document.cik,
        company_name=document.company_name,
        filed_on=document.filed_on,
        source_url=_filing_source_url(
            cik=document.cik, accession=document.accession, origin=origin
        ),
        leads=leads,
        profile=CompanyProfile(
            cik=document.cik,
            # A registration names the ticker it will list under: the company's from then on.
            ticker=document.ticker[:20] if document.is_ipo else "",
            exchange=document.exchange[:40] if document.is_ipo else "",
            sic_code=document.sic_code,
            industry=industry_of(sic_code=document.sic_code)[:200],
            state_of_incorporation=document.state_of_incorporation[:60],
        ),
    )


def _no_lead_reason(filing: _FilingLeads) -> str:
    if filing.form_type.upper().startswith("8-K"):
        return "8-K (no person joins or leaves, no acquisition or disposition)"
    return f"{filing.form_type} (not an initial public offering)"


def _summary(*, event: TriggerEvent, company_name: str, lead: _Lead) -> str:
    if event.kind == Kind.FUNDING_ROUND:
        if event.amount_usd is not None:
            return f"{company_name} files a Form D offering of {format_amount(event.amount_usd)}"
        return f"{company_name} files a Form D offering"
    items = _item_codes(lead.items)
    if event.kind == Kind.ACQUISITION:
        text = f"{company_name} completes an acquisition or disposition of assets (8-K Item 2.01)"
        if "5.02" in items:
            text += "; also reports a change of directors or officers (Item 5.02)"
        return text
    # An executive change from a feed entry: the people are only in the filing's document,
    # which replaces this summary with theirs once it is read (``_Importer.import_filing``).
    if event.kind == Kind.EXECUTIVE_DEPARTURE:
        return (
            f"{company_name} reports the departure of a director or officer (8-K Item 5.02) "
            f"{NAMES_NOT_READ}"
        )
    if event.kind == Kind.EXECUTIVE_HIRE:
        return (
            f"{company_name} reports a change of directors or officers: appointment, election "
            f"or departure (8-K Item 5.02) {NAMES_NOT_READ}"
        )
    return f"{company_name} files a registration statement (Form {lead.form_type})"


NAMES_NOT_READ = "(names not yet read from the filing)"
# Once the document is read and names nobody who joins or leaves (pay only, a vote).
NAMES_NONE = "(the filing names nobody who joins or leaves)"


class _Importer:
    """One batch: turns leads into rows and keeps the report."""

    def __init__(self, report: EdgarImportReport) -> None:
        self.report = report
        self.now = now()

    def _event_save(self, event: TriggerEvent, *, created: bool, changed: bool) -> None:
        """Save a new or changed event (validated, ``updated_at`` stamped) and count it."""
        if created:
            event.full_clean()
            event.save()
            self.report.created[event.kind] += 1
        elif changed:
            event.updated_at = self.now
            event.full_clean()
            event.save()
            self.report.updated[event.kind] += 1
        else:
            self.report.unchanged += 1

    # Companies -----------------------------------------------------------------

    def company_for(self, lead: _Lead) -> tuple[Company, str]:
        country, region = place_from_edgar_code(lead.state_code)
        match = company_match_find(
            cik=lead.cik, name=lead.company_name, region=region, city=lead.city
        )
        company = match.company
        if company is None:
            company = Company(
                name=lead.company_name[:300],
                normalized_name=normalize_company_name(lead.company_name)[:300],
                # Unknown is NULL: the column is unique and many companies have no CIK.
                cik=lead.cik or None,
                country_code=country,
                region=region,
                city=lead.city[:100],
                founded_on=_founded_on(lead.founded_year),
                investment_vehicle=lead.investment_vehicle[:100],
                source=SOURCE,
                source_key=lead.cik or f"{lead.accession} {lead.company_name}"[:300],
                source_url=(
                    "https://www.sec.gov/cgi-bin/browse-edgar?action=getcompany&CIK=" + lead.cik
                    if lead.cik
                    else ""
                ),
                imported_at=self.now,
                updated_at=self.now,
            )
            company.full_clean()
            company.save()
            self.report.companies_created += 1
            company_profile_fill(company, lead.profile, stamp=self.now)
            if match.needs_review:
                review = MatchReview.objects.create(
                    company=company,
                    accession=lead.accession,
                    reason=match.explanation[:200],
                    created_at=self.now,
                )
                review.candidates.set(match.candidates)
                self.report.reviews_created += 1
        else:
            self.report.companies_matched[match.explanation] += 1
            self._fill_company(company, lead, country=country, region=region)
        return company, match.explanation

    def _fill_company(self, company: Company, lead: _Lead, *, country: str, region: str) -> None:
        """Fill what the company row does not know yet; never overwrite another source."""
        changes: dict[str, object] = {}
        if not company.cik and lead.cik:
            changes["cik"] = lead.cik
        if lead.city and not company.city:
            changes.update(city=lead.city[:100], region=region, country_code=country)
        if lead.founded_year and company.founded_on is None:
            changes["founded_on"] = _founded_on(lead.founded_year)
        if lead.investment_vehicle and not company.investment_vehicle:
            changes["investment_vehicle"] = lead.investment_vehicle[:100]
        # A Form D document's industry group and entity type outrank a guess from the name.
        read_form_d = lead.from_document and lead.form_type in FORM_D_TYPES
        if read_form_d and company.investment_vehicle == NAMED_VEHICLE:
            changes["investment_vehicle"] = lead.investment_vehicle[:100]
        if changes:
            for name, value in changes.items():
                setattr(company, name, value)
            company.updated_at = self.now
            company.save(update_fields=[*changes, "updated_at"])
        company_profile_fill(company, lead.profile, stamp=self.now)

    def add_category(self, company: Company, industry: str) -> list[str]:
        if industry and industry != "Other":
            category, _ = Category.objects.get_or_create(name=industry[:100])
            company.categories.add(category)
        return list(company.categories.values_list("name", flat=True))

    # Events ---------------------------------------------------------------------

    def _amended_event(self, lead: _Lead) -> TriggerEvent | None:
        """Find the event an amendment updates, or ``None`` to create one from it.

        The rule: the original filing named by the amendment (``previousAccessionNumber``,
        in the document) when we hold it; when the amendment names none (a feed entry),
        the issuer's most recent Form D event, matched by CIK. An amendment whose stated
        original we never saw makes its own event: the offering is still a lead.
        """
        if lead.previous_accession:
            known = EdgarFiling.objects.filter(
                accession=lead.previous_accession, event__isnull=False
            ).first()
            if known is not None:
                return known.event
            return TriggerEvent.objects.filter(
                source=SOURCE, source_key=lead.previous_accession
            ).first()
        return (
            TriggerEvent.objects.filter(
                source=SOURCE, kind=Kind.FUNDING_ROUND, company__cik=lead.cik
            )
            .order_by("-announced_on", "-id")
            .first()
        )

    def _existing_event(self, lead: _Lead) -> tuple[TriggerEvent | None, bool]:
        """Return ``(event, is_link_to_original)`` for a filing already known or amending."""
        filing = (
            EdgarFiling.objects.filter(accession=lead.accession).select_related("event").first()
        )
        if filing is not None and filing.event is not None:
            return filing.event, False
        event = TriggerEvent.objects.filter(source=SOURCE, source_key=lead.accession).first()
        if event is not None:
            return event, False
        if lead.kind == Kind.FUNDING_ROUND and lead.is_amendment:
            original = self._amended_event(lead)
            return original, original is not None
        if lead.kind == Kind.FUNDING_ROUND:
            # An amendment read before its original already made the offering's event.
            later = EdgarFiling.objects.filter(
                previous_accession=lead.accession, event__isnull=False
            ).first()
            if later is not None:
                return later.event, True
        return None, False

    def import_lead(self, lead: _Lead) -> None:
        event, linked = self._existing_event(lead)
        if event is None:
            company, explanation = self.company_for(lead)
            event = TriggerEvent(
                company=company,
                kind=lead.kind,
                company_match=explanation[:200],
                source=SOURCE,
                source_key=lead.accession,
                source_url=lead.source_url,
                imported_at=self.now,
                updated_at=self.now,
            )
            created = True
        else:
            company = event.company
            created = False
            if lead.from_document:
                country, region = place_from_edgar_code(lead.state_code)
                self._fill_company(company, lead, country=country, region=region)
        categories = self.add_category(company, lead.industry)
        before = (event.summary, event.search_document)
        authoritative = lead.from_document and (created or not self._superseded(event, lead))
        changed = self._merge(event, lead, authoritative=authoritative)
        event.summary = _summary(event=event, company_name=company.name, lead=lead)[:300]
        event.search_document = build_search_document(
            company_name=company.name, categories=categories, summary=event.summary
        )
        changed = changed or before != (event.summary, event.search_document)
        self._event_save(event, created=created, changed=changed)
        if linked:
            self.report.amendments_linked += 1
        self._record_filing(lead, event)
        self._contacts(company, lead, authoritative=authoritative)

    def _superseded(self, event: TriggerEvent, lead: _Lead) -> bool:
        """True when a later Form D document of the same offering was already applied.

        Later means a later filing date, or the same date and a greater accession
        number; so re-reading an original after its amendment takes nothing back.
        """
        later = EdgarFiling.objects.filter(event=event, document_loaded=True).exclude(
            accession=lead.accession
        )
        if lead.filed_on is None:
            return later.exists()
        return later.filter(
            Q(filed_on__gt=lead.filed_on) | Q(filed_on=lead.filed_on, accession__gt=lead.accession)
        ).exists()

    def _merge(self, event: TriggerEvent, lead: _Lead, *, authoritative: bool) -> bool:
        """Write the lead's known values into ``event``; return True when one changed.

        The newest Form D document's values win (it is the filing itself); a feed entry,
        or an older document, only fills fields still empty, so a feed or an original
        read after an amendment takes nothing back.
        """
        values: dict[str, object] = {"announced_on": lead.announced_on}
        if lead.kind == Kind.FUNDING_ROUND:
            values["round_type"] = FORM_D_ROUND_TYPE
            if lead.amount is not None:
                values.update(amount=lead.amount, currency="USD", amount_usd=lead.amount)
        if not event.source_url:
            values["source_url"] = lead.source_url
        changed = False
        for name, value in values.items():
            if value is None or value == "":
                continue
            current = getattr(event, name)
            if current == value or (current not in (None, "") and not authoritative):
                continue
            setattr(event, name, value)
            changed = True
        return changed

    def _record_filing(self, lead: _Lead, event: TriggerEvent) -> None:
        filing, created = EdgarFiling.objects.get_or_create(
            accession=lead.accession,
            defaults={
                "form_type": lead.form_type,
                "cik": lead.cik,
                "company_name": lead.company_name[:300],
                "filed_on": lead.filed_on,
                "source_url": lead.source_url,
                "previous_accession": lead.previous_accession,
                "event": event,
                "document_loaded": lead.from_document,
                "first_seen_at": self.now,
                "updated_at": self.now,
            },
        )
        if created:
            return
        changes: dict[str, object] = {"event": event} if filing.event_id != event.pk else {}
        if lead.from_document and not filing.document_loaded:
            changes.update(document_loaded=True, document_error="", document_retry_at=None)
        if lead.previous_accession and not filing.previous_accession:
            changes["previous_accession"] = lead.previous_accession
        if lead.filed_on and not filing.filed_on:
            changes["filed_on"] = lead.filed_on
        if changes:
            for name, value in changes.items():
                setattr(filing, name, value)
            filing.updated_at = self.now
            filing.save(update_fields=[*changes, "updated_at"])

    def _contacts(self, company: Company, lead: _Lead, *, authoritative: bool) -> None:
        """People named in a Form D become the company's contacts.

        An original filing only adds people; the newest amendment also corrects the
        role of a person already known. Either way a repeat changes nothing.
        """
        for person in lead.persons:
            existing = Contact.objects.filter(company=company, name=person.name).first()
            if existing is None:
                contact = Contact(
                    company=company,
                    name=person.name,
                    role=person.role,
                    source=SOURCE,
                    source_key=lead.accession,
                    imported_at=self.now,
                )
                contact.full_clean()
                contact.save()
                self.report.contacts_created += 1
            elif (
                authoritative and lead.is_amendment and person.role and existing.role != person.role
            ):
                existing.role = person.role
                existing.source_key = lead.accession
                existing.save(update_fields=["role", "source_key"])
                self.report.contacts_updated += 1

    # 8-K and IPO documents -------------------------------------------------------

    def import_filing(self, filing: "_FilingLeads") -> None:
        """Write the leads one 8-K or IPO document makes, in one transaction.

        Each lead is keyed ``accession/person`` or ``accession/counterparty`` (``accession``
        alone for an IPO), so a second import finds every row and changes nothing. A
        generic event the feed or daily index made for the same accession (keyed by the
        accession) becomes the filing's first lead rather than a duplicate. The company is
        the one a previous import of the filing used, else matched by CIK (never by
        ticker: tickers are reused, SOURCES.md sec_company).
        """
        existing = {
            event.source_key: event
            for event in TriggerEvent.objects.filter(
                source=SOURCE, source_key__in=[lead.key for lead in filing.leads]
            ).select_related("company")
        }
        generic = (
            TriggerEvent.objects.filter(source=SOURCE, source_key=filing.accession)
            .select_related("company")
            .first()
            if filing.accession and filing.accession not in existing
            else None
        )
        known = next(iter(existing.values()), None) or generic
        if known is not None:
            company, explanation = known.company, known.company_match
            company_profile_fill(company, filing.profile, stamp=self.now)
        else:
            company, explanation = self.company_for(filing.company_lead())
        categories = self.add_category(company, "")
        first_event: TriggerEvent | None = None
        for lead in filing.leads:
            event = existing.get(lead.key)
            if event is None and generic is not None:
                event, generic = generic, None
                event.source_key = lead.key
            if event is None and lead.kind == Kind.IPO:
                event = self._ipo_event(company)
            created = event is None
            if event is None:
                event = TriggerEvent(
                    company=company,
                    kind=lead.kind,
                    company_match=explanation[:200],
                    source=SOURCE,
                    source_key=lead.key,
                    source_url=filing.source_url,
                    imported_at=self.now,
                    updated_at=self.now,
                )
            elif lead.key not in existing and not filing.supersedes(event):
                self.report.unchanged += 1
                first_event = first_event or event
                continue
            values: dict[str, object] = {
                "kind": lead.kind,
                "announced_on": lead.announced_on,
                "summary": lead.summary[:300],
                "counterparty": lead.counterparty[:300],
                "amount": lead.amount_usd,
                "currency": "USD" if lead.amount_usd is not None else "",
                "amount_usd": lead.amount_usd,
                "source_key": event.source_key,
            }
            values["search_document"] = build_search_document(
                company_name=company.name, categories=categories, summary=lead.summary[:300]
            )
            changed = False
            for name, value in values.items():
                if getattr(event, name) != value:
                    setattr(event, name, value)
                    changed = True
            self._event_save(event, created=created, changed=changed)
            first_event = first_event or event
            if lead.person is not None:
                self._person_contact(company, lead.person, key=lead.key)
        if first_event is not None and filing.accession:
            self._record_filing(filing.company_lead(), first_event)

    def names_read_none(self, accession: str) -> None:
        """The document of ``accession`` was read and moves nobody (pay only, a vote): the
        executive lead its feed entry made no longer says the names are still to be read."""
        event = (
            TriggerEvent.objects.filter(
                source=SOURCE, source_key=accession, summary__endswith=NAMES_NOT_READ
            )
            .select_related("company")
            .first()
        )
        if event is None:
            return
        event.summary = (event.summary.removesuffix(NAMES_NOT_READ) + NAMES_NONE)[:300]
        event.search_document = build_search_document(
            company_name=event.company.name,
            categories=list(event.company.categories.values_list("name", flat=True)),
            summary=event.summary,
        )
        self._event_save(event, created=False, changed=True)

    def _ipo_event(self, company: Company) -> TriggerEvent | None:
        """The IPO lead an earlier filing of the same offering made (S-1, S-1/A, 424B4).

        One IPO per company: its registration, amendments and final prospectus are
        steps of one offering (SOURCES.md: "the same IPO as this company's earlier
        S-1, so de-duplicate").
        """
        return (
            TriggerEvent.objects.filter(source=SOURCE, kind=Kind.IPO, company=company)
            .order_by("-announced_on", "-id")
            .first()
        )

    def _person_contact(self, company: Company, change: ExecutiveChange, *, key: str) -> None:
        """The person of an executive change becomes a contact of the company.

        Someone who leaves is kept with the role they held ("Former Director"): the
        filing names them at this company, and the lead needs the name. A person the
        company already lists (from a Form D or an earlier 8-K) is left as it is.
        """
        if Contact.objects.filter(company=company, name=change.name).exists():
            return
        role = change.role
        if change.change is Change.DEPARTURE and role:
            role = f"Former {role}"
        contact = Contact(
            company=company,
            name=change.name[:200],
            role=role[:200],
            source=SOURCE,
            source_key=key[:300],
            imported_at=self.now,
        )
        contact.full_clean()
        contact.save()
        self.report.contacts_created += 1

    # Batches --------------------------------------------------------------------

    def import_safely(self, lead: _Lead, *, where: str) -> None:
        try:
            with transaction.atomic():
                self.import_lead(lead)
        except (ValidationError, DatabaseError, ValueError) as exc:
            self.report.problems.append(f"{where} {lead.accession}: not imported ({exc})")

    def import_entries(
        self,
        entries: Sequence[tuple[str, FeedEntry]],
        *,
        documented: frozenset[str] | set[str] = frozenset(),
    ) -> None:
        """Import feed/index entries, oldest first, one filing per accession.

        Entries of ``documented`` accessions, and 8-K or IPO filings whose document
        was imported before, are counted but not imported: the document is the richer
        source (``_import_filing``), and the entry names nobody.
        """
        documented = set(documented) | set(
            EdgarFiling.objects.filter(
                accession__in={entry.accession for _, entry in entries},
                form_type__in=DOCUMENT_FORMS,
                document_loaded=True,
            ).values_list("accession", flat=True)
        )
        self.report.entries_read += len(entries)
        chosen: dict[str, tuple[str, FeedEntry]] = {}
        for where, entry in entries:
            best = chosen.get(entry.accession)
            if best is None:
                chosen[entry.accession] = (where, entry)
                continue
            self.report.duplicate_entries += 1
            if _ROLE_RANK.get(entry.role, 9) < _ROLE_RANK.get(best[1].role, 9):
                chosen[entry.accession] = (where, entry)
        # The feed is newest first; originals are imported before their amendments.
        ordered = sorted(
            chosen.values(),
            key=lambda pair: (pair[1].updated or _as_datetime(pair[1].filed_on), pair[1].accession),
        )
        unknown: dict[str, list[str]] = {}
        for where, entry in ordered:
            if entry.accession in documented:
                continue
            if not is_known_form_type(entry.form_type):
                self.report.skipped["unknown form type"] += 1
                unknown.setdefault(entry.form_type, []).append(f"{where} {entry.accession}")
                continue
            lead = lead_from_entry(entry)
            if isinstance(lead, str):
                self.report.skipped[lead] += 1
                continue
            self.import_safely(lead, where=where)
        for form_type, seen in unknown.items():
            self.report.problems.append(
                f"unknown form type {form_type!r}: {len(seen)} entries skipped (first: {seen[0]})"
            )


def _founded_on(year: int | None) -> dt.date | None:
    """A company founded in ``year``: stored as 1 January (the page shows the year only)."""
    return dt.date(year, 1, 1) if year else None


def _as_datetime(day: dt.date | None) -> dt.datetime:
    return dt.datetime.combine(day or dt.date.min, dt.time(), tzinfo=dt.UTC)


# Reading inputs --------------------------------------------------------------------


class _Throttle:
    """At most ``per_second`` requests per second, across threads (SEC fair access)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next = 0.0

    def wait(self, per_second: int) -> None:
        with self._lock:
            pause = self._next - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            self._next = time.monotonic() + 1.0 / per_second


_THROTTLE = _Throttle()


def user_agent() -> str:
    """Return the User-Agent SEC fair access asks for: who we are and a contact email.

    Source: SEC, "Accessing EDGAR Data" (declare the User-Agent as
    "Sample Company Name AdminContact@<sample company domain>.com").
    """
    return f"{settings.OPERATOR['company_name']} {settings.OPERATOR['contact_email']}"


def edgar_fetch(url: str) -> bytes:
    """GET ``url`` from EDGAR with the fair-access User-Agent and rate limit; return the body.

    SEC fair access (sec.gov/os/accessing-edgar-data): a declared User-Agent, at most
    10 requests per second, and backing off when told to. A 429 or 503 answer is
    retried up to ``settings.EDGAR_HTTP_MAX_RETRIES`` times after the server's
    ``Retry-After`` (seconds or an HTTP date), else after ``EDGAR_HTTP_BACKOFF_SECONDS``
    doubled at each try; no pause exceeds ``EDGAR_HTTP_MAX_BACKOFF_SECONDS``.

    Raises ``OSError`` (``urllib.error.URLError``/``HTTPError``, timeouts) or
    ``HTTPException`` when the network or the server fails (the last 429/503 once the
    retries are spent), and ``ValueError`` for a URL that is not http(s).
    """
    if urllib.parse.urlsplit(url).scheme not in {"http", "https"}:
        raise ValueError(f"not an http(s) URL: {url!r}")
    retries = max(0, settings.EDGAR_HTTP_MAX_RETRIES)
    for attempt in range(retries + 1):
        _THROTTLE.wait(min(settings.EDGAR_MAX_REQUESTS_PER_SECOND, 10))
        request = urllib.request.Request(  # noqa: S310 - scheme checked above
            url, headers={"User-Agent": user_agent(), "Accept-Encoding": "identity"}
        )
        try:
            with urllib.request.urlopen(  # noqa: S310 - scheme checked above
                request, timeout=settings.EDGAR_HTTP_TIMEOUT_SECONDS
            ) as response:
                body: bytes = response.read()
            return body
        except urllib.error.HTTPError as exc:
            if exc.code not in RETRY_STATUSES or attempt == retries:
                raise
            pause = min(
                retry_after_seconds(
                    exc.headers.get("Retry-After"),
                    default=settings.EDGAR_HTTP_BACKOFF_SECONDS * 2**attempt,
                ),
                settings.EDGAR_HTTP_MAX_BACKOFF_SECONDS,
            )
            exc.close()
            logger.info("EDGAR answered %s for %s: retry in %.1f s", exc.code, url, pause)
            time.sleep(pause)
    raise AssertionError("unreachable: the last attempt returns or raises")  # pragma: no cover


RETRY_STATUSES = frozenset({429, 503})


def retry_after_seconds(value: str | None, *, default: float) -> float:
    """Return the pause a ``Retry-After`` header asks for, in seconds (RFC 9110 10.2.3).

    The value is a number of seconds or an HTTP date; ``default`` when absent or
    unreadable; never negative.
    """
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return default
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        seconds = (when - dt.datetime.now(dt.UTC)).total_seconds()
    return max(0.0, seconds)


Fetcher = Callable[[str], bytes]
NETWORK_ERRORS = (OSError, HTTPException)


def _is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def _read_input(source: str, *, fetch: Fetcher, report: EdgarImportReport) -> bytes | None:
    """Return the bytes of a file or URL; ``None`` with a problem line when unreadable."""
    try:
        return fetch(source) if _is_url(source) else Path(source).read_bytes()
    except NETWORK_ERRORS as exc:
        report.problems.append(f"{source}: could not be read ({exc})")
        report.files_failed += 1
        return None


def _expand(
    sources: Iterable[str], patterns: tuple[str, ...], *, report: EdgarImportReport | None = None
) -> list[str]:
    """Files and URLs as given; a directory stands for its files matching ``patterns``.

    In a directory, licence and provenance notes (``LICENSE*``, ``ATTRIBUTION*``,
    ``README*``) are no filings: counted in ``report.skipped``, never read. A file
    named explicitly is always read.
    """
    out: list[str] = []
    for source in sources:
        path = Path(source)
        if not _is_url(source) and path.is_dir():
            found = sorted({p for pattern in patterns for p in path.glob(pattern) if p.is_file()})
            for file in found:
                if _CARRIER_NOTE_RE.match(file.name):
                    if report is not None:
                        report.skipped["licence or provenance note"] += 1
                    continue
                out.append(str(file))
        else:
            out.append(source)
    return out


def _document_key(document: FormDDocument, *, data: bytes, origin: str) -> str:
    if document.accession:
        return document.accession
    named = ACCESSION_RE.search(Path(origin).name)
    if named:
        return named.group(1)
    return "doc-" + hashlib.sha256(data.strip()).hexdigest()[:16]


def edgar_import(
    *,
    feeds: Sequence[str] = (),
    indexes: Sequence[str] = (),
    form_ds: Sequence[str] = (),
    eight_ks: Sequence[str] = (),
    ipos: Sequence[str] = (),
    fetch: Fetcher = edgar_fetch,
) -> EdgarImportReport:
    """Import EDGAR files or URLs: feed pages, daily form indexes, Form D, 8-K and IPO documents.

    ``feeds``, ``form_ds``, ``eight_ks`` and ``ipos`` may name directories (their
    ``*.atom``; ``*.xml``, ``*.nc`` and ``*.txt``; ``*.txt``, ``*.nc``, ``*.htm`` and ``*.html``).
    Feed and index entries are imported first, then the Form D documents, which
    complete the offerings (amount, address, related persons), then the 8-K and IPO
    documents (see ``leads_from_8k`` and ``leads_from_ipo``). A file that cannot be
    read or parsed is a problem line and counts in ``report.files_failed``.
    The planner statistics are refreshed at the end when anything changed.
    Returns the report; bad input is a line in ``report.problems``, never an exception.
    """
    report = EdgarImportReport()
    importer = _Importer(report)
    entries: list[tuple[str, FeedEntry]] = []
    for source in [*_expand(indexes, ("*.idx",)), *_expand(feeds, ("*.atom",))]:
        data = _read_input(source, fetch=fetch, report=report)
        if data is None:
            continue
        is_index = source in indexes or source.endswith(".idx")
        try:
            parsed = (parse_form_index if is_index else parse_feed)(data, origin=source)
        except EdgarParseError as exc:
            report.problems.append(f"{exc}: file skipped")
            report.files_failed += 1
            continue
        report.problems.extend(parsed.problems)
        entries.extend((source, entry) for entry in parsed.entries)
    # One transaction per filing, one index write for the whole import.
    with search_index_batch():
        importer.import_entries(entries)
        for source in _expand(form_ds, FORM_D_PATTERNS, report=report):
            data = _read_input(source, fetch=fetch, report=report)
            if data is not None:
                _import_document(importer, data=data, origin=source, accession="")
        for form, sources in (("8-K", eight_ks), ("IPO", ipos)):
            for source in _expand(sources, FILING_PATTERNS, report=report):
                data = _read_input(source, fetch=fetch, report=report)
                if data is not None:
                    _import_filing_document(importer, data=data, origin=source, form=form)
    # Rows are saved one by one, so the leads app's receivers have already expired the
    # cached search counts; the index catches up once here, not once per row. A poll that
    # found nothing new leaves the index and the statistics alone.
    if report.changed or report.companies_created:
        planner_statistics_refresh()
        leads_changed()
    return report


def _import_document(importer: _Importer, *, data: bytes, origin: str, accession: str) -> None:
    report = importer.report
    try:
        document = parse_form_d(data, origin=origin)
    except EdgarParseError as exc:
        report.problems.append(f"{exc}: document skipped")
        report.files_failed += 1
        return
    report.documents_read += 1
    key = accession or _document_key(document, data=data, origin=origin)
    importer.import_safely(lead_from_form_d(document, key=key), where=origin)


def parse_filing_document(data: bytes, *, origin: str, form: str) -> _FilingLeads:
    """Parse an 8-K (``form="8-K"``) or IPO document (any other ``form``) into its leads.

    Raises EdgarParseError when the bytes are not such a filing (truncated, binary, an
    HTML error page, another form type).
    """
    if form.upper().startswith("8-K"):
        return leads_from_8k(parse_8k(data, origin=origin), data=data, origin=origin)
    return leads_from_ipo(parse_ipo(data, origin=origin), data=data, origin=origin)


def _import_filing_document(
    importer: _Importer, *, data: bytes, origin: str, form: str
) -> _FilingLeads | None:
    report = importer.report
    try:
        filing = parse_filing_document(data, origin=origin, form=form)
    except EdgarParseError as exc:
        report.problems.append(f"{exc}: document skipped")
        report.files_failed += 1
        return None
    _import_filing(importer, filing, origin=origin)
    return filing


def _import_filing(importer: _Importer, filing: _FilingLeads, *, origin: str) -> None:
    report = importer.report
    report.filings_read[filing.form_type] += 1
    if not filing.leads:
        report.skipped[_no_lead_reason(filing)] += 1
        if filing.accession:
            importer.names_read_none(filing.accession)
        return
    if not filing.cik and not filing.company_name:
        report.problems.append(f"{origin}: no CIK and no company name in the filing: not imported")
        return
    try:
        with transaction.atomic():
            importer.import_filing(filing)
    except (ValidationError, DatabaseError, ValueError) as exc:
        report.problems.append(f"{origin} {filing.accession}: not imported ({exc})")


def feed_page_url(url: str, *, start: int) -> str:
    """Return the feed URL for the page starting at entry ``start`` (0-based)."""
    parts = urllib.parse.urlsplit(url)
    query = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)]
    query = [(k, v) for k, v in query if k != "start"] + [("start", str(start))]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def primary_document_url(link: str) -> str:
    """Return the URL of a Form D's primary document from its filing index link.

    Form D is filed online as XML only, and EDGAR names that document ``primary_doc.xml``
    in the filing's folder.
    """
    return link.rsplit("/", 1)[0] + "/primary_doc.xml"


def edgar_poll(
    *,
    feed_url: str | None = None,
    fetch: Fetcher = edgar_fetch,
    max_pages: int | None = None,
    fetch_documents: bool = True,
) -> EdgarImportReport:
    """Read the newest EDGAR filings from the live feed and import the leads among them.

    Meant to run every ``settings.EDGAR_POLL_MINUTES`` minutes (0 = off) from the
    project's scheduler; it is a plain function with no arguments needed.

    Reads feed pages (``settings.EDGAR_FEED_URL``, 100 entries a page) from the newest
    until a page reaches the stored position (``FeedCursor``) or ``EDGAR_POLL_MAX_PAGES``,
    then fetches the primary document of each new Form D (amount, address, people) and
    the submission of each new 8-K, S-1, F-1 or 424B4 (the people who join or leave,
    the deals, the offering: see ``leads_from_8k`` and ``leads_from_ipo``). An 8-K or
    IPO document that could not be read is remembered on its ``EdgarFiling`` and read
    again by later polls (``_retry_filing_documents``); meanwhile the lead comes from the
    feed entry and its summary says the names are not read yet.
    Every request carries the fair-access User-Agent and waits its turn (at most 10
    per second). When any request fails (connection refused, HTTP 500, timeout, an
    HTML error page instead of the feed) nothing is imported, the failure is stored in
    ``FeedCursor.last_error`` and the position stays: the next poll reads the same
    filings again, so none is lost. Returns the import report.
    """
    url = feed_url or settings.EDGAR_FEED_URL
    pages = max_pages or settings.EDGAR_POLL_MAX_PAGES
    cursor, _ = FeedCursor.objects.get_or_create(feed_url=url)
    report = EdgarImportReport()
    attempt_at = now()
    entries: list[tuple[str, FeedEntry]] = []
    documents: list[tuple[str, bytes]] = []
    filings: list[tuple[str, _FilingLeads]] = []
    unread: dict[str, str] = {}
    try:
        for page in range(pages):
            page_url = url if page == 0 else feed_page_url(url, start=page * 100)
            parsed = parse_feed(fetch(page_url), origin=page_url)
            report.problems.extend(parsed.problems)
            entries.extend((page_url, entry) for entry in parsed.entries)
            if not parsed.entries or _reached(cursor, parsed.entries):
                break
        if fetch_documents:
            loaded = set(
                EdgarFiling.objects.filter(
                    accession__in={e.accession for _, e in entries}, document_loaded=True
                ).values_list("accession", flat=True)
            )
            wanted = {
                e.accession: e.link
                for _, e in entries
                if e.form_type in FORM_D_TYPES and e.accession not in loaded and e.link
            }
            for accession, link in wanted.items():
                documents.append((accession, fetch(primary_document_url(link))))
            filings, unread, attempted = _fetch_filing_documents(
                entries, cursor=cursor, loaded=loaded, fetch=fetch, report=report
            )
            # Last, so that a failure above leaves no retry unrecorded: a retry never fails
            # the poll (its failure is one more attempt of that filing).
            retried, retried_unread = _retry_filing_documents(
                exclude=attempted, fetch=fetch, report=report
            )
            filings += retried
            unread.update(retried_unread)
    except (*NETWORK_ERRORS, EdgarParseError) as exc:
        message = f"{url}: poll failed, feed position kept for the next poll ({exc})"
        report.problems.append(message)
        logger.warning(message)
        cursor.last_attempt_at = attempt_at
        cursor.last_error = str(exc)[:500]
        cursor.save(update_fields=["last_attempt_at", "last_error"])
        return report
    importer = _Importer(report)
    # A filing whose document was read is imported from it (people, deals, offering),
    # not from its feed entry, which names nobody.
    documented = {filing.accession for _, filing in filings}
    with search_index_batch():
        importer.import_entries(entries, documented=documented)
        for accession, data in documents:
            _import_document(importer, data=data, origin=f"{url} {accession}", accession=accession)
        for origin, filing in filings:
            _import_filing(importer, filing, origin=origin)
    _document_reads_record(
        read={filing.accession for _, filing in filings},
        unread=unread,
        entries=[entry for _, entry in entries],
        stamp=attempt_at,
    )
    newest = max(
        (e for _, e in entries if e.updated is not None),
        key=lambda e: e.updated,  # type: ignore[arg-type, return-value]
        default=None,
    )
    if newest is not None and (cursor.last_updated is None or newest.updated > cursor.last_updated):  # type: ignore[operator]
        cursor.last_updated = newest.updated
        cursor.last_accession = newest.accession
    cursor.last_attempt_at = attempt_at
    cursor.last_success_at = attempt_at
    cursor.last_error = ""
    cursor.last_added = report.added_line()[:500]
    cursor.save()
    if report.changed or report.companies_created:
        leads_changed()  # new leads searchable at once, one index catch-up per poll
    return report


def daily_index_day(*, today: dt.date) -> dt.date:
    """Return the last business day before ``today``: the newest daily index EDGAR has published.

    EDGAR publishes ``form.YYYYMMDD.idx`` for each business day after it ends, and none for
    Saturdays and Sundays, so a Monday reads Friday's. A holiday has no index either: that
    poll records the missing file and the next day's poll reads the next index.
    """
    day = today - dt.timedelta(days=1)
    while day.weekday() >= 5:  # Saturday, Sunday
        day -= dt.timedelta(days=1)
    return day


def daily_index_url(*, day: dt.date) -> str:
    """Return the URL of the daily form index of ``day`` under ``EDGAR_DAILY_INDEX_URL``.

    EDGAR's layout: ``<base>/<year>/QTR<quarter>/form.<YYYYMMDD>.idx``.
    """
    quarter = (day.month - 1) // 3 + 1
    base = settings.EDGAR_DAILY_INDEX_URL.rstrip("/")
    return f"{base}/{day.year}/QTR{quarter}/form.{day:%Y%m%d}.idx"


def edgar_poll_daily_index(
    *, day: dt.date | None = None, fetch: Fetcher = edgar_fetch
) -> EdgarImportReport:
    """Import the daily form index of ``day`` (default: ``daily_index_day`` of today) once.

    The catch-up beside the live feed: every filing of a business day, including those a
    feed poll missed while the site was down. Each index has its own ``FeedCursor`` row
    (keyed by its URL), so a day already read is not fetched again, and the staff page
    shows when it was read, what it added or why it failed. A failed fetch (network,
    a day without an index) is stored in ``last_error`` and retried by the next run.
    Returns the import report; never raises on network or parse failures.
    """
    url = daily_index_url(day=day or daily_index_day(today=today()))
    cursor, _ = FeedCursor.objects.get_or_create(feed_url=url)
    if cursor.last_success_at is not None:
        return EdgarImportReport()
    attempt_at = now()
    cursor.last_attempt_at = attempt_at
    try:
        data = fetch(url)
    except NETWORK_ERRORS as exc:
        report = EdgarImportReport()
        report.problems.append(f"{url}: daily index not read, tried again next run ({exc})")
        report.files_failed += 1
        cursor.last_error = str(exc)[:500]
        cursor.save(update_fields=["last_attempt_at", "last_error"])
        return report
    report = edgar_import(indexes=[url], fetch=lambda _url: data)
    if report.files_failed:
        cursor.last_error = "; ".join(report.problems)[:500]
        cursor.save(update_fields=["last_attempt_at", "last_error"])
        return report
    cursor.last_success_at = attempt_at
    cursor.last_error = ""
    cursor.last_added = report.added_line()[:500]
    cursor.save()
    return report


DOCUMENT_FORMS = frozenset({"8-K", *IPO_FORMS})
# A filing the archive no longer serves: its feed entry is imported instead.
_GONE_STATUSES = frozenset({404, 410})


def submission_url(link: str, *, accession: str) -> str:
    """Return the URL of a filing's complete submission text file from its index link.

    EDGAR keeps ``<accession>.txt`` (SEC header plus every document) in the filing's
    folder; ``read_submission`` finds the primary document in it.
    """
    return link.rsplit("/", 1)[0] + f"/{accession}.txt"


def _fetch_filing_documents(
    entries: Sequence[tuple[str, FeedEntry]],
    *,
    cursor: FeedCursor,
    loaded: set[str],
    fetch: Fetcher,
    report: EdgarImportReport,
) -> tuple[list[tuple[str, _FilingLeads]], dict[str, str], set[str]]:
    """Fetch and parse the documents of the new 8-K and IPO filings among ``entries``.

    New means newer than the stored feed position and not read before. One request
    per filing (its submission text file). Returns the filings read, with the URL each
    came from, ``{accession: reason}`` of those that could not be read, and the
    accessions asked for (read or not). A filing the
    archive does not serve (404, 410) or that does not parse is a problem line, its feed
    entry is imported instead and a later poll reads it again (``_document_reads_record``).
    Any other failure propagates and fails the poll (position kept).
    """
    wanted: dict[str, tuple[str, str]] = {}
    for _, entry in entries:
        is_new = (
            cursor.last_updated is None
            or entry.updated is None
            or entry.updated > cursor.last_updated
        )
        if (
            entry.form_type in DOCUMENT_FORMS
            and entry.link
            and is_new
            and entry.accession not in loaded
        ):
            wanted[entry.accession] = (entry.form_type, entry.link)
    out: list[tuple[str, _FilingLeads]] = []
    unread: dict[str, str] = {}
    for accession, (form_type, link) in wanted.items():
        document_url = submission_url(link, accession=accession)
        read = _read_filing_document(document_url, form_type=form_type, fetch=fetch)
        if isinstance(read, str):
            report.problems.append(f"{read}; feed entry used, read again by a later poll")
            unread[accession] = read
        else:
            out.append((document_url, read))
    return out, unread, set(wanted)


def _read_filing_document(url: str, *, form_type: str, fetch: Fetcher) -> _FilingLeads | str:
    """Fetch and parse one 8-K or IPO submission; the reason as text when the archive does
    not serve it (404, 410) or it does not parse. Other network errors propagate."""
    try:
        data = fetch(url)
    except urllib.error.HTTPError as exc:
        if exc.code not in _GONE_STATUSES:
            raise
        return f"{url}: could not be read ({exc})"
    try:
        return parse_filing_document(data, origin=url, form=form_type)
    except EdgarParseError as exc:
        return str(exc)


def _retry_filing_documents(
    *, exclude: set[str], fetch: Fetcher, report: EdgarImportReport
) -> tuple[list[tuple[str, _FilingLeads]], dict[str, str]]:
    """Read again the documents earlier polls could not read, the longest-waiting first.

    At most ``EDGAR_DOCUMENT_RETRIES_PER_POLL`` filings whose ``document_retry_at`` has
    come and that have had fewer than ``EDGAR_DOCUMENT_MAX_ATTEMPTS`` attempts, except the
    ``exclude`` accessions (asked for by this poll already). Any failure here, the network's
    included, is one more failed attempt of that filing, never a failed poll. Returns
    the filings read and ``{accession: reason}`` of those still unread.
    """
    due = (
        EdgarFiling.objects.filter(
            document_loaded=False,
            document_attempts__gt=0,
            document_attempts__lt=settings.EDGAR_DOCUMENT_MAX_ATTEMPTS,
            document_retry_at__lte=now(),
            form_type__in=DOCUMENT_FORMS,
        )
        .exclude(accession__in=exclude)
        .exclude(source_url="")
        .order_by("document_retry_at", "accession")
        .only("accession", "form_type", "source_url")[: settings.EDGAR_DOCUMENT_RETRIES_PER_POLL]
    )
    out: list[tuple[str, _FilingLeads]] = []
    unread: dict[str, str] = {}
    for filing in due:
        document_url = submission_url(filing.source_url, accession=filing.accession)
        try:
            read = _read_filing_document(document_url, form_type=filing.form_type, fetch=fetch)
        except NETWORK_ERRORS as exc:
            read = f"{document_url}: could not be read ({exc})"
        if isinstance(read, str):
            report.problems.append(f"{read}; read again by a later poll")
            unread[filing.accession] = read
        else:
            out.append((document_url, read))
    return out, unread


def _document_reads_record(
    *, read: set[str], unread: dict[str, str], entries: Sequence[FeedEntry], stamp: dt.datetime
) -> None:
    """Store how a poll's document reads went on the filings' ``EdgarFiling`` rows.

    A filing read is done (its error emptied). A filing not read gets one more attempt,
    its reason and the time of the next one: ``EDGAR_DOCUMENT_RETRY_MINUTES`` after the
    first failure, doubled after each later one. An IPO filing whose entry made no lead
    (a 424B4: only its document tells an IPO) gets a row without an event so it is
    remembered; an 8-K whose entry is no lead is not retried.
    """
    EdgarFiling.objects.filter(accession__in=read, document_loaded=False).update(
        document_loaded=True, document_error="", document_retry_at=None, updated_at=stamp
    )
    by_accession = {entry.accession: entry for entry in entries}
    for accession, reason in unread.items():
        filing = EdgarFiling.objects.filter(accession=accession).first()
        entry = by_accession.get(accession)
        if filing is None and entry is not None and entry.form_type in IPO_FORMS:
            filing = EdgarFiling(
                accession=accession,
                form_type=entry.form_type,
                cik=entry.cik,
                company_name=entry.company_name[:300],
                filed_on=entry.filed_on,
                source_url=entry.link or filing_url(cik=entry.cik, accession=accession),
                first_seen_at=stamp,
            )
        if filing is None or filing.document_loaded:
            continue
        filing.document_attempts += 1
        pause = settings.EDGAR_DOCUMENT_RETRY_MINUTES * 2 ** (filing.document_attempts - 1)
        filing.document_retry_at = stamp + dt.timedelta(minutes=pause)
        filing.document_error = reason[:500]
        filing.updated_at = stamp
        filing.save()


def _reached(cursor: FeedCursor, entries: Sequence[FeedEntry]) -> bool:
    """True when a page holds the stored position: older pages were read before."""
    if cursor.last_updated is None:
        return False
    return any(
        e.accession == cursor.last_accession or (e.updated and e.updated <= cursor.last_updated)
        for e in entries
    )


# The review queue (issue 14): staff decide what the importer would not -------------------

MERGED_MATCH = "matched by staff review (merged into this company)"
KEPT_MATCH = "new company: kept as new by staff review"


class MatchReviewError(Exception):
    """A review decision that cannot be taken; the message says why, for staff."""


class ReviewAlreadyDecided(MatchReviewError):
    """The review is no longer open (merged, kept or resolved before)."""


class NotACandidate(MatchReviewError):
    """The company to merge into is not one of the review's candidates."""


def _open_review(review: MatchReview) -> MatchReview:
    """Lock and return the review, still open with its new company; raise otherwise."""
    locked = (
        MatchReview.objects.select_for_update(of=("self",))
        .select_related("company")
        .get(pk=review.pk)
    )
    if locked.status != MatchReview.Status.OPEN or locked.company is None:
        raise ReviewAlreadyDecided(
            f"This review was already decided ({locked.get_status_display().lower()})."
        )
    return locked


def _decide(review: MatchReview, *, actor: Any, status: str, stamp: dt.datetime) -> dict[str, Any]:
    """Close ``review`` with ``status``; return the audit changes of the review row."""
    before = {"status": review.status, "company": review.company_id}
    review.status = status
    review.resolved_at = stamp
    review.resolved_by = actor if getattr(actor, "is_authenticated", False) else None
    if review.company is not None and not review.company_label:
        review.company_label = company_label(review.company)[:400]
    return before


@transaction.atomic
def match_review_merge(*, actor: Any, review: MatchReview, into: Company) -> MatchReview:
    """Merge the review's new company into the candidate ``into``; return the closed review.

    The new company's trigger events, contacts and categories move to ``into`` (a contact
    ``into`` already lists with the same name and role is not duplicated), ``into`` gains
    the CIK, place, founding date, fund marking and profile values (ticker, SIC industry,
    state of incorporation, street in the same city) it lacked, and the new company row is
    deleted (its label stays on the review). Other open reviews of the same new company
    close as merged too. One audit row for the review, one for the deleted company.
    Raises ``ReviewAlreadyDecided`` or ``NotACandidate``; nothing changes then.
    """
    review = _open_review(review)
    if not review.candidates.filter(pk=into.pk).exists():
        raise NotACandidate(f"{into.name} (#{into.pk}) is not a candidate of this review.")
    duplicate = review.company
    assert duplicate is not None  # _open_review checked it
    stamp = now()
    into = Company.objects.select_for_update().get(pk=into.pk)
    events = TriggerEvent.objects.filter(company=duplicate)
    moved_events = sorted(events.values_list("id", flat=True))
    events.update(company=into, company_match=MERGED_MATCH, updated_at=stamp)
    moved_contacts = 0
    for contact in Contact.objects.filter(company=duplicate):
        if Contact.objects.filter(company=into, name=contact.name, role=contact.role).exists():
            continue  # the same person is already listed; the duplicate row goes with its company
        contact.company = into
        contact.save(update_fields=["company"])
        moved_contacts += 1
    into.categories.add(*duplicate.categories.all())
    fills: dict[str, Any] = {}
    for name in ("cik", "homepage", "founded_on", "investment_vehicle", *_PROFILE_FIELDS):
        if not getattr(into, name) and getattr(duplicate, name):
            fills[name] = getattr(duplicate, name)
    if not into.sic_code and duplicate.sic_code:
        fills.update(sic_code=duplicate.sic_code, industry=duplicate.industry)
    if not (into.city or into.region or into.country_code):
        fills.update(
            city=duplicate.city, region=duplicate.region, country_code=duplicate.country_code
        )
    # A street and ZIP code only go with their own city (``_profile_changes``).
    if fills.get("city", into.city).casefold() == duplicate.city.casefold():
        for name in ("street_address", "postal_code"):
            if not getattr(into, name) and getattr(duplicate, name):
                fills[name] = getattr(duplicate, name)
    before = _decide(review, actor=actor, status=MatchReview.Status.MERGED, stamp=stamp)
    review.merged_into = into
    others = MatchReview.objects.filter(company=duplicate, status=MatchReview.Status.OPEN).exclude(
        pk=review.pk
    )
    others.update(
        status=MatchReview.Status.MERGED,
        merged_into=into,
        resolved_at=stamp,
        resolved_by=review.resolved_by,
        company_label=review.company_label,
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.DELETE,
        verb="edgar_review_merge",
        obj=duplicate,
        changes={"merged_into": {"before": None, "after": into.pk}},
    )
    duplicate.delete()
    review.company = None
    review.save()
    into_before = {name: getattr(into, name) for name in fills}
    for name, value in fills.items():
        setattr(into, name, value)
    into.updated_at = stamp
    # Only the filled fields are checked: the survivor's other values came from its own source.
    into.clean_fields(exclude=[f.name for f in Company._meta.fields if f.name not in fills])
    into.save(update_fields=[*fills, "updated_at"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.TRANSITION,
        verb="edgar_review_merge",
        obj=review,
        changes={
            "status": {"before": before["status"], "after": review.status},
            "company": {"before": before["company"], "after": into.pk},
            "events_moved": {"before": None, "after": moved_events},
            "contacts_moved": {"before": None, "after": moved_contacts},
            **{
                f"merged_into.{name}": {"before": into_before[name], "after": value}
                for name, value in fills.items()
            },
        },
    )
    leads_changed()
    return review


@transaction.atomic
def match_review_keep(*, actor: Any, review: MatchReview) -> MatchReview:
    """Keep the review's new company as a company of its own; return the closed review.

    The events the importer tied to it as a new company say so in their match ("kept as
    new by staff review"). One audit row.
    Raises ``ReviewAlreadyDecided``.
    """
    review = _open_review(review)
    stamp = now()
    before = _decide(review, actor=actor, status=MatchReview.Status.KEPT, stamp=stamp)
    review.save()
    # Only the events the importer tied to it as a new company; a later one matched by CIK
    # keeps its own explanation.
    TriggerEvent.objects.filter(
        company=review.company, source=SOURCE, company_match__startswith="new company"
    ).update(company_match=KEPT_MATCH, updated_at=stamp)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.TRANSITION,
        verb="edgar_review_keep",
        obj=review,
        changes={"status": {"before": before["status"], "after": review.status}},
    )
    leads_changed()
    return review


# Company profiles (issue 14) -----------------------------------------------------------

_PROFILE_FIELDS = ("ticker", "exchange", "state_of_incorporation")


def _profile_changes(company: Company, profile: CompanyProfile) -> dict[str, str]:
    """The profile values ``company`` does not know yet, by field name.

    The rule: a value is only ever filled, never overwritten, whichever source comes
    first (a filing's header or the SEC's company record), so an import repeated in any
    order changes nothing and a staff edit stays. The SIC code and its industry go
    together; the street and ZIP code only with the city they belong to (filled with
    it, or the company's city is the profile's).
    """
    changes: dict[str, str] = {}
    for name in _PROFILE_FIELDS:
        value = getattr(profile, name)
        if value and not getattr(company, name):
            changes[name] = value
    if profile.sic_code and not company.sic_code:
        changes.update(sic_code=profile.sic_code, industry=profile.industry)
    if profile.website and not company.homepage:
        changes["homepage"] = profile.website
    if profile.city and not company.city:
        country, region = place_from_edgar_code(profile.state_code)
        changes.update(city=profile.city, region=region, country_code=country)
    same_place = profile.city and (
        changes.get("city", company.city).casefold() == profile.city.casefold()
    )
    if same_place:
        if profile.street_address and not company.street_address:
            changes["street_address"] = profile.street_address
        if profile.postal_code and not company.postal_code:
            changes["postal_code"] = profile.postal_code
    return changes


def company_profile_fill(
    company: Company, profile: CompanyProfile | None, *, stamp: dt.datetime
) -> list[str]:
    """Fill the blanks of ``company``'s profile from ``profile`` (see ``_profile_changes``).

    A newly known industry is also one of the company's categories, so searches by
    category find it (the search index reads categories when the company's
    ``updated_at`` moves). Returns the names of the fields filled; ``[]`` when none.
    """
    if profile is None:
        return []
    changes = _profile_changes(company, profile)
    if not changes:
        return []
    for name, value in changes.items():
        setattr(company, name, value)
    company.updated_at = stamp
    # Each value was cut to its column and the website checked as a URL when parsed; the
    # row's other fields are not validated again here (old rows may hold legacy values).
    company.save(update_fields=[*changes, "updated_at"])
    if changes.get("industry"):
        category, _ = Category.objects.get_or_create(name=changes["industry"][:100])
        company.categories.add(category)
        _search_documents_refresh(company)
    return list(changes)


def _search_documents_refresh(company: Company) -> None:
    """Rewrite ``search_document`` of the company's events after its categories changed,
    so the column does not depend on which filing came first (a re-import changes nothing)."""
    names = list(company.categories.values_list("name", flat=True))
    events = list(TriggerEvent.objects.filter(company=company).only("id", "summary"))
    for event in events:
        event.search_document = build_search_document(
            company_name=company.name, categories=names, summary=event.summary
        )
    TriggerEvent.objects.bulk_update(events, ["search_document"])


@dataclass
class ProfileImportReport:
    """What ``company_profiles_import`` did; ``lines()`` is the summary the command prints.

    ``records_read`` counts companies in the files (one per submissions record, one per
    CIK of company_tickers.json); ``filled`` counts fields filled by field name.
    """

    files_read: int = 0
    files_failed: int = 0
    records_read: int = 0
    companies_matched: int = 0
    companies_updated: int = 0
    filled: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [
            f"company files read: {self.files_read}; company records in them: {self.records_read}",
            f"companies known here by CIK: {self.companies_matched}; "
            f"profiles filled in: {self.companies_updated} {_counts(self.filled)}".rstrip(),
            f"problems: {len(self.problems)} ({self.files_failed} files could not be read)",
        ]
        out.extend(f"  {problem}" for problem in self.problems)
        return out


_CIK_BATCH = 500


def company_profiles_import(*, sources: Sequence[str]) -> ProfileImportReport:
    """Fill company profiles from SEC submissions records and ``company_tickers.json``.

    ``sources`` are files or directories (their ``*.json``). Companies are found by CIK
    only, never by ticker or name (a ticker can pass to another company; SOURCES.md,
    sec_company); companies not known here are not created. Submissions records are
    applied before ticker lists, so a company's ticker comes with its exchange. Values
    fill blanks only (``company_profile_fill``). A file that cannot be read or parsed is
    a problem line naming it and the reason, counted in ``files_failed``.
    """
    report = ProfileImportReport()
    records: list[CompanyProfile] = []
    ticker_lists: list[CompanyProfile] = []
    for source in _expand(sources, ("*.json",)):
        try:
            parsed = parse_company_file(Path(source).read_bytes(), origin=source)
        except OSError as exc:
            report.problems.append(f"{source}: could not be read ({exc})")
            report.files_failed += 1
            continue
        except EdgarParseError as exc:
            report.problems.append(f"{exc}: file skipped")
            report.files_failed += 1
            continue
        report.files_read += 1
        (ticker_lists if parsed.is_ticker_list else records).extend(parsed.profiles)
    ordered = records + ticker_lists
    report.records_read = len(ordered)
    matched: set[str] = set()
    updated: set[str] = set()
    stamp = now()
    with transaction.atomic():
        for start in range(0, len(ordered), _CIK_BATCH):
            batch = ordered[start : start + _CIK_BATCH]
            known = Company.objects.in_bulk([p.cik for p in batch], field_name="cik")
            for profile in batch:
                company = known.get(profile.cik)
                if company is None:
                    continue
                matched.add(profile.cik)
                filled = company_profile_fill(company, profile, stamp=stamp)
                if filled:
                    updated.add(profile.cik)
                    report.filled.update(filled)
    report.companies_matched, report.companies_updated = len(matched), len(updated)
    if report.companies_updated:
        leads_changed()
    return report
