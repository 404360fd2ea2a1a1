"""EDGAR state/country codes (Form D ``stateOrCountry``) to the leads' country and region.

US codes are the postal codes themselves; Canadian provinces have EDGAR codes A0..B0;
every other country has a code of its own ("E9" Cayman Islands, "X0" United Kingdom)
(EDGAR Filer Manual, "State and Country Codes"; the list in
``../shared/data/sec_edgar_reference/place_codes.csv``), mapped here to ISO 3166-1
alpha-3 by the country's name (``../shared/data/country_codes``). "P8" (Netherlands
Antilles, dissolved in 2010) has no ISO code today and is not mapped: the company keeps
an empty country rather than a wrong one.
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
# EDGAR's codes of countries other than the USA and Canada -> ISO 3166-1 alpha-3.
_FOREIGN = {
    "1A": "AIA", "1B": "ARM", "1C": "ABW", "1D": "AZE", "1E": "BIH", "1F": "BLR",
    "1G": "DJI", "1H": "EST", "1J": "ERI", "1K": "FSM", "1L": "SGS", "1M": "HRV",
    "1N": "KGZ", "1P": "KAZ", "1Q": "LTU", "1R": "LVA", "1S": "MDA", "1T": "MHL",
    "1U": "MKD", "1W": "NCL", "1X": "PSE", "1Y": "PLW", "1Z": "RUS", "2A": "SVN",
    "2B": "SVK", "2C": "ATF", "2D": "TJK", "2E": "TKM", "2G": "TUV", "2H": "UKR",
    "2K": "UZB", "2L": "VUT", "2M": "DEU", "2N": "CZE", "2P": "MYT", "2Q": "GEO",
    "B1": "BWA", "B2": "AFG", "B3": "ALB", "B4": "DZA", "B6": "AND", "B7": "AGO",
    "B8": "ATA", "B9": "ATG", "C0": "ARE", "C1": "ARG", "C3": "AUS", "C4": "AUT",
    "C5": "BHS", "C6": "BHR", "C7": "BGD", "C8": "BRB", "C9": "BEL", "D0": "BMU",
    "D1": "BLZ", "D2": "BTN", "D3": "BOL", "D4": "BVT", "D5": "BRA", "D6": "IOT",
    "D7": "SLB", "D8": "VGB", "D9": "BRN", "E0": "BGR", "E1": "MMR", "E2": "BDI",
    "E3": "KHM", "E4": "CMR", "E8": "CPV", "E9": "CYM", "F0": "CAF", "F1": "LKA",
    "F2": "TCD", "F3": "CHL", "F4": "CHN", "F5": "TWN", "F6": "CXR", "F7": "CCK",
    "F8": "COL", "F9": "COM", "G0": "COG", "G1": "COK", "G2": "CRI", "G3": "CUB",
    "G4": "CYP", "G6": "BEN", "G7": "DNK", "G8": "DOM", "G9": "DMA", "H1": "ECU",
    "H2": "EGY", "H3": "SLV", "H4": "GNQ", "H5": "ETH", "H6": "FRO", "H7": "FLK",
    "H8": "FJI", "H9": "FIN", "I0": "FRA", "I3": "GUF", "I4": "PYF", "I5": "GAB",
    "I6": "GMB", "J0": "GHA", "J1": "GIB", "J2": "KIR", "J3": "GRC", "J4": "GRL",
    "J5": "GRD", "J6": "GLP", "J8": "GTM", "J9": "GIN", "K0": "GUY", "K1": "HTI",
    "K2": "HND", "K3": "HKG", "K4": "HMD", "K5": "HUN", "K6": "ISL", "K7": "IND",
    "K8": "IDN", "K9": "IRN", "L0": "IRQ", "L2": "IRL", "L3": "ISR", "L6": "ITA",
    "L7": "CIV", "L8": "JAM", "L9": "SJM", "M0": "JPN", "M2": "JOR", "M3": "KEN",
    "M4": "PRK", "M5": "KOR", "M6": "KWT", "M7": "LAO", "M8": "LBN", "M9": "LSO",
    "N0": "LBR", "N1": "LBY", "N2": "LIE", "N4": "LUX", "N5": "MAC", "N6": "MDG",
    "N7": "MWI", "N8": "MYS", "N9": "MDV", "O0": "MLI", "O1": "MLT", "O2": "MTQ",
    "O3": "MRT", "O4": "MUS", "O5": "MEX", "O9": "MCO", "P0": "MNG", "P1": "MSR",
    "P2": "MAR", "P3": "MOZ", "P4": "OMN", "P5": "NRU", "P6": "NPL", "P7": "NLD",
    "Q1": "VNM", "Q2": "NZL", "Q3": "NIC", "Q4": "NER", "Q5": "NGA", "Q6": "NIU",
    "Q7": "NFK", "Q8": "NOR", "R0": "PAK", "R1": "PAN", "R2": "PNG", "R4": "PRY",
    "R5": "PER", "R6": "PHL", "R8": "PCN", "R9": "POL", "S0": "GNB", "S1": "PRT",
    "S3": "QAT", "S4": "REU", "S5": "ROU", "S6": "RWA", "S8": "SMR", "S9": "STP",
    "T0": "SAU", "T1": "SEN", "T2": "SYC", "T3": "ZAF", "T6": "NAM", "T7": "YEM",
    "T8": "SLE", "U0": "SGP", "U1": "SOM", "U3": "ESP", "U5": "ESH", "U7": "KNA",
    "U8": "SHN", "U9": "LCA", "V0": "SPM", "V1": "VCT", "V2": "SDN", "V3": "SUR",
    "V6": "SWZ", "V7": "SWE", "V8": "CHE", "V9": "SYR", "W0": "TZA", "W1": "THA",
    "W2": "TGO", "W3": "TKL", "W4": "TON", "W5": "TTO", "W6": "TUN", "W7": "TCA",
    "W8": "TUR", "W9": "UGA", "X0": "GBR", "X2": "BFA", "X3": "URY", "X4": "VAT",
    "X5": "VEN", "X8": "WLF", "Y0": "WSM", "Y3": "COD", "Y4": "ZMB", "Y5": "ZWE",
    "Y6": "ALA", "Y7": "GGY", "Y8": "IMN", "Y9": "JEY", "Z0": "BLM", "Z1": "MAF",
    "Z2": "SRB", "Z3": "TLS", "Z5": "MNE",
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
    if code in _FOREIGN:
        return _FOREIGN[code], ""
    return "", ""
