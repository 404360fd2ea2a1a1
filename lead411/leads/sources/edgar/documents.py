# EDGAR text uses typographic quotes and dashes (’ “ ” –); the patterns must match them.
# ruff: noqa: RUF001, RUF003
"""Read Form 8-K documents: which items they report, who joins or leaves, what changes hands.

Input is a filing in any shape EDGAR serves (see ``submission.read_submission``); output
is an ``EightKDocument`` of typed records. Pure functions over bytes: no database, no
network. The rules follow the form itself (SEC Form 8-K, General Instructions B and
Items 2.01 and 5.02; before 23 August 2004 the same events were old Item 2
"Acquisition or Disposition of Assets" and Item 5 "Other Events"):

* **Items** are the ``Item N.NN`` (or old ``Item N``) headings of the primary document.
  A table of contents repeats the headings; the longest section of each item is its
  body. An item cited inside a sentence ("Item 2.02 of this report") is no heading.
* **Executive changes** (Item 5.02, old Item 5) come from sentences where a person
  named in full is the subject or object of an appointment verb (appointed, named,
  elected, hired, became, transitioned to) or of a departure verb (resign, retire,
  step down, not stand for re-election). A role held "of" another company is not a
  change at the registrant (a new job elsewhere, a past employer), nor is a sentence
  telling past history ("was appointed Treasurer in January 2000"). Compensation,
  employment-agreement extensions and re-elections name people but move nobody, so
  they yield no record. Signers and people quoted outside the item never count: only
  the item text is read.
* **Transactions** (Item 2.01, old Item 2): the registrant acquires (``acquired``,
  ``completed its acquisition of``, ``purchased``, ``sold ... to <registrant>``) or
  disposes (``completed the sale ... to``, ``transferred to``); the counterparty is
  the target for an acquisition and the buyer for a disposition. The price is the
  first amount in the sentence stating the consideration, kept as written and, when
  in US dollars, as a number.
"""

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import PurePath

from lead411.leads.sources.edgar.parsers import EdgarParseError, pad_cik
from lead411.leads.sources.edgar.submission import read_submission

MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
DATE_RE = re.compile(rf"\b({MONTHS})\s+(\d{{1,2}}),?\s+(\d{{4}})\b")
_DATE = rf"(?:{MONTHS})\s+\d{{1,2}},?\s+\d{{4}}"

# "Item 5.02", "ITEM 2.", "Item 5 - Other Events"; the number may sit alone on its line.
_HEADING_RE = re.compile(
    r"^item\s*(\d{1,2}(?:\.\d{2})?)(?=[\s.:\-(]|$)\.?[ \t]*(?![a-z])(.*)$",
    re.IGNORECASE | re.MULTILINE,
)
_END_RE = re.compile(r"^(?:signatures?|exhibit index)\b", re.IGNORECASE | re.MULTILINE)
_EXACT_NAME_RE = re.compile(r"([^\n]*?)\s*\n?\s*\(exact name of registrant", re.IGNORECASE)
_REPORT_DATE_RE = re.compile(
    rf"date of report\b[^\n]*?(?:\n\s*)?[^\n]*?({_DATE})(?:\s*\(({_DATE})\))?",
    re.IGNORECASE,
)
# "1001039_8K_2015_0001001039-15-000150.htm": no word boundary before the accession.
ACCESSION_IN_NAME_RE = re.compile(r"(?<!\d)(\d{10}-\d{2}-\d{6})(?!\d)")
_CIK_FACT_RE = re.compile(r'name="dei:EntityCentralIndexKey"[^>]*>\s*(\d{1,10})\s*<')

# Long enough for a three-part consideration (shares, cash, earn-out).
PRICE_TEXT_CHARS = 500
EXECUTIVE_ITEMS = frozenset({"5.02"})
TRANSACTION_ITEMS = frozenset({"2.01"})
# Before August 2004 (SEC Release 33-8400) 8-K items were single digits.
OLD_EXECUTIVE_ITEMS = frozenset({"5"})
OLD_TRANSACTION_ITEMS = frozenset({"2"})


class Change(StrEnum):
    """What happens to the person: they take up a role, or leave one."""

    APPOINTMENT = "appointment"
    DEPARTURE = "departure"


class Direction(StrEnum):
    """Which side of a deal the registrant is on."""

    ACQUISITION = "acquisition"
    DISPOSITION = "disposition"


@dataclass(frozen=True, slots=True)
class ExecutiveChange:
    """One person who joins or leaves a role at the registrant.

    ``role`` is the title as written, abbreviations expanded ("CEO" -> "Chief
    Executive Officer"), board seats as "Director". ``previous_role`` is set when the
    text says the person moves from one role to another. ``effective_on`` is the date
    the text states ("effective July 1, 2015", "commencing as of", "will retire ... on",
    the annual meeting a director leaves at), else the date of the sentence that
    reports it ("On May 27, 2015, ..."), else ``None``.
    """

    name: str
    role: str
    change: Change
    effective_on: dt.date | None
    item: str
    previous_role: str = ""

    def summary(self) -> str:
        """Return the one-line lead summary: ``"Jane Roe appointed Chief Financial Officer"``."""
        verb = "appointed" if self.change is Change.APPOINTMENT else "leaves as"
        text = f"{self.name} {verb} {self.role}" if self.role else f"{self.name} {verb[:-3]}"
        if self.previous_role:
            text += f" (previously {self.previous_role})"
        return text


