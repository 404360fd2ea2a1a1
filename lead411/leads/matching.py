"""Company-name normalisation, the basis for matching a company across sources."""

import re
import unicodedata

# Legal-form words that say nothing about which company it is. Stripped only at the
# end of a name, repeatedly ("Acme Holdings, Inc." -> "acme holdings").
LEGAL_SUFFIXES = frozenset(
    {
        "inc", "incorporated", "corp", "corporation", "co", "company", "llc", "ltd",
        "limited", "lp", "llp", "plc", "gmbh", "ag", "sa", "sas", "bv", "nv", "pte",
        "pty", "srl", "spa", "ab", "oy", "as", "kk",
    }
)  # fmt: skip
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)
_INITIALS = re.compile(r"\b\w(?: \w\b)+")


def normalize_company_name(name: str) -> str:
    """Return a company name reduced for comparison.

    Accents are folded (NFKD), case is dropped, punctuation becomes a space, and
    trailing legal-form words are removed: ``"ACME, Inc."`` and ``"Acme Inc"`` both
    give ``"acme"``. A name made only of a legal form keeps it (``"Inc."`` -> ``"inc"``).
    """
    folded = unicodedata.normalize("NFKD", name)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch)).casefold()
    spaced = _NON_WORD.sub(" ", folded.replace("_", " "))
    # Dotted initials ("L.L.C.", "S.A.") become one word ("llc", "sa").
    words = _INITIALS.sub(lambda m: m.group(0).replace(" ", ""), spaced).split()
    while len(words) > 1 and words[-1] in LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words)
