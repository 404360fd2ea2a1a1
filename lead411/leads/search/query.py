"""The lead search query: ``LeadQuery`` (words + filters) and its query language (clause L2).

The language is the one members know from web search engines (issue 13):

* words are ANDed: ``software london``;
* ``OR`` between two terms: ``software OR saas``;
* ``-word`` and ``NOT word`` exclude: ``software -mobile``, ``NOT software``;
* ``"exact phrase"``;
* ``prefix*`` (at least two letters before the star);
* ``series a`` .. ``series j`` mean that round, not "series" and the word "a".

Nothing here raises on user text: unbalanced quotes, a dangling ``OR`` or ``NOT``,
parentheses and field syntax (``name:acme``) degrade to plain words and the parse says
so in ``ParsedText.notes``. The parse is pure Python; ``lead411.leads.search.engine``
turns it into tantivy queries.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cache, cached_property
from pathlib import Path
from typing import Literal

Sort = Literal["relevance", "date", "amount"]
SORTS: tuple[Sort, ...] = ("relevance", "date", "amount")
# Leads of funds, trusts and REITs (``Company.investment_vehicle``): left out unless a
# search asks to include them or to see only them (issue 14).
Funds = Literal["exclude", "include", "only"]
FUNDS: tuple[Funds, ...] = ("exclude", "include", "only")
MAX_SEARCH_TERMS = 16
# A token: a quoted phrase (maybe unterminated), or a run of anything but space and quote.
_TOKEN = re.compile(r'"([^"]*)"?|([^\s"]+)')
# A word is a run of letters/digits; everything else separates words.
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_OPERATOR_WORDS = frozenset({"and", "or", "not", "near"})
_SERIES_LETTERS = frozenset("abcdefghij")
SYNONYMS_FILE = Path(__file__).with_name("synonyms.txt")


def fold(text: str) -> str:
    """Return ``text`` case-folded with accents removed (``Zürich`` -> ``zurich``)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """Return the folded words of ``text``: runs of letters and digits, nothing else."""
    return _WORD.findall(fold(text))


def search_terms(text: str) -> list[str]:
    """Return the words of a user's search text, lower-cased, at most ``MAX_SEARCH_TERMS``.

    Operator words and punctuation are dropped: ``'Acme "AI" OR (cloud*)'`` gives
    ``["acme", "ai", "cloud"]``. Kept for callers that want the plain words (highlighting,
    the digest's description of a saved search); the search itself uses ``parse_text``.
    """
    found = [w.casefold() for w in _WORD.findall(text)]
    return [w for w in found if w not in _OPERATOR_WORDS][:MAX_SEARCH_TERMS]


@cache
def synonym_groups() -> dict[str, tuple[str, ...]]:
    """Return each synonym term (words joined by one space) -> its whole group, in file order.

    Read once from ``synonyms.txt``: one comma-separated group per line, ``#`` comments.
    """
    groups: dict[str, tuple[str, ...]] = {}
    for line in SYNONYMS_FILE.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0]
        group = tuple(" ".join(words(term)) for term in line.split(",") if words(term))
        for term in group:
            groups[term] = group
    return groups


@dataclass(frozen=True)
class Term:
    """One searched thing: ``kind`` word, phrase, prefix or round; ``words`` folded words.

    ``round`` is a round name such as ``("series", "a")``: it matches the round, not text.
    """

    kind: Literal["word", "phrase", "prefix", "round"]
    words: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join(self.words)


