"""EDGAR state/country codes: the one form the leads keep a place of incorporation in,
their readable names, the leads' country and region for each, and readable address text.

US codes are the postal codes themselves; Canadian provinces have EDGAR codes A0..B0;
every other country has a code of its own ("E9" Cayman Islands, "X0" United Kingdom)
(EDGAR Filer Manual, "State and Country Codes"; the list in
``../shared/data/sec_edgar_reference/place_codes.csv``), mapped here to ISO 3166-1
alpha-3 by the country's name (``../shared/data/country_codes``). "P8" (Netherlands
Antilles, dissolved in 2010) has no ISO code today and is not mapped: the company keeps
an empty country rather than a wrong one.

``Company.state_of_incorporation`` holds the EDGAR code ("DE", "E9") whichever source
stated it: SEC headers and the submissions API give the code, a Form D's
``jurisdictionOfInc`` and an iXBRL cover give a name ("DELAWARE", "Delaware"), and
``incorporation_code`` turns either into the code. Pages show ``place_name`` of it.
US state names are the search's (``search.places.US_STATES``). The leads app (pages,
exports, API) and the EDGAR source both read this module.
"""

import re

from lead411.leads.search.places import US_STATES

_US = frozenset(US_STATES)
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


# EDGAR's own list of codes and places (place_codes.csv), the names in the case people
# write them; "KOREA REPUBLIC OF" is written as ISO 3166 writes it, "Korea, Republic of".
PLACE_NAMES = {
    **US_STATES,
    "VI": "Virgin Islands, U.S.",
    "X1": "United States",
    "A0": "Alberta, Canada", "A1": "British Columbia, Canada", "A2": "Manitoba, Canada",
    "A3": "New Brunswick, Canada", "A4": "Newfoundland, Canada", "A5": "Nova Scotia, Canada",
    "A6": "Ontario, Canada", "A7": "Prince Edward Island, Canada", "A8": "Quebec, Canada",
    "A9": "Saskatchewan, Canada", "B0": "Yukon, Canada", "Z4": "Canada (Federal Level)",
    "B2": "Afghanistan", "Y6": "Aland Islands", "B3": "Albania", "B4": "Algeria",
    "B5": "American Samoa", "B6": "Andorra", "B7": "Angola", "1A": "Anguilla", "B8": "Antarctica",
    "B9": "Antigua and Barbuda", "C1": "Argentina", "1B": "Armenia", "1C": "Aruba",
    "C3": "Australia", "C4": "Austria", "1D": "Azerbaijan", "C5": "Bahamas", "C6": "Bahrain",
    "C7": "Bangladesh", "C8": "Barbados", "1F": "Belarus", "C9": "Belgium", "D1": "Belize",
    "G6": "Benin", "D0": "Bermuda", "D2": "Bhutan", "D3": "Bolivia",
    "1E": "Bosnia and Herzegovina", "B1": "Botswana", "D4": "Bouvet Island", "D5": "Brazil",
    "D6": "British Indian Ocean Territory", "D9": "Brunei Darussalam", "E0": "Bulgaria",
    "X2": "Burkina Faso", "E2": "Burundi", "E3": "Cambodia", "E4": "Cameroon", "E8": "Cape Verde",
    "E9": "Cayman Islands", "F0": "Central African Republic", "F2": "Chad", "F3": "Chile",
    "F4": "China", "F6": "Christmas Island", "F7": "Cocos (Keeling) Islands", "F8": "Colombia",
    "F9": "Comoros", "G0": "Congo", "Y3": "Congo, the Democratic Republic of the",
    "G1": "Cook Islands", "G2": "Costa Rica", "L7": "Cote d'Ivoire", "1M": "Croatia",
    "G3": "Cuba", "G4": "Cyprus", "2N": "Czech Republic", "G7": "Denmark", "1G": "Djibouti",
    "G9": "Dominica", "G8": "Dominican Republic", "H1": "Ecuador", "H2": "Egypt",
    "H3": "El Salvador", "H4": "Equatorial Guinea", "1J": "Eritrea", "1H": "Estonia",
    "H5": "Ethiopia", "H7": "Falkland Islands (Malvinas)", "H6": "Faroe Islands", "H8": "Fiji",
    "H9": "Finland", "I0": "France", "I3": "French Guiana", "I4": "French Polynesia",
    "2C": "French Southern Territories", "I5": "Gabon", "I6": "Gambia", "2Q": "Georgia",
    "2M": "Germany", "J0": "Ghana", "J1": "Gibraltar", "J3": "Greece", "J4": "Greenland",
    "J5": "Grenada", "J6": "Guadeloupe", "J8": "Guatemala", "Y7": "Guernsey", "J9": "Guinea",
    "S0": "Guinea-Bissau", "K0": "Guyana", "K1": "Haiti",
    "K4": "Heard Island and McDonald Islands", "X4": "Holy See (Vatican City State)",
    "K2": "Honduras", "K3": "Hong Kong", "K5": "Hungary", "K6": "Iceland", "K7": "India",
    "K8": "Indonesia", "K9": "Iran, Islamic Republic of", "L0": "Iraq", "L2": "Ireland",
    "Y8": "Isle of Man", "L3": "Israel", "L6": "Italy", "L8": "Jamaica", "M0": "Japan",
    "Y9": "Jersey", "M2": "Jordan", "1P": "Kazakstan", "M3": "Kenya", "J2": "Kiribati",
    "M4": "Korea, Democratic People's Republic of", "M5": "Korea, Republic of", "M6": "Kuwait",
    "1N": "Kyrgyzstan", "M7": "Lao People's Democratic Republic", "1R": "Latvia", "M8": "Lebanon",
    "M9": "Lesotho", "N0": "Liberia", "N1": "Libyan Arab Jamahiriya", "N2": "Liechtenstein",
    "1Q": "Lithuania", "N4": "Luxembourg", "N5": "Macau",
    "1U": "Macedonia, the Former Yugoslav Republic of", "N6": "Madagascar", "N7": "Malawi",
    "N8": "Malaysia", "N9": "Maldives", "O0": "Mali", "O1": "Malta", "1T": "Marshall Islands",
    "O2": "Martinique", "O3": "Mauritania", "O4": "Mauritius", "2P": "Mayotte", "O5": "Mexico",
    "1K": "Micronesia, Federated States of", "1S": "Moldova, Republic of", "O9": "Monaco",
    "P0": "Mongolia", "Z5": "Montenegro", "P1": "Montserrat", "P2": "Morocco", "P3": "Mozambique",
    "E1": "Myanmar", "T6": "Namibia", "P5": "Nauru", "P6": "Nepal", "P7": "Netherlands",
    "P8": "Netherlands Antilles", "1W": "New Caledonia", "Q2": "New Zealand", "Q3": "Nicaragua",
    "Q4": "Niger", "Q5": "Nigeria", "Q6": "Niue", "Q7": "Norfolk Island",
    "1V": "Northern Mariana Islands", "Q8": "Norway", "P4": "Oman", "R0": "Pakistan",
    "1Y": "Palau", "1X": "Palestinian Territory, Occupied", "R1": "Panama",
    "R2": "Papua New Guinea", "R4": "Paraguay", "R5": "Peru", "R6": "Philippines",
    "R8": "Pitcairn", "R9": "Poland", "S1": "Portugal", "S3": "Qatar", "S4": "Reunion",
    "S5": "Romania", "1Z": "Russian Federation", "S6": "Rwanda", "Z0": "Saint Barthelemy",
    "U8": "Saint Helena", "U7": "Saint Kitts and Nevis", "U9": "Saint Lucia",
    "Z1": "Saint Martin", "V0": "Saint Pierre and Miquelon",
    "V1": "Saint Vincent and the Grenadines", "Y0": "Samoa", "S8": "San Marino",
    "S9": "Sao Tome and Principe", "T0": "Saudi Arabia", "T1": "Senegal", "Z2": "Serbia",
    "T2": "Seychelles", "T8": "Sierra Leone", "U0": "Singapore", "2B": "Slovakia",
    "2A": "Slovenia", "D7": "Solomon Islands", "U1": "Somalia", "T3": "South Africa",
    "1L": "South Georgia and the South Sandwich Islands", "U3": "Spain", "F1": "Sri Lanka",
    "V2": "Sudan", "V3": "Suriname", "L9": "Svalbard and Jan Mayen", "V6": "Swaziland",
    "V7": "Sweden", "V8": "Switzerland", "V9": "Syrian Arab Republic", "F5": "Taiwan",
    "2D": "Tajikistan", "W0": "Tanzania, United Republic of", "W1": "Thailand",
    "Z3": "Timor-Leste", "W2": "Togo", "W3": "Tokelau", "W4": "Tonga",
    "W5": "Trinidad and Tobago", "W6": "Tunisia", "W8": "Turkey", "2E": "Turkmenistan",
    "W7": "Turks and Caicos Islands", "2G": "Tuvalu", "W9": "Uganda", "2H": "Ukraine",
    "C0": "United Arab Emirates", "X0": "United Kingdom",
    "2J": "United States Minor Outlying Islands", "X3": "Uruguay", "2K": "Uzbekistan",
    "2L": "Vanuatu", "X5": "Venezuela", "Q1": "Viet Nam", "D8": "Virgin Islands, British",
    "X8": "Wallis and Futuna", "U5": "Western Sahara", "T7": "Yemen", "Y4": "Zambia",
    "Y5": "Zimbabwe", "XX": "Unknown",
}  # fmt: skip
# Other names sources use for a place EDGAR names otherwise (keys as ``_name_key`` gives them).
_ALIASES = {
    "BRITISH VIRGIN ISLANDS": "D8", "US VIRGIN ISLANDS": "VI", "SOUTH KOREA": "M5",
    "NORTH KOREA": "M4", "ENGLAND": "X0", "ENGLAND AND WALES": "X0", "SCOTLAND": "X0",
    "GREAT BRITAIN": "X0", "THE NETHERLANDS": "P7", "UNITED STATES OF AMERICA": "X1",
    "USA": "X1", "NEWFOUNDLAND AND LABRADOR": "A4", "REPUBLIC OF KOREA": "M5",
    "KAZAKHSTAN": "1P", "VIETNAM": "Q1", "RUSSIA": "1Z", "MACAO": "N5",
}  # fmt: skip
# Words a source puts before a state's name: "State of Delaware", "Commonwealth of Virginia".
_NAME_PREFIXES = ("STATE OF ", "COMMONWEALTH OF ")