@dataclass(frozen=True, slots=True)
class Transaction:
    """An acquisition or disposition the registrant reports (Item 2.01, old Item 2).

    ``counterparty`` is the company acquired (acquisition) or the buyer (disposition).
    ``seller`` names who sold the target to the registrant when the text says so;
    ``asset`` what was sold when it is not a company ("Document Imaging division").
    ``price_text`` is the consideration as written (at most ``PRICE_TEXT_CHARS``);
    ``price_usd`` its first US-dollar amount, in dollars, when there is one.
    """

    direction: Direction
    counterparty: str
    item: str
    seller: str = ""
    asset: str = ""
    price_text: str = ""
    price_usd: Decimal | None = None
    completed_on: dt.date | None = None

    def summary(self, company_name: str) -> str:
        """Return the one-line lead summary naming both sides and the price when stated."""
        price = f" for {self.price_text_short}" if self.price_text_short else ""
        if self.direction is Direction.ACQUISITION:
            seller = f" from {self.seller}" if self.seller else ""
            return f"{company_name} acquires {self.counterparty}{seller}{price}"
        what = self.asset or "assets"
        return f"{company_name} sells {what} to {self.counterparty}{price}"

    @property
    def price_text_short(self) -> str:
        """The price in a few words: its first amount as written ("approximately $14.7
        million"), else a share exchange ratio ("stock, 0.96386 of a share for each
        share"), else ``""``. A par value ("par value $0.0625 per share") is no price."""
        found = _MONEY_RE.search(self.price_text)
        if found:
            return found.group(0)
        ratio = _EXCHANGE_RATIO_RE.search(self.price_text)
        return f"stock, {ratio.group('ratio')} of a share for each share" if ratio else ""


@dataclass(frozen=True, slots=True)
class ItemSection:
    """One item of the document: its number ("5.02", or "5" before 2004), title, body text."""

    number: str
    title: str
    text: str


@dataclass(frozen=True)
class EightKDocument:
    """What an 8-K says, as typed records.

    ``cik`` is 10 digits zero-padded, from the SEC header or the inline-XBRL cover;
    empty when the file carries neither (a single ``<DOCUMENT>`` block). ``items``
    are the item numbers of the document in order; the header's list when the body
    has no headings. ``report_date`` is the cover's date of the earliest event.
    """

    form_type: str
    accession: str
    cik: str
    company_name: str
    filed_on: dt.date | None
    report_date: dt.date | None
    items: tuple[str, ...]
    sections: tuple[ItemSection, ...]
    executive_changes: tuple[ExecutiveChange, ...]
    transactions: tuple[Transaction, ...]
    # The SEC header's business address (empty without a header); state as an EDGAR code.
    city: str = ""
    state_code: str = ""
    street_address: str = ""
    postal_code: str = ""
    # The SEC header's SIC code ("2834") and state of incorporation ("DE"); empty without one.
    sic_code: str = ""
    state_of_incorporation: str = ""

    def summaries(self) -> list[str]:
        """Return one lead summary per person and per transaction, in document order."""
        return [change.summary() for change in self.executive_changes] + [
            deal.summary(self.company_name) for deal in self.transactions
        ]


def parse_8k(data: bytes, *, origin: str = "") -> EightKDocument:
    """Parse an 8-K in any EDGAR shape into items, executive changes and transactions.

    ``origin`` (a file name or URL) is used for messages and, when the file has no
    SEC header, to find the accession number in the name. Raises EdgarParseError for
    an empty or binary file, a filing of another form, or a page that is no 8-K (an
    HTML error page: no item headings and no "Form 8-K" cover).
    """
    where = origin or "document"
    try:
        submission = read_submission(data)
        primary = submission.primary()
    except EdgarParseError as exc:
        raise EdgarParseError(f"{where}: {exc}") from exc
    form_type = submission.form_type or primary.doc_type or "8-K"
    if not form_type.upper().startswith("8-K"):
        raise EdgarParseError(f"{where}: a {form_type} filing, not an 8-K")
    text = primary.text()
    sections = item_sections(text)
    if not sections and not re.search(r"form\s+8-k", text[:3000], re.IGNORECASE):
        raise EdgarParseError(f"{where}: no 8-K item headings and no Form 8-K cover")
    company_name = submission.company_name or cover_name(text)
    registrant = _registrant_names(company_name, text)
    changes: list[ExecutiveChange] = []
    deals: list[Transaction] = []
    for section in sections:
        if section.number in EXECUTIVE_ITEMS | OLD_EXECUTIVE_ITEMS:
            changes.extend(executive_changes(section, registrant=registrant))
        if section.number in TRANSACTION_ITEMS | OLD_TRANSACTION_ITEMS:
            deals.extend(transactions(section, registrant=registrant))
    items = tuple(s.number for s in sections) or submission.items
    return EightKDocument(
        form_type=form_type,
        accession=submission.accession or _accession_from(origin),
        cik=submission.cik or _cover_cik(primary.body),
        company_name=company_name,
        filed_on=submission.filed_on,
        report_date=_report_date(text) or submission.period,
        items=items,
        sections=sections,
        executive_changes=tuple(_merge(changes)),
        transactions=tuple(deals),
        city=submission.business_city,
        state_code=submission.business_state,
        street_address=submission.business_street,
        postal_code=submission.business_zip,
        sic_code=submission.sic,
        state_of_incorporation=submission.state_of_incorporation,
    )