@dataclass(frozen=True)
class ParsedText:
    """The parse of a search text: every group in ``must`` must match, none of ``must_not``.

    A group is a tuple of terms of which at least one must match (``a OR b``). ``notes``
    say what was read differently from what was typed, for the page to show.
    """

    must: tuple[tuple[Term, ...], ...] = ()
    must_not: tuple[Term, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.must and not self.must_not

    @property
    def terms(self) -> list[str]:
        """Return the positive words, in order (for display and highlighting)."""
        return [w for group in self.must for term in group for w in term.words]

    def describe(self) -> str:
        """Return the parse in the query language: ``software OR saas NOT mobile``."""
        parts = [" OR ".join(_shown(term) for term in group) for group in self.must]
        parts += ["NOT " + _shown(term) for term in self.must_not]
        return " ".join(parts)


def _shown(term: "Term") -> str:
    if term.kind == "phrase":
        return f'"{term.text}"'
    if term.kind == "prefix":
        return term.text + "*"
    return term.text


@dataclass
class _Item:
    """A term as read, before ORs are joined: negated or not, followed by OR or not."""

    term: Term
    negated: bool = False


@dataclass
class _Reader:
    items: list[_Item | str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def note(self, message: str) -> None:
        if message not in self.notes:
            self.notes.append(message)


def _read_tokens(text: str, reader: _Reader) -> None:
    """Turn ``text`` into terms and the operator markers ``"OR"`` and ``"NOT"``."""
    if text.count('"') % 2:
        # The last quote has no partner: its words are searched as words.
        unmatched = text.rindex('"')
        text = text[:unmatched] + " " + text[unmatched + 1 :]
        reader.note("An unmatched quote was ignored.")
    for match in _TOKEN.finditer(text):
        phrase, bare = match.group(1), match.group(2)
        if phrase is not None:
            negated = match.start() > 0 and text[match.start() - 1] == "-"
            found = words(phrase)
            if len(found) == 1:
                reader.items.append(_Item(Term("word", tuple(found)), negated))
            elif found:
                reader.items.append(_Item(Term("phrase", tuple(found)), negated))
            continue
        if bare in ("OR", "or", "Or", "|", "||"):
            reader.items.append("OR")
            continue
        if bare.casefold() == "not":
            reader.items.append("NOT")
            continue
        if bare.casefold() in ("and", "&&", "+"):
            continue
        if bare == "-":
            continue
        negated = bare.startswith("-")
        body = bare.lstrip("-+")
        syntax = any(c in body for c in "():^~[]{}\\")
        if syntax:
            reader.note("Brackets and field syntax are searched as plain words.")
        prefix = body.endswith("*")
        found = words(body)
        if not found:
            continue
        if prefix and len(found[-1]) >= 2:
            group = [Term("word", (w,)) for w in found[:-1]] + [Term("prefix", (found[-1],))]
        else:
            if prefix:
                reader.note("A star needs at least two letters before it; searched the word.")
            group = [Term("word", (w,)) for w in found]
        if len(group) == 1 or syntax:
            reader.items.extend(_Item(term, negated) for term in group)
        else:
            # "e-mail", "a.i.": punctuation inside a token makes a phrase of its words.
            reader.items.append(_Item(Term("phrase", tuple(found)), negated))


def _join_known_phrases(items: list[_Item | str]) -> list[_Item | str]:
    """Read ``series a`` as a round and known multi-word synonyms as phrases."""
    groups = synonym_groups()
    longest = max((len(t.split()) for t in groups), default=1)
    out: list[_Item | str] = []
    i = 0
    while i < len(items):
        item = items[i]
        if not isinstance(item, _Item) or item.term.kind != "word":
            out.append(item)
            i += 1
            continue
        # The longest run of plain, un-negated words that forms a known term.
        run: list[str] = [item.term.text]
        j = i + 1
        while j < len(items) and len(run) < longest:
            nxt = items[j]
            if not isinstance(nxt, _Item) or nxt.term.kind != "word" or nxt.negated:
                break
            run.append(nxt.term.text)
            j += 1
        if len(run) >= 2 and run[0] == "series" and run[1] in _SERIES_LETTERS:
            out.append(_Item(Term("round", ("series", run[1])), item.negated))
            i += 2
            continue
        for size in range(len(run), 1, -1):
            if " ".join(run[:size]) in groups:
                out.append(_Item(Term("phrase", tuple(run[:size])), item.negated))
                i += size
                break
        else:
            out.append(item)
            i += 1
    return out


def parse_text(text: str) -> ParsedText:
    """Return the parse of a member's search text; never raises.

    ``OR`` binds two neighbouring terms into one group; ``NOT``/``-`` negate the next
    term; an ``OR`` or ``NOT`` with nothing to act on is dropped with a note. At most
    ``MAX_SEARCH_TERMS`` terms are kept.
    """
    reader = _Reader()
    _read_tokens(text, reader)
    items = _join_known_phrases(reader.items)
    must: list[list[Term]] = []
    must_not: list[Term] = []
    pending_not = False
    pending_or = False
    kept = 0
    for item in items:
        if item == "NOT":
            pending_not = True
            continue
        if item == "OR":
            if must and not pending_not:
                pending_or = True
            else:
                reader.note("An OR with nothing before it was ignored.")
            continue
        assert isinstance(item, _Item)
        if kept >= MAX_SEARCH_TERMS:
            reader.note(f"Only the first {MAX_SEARCH_TERMS} terms were searched.")
            break
        kept += 1
        if item.negated or pending_not:
            if pending_or:
                reader.note("OR before an excluded term was ignored.")
            must_not.append(item.term)
        elif pending_or:
            must[-1].append(item.term)
        else:
            must.append([item.term])
        pending_not = pending_or = False
    if pending_not:
        reader.note("A NOT at the end had nothing to exclude and was ignored.")
    if pending_or:
        reader.note("An OR at the end was ignored.")
    return ParsedText(
        must=tuple(tuple(dict.fromkeys(group)) for group in must),
        must_not=tuple(dict.fromkeys(must_not)),
        notes=tuple(reader.notes),
    )


@dataclass(frozen=True)
class LeadQuery:
    """A lead search: the member's text ``q`` and the filters; empty tuples mean "any".

    Amounts are in USD; dates are inclusive. ``sort`` empty means the default:
    relevance when there are words, otherwise date. ``funds`` says what becomes of the
    leads of funds, trusts and REITs: left out (the default), included, or the only ones.
    ``imported_since``/``imported_until``
    (aware, ``since <= imported_at < until``) keep only the leads that were new in that
    window, catch-up imports left out: the newsletter's "see all N new" links
    (``lead411.leads.search.digest.new_events_load``).
    """

    q: str = ""
    kinds: tuple[str, ...] = ()
    round_types: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    cities: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    sort: Sort | Literal[""] = ""
    imported_since: datetime | None = None
    imported_until: datetime | None = None
    funds: Funds = "exclude"

    @cached_property
    def parsed(self) -> ParsedText:
        """Return the parse of ``q`` (see ``parse_text``), parsed once per query object.

        The sort, the engine query and the page all read it; a newsletter build reads it
        for tens of thousands of distinct saved searches.
        """
        return parse_text(self.q)

    @property
    def terms(self) -> list[str]:
        """Return the positive search words of ``q``."""
        return self.parsed.terms

    @property
    def effective_sort(self) -> Sort:
        """Return the sort in force: relevance needs positive words, and is the default with them."""
        has_words = bool(self.parsed.must)
        if self.sort == "relevance" and not has_words:
            return "date"
        if self.sort:
            return self.sort
        return "relevance" if has_words else "date"
