"""Reads for the EDGAR lead source: which known company a filing is about."""

from dataclasses import dataclass

from lead411.leads.matching import normalize_company_name
from lead411.leads.models import Company


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