def _accession_from(origin: str) -> str:
    found = ACCESSION_IN_NAME_RE.search(PurePath(origin).name) if origin else None
    return found.group(1) if found else ""


def _cover_cik(body: str) -> str:
    found = _CIK_FACT_RE.search(body)
    return pad_cik(found.group(1)) if found else ""


def cover_name(text: str) -> str:
    """Return the registrant's name as the cover prints it above "(Exact name of registrant"."""
    found = _EXACT_NAME_RE.search(text[:6000])
    return found.group(1).strip() if found else ""


def _report_date(text: str) -> dt.date | None:
    """The cover's date of the earliest event: the parenthesised date when two are given."""
    found = _REPORT_DATE_RE.search(text[:6000])
    if not found:
        return None
    return parse_date(found.group(2) or found.group(1))


def parse_date(value: str) -> dt.date | None:
    """Return the date in ``"July 1, 2015"`` / ``"November 09, 2023"``; ``None`` if absent."""
    found = DATE_RE.search(value)
    if not found:
        return None
    try:
        return dt.datetime.strptime(" ".join(found.groups()), "%B %d %Y").date()
    except ValueError:
        return None


def item_sections(text: str) -> tuple[ItemSection, ...]:
    """Split a document's text into its item sections, in document order.

    A section runs from its heading to the next heading or the signatures. When a
    heading occurs twice (a table of contents), the longer section is kept.
    """
    headings = list(_HEADING_RE.finditer(text))
    best: dict[str, ItemSection] = {}
    order: list[str] = []
    for index, heading in enumerate(headings):
        end = headings[index + 1].start() if index + 1 < len(headings) else len(text)
        body = text[heading.end() : end]
        stop = _END_RE.search(body)
        if stop:
            body = body[: stop.start()]
        number = heading.group(1)
        title = heading.group(2).strip()
        if not title:
            # The title in the next table cell: "Item 5.02." / "Departure of Directors ...".
            first, _, rest = body.strip().partition("\n")
            if first and not first.startswith("(") and len(first) < 300:
                title, body = first, rest
        section = ItemSection(number=number, title=title, text=body.strip())
        if number not in best:
            order.append(number)
            best[number] = section
        elif len(section.text) > len(best[number].text):
            best[number] = section
    return tuple(best[number] for number in order)


# Sentences -------------------------------------------------------------------------

_ABBREVIATIONS = frozenset(
    {"mr", "mrs", "ms", "dr", "jr", "sr", "inc", "corp", "co", "ltd", "no", "st", "vs",
     "u.s", "l.p", "l.l.c", "n.a", "esq", "prof", "gen", "messrs"}
)  # fmt: skip


def sentences(text: str) -> list[str]:
    """Split text into sentences; "Mr.", "Inc.", "Corp." and initials ("Gary S.") end none."""
    out: list[str] = []
    for line in text.split("\n"):
        start = 0
        for match in re.finditer(r"[.;!?](?=[\"”’)]?\s+[\"“(]?[A-Z0-9])", line):
            word = re.search(r"([\w.]+)$", line[start : match.start()])
            token = word.group(1).lower() if word else ""
            if token in _ABBREVIATIONS or re.fullmatch(r"[a-z]", token):
                continue
            out.append(line[start : match.end()].strip())
            start = match.end()
        tail = line[start:].strip()
        if tail:
            out.append(tail)
    return out


# Names and roles --------------------------------------------------------------------

# A word of a title or an organisation is never part of a name ("Christine M. McCarthy
# Senior Executive Vice President": the name ends before "Senior").
_TITLE_WORDS = (
    "Senior|Executive|Vice|Chief|President|Director|Directors|Chairman|Chair|Board|Company|"
    "Interim|Acting|Corporate|General|Principal|Treasurer|Secretary|Officer|The|And|Of"
)
# Letters with accents too ("José Roé"): Latin-1 upper and lower case ranges.
_UPPER = "A-ZÀ-ÖØ-Þ"
_LOWER = "a-zß-öø-ÿ"
_NAME_WORD = (
    rf"(?!(?:{_TITLE_WORDS})\b)(?:Mc|Mac|O['’]|De|Di|La|Van)?[{_UPPER}][{_LOWER}]+"
    rf"(?:-[{_UPPER}][{_LOWER}]+)?"
)
_INITIAL = rf"[{_UPPER}]\."
# "Gary S. Shedlin", "V. James Vena", "Dina Powell McCormick", "R. Andrew Dickson III".
NAME = (
    rf"(?:(?:Dr|Mr|Mrs|Ms)\.\s+)?(?:{_NAME_WORD}|{_INITIAL})"
    rf"(?:\s+(?:{_NAME_WORD}|{_INITIAL})){{0,2}}\s+{_NAME_WORD}(?:,?\s+(?:Jr\.|Sr\.|III|II|IV))?"
)
_NAMES = rf"{NAME}(?:(?:\s*,\s*|\s*,?\s+and\s+){NAME})*"
_NAME_RE = re.compile(NAME)
# Capitalised words that make a phrase a title or an organisation, never a person.
_NOT_NAME_WORDS = frozenset(
    [
        "the",
        "a",
        "an",
        "on",
        "in",
        "of",
        "and",
        "board",
        "company",
        "corporation",
        "inc",
        "chief",
        "officer",
        "executive",
        "president",
        "vice",
        "director",
        "directors",
        "chairman",
        "chair",
        "senior",
        "financial",
        "operating",
        "committee",
        "bank",
        "group",
        "holdings",
        "registrant",
        "annual",
        "meeting",
        "item",
        "form",
        "current",
        "report",
        "section",
        "agreement",
        "plan",
        "stock",
        "common",
        "exchange",
        "commission",
        "securities",
        "new",
        "york",
        "additionally",
        "also",
        "each",
        "following",
        "pursuant",
        "under",
        "effective",
        "as",
        "previously",
        "compensation",
        "appointment",
        "election",
        "departure",
        "resignation",
        "retirement",
        "however",
    ]
)

