"""The PII guard: every release is read back and checked before it leaves (clause P6).

It reads the *file as written*, so nothing added by a later rendering step escapes it.
It fails closed: any doubt raises ``ReleaseBlocked`` and nothing is released.
"""

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass

from defusedxml import ElementTree

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
IPV4 = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")
IPV6 = re.compile(r"(?<![\w:])(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}(?![\w:])", re.IGNORECASE)
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
# A run of digits with phone punctuation holding at least 7 digits (E.164 has 8 to 15).
PHONE = re.compile(r"\+?\(?\d[\d ().-]{5,}\d")
MEMBER_ID = re.compile(
    r"(?:\b(?:member|user|account|customer)[\s_-]*(?:id|no|number|pk)?|\b(?:id|pk))\s*[#:=]?\s*\d+",
    re.IGNORECASE,
)
BARE_NUMBER = re.compile(r"^\s*#?\d+\s*$")


class ReleaseBlocked(Exception):
    """A release failed the PII guard; its message says what was found and where."""


@dataclass(frozen=True)
class Identity:
    """Values that identify members: emails and full names (lower case), and ids."""

    emails: frozenset[str]
    names: frozenset[str]


def check_text(*, text: str, where: str, identities: Identity) -> None:
    """Raise ``ReleaseBlocked`` when ``text`` (a label, a title, a header) looks like PII.

    Checked: email addresses, IPv4 and IPv6 addresses, telephone numbers (7+ digits
    with phone punctuation; ISO dates are allowed), member ids ("member 12", a bare
    number as a label), and the email or full name of any member.
    """
    lowered = text.lower()
    if EMAIL.search(text):
        raise ReleaseBlocked(f"Release refused: an email address in {where}.")
    if IPV4.search(text) or IPV6.search(text):
        raise ReleaseBlocked(f"Release refused: an IP address in {where}.")
    undated = ISO_DATE.sub(" ", text)
    for match in PHONE.finditer(undated):
        if sum(ch.isdigit() for ch in match.group()) >= 7:
            raise ReleaseBlocked(f"Release refused: a telephone number in {where}.")
    if MEMBER_ID.search(text) or BARE_NUMBER.match(text):
        raise ReleaseBlocked(f"Release refused: a member id in {where}.")
    if any(email in lowered for email in identities.emails):
        raise ReleaseBlocked(f"Release refused: a member's email address in {where}.")
    if any(name in lowered for name in identities.names):
        raise ReleaseBlocked(f"Release refused: a member's name in {where}.")


SUPPRESSED = "suppressed"


def check_csv(*, content: bytes, k: int, identities: Identity) -> None:
    """Check a released CSV (``#`` metadata lines, a header, then one row per label).

    Every label and header passes ``check_text``; every count cell is an integer of at
    least ``k`` or the ``suppressed`` marker, anything else refuses the release.
    Raises ``ReleaseBlocked``.
    """
    reader = csv.reader(io.StringIO(content.decode("utf-8")))
    header_seen = False
    for line_no, row in enumerate(reader, start=1):
        if not row:
            continue
        if row[0].startswith("#"):
            for cell in row:
                where = f"CSV line {line_no}"
                check_text(text=_without_settings(cell), where=where, identities=identities)
            continue
        if not header_seen:
            header_seen = True
            for cell in row:
                check_text(
                    text=cell, where=f"the CSV header ({cell[:40]!r})", identities=identities
                )
            continue
        check_text(text=row[0], where=f"CSV line {line_no}, the label", identities=identities)
        for col_no, cell in enumerate(row[1:], start=2):
            where = f"CSV line {line_no}, column {col_no}"
            if cell == SUPPRESSED:
                continue
            if not cell.isdigit():
                raise ReleaseBlocked(f"Release refused: {where} is neither a count nor suppressed.")
            if int(cell) < k:
                raise ReleaseBlocked(f"Release refused: a count below {k} in {where}.")


def _without_settings(cell: str) -> str:
    # Metadata lines state k and epsilon as numbers; they are parameters, not labels.
    return re.sub(r"(k|epsilon|generated)\s*[=:]\s*\S+", " ", cell)


def check_svg(*, content: bytes, identities: Identity) -> None:
    """Check a released SVG chart: every text node and title passes ``check_text``."""
    root = ElementTree.fromstring(content)
    for element in root.iter():
        for text in _texts(element.text, element.tail):
            check_text(text=text, where=f"the chart text {text[:40]!r}", identities=identities)
        for attr in ("aria-label",):
            if element.get(attr):
                check_text(
                    text=element.get(attr, ""), where="the chart label", identities=identities
                )


def _texts(*parts: str | None) -> Iterable[str]:
    for part in parts:
        if part and part.strip() and not part.strip().isdigit():
            yield part.strip()