def _name_key(name: str) -> str:
    """Upper case, punctuation dropped, one space between words: "Korea, Republic of" ->
    "KOREA REPUBLIC OF"."""
    return " ".join(re.sub(r"[^\w\s]", " ", name).upper().split())


def _codes_by_name() -> dict[str, str]:
    """Every name key to its code. A name two places share ("GEORGIA") is the US state's:
    the US rows come first in EDGAR's list and the first one is kept."""
    codes: dict[str, str] = {}
    for code, name in PLACE_NAMES.items():
        key = _name_key(name)
        codes.setdefault(key, code)
        if key.endswith(" CANADA") and code != "Z4":  # "ONTARIO CANADA" is also "Ontario"
            codes.setdefault(key.removesuffix(" CANADA"), code)
    for key, code in _ALIASES.items():
        codes.setdefault(key, code)
    return codes


_CODES_BY_NAME = _codes_by_name()


def incorporation_code(value: str) -> str:
    """Return the EDGAR code of a place of incorporation as a source states it.

    A code ("DE", "e9") comes back upper-cased; a name ("DELAWARE", "Delaware",
    "State of Delaware", "Cayman Islands", "Ontario") becomes its code ("DE", "E9",
    "A6"). A value that is neither is returned as stated (stripped), so nothing a source
    said is lost; ``""`` stays ``""``. Idempotent: the result maps to itself.
    """
    text = value.strip()
    if not text:
        return ""
    if text.upper() in PLACE_NAMES:
        return text.upper()
    key = _name_key(text)
    for prefix in _NAME_PREFIXES:
        if key.startswith(prefix) and key.removeprefix(prefix) in _CODES_BY_NAME:
            key = key.removeprefix(prefix)
    return _CODES_BY_NAME.get(key, text)