_ROLE_WORDS = frozenset(
    [
        "acting",
        "interim",
        "executive",
        "senior",
        "vice",
        "president",
        "chief",
        "officer",
        "financial",
        "operating",
        "strategy",
        "accounting",
        "principal",
        "director",
        "directors",
        "chairman",
        "chair",
        "co-chairman",
        "vice-chairman",
        "chairwoman",
        "treasurer",
        "secretary",
        "controller",
        "counsel",
        "general",
        "member",
        "technology",
        "information",
        "marketing",
        "revenue",
        "legal",
        "people",
        "human",
        "resources",
        "lending",
        "credit",
        "customer",
        "brand",
        "administrative",
        "investment",
        "risk",
        "compliance",
        "independent",
        "lead",
        "corporate",
        "deputy",
        "assistant",
        "head",
        "global",
        "division",
        "business",
        "elect",
        "designate",
        "non-executive",
        "and",
        "of",
        "board",
        "the",
    ]
)
_ROLE_KEYWORDS = re.compile(
    r"officer|president|chair|director|treasurer|secretary|controller|counsel|"
    r"member of the board|head of|ceo|cfo|coo|cto|cao|cio|cmo",
    re.IGNORECASE,
)
_ABBREVIATED_ROLES = {
    "CEO": "Chief Executive Officer",
    "CFO": "Chief Financial Officer",
    "COO": "Chief Operating Officer",
    "CTO": "Chief Technology Officer",
    "CAO": "Chief Accounting Officer",
    "CIO": "Chief Information Officer",
    "CMO": "Chief Marketing Officer",
}
_ORG_SUFFIX = (
    r"(?:Inc\b\.?|Incorporated|Corporation|Corp\b\.?|Company|Co\.|Ltd\b\.?|Limited|LLC|"
    r"L\.L\.C\.|L\.P\.|LP|plc|N\.V\.|S\.A\.|AG|GmbH|Group|Bancorp|Holdings)"
)
_ORG_WORD = r"(?:[A-Z][\w&'’.-]*|of|and|&|de)"
ORG = (
    rf"(?:[A-Z]|[a-z]{{1,3}}[A-Z])[\w&'’.-]*(?:\s+{_ORG_WORD}){{0,6}}?,?\s+{_ORG_SUFFIX}"
    rf"(?:,?\s+(?:Ltd\.?|Inc\.?|Limited|LLC))?"
)
_ORG_RE = re.compile(ORG)
_LEGAL_SUFFIX_RE = re.compile(
    r"[,\s]+(?:inc|incorporated|corporation|corp|company|co|ltd|limited|llc|l\.l\.c|lp|l\.p|plc)\.?$",
    re.IGNORECASE,
)


def is_person_name(value: str) -> bool:
    """True when ``value`` reads as a person's name: no word of a title or an organisation."""
    # Initials ("Carl A. Nelson") are parts of names, never title words.
    words = [w for w in re.findall(r"[^\W\d_]+", value) if len(w) > 1]
    honorific = {"dr", "mr", "mrs", "ms", "jr", "sr"}
    return len([w for w in words if w.lower() not in honorific]) >= 2 and not any(
        w.lower() in _NOT_NAME_WORDS for w in words
    )


def _clean_name(value: str) -> str:
    return re.sub(r"^(?:Dr|Mr|Mrs|Ms)\.\s+", "", value.strip())


def _split_names(value: str) -> list[str]:
    return [_clean_name(m.group(0)) for m in _NAME_RE.finditer(value) if is_person_name(m.group(0))]


def _normalise_org(value: str) -> str:
    value = re.sub(r"\s*/\w+/?\s*$", "", value)  # "STOCKWALK GROUP INC /MN/"
    value = _LEGAL_SUFFIX_RE.sub("", value.strip().rstrip(",."))
    return " ".join(re.sub(r"[^\w\s]", " ", value).lower().split())


