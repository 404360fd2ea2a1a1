"""Reads for the EDGAR lead source: which known company a filing is about, and the review queue."""

from dataclasses import dataclass
from typing import NamedTuple

from django.conf import settings
from django.db.models import Count, Q

from lead411.leads.matching import normalize_company_name
from lead411.leads.models import Company, TriggerEvent
from lead411.leads.sources.edgar.models import EdgarFiling, MatchReview


@dataclass(frozen=True)
class CompanyMatch:
    """The outcome of matching a filing's company.

    ``company`` is the known company, or ``None`` when a new one must be created;
    ``explanation`` is what the lead page shows ("matched by CIK"); ``candidates``
    are the companies a staff member should compare when ``needs_review``.
    """

    company: Company | None
    explanation: str
    candidates: tuple[Company, ...] = ()

    @property
    def needs_review(self) -> bool:
        """True when same-name companies exist but none could be chosen safely."""
        return self.company is None and bool(self.candidates)


def _same_place(company: Company, *, region: str, city: str) -> bool:
    if not city or company.city.casefold() != city.casefold():
        return False
    # A different state with the same city name (Portland OR / Portland ME) is another place.
    return not (region and company.region and company.region.upper() != region.upper())


def company_match_find(*, cik: str, name: str, region: str = "", city: str = "") -> CompanyMatch:
    """Find the known company a filing is about, or say why none is chosen.

    Rules, in order (issue 9):

    1. ``cik`` (10 digits) equals ``Company.cik``: "matched by CIK".
    2. Same ``normalize_company_name`` and same city (case-insensitive; the state must
       not differ when both are known), exactly one such company: "matched by name +
       city". Companies with another CIK are other SEC registrants and never candidates.
    3. Otherwise a new company is due. When same-name companies exist (several in the
       city, or only in other cities, or the filing's location is unknown) they are
       returned as ``candidates`` for staff review: never merged blindly.
    """
    if cik:
        by_cik = Company.objects.filter(cik=cik).first()
        if by_cik is not None:
            return CompanyMatch(by_cik, "matched by CIK")
    normalized = normalize_company_name(name)
    candidates = [
        company
        for company in Company.objects.filter(normalized_name=normalized).order_by("id")
        if not company.cik or company.cik == cik
    ]
    if not candidates:
        return CompanyMatch(None, "new company: no match")
    in_place = [c for c in candidates if _same_place(c, region=region, city=city)]
    if len(in_place) == 1:
        return CompanyMatch(in_place[0], "matched by name + city")
    if len(in_place) > 1:
        return CompanyMatch(
            None,
            f"new company: ambiguous, {len(in_place)} candidates, sent to review",
            tuple(in_place),
        )
    if len(candidates) > 1:
        reason = f"new company: ambiguous, {len(candidates)} candidates, sent to review"
    elif city:
        reason = "new company: name match with a different city, sent to review"
    else:
        reason = "new company: name match, location unknown, sent to review"
    return CompanyMatch(None, reason, tuple(candidates))


def company_label(company: Company) -> str:
    """``"Acme, Inc. (Boston, MA; CIK 0000000001; #12)"``: what tells two companies apart."""
    place = ", ".join(part for part in (company.city, company.region) if part)
    facts = [part for part in (place, f"CIK {company.cik}" if company.cik else "") if part]
    return f"{company.name} ({'; '.join([*facts, f'#{company.pk}'])})"


@dataclass(frozen=True)
class ReviewSide:
    """One company of a review as staff compare it: who, where, what happened, who works there.

    ``events`` are its newest ``REVIEW_EVENTS`` trigger events; the counts are of all.
    """

    company: Company
    label: str
    place: str
    events: tuple[TriggerEvent, ...]
    event_count: int
    contacts: tuple[str, ...]
    contact_count: int


REVIEW_EVENTS = 5
REVIEW_CONTACTS = 8


def _side(company: Company) -> ReviewSide:
    events = company.events.order_by("-announced_on", "-id")
    contacts = company.contacts.order_by("name")
    place = ", ".join(p for p in (company.city, company.region, company.country_code) if p)
    return ReviewSide(
        company=company,
        label=company_label(company),
        place=place,
        events=tuple(events[:REVIEW_EVENTS]),
        event_count=events.count(),
        contacts=tuple(str(c) for c in contacts[:REVIEW_CONTACTS]),
        contact_count=contacts.count(),
    )


def match_review_sides(*, review: MatchReview) -> tuple[ReviewSide | None, list[ReviewSide]]:
    """Return ``(the new company, [each candidate])`` of ``review``, side by side.

    The new company is ``None`` once a merge deleted it. Candidates in id order.
    """
    new = _side(review.company) if review.company is not None else None
    return new, [_side(c) for c in review.candidates.order_by("id")]


class UnreadCount(NamedTuple):
    """Filings whose document a poll could not read: still retried, and given up."""

    retrying: int
    gave_up: int


def edgar_filings_unread_count() -> UnreadCount:
    """Return how many 8-K and IPO documents are unread, being retried or given up (one query)."""
    limit = settings.EDGAR_DOCUMENT_MAX_ATTEMPTS
    counts = EdgarFiling.objects.filter(document_loaded=False, document_attempts__gt=0).aggregate(
        retrying=Count("id", filter=Q(document_attempts__lt=limit)),
        gave_up=Count("id", filter=Q(document_attempts__gte=limit)),
    )
    return UnreadCount(counts["retrying"], counts["gave_up"])


def edgar_filings_unread(*, limit: int) -> list[EdgarFiling]:
    """Return at most ``limit`` filings whose document is unread, the next retry first
    (given-up ones last), for the staff poll page."""
    return list(
        EdgarFiling.objects.filter(document_loaded=False, document_attempts__gt=0).order_by(
            "document_attempts", "document_retry_at", "accession"
        )[:limit]
    )
