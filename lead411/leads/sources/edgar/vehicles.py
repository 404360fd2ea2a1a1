"""Which Form D issuers are funds, trusts or similar investment vehicles, not operating companies.

A salesperson calls companies that buy; a hedge fund, a REIT or a Delaware statutory
trust raising money under Regulation D is not one, and such filers are a large share of
all Form D notices (issue 14). Form D says it itself: item 4 "Industry Group" has
"Pooled Investment Fund" (with the fund's type: hedge, private equity, venture capital,
other) and "REITS and Finance"; item 2 "Entity Type" has "Business Trust", the form of
the statutory trusts sold as real-estate fractional interests. Source: SEC Form D,
General Instructions and items 2 and 4 (www.sec.gov/about/forms/formd.pdf), and the
X0708 XML schema element names ``industryGroupType``, ``investmentFundType``, ``entityType``.
"""

from lead411.leads.sources.edgar.parsers import FormDDocument

POOLED_FUND = "Pooled Investment Fund"
REIT = "REITS and Finance"
BUSINESS_TRUST = "Business Trust"


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