def _registrant_names(company_name: str, text: str) -> frozenset[str]:
    """The names the document uses for the registrant, normalised (for "of <org>" checks).

    The cover name and header name, plus every defined short name in the text
    ("(the “Company”)", "(“FedEx” or the “Company”)", "(“TBS”)") whose definition
    follows the registrant's name.
    """
    names = {"the company", "company", "the registrant", "registrant", "us", "the corporation"}
    for name in (company_name, cover_name(text)):
        if name:
            names.add(_normalise_org(name))
    first = _normalise_org(company_name).split(" ")[0] if company_name else ""
    for match in re.finditer(
        r"([A-Z][\w.,&'’ -]{1,80}?)\s*\((?:the\s+)?[“\"]([^”\"]+)[”\"](?:\s+or\s+(?:the\s+)?[“\"]([^”\"]+)[”\"])?\)",
        text,
    ):
        defined = _normalise_org(match.group(1))
        if first and (defined.endswith(first) or first in defined.split()):
            for short in match.group(2, 3):
                if short:
                    names.add(_normalise_org(short))
                    names.add("the " + _normalise_org(short))
    return frozenset(n for n in names if n)


def _is_registrant(org: str, registrant: frozenset[str]) -> bool:
    name = _normalise_org(re.sub(r"['’]s$", "", org.strip()))
    return name in registrant or any(name == r or r.startswith(name + " ") for r in registrant)


def _role_from(text: str) -> tuple[str, str]:
    """Read a title at the start of ``text``; return (role, rest after the role).

    "a member of the Board of Directors" and "directors" read as "Director"; the role
    ends at a comma, a parenthesis, "effective", "of <organisation>" or a verb. An
    empty role means the text starts with no title.
    """
    text = re.sub(r"^(?:as|to serve as|to the (?:position|role|office) of|to)\s+", "", text)
    text = re.sub(r"^(?:a|an|the|its|our|the Company['’]s)\s+", "", text, flags=re.IGNORECASE)
    board = re.match(
        r"(?:a\s+)?(?:member of (?:the|its|our)\s+(?:[\w’'.]+\s+){0,3}Board(?: of Directors)?|"
        r"directors?|(?:[\w’'.]+\s+){0,3}Board of Directors)\b",
        text,
        re.IGNORECASE,
    )
    if board:
        return "Director", text[board.end() :]
    words: list[str] = []
    position = 0
    for match in re.finditer(r"[A-Za-z][\w’'–-]*|\S", text):
        word = match.group(0)
        lowered = word.lower()
        if lowered in {"of", "the"} and words:
            # "Executive Vice President of Finance" keeps going; "of <Org>" ends the role.
            after = text[match.end() :].lstrip()
            if lowered == "of" and re.match(r"(?:Finance|Operations|Sales|Marketing)\b", after):
                words.append(word)
                position = match.end()
                continue
            break
        if word in _ABBREVIATED_ROLES:
            words.append(_ABBREVIATED_ROLES[word])
        elif lowered in _ROLE_WORDS or re.fullmatch(r"[A-Z][\w’'–-]*", word):
            if lowered == "and" and not re.match(
                r"\s+(?:[A-Z]|acting|interim|chief|principal)", text[match.end() :]
            ):
                break
            words.append(word)
        else:
            break
        position = match.end()
    while words and words[-1].lower() in {"and", "of", "the"}:
        words.pop()
    role = " ".join(words)
    if not _ROLE_KEYWORDS.search(role):
        return "", text
    return role, text[position:]


def _other_company(rest: str, registrant: frozenset[str]) -> bool:
    """True when the role just read continues "of <an organisation that is not the registrant>"."""
    found = re.match(
        rf"\s*(?:\([^)]*\)\s*)?of\s+((?:the\s+)?{ORG}|the Company|the Registrant|[A-Z][\w’'&.-]*(?:\s+[A-Z][\w’'&.-]*){{0,4}})",
        rest,
    )
    if not found:
        return False
    org = found.group(1)
    return not _is_registrant(org, registrant)


def _effective_date(clause: str, sentence: str, *, change: Change) -> dt.date | None:
    """The stated effective date in ``clause``, else the sentence's "On <date>,"."""
    if re.search(r"effective\s+(?:upon|on the|as of the)\s+(?!\w+\s+\d)", clause, re.IGNORECASE):
        return None
    stated = re.search(
        rf"(?:effective|commencing|starting|beginning)(?:\s+(?:as of|on|from))?\s+({_DATE})"
        rf"|(?:resign|retire|step down|leave)\w*(?:\s+from\s+[^,.]{{0,60}}?)?\s+(?:on|as of)\s+({_DATE})"
        rf"|annual meeting[^.]{{0,80}}?\bon\s+({_DATE})",
        clause,
        re.IGNORECASE,
    )
    if stated:
        return parse_date(next(g for g in stated.groups() if g))
    return _sentence_date(sentence)


def _sentence_date(sentence: str) -> dt.date | None:
    """The date a sentence opens with: "(b) On May 27, 2015, ...", "Additionally, on ..."."""
    on = re.match(
        rf"^(?:\([a-z]\)[\s,and()a-z]*)?(?:\w+,\s+)?on\s+({_DATE})", sentence.strip(), re.IGNORECASE
    )
    return parse_date(on.group(1)) if on else None


