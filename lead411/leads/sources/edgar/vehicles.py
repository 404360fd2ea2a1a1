"""Which Form D issuers are funds, trusts or similar investment vehicles, not operating companies.

A salesperson calls companies that buy; a hedge fund, a REIT or a Delaware statutory
trust raising money under Regulation D is not one, and such filers are a large share of
all Form D notices (issue 14). Form D says it itself: item 4 "Industry Group" has
"Pooled Investment Fund" (with the fund's type: hedge, private equity, venture capital,
other) and "REITS and Finance"; item 2 "Entity Type" has "Business Trust", the form of
the statutory trusts sold as real-estate fractional interests. Source: SEC Form D,
General Instructions and items 2 and 4 (www.sec.gov/about/forms/formd.pdf), and the
X0708 XML schema element names ``industryGroupType``, ``investmentFundType``, ``entityType``.

A Form D known only from an index or feed entry (no document read) has just the issuer's
name; ``investment_vehicle_by_name`` marks the names that say what the issuer is, and a
Form D document read later replaces that mark with the filing's own answer.
"""

import re

from lead411.leads.sources.edgar.parsers import FormDDocument

POOLED_FUND = "Pooled Investment Fund"
REIT = "REITS and Finance"
BUSINESS_TRUST = "Business Trust"
# The mark of an issuer whose Form D was not read and whose name says it is a vehicle.
NAMED_VEHICLE = "Fund, trust or partnership by its name (Form D document not read)"
# Words that name a pooled vehicle in an issuer's name: "Fund", "Trust", "REIT", "DST"
# (Delaware statutory trust), "Feeder", "Offshore"/"Onshore", "SPV", "Co-Invest...",
# "SCSp" (Luxembourg limited partnership), "a Series of" (a series LLC's cell), and a
# limited partnership
# ("L.P.", "LP") ending the name, the usual form of a private fund. A name is weaker
# evidence than item 4 of the filing, so the mark says it was read from the name.
_VEHICLE_NAME = re.compile(
    r"\b(?:funds?|trust|reit|dst|feeder|offshore|onshore|spv|co-?invest\w*|scsp|a series of)\b"
    r"|\bl\.?\s?p\.?\s*$",
    re.IGNORECASE,
)


def investment_vehicle(document: FormDDocument) -> str:
    """Return what marks the issuer of ``document`` as an investment vehicle, or ``""``.

    ``"Pooled investment fund (Venture Capital Fund)"``, ``"REIT or real-estate finance"``,
    ``"Business trust"``; ``""`` for an operating company (every other industry group
    with another entity type). At most 100 characters (``Company.investment_vehicle``).
    """
    industry = document.industry_group.strip()
    if industry == POOLED_FUND:
        kind = document.investment_fund_type.strip()
        return f"Pooled investment fund ({kind})"[:100] if kind else "Pooled investment fund"
    if industry == REIT:
        return "REIT or real-estate finance"
    if document.entity_type.strip() == BUSINESS_TRUST:
        return "Business trust"
    return ""


def investment_vehicle_by_name(name: str) -> str:
    """Return ``NAMED_VEHICLE`` when an issuer's name says it is a fund, trust or LP, else ``""``.

    For Form D filings known from an index or feed entry only, whose industry group
    is unknown: "Drive Capital Ignition Fund V, L.P." and "BP Commercial Funding Trust,
    Series SPL-II" are marked, "DIFFUSION PHARMACEUTICALS LLC" is not.
    """
    return NAMED_VEHICLE if _VEHICLE_NAME.search(name.strip().rstrip(",")) else ""
