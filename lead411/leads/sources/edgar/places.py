"""EDGAR state/country codes (Form D ``stateOrCountry``) to the leads' country and region.

US codes are the postal codes themselves; Canadian provinces have EDGAR codes A0..B0
(EDGAR Filer Manual, "State and Country Codes"). Other countries' codes are not
mapped: the company keeps an empty country rather than a wrong one.
"""

_US = frozenset(
    {
        "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL",
        "IN", "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE",
        "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD",
        "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "GU", "PR", "VI",
    }
)  # fmt: skip
_CANADA = {
    "A0": "AB", "A1": "BC", "A2": "MB", "A3": "NB", "A4": "NL", "A5": "NS", "A6": "ON",
    "A7": "PE", "A8": "QC", "A9": "SK", "B0": "YT", "Z4": "",
}  # fmt: skip
# Country-level codes for the USA as a whole and its smaller territories.
_US_NO_STATE = frozenset({"X1", "B5", "1V", "2J"})


def place_from_edgar_code(code: str) -> tuple[str, str]:
    """Return ``(country_code, region)`` for an EDGAR state/country code.

    ``country_code`` is ISO 3166-1 alpha-3 ("USA", "CAN") as in ``leads.Company``;
    ``region`` the state or province postal code. ``("", "")`` when unknown.
    """
    code = code.strip().upper()
    if code in _US:
        return "USA", code
    if code in _US_NO_STATE:
        return "USA", ""
    if code in _CANADA:
        return "CAN", _CANADA[code]
    return "", ""