# Executive changes ------------------------------------------------------------------

_APPOINT_VERB = r"(?:appointed|named|elected|hired|promoted|designated)"
_HISTORY_RE = re.compile(
    rf"\b(?:in|since|from)\s+(?:(?:{MONTHS})\s+)?\d{{4}}\b(?!,)|\bprior to\b|\bpreviously served\b|"
    r"\bformerly\b|\bserved as\b",
    re.IGNORECASE,
)
# The company's board/committee appointed NAMES (as) ROLE; the appointment of NAMES as ROLE.
_APPOINT_OBJECT_RE = re.compile(
    rf"\b(?:{_APPOINT_VERB}|(?:the\s+)?(?:appointment|election|hiring|promotion)\s+of)\s+"
    rf"(?:each of\s+)?(?P<names>{_NAMES})(?:,\s*(?:age\s+)?\d{{2}},)?\s*,?\s*(?=(?P<rest>.*))"
)
# NAMES (, appositive,) was/has been appointed (by ...) (as) ROLE; NAMES became ROLE.
_APPOINT_SUBJECT_RE = re.compile(
    rf"(?P<names>{_NAMES})(?:,\s*(?P<appositive>[^,]{{1,100}}),)?\s+"
    rf"(?:(?:had|has|have)\s+been|was|were|will be|is|are|has|had)\s+{_APPOINT_VERB}\b"
    rf"(?:\s+by\s+.{{1,80}}?(?=\s+(?:to|as)\b))?\s*(?=(?P<rest>.*))"
)
_BECAME_RE = re.compile(rf"(?P<names>{_NAMES})\s+(?:became|becomes|will become)\s+(?=(?P<rest>.*))")
_TRANSITION_RE = re.compile(
    rf"(?P<names>{_NAMES})\s+(?:transitioned|transitions|will transition|moved)\s+from\s+"
    r"(?:the\s+(?:role|position)\s+of\s+)?(?P<previous>.+?)\s+to\s+(?P<rest>.*)$"
)
_DEPART_VERB = (
    r"(?:resign\w*|retire\w*|step(?:ped|s)?\s+down|depart\w*|"
    r"(?:not|no longer)\s+(?:to\s+)?(?:stand|seek|run)\s+for\s+re-?election)"
)
# NAMES (, appositive,) notified ... that he will resign (as ROLE); NAMES will retire.
_DEPART_RE = re.compile(
    rf"(?P<names>{_NAMES})(?:,\s*(?P<appositive>[^,]{{1,120}}),)?,?\s+"
    rf"(?:(?:notified|advised|informed|told)\b.{{0,220}}?\b(?:that\s+(?:he|she|they)|of\s+(?:his|her|their)\s+(?:intention|decision))\s+|"
    rf"(?:has|have|had)\s+)?"
    rf"(?:(?:will|would|was|were|is|are|intends to|plans to|decided to|to)\s+)?(?:be\s+)?"
    rf"(?P<verb>{_DEPART_VERB})\b(?P<rest>.*)$"
)


def executive_changes(
    section: ItemSection, *, registrant: frozenset[str] = frozenset()
) -> list[ExecutiveChange]:
    """Return the people an Item 5.02 (or old Item 5) section moves, in text order.

    ``registrant`` holds the normalised names of the filing company (see
    ``_registrant_names``): a role "of" any other organisation is not a change here.
    """
    out: list[ExecutiveChange] = []
    for sentence in sentences(section.text):
        out.extend(_changes_in(sentence, section.number, registrant))
    return out


def _changes_in(sentence: str, item: str, registrant: frozenset[str]) -> list[ExecutiveChange]:
    found: list[ExecutiveChange] = []

    def add(names: str, role: str, change: Change, clause: str, previous: str = "") -> None:
        when = _effective_date(clause, sentence, change=change)
        for name in _split_names(names):
            found.append(
                ExecutiveChange(
                    name=name,
                    role=role,
                    change=change,
                    effective_on=when,
                    item=item,
                    previous_role=previous,
                )
            )

    transition = _TRANSITION_RE.search(sentence)
    if transition:
        previous, _ = _role_from(transition.group("previous"))
        role, rest = _role_from(transition.group("rest"))
        if role and not _other_company(rest, registrant):
            add(transition.group("names"), role, Change.APPOINTMENT, rest, previous)
    for pattern in (_APPOINT_OBJECT_RE, _APPOINT_SUBJECT_RE, _BECAME_RE):
        for match in pattern.finditer(sentence):
            clause = match.group("rest")
            role, rest = _role_from(clause)
            if not role or _other_company(rest, registrant):
                continue
            if _HISTORY_RE.search(rest[:60]):
                continue
            add(match.group("names"), role, Change.APPOINTMENT, clause)
    depart = _DEPART_RE.search(sentence)
    if depart:
        left = _departure_role(depart, registrant)
        if left is not None:
            add(
                depart.group("names"),
                left,
                Change.DEPARTURE,
                depart.group("verb") + depart.group("rest"),
            )
    return _dedupe(found)