def place_name(code: str) -> str:
    """Return the readable name of an EDGAR code ("DE" -> "Delaware", "E9" -> "Cayman
    Islands", "A6" -> "Ontario, Canada"); any other value as it is."""
    return PLACE_NAMES.get(code.strip().upper(), code) if len(code.strip()) == 2 else code


# Address words kept in capitals: compass points and the post-office box.
_UPPER_WORDS = frozenset({"N", "S", "E", "W", "NE", "NW", "SE", "SW", "PO", "P.O.", "US", "U.S."})
# Joining words written in lower case inside a name: "Avenue of the Americas".
_LOWER_WORDS = frozenset({"OF", "THE", "AND", "AT"})
_STATE_CODES = _US | {"AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"}
_ORDINAL_RE = re.compile(r"^(\d+)(ST|ND|RD|TH)(\W*)$")
_ZIP_RE = re.compile(r"^\d{5}(?:-\d{4})?\W*$")
_FIRST_LETTER_RE = re.compile(r"[a-z]")


def readable_case(text: str) -> str:
    """Return an address line or city EDGAR printed in capitals in the case people write.

    Only a value with no lower-case letter is changed ("1 TESLA ROAD" -> "1 Tesla Road",
    "AUSTIN" -> "Austin"); mixed case is a source's own spelling and is left alone. The
    rules, kept simple: each word is capitalised ("MCDONALD" -> "Mcdonald": surnames
    and acronyms such as "CNN" are not known, a limit accepted); compass points ("NW",
    "W."), "PO" and "U.S." stay in capitals; ordinals are lower-cased after the number
    ("1ST" -> "1st"); a word with another digit ("A-32", "12B") is kept as printed; "of",
    "the", "and", "at" are lower case inside the value; a US state or Canadian province
    code after a comma or before a ZIP code ("AUSTIN, TX 78701") stays in capitals.
    """
    if not any(c.isalpha() for c in text) or text != text.upper():
        return text
    words = text.split(" ")
    out: list[str] = []
    for index, word in enumerate(words):
        bare = word.strip(",;")
        after_comma = index > 0 and words[index - 1].endswith(",")
        before_zip = index + 1 < len(words) and bool(_ZIP_RE.match(words[index + 1]))
        ordinal = _ORDINAL_RE.match(word)
        keep = bare in _UPPER_WORDS or bare.rstrip(".") in _UPPER_WORDS
        keep = keep or (bare in _STATE_CODES and (after_comma or before_zip))
        if not bare or keep:
            out.append(word)
        elif ordinal:
            out.append(ordinal.group(1) + ordinal.group(2).lower() + ordinal.group(3))
        elif any(c.isdigit() for c in word):
            out.append(word)
        elif bare in _LOWER_WORDS and 0 < index < len(words) - 1:
            out.append(word.lower())
        else:
            out.append(_capitalise(word))
    return " ".join(out)


def _capitalise(word: str) -> str:
    """ "O'HARE" -> "O'Hare", "PEOPLE'S" -> "People's", "WILKES-BARRE" -> "Wilkes-Barre"."""
    parts = re.split(r"([-/'])", word)
    out = []
    for index, part in enumerate(parts):
        after_apostrophe = index > 0 and parts[index - 1] == "'"
        if after_apostrophe and len(part) == 1:  # a possessive or contraction: "'S", "'T"
            out.append(part.lower())
        else:
            # The first letter, not the first character: "(REAR)" -> "(Rear)".
            out.append(_FIRST_LETTER_RE.sub(lambda m: m.group().upper(), part.lower(), count=1))
    return "".join(out)
