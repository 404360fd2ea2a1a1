"""Place names for search and facet labels: countries from the data dir, US states, provinces.

Country names come from ``country_codes/country-codes.csv`` (datasets/country-codes, ODC
PDDL) under ``settings.LEAD411_DATA_DIR``; when that file is absent only the codes are
searchable and facets show codes. US state and Canadian province names are the USPS and
Canada Post lists, small and fixed, so they live here.
"""

import csv
from functools import cache
from pathlib import Path

from django.conf import settings

US_STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois",
    "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan",
    "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri", "MT": "Montana",
    "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire", "NJ": "New Jersey",
    "NM": "New Mexico", "NY": "New York", "NC": "North Carolina", "ND": "North Dakota",
    "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania",
    "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee",
    "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington",
    "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming", "GU": "Guam",
    "PR": "Puerto Rico", "VI": "U.S. Virgin Islands",
}  # fmt: skip
CANADIAN_PROVINCES = {
    "AB": "Alberta", "BC": "British Columbia", "MB": "Manitoba", "NB": "New Brunswick",
    "NL": "Newfoundland and Labrador", "NS": "Nova Scotia", "NT": "Northwest Territories",
    "NU": "Nunavut", "ON": "Ontario", "PE": "Prince Edward Island", "QC": "Quebec",
    "SK": "Saskatchewan", "YT": "Yukon",
}  # fmt: skip
COUNTRY_CODES_FILE = Path("country_codes") / "country-codes.csv"
# The names people use where the table's display name is an abbreviation ("US", "UK").
_COMMON_NAMES = {"USA": "United States", "GBR": "United Kingdom"}


def country_codes_path() -> Path:
    """Return where the country code table is read from (it may not exist)."""
    return Path(settings.LEAD411_DATA_DIR) / COUNTRY_CODES_FILE


@cache
def _countries(path: Path) -> dict[str, tuple[str, ...]]:
    if not path.is_file():
        return {}
    names: dict[str, tuple[str, ...]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            code = row.get("ISO3166-1-Alpha-3", "").strip()
            shown = row.get("CLDR display name", "").strip()
            official = row.get("official_name_en", "").strip()
            if code and (shown or official):
                common = _COMMON_NAMES.get(code, "")
                names[code] = tuple(dict.fromkeys(n for n in (common, shown, official) if n))
    return names


def country_names(code: str) -> tuple[str, ...]:
    """Return the names of the ISO 3166-1 alpha-3 ``code``, the one to show first; ``()`` if unknown."""
    return _countries(country_codes_path()).get(code, ())


def country_label(code: str) -> str:
    """Return the name people read for a country code (``GBR`` -> ``UK``), or the code."""
    names = country_names(code)
    return names[0] if names else code


def region_names(*, country: str, region: str) -> tuple[str, ...]:
    """Return the name of a state or province code in ``country`` (USA, CAN), or ``()``."""
    if country == "USA" and region in US_STATES:
        return (US_STATES[region],)
    if country == "CAN" and region in CANADIAN_PROVINCES:
        return (CANADIAN_PROVINCES[region],)
    return ()


def region_label(region: str) -> str:
    """Return the label of a region facet value: a US state or Canadian province name, or the code."""
    return US_STATES.get(region) or CANADIAN_PROVINCES.get(region) or region