def _departure_role(depart: re.Match[str], registrant: frozenset[str]) -> str | None:
    """The role a person leaves: "as <role>", "from the Board", else the appositive title.

    ``None`` when the role is at another company.
    """
    rest = depart.group("rest")
    if re.match(r"^\w*\s*(?:for\s+re-?election)", rest) or "election" in depart.group("verb"):
        return "Director"
    as_role = re.search(r"\bas\s+(.{0,160})", rest)
    if as_role:
        role, after = _role_from(as_role.group(1))
        if role:
            return None if _other_company(after, registrant) else role
    if re.search(r"\bfrom\s+(?:the|its|our)\s+(?:[\w’'.]+\s+){0,2}Board\b", rest):
        return "Director"
    # "The Company’s current CEO, Paul Ricci, will retire": the title before the name.
    before = re.search(r"([\w’'. ]{2,60}),\s*$", depart.string[: depart.start("names")])
    for candidate in (depart.group("appositive"), before.group(1) if before else None):
        if candidate:
            text = re.sub(
                r"^(?:the\s+)?(?:Company['’]s\s+)?(?:current|then)?\s*",
                "",
                candidate.strip(),
                flags=re.IGNORECASE,
            )
            role, after = _role_from(text)
            if role:
                return None if _other_company(after, registrant) else role
    return ""


def _dedupe(changes: list[ExecutiveChange]) -> list[ExecutiveChange]:
    seen: set[tuple[str, Change, str]] = set()
    out = []
    for change in changes:
        key = (change.name, change.change, change.role)
        if key not in seen:
            seen.add(key)
            out.append(change)
    return out


def _merge(changes: list[ExecutiveChange]) -> list[ExecutiveChange]:
    """One record per person and direction; a later mention adds nothing already known."""
    out: list[ExecutiveChange] = []
    for change in changes:
        same = next((c for c in out if c.name == change.name and c.change is change.change), None)
        if same is None:
            out.append(change)
    return out


# Transactions -----------------------------------------------------------------------

_MONEY_RE = re.compile(
    r"(?<!par value )(?<!par value US)(?:(?:approximately|about|up to)\s+)?(?:US|NT|C|A)?\$\s?\d[\d,]*(?:\.\d+)?"
    r"(?:\s+(?:million|billion|thousand))?"
)
# A dollar amount that is not a par value ("par value $0.0625 per share").
_USD_RE = re.compile(
    r"(?<![A-Z])(?<!par value )\$\s?(\d[\d,]*(?:\.\d+)?)(?:\s+(million|billion|thousand))?"
)
# "converted into the right to receive 0.96386 of a share": a merger paid in stock.
_EXCHANGE_RATIO_RE = re.compile(
    r"right\s+to\s+receive\s+(?P<ratio>\d*\.?\d+)\s+(?:of\s+a\s+share|shares?)\b",
    re.IGNORECASE,
)
_CONSIDERATION_RE = re.compile(
    r"purchase price|consideration|for\s+(?:approximately\s+)?\$|in cash|right to receive",
    re.IGNORECASE,
)
_ACQUIRE_RE = re.compile(
    rf"(?:completed|consummated|closed)\s+(?:its|the)\s+(?:previously announced\s+)?acquisition\s+of\s+"
    rf"(?:all\s+of\s+)?(?:the\s+)?(?:issued\s+and\s+)?(?:outstanding\s+)?(?:capital\s+stock|shares|stock|equity interests)?"
    rf"(?:\s+of\s+common\s+stock)?(?:\s+of\s+)?(?P<target>{ORG})"
    rf"|\bacquired\s+(?:all\s+(?:of\s+)?)?(?:the\s+)?(?:[\d,]+\s+)?(?:(?:issued\s+and\s+)?outstanding\s+)?"
    rf"(?:shares\s+of\s+(?:the\s+)?common\s+stock\s+of\s+|capital\s+stock\s+of\s+|stock\s+of\s+)?(?P<target2>{ORG})"
)
_PURCHASED_FROM_RE = re.compile(rf"purchased\s+(?P<what>.{{1,80}}?)\s+from\s+(?P<seller>{ORG})")
_SOLD_TO_RE = re.compile(
    rf"(?P<seller>\b[\w ]{{1,40}}?)\s+sold\s+(?:all\s+of\s+)?(?:the\s+)?(?:stock\s+of\s+)?"
    rf"(?P<what>{ORG}).{{0,120}}?\s+to\s+(?P<buyer>{ORG})"
)
_SALE_RE = re.compile(
    rf"(?:completed|consummated|closed)\s+(?:the|its)\s+(?:previously announced\s+)?sale\s+"
    rf"(?:to\s+(?P<buyer>{ORG})(?:,(?P<aside>.{{0,200}}?),)?\s+of\s+(?P<what>[^(,.]{{3,80}}?)(?:\s+\(|,|\.)"
    rf"|of\s+(?P<what2>[^(,.]{{3,80}}?)\s+to\s+(?P<buyer2>{ORG}))"
)
_TRANSFERRED_RE = re.compile(
    rf"\b(?:most|all|substantially all|certain|the)\s+(?P<what>[^,]{{3,80}}?(?:,\s*{_ORG_SUFFIX})?)"
    rf"(?:,\s+[^,]{{1,60}},)?\s+(?:were|was|have been|has been)\s+(?:sold|transferred)\s+to\s+"
    rf"(?P<buyer>{ORG})"
)
_AFFILIATE_RE = re.compile(rf"\(?\s*(?:and\s+)?an\s+affiliate\s+of\s+({ORG})")


def transactions(
    section: ItemSection, *, registrant: frozenset[str] = frozenset()
) -> list[Transaction]:
    """Return the acquisitions and dispositions an Item 2.01 (or old Item 2) section reports."""
    found: list[tuple[Transaction, str]] = []
    all_sentences = sentences(section.text)
    for sentence in all_sentences:
        deal = _deal_in(sentence, section.number, registrant)
        if deal is None:
            continue
        same = next((i for i, (d, _) in enumerate(found) if _same_party(d, deal)), None)
        if same is None:
            found.append((deal, sentence))
        elif deal.seller and not found[same][0].seller:
            # "The Company purchased eCERA from AKER": the seller of a target already read.
            known, known_sentence = found[same]
            found[same] = (_with_seller(known, deal.seller), known_sentence)
    if not found:
        return []
    consideration = next((s for s in all_sentences if _CONSIDERATION_RE.search(s)), "")
    out = []
    for deal, sentence in found:
        source = (
            sentence if _MONEY_RE.search(sentence) and _CONSIDERATION_RE.search(sentence) else ""
        )
        if not source and len(found) == 1:
            source = consideration
        out.append(_priced(deal, source, section.text))
    return out


def _priced(deal: Transaction, sentence: str, text: str) -> Transaction:
    price_text = ""
    if sentence:
        start = _CONSIDERATION_RE.search(sentence)
        price_text = sentence[start.start() if start else 0 :][:PRICE_TEXT_CHARS]
    amount = _USD_RE.search(price_text)
    price_usd = None
    if amount and not re.search(
        r"[A-Z]\$", price_text[max(0, amount.start() - 2) : amount.start() + 1]
    ):
        try:
            value = Decimal(amount.group(1).replace(",", ""))
            scale = {"thousand": 10**3, "million": 10**6, "billion": 10**9}.get(
                amount.group(2) or "", 1
            )
            price_usd = value * scale
        except InvalidOperation:
            price_usd = None
    return Transaction(
        direction=deal.direction,
        counterparty=deal.counterparty,
        item=deal.item,
        seller=deal.seller,
        asset=deal.asset,
        price_text=price_text,
        price_usd=price_usd,
        completed_on=deal.completed_on,
    )


def _deal_in(sentence: str, item: str, registrant: frozenset[str]) -> Transaction | None:
    when = _sentence_date(sentence)
    sale = _SALE_RE.search(sentence)
    if sale:
        buyer = sale.group("buyer") or sale.group("buyer2")
        what = (sale.group("what") or sale.group("what2") or "").strip()
        what = re.sub(r"^the\s+(?:Company['’]s\s+)?", "", what)
        affiliate = _AFFILIATE_RE.search(sale.group("aside") or "")
        if affiliate:
            buyer = f"{_org(buyer)} (an affiliate of {affiliate.group(1)})"
        return Transaction(Direction.DISPOSITION, _org(buyer), item, asset=what, completed_on=when)
    sold = _SOLD_TO_RE.search(sentence)
    if sold and _is_registrant(sold.group("buyer"), registrant):
        seller = sold.group("seller").strip()
        seller = re.sub(r"^(?:.*\b)?(?:the|The)\s+", "", seller)
        return Transaction(
            Direction.ACQUISITION, _org(sold.group("what")), item, seller=seller, completed_on=when
        )
    acquire = _ACQUIRE_RE.search(sentence)
    if acquire:
        target = acquire.group("target") or acquire.group("target2")
        if not _is_registrant(target, registrant):
            return Transaction(Direction.ACQUISITION, _org(target), item, completed_on=when)
    purchased = _PURCHASED_FROM_RE.search(sentence)
    if purchased:
        target = _ORG_RE.search(purchased.group("what"))
        name = _org(target.group(0)) if target else purchased.group("what").strip()
        return Transaction(
            Direction.ACQUISITION,
            name,
            item,
            seller=_org(purchased.group("seller")),
            completed_on=when,
        )
    transferred = _TRANSFERRED_RE.search(sentence)
    if transferred:
        what = transferred.group("what").strip(" ,")
        return Transaction(
            Direction.DISPOSITION,
            _org(transferred.group("buyer")),
            item,
            asset=what,
            completed_on=when,
        )
    return None


def _org(value: str) -> str:
    return re.sub(r"^(?:the|The)\s+", "", value.strip().rstrip(","))


def _same_party(one: Transaction, other: Transaction) -> bool:
    """Same deal told twice: same direction, and one counterparty name starts the other."""
    first, second = _normalise_org(one.counterparty), _normalise_org(other.counterparty)
    return one.direction is other.direction and (
        first.startswith(second) or second.startswith(first)
    )


def _with_seller(deal: Transaction, seller: str) -> Transaction:
    return Transaction(
        direction=deal.direction,
        counterparty=deal.counterparty,
        item=deal.item,
        seller=seller,
        asset=deal.asset,
        price_text=deal.price_text,
        price_usd=deal.price_usd,
        completed_on=deal.completed_on,
    )
