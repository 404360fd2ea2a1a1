"""Saved-search criteria: parsing, describing, and matching a batch of new events in memory (L3, L4).

The daily newsletter cannot run one database search per saved search: 300,000 saved
searches against the day's new events would be 300,000 queries. It loads the day's new
events once and evaluates every saved search in Python with bit sets: each event of the
batch is one bit; for each criterion value the batch keeps the mask of events that have
it, and a saved search is an AND of ORs of masks, cached by its canonical criteria.

How this relates to the database search (lead411.leads.selectors): the structured
filters (kind, round type, category, country, region, city, dates, amounts) are the same
equality and inclusive-range tests as the SQL. The words of ``q`` are cut the same way
(``search_terms``: letters and digits, case-folded, operators dropped) and every word
must occur in the event's ``search_document``, as with the database's AND of terms.
Both sides are stemmed with the database's own algorithm (PyStemmer): Porter on SQLite,
as the FTS5 ``porter`` tokenizer does, and Snowball English on PostgreSQL, as the
``english`` text-search configuration does, so "robot" finds "Robotics" in both.
Remaining differences are small and documented: PostgreSQL drops English stop words
from a query ("the", "of") where the newsletter requires them, and its parser splits a
few tokens (hyphenated words, e-mail addresses) differently. A test runs the same
criteria through both and compares. An event is compared with the criteria once, when
it is new, so a difference affects one newsletter, never the search page.
"""

import datetime as dt
import json
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

import Stemmer
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import QueryDict

from lead411.leads.forms import LeadSearchForm
from lead411.leads.models import TriggerEvent
from lead411.leads.selectors import search_terms
from lead411.leads.services import format_amount

# The search form's parameters that define a search; ``page`` is a position, not a criterion.
CRITERIA_PARAMS = (
    "q", "kind", "round_type", "category", "country", "region", "city",
    "date_from", "date_to", "amount_min", "amount_max", "sort",
)  # fmt: skip
_LIST_PARAMS = ("kind", "round_type", "category", "country", "region", "city")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def criteria_from_params(params: QueryDict) -> dict[str, list[str]]:
    """Return the search criteria of a search page's GET parameters, validated by its form.

    Shape: ``{param: [value, ...]}`` with only the ``CRITERIA_PARAMS`` that have a value,
    in the form's cleaned spelling (``q`` with single spaces). Raises ``ValidationError``
    with the search form's own messages when a parameter is invalid.
    """
    form = LeadSearchForm(params)
    if not form.is_valid():
        messages = [f"{name}: {err}" for name, errs in form.errors.items() for err in errs]
        raise ValidationError(messages)
    criteria: dict[str, list[str]] = {}
    for name in CRITERIA_PARAMS:
        value = form.cleaned_data.get(name)
        if value in (None, "", [], ()):
            continue
        if isinstance(value, list | tuple):
            criteria[name] = [str(v) for v in value]
        elif isinstance(value, dt.date):
            criteria[name] = [value.isoformat()]
        elif isinstance(value, Decimal):
            criteria[name] = [format(value.normalize(), "f")]
        else:
            criteria[name] = [str(value)]
    return criteria


def criteria_querydict(criteria: Mapping[str, Sequence[str]]) -> QueryDict:
    """Return ``criteria`` as GET parameters for a link to the search page."""
    params = QueryDict(mutable=True)
    for name in CRITERIA_PARAMS:
        if criteria.get(name):
            params.setlist(name, list(criteria[name]))
    return params


def criteria_key(criteria: Mapping[str, Sequence[str]]) -> str:
    """Return a canonical string of ``criteria`` (sorted, ``sort`` left out): a cache key."""
    relevant = {
        k: sorted(v) for k, v in criteria.items() if k != "sort" and k in CRITERIA_PARAMS and v
    }
    return json.dumps(relevant, sort_keys=True, separators=(",", ":"))


def criteria_describe(criteria: Mapping[str, Sequence[str]]) -> list[str]:
    """Return human phrases for ``criteria``: ``['words: robot, ai', 'type: Funding round']``."""
    kinds = dict(TriggerEvent.Kind.choices)
    parts: list[str] = []
    if criteria.get("q"):
        parts.append("words: " + ", ".join(search_terms(criteria["q"][0])))
    labels = {
        "kind": "type", "round_type": "round", "category": "industry", "country": "country",
        "region": "state/region", "city": "city",
    }  # fmt: skip
    for name, label in labels.items():
        values = criteria.get(name) or []
        if values:
            shown = [kinds.get(v, v) if name == "kind" else v for v in values]
            parts.append(f"{label}: " + ", ".join(shown))
    if criteria.get("date_from"):
        parts.append(f"announced from {criteria['date_from'][0]}")
    if criteria.get("date_to"):
        parts.append(f"announced until {criteria['date_to'][0]}")
    if criteria.get("amount_min"):
        parts.append(f"at least {format_amount(Decimal(criteria['amount_min'][0]))}")
    if criteria.get("amount_max"):
        parts.append(f"at most {format_amount(Decimal(criteria['amount_max'][0]))}")
    return parts or ["all leads"]


def _fold(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in folded if not unicodedata.combining(ch)).casefold()


def stemming_algorithm() -> str:
    """Return the stemmer of the database in use: ``"english"`` (PostgreSQL) or ``"porter"``."""
    return "english" if connection.vendor == "postgresql" else "porter"


@lru_cache(maxsize=4)
def _stemmer(algorithm: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(algorithm, 100_000)


def document_words(text: str, algorithm: str = "porter") -> frozenset[str]:
    """Return the stemmed, case- and accent-folded words of a search document."""
    return frozenset(_stemmer(algorithm).stemWords(_WORD.findall(_fold(text))))


def query_words(q: str, algorithm: str = "porter") -> list[str]:
    """Return the stemmed words a saved ``q`` requires (all of them), as the search page cuts them."""
    return list(_stemmer(algorithm).stemWords([_fold(w) for w in search_terms(q)]))


@dataclass(frozen=True)
class EventFacts:
    """What matching and rendering need of one new event, loaded once per issue."""

    id: int
    kind: str
    round_type: str
    categories: frozenset[str]
    country: str
    region: str
    city: str
    announced_on: dt.date | None
    amount_usd: Decimal | None
    imported_at: dt.datetime
    words: frozenset[str]


def _decimal(value: str) -> Decimal | None:
    try:
        return Decimal(value)
    except (InvalidOperation, ValueError):
        return None


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


class EventBatch:
    """The new events of one issue, ordered by ``imported_at``, with per-value bit masks.

    Bit ``i`` of a mask stands for ``events[i]``. All methods are pure and cached, so a
    criteria set shared by many members is evaluated once per issue.
    """

    def __init__(self, events: Iterable[EventFacts], algorithm: str = "porter") -> None:
        self.algorithm = algorithm
        self.events: list[EventFacts] = sorted(events, key=lambda e: (e.imported_at, e.id))
        self.all_mask = (1 << len(self.events)) - 1
        self._times = [e.imported_at for e in self.events]
        self._values: dict[str, dict[str, int]] = {
            name: {}
            for name in ("kind", "round_type", "category", "country", "region", "city", "word")
        }
        for i, event in enumerate(self.events):
            bit = 1 << i
            singles = {
                "kind": event.kind, "round_type": event.round_type, "country": event.country,
                "region": event.region, "city": event.city,
            }  # fmt: skip
            for name, value in singles.items():
                table = self._values[name]
                table[value] = table.get(value, 0) | bit
            for name, values in (("category", event.categories), ("word", event.words)):
                table = self._values[name]
                for value in values:
                    table[value] = table.get(value, 0) | bit
        self._criteria_cache: dict[str, int] = {}
        self._window_cache: dict[dt.datetime | None, int] = {}

    def __len__(self) -> int:
        return len(self.events)

    def criteria_cached(self) -> int:
        """Return how many criteria masks are cached (one per distinct criteria seen)."""
        return len(self._criteria_cache)

    def criteria_forget(self) -> None:
        """Empty the cache of criteria masks; the caller bounds its memory this way."""
        self._criteria_cache.clear()

    def window_mask(self, after: dt.datetime | None) -> int:
        """Return the mask of events imported strictly after ``after`` (all when None)."""
        if after not in self._window_cache:
            start = 0 if after is None else bisect_right(self._times, after)
            self._window_cache[after] = self.all_mask ^ ((1 << start) - 1)
        return self._window_cache[after]

    def criteria_mask(self, criteria: Mapping[str, Sequence[str]], key: str | None = None) -> int:
        """Return the mask of events matching every criterion of ``criteria`` (an AND of ORs)."""
        key = key if key is not None else criteria_key(criteria)
        cached = self._criteria_cache.get(key)
        if cached is None:
            cached = self._evaluate(criteria)
            self._criteria_cache[key] = cached
        return cached

    def _evaluate(self, criteria: Mapping[str, Sequence[str]]) -> int:
        mask = self.all_mask
        for name in _LIST_PARAMS:
            values = criteria.get(name)
            if values:
                table = self._values["category" if name == "category" else name]
                any_of = 0
                for value in values:
                    any_of |= table.get(value, 0)
                mask &= any_of
                if not mask:
                    return 0
        if criteria.get("q"):
            words = self._values["word"]
            for word in query_words(criteria["q"][0], self.algorithm):
                mask &= words.get(word, 0)
                if not mask:
                    return 0
        for name, test in (
            ("date_from", "ge"),
            ("date_to", "le"),
            ("amount_min", "ge"),
            ("amount_max", "le"),
        ):
            if criteria.get(name):
                mask &= self._range_mask(name, test, criteria[name][0])
                if not mask:
                    return 0
        return mask

    def _range_mask(self, name: str, test: str, raw: str) -> int:
        """Return the mask of events whose date or USD amount is >= or <= ``raw`` (cached).

        An event without the value never matches, as SQL's NULL comparisons.
        """
        key = f"{name}:{raw}"
        cached = self._criteria_cache.get(key)
        if cached is not None:
            return cached
        bound: Any = _date(raw) if name.startswith("date") else _decimal(raw)
        mask = self.all_mask if bound is None else 0
        if bound is not None:
            for i, event in enumerate(self.events):
                value = event.announced_on if name.startswith("date") else event.amount_usd
                if value is not None and (value >= bound if test == "ge" else value <= bound):
                    mask |= 1 << i
        self._criteria_cache[key] = mask
        return mask


def mask_indices(mask: int, *, limit: int | None = None) -> list[int]:
    """Return the set bits of ``mask``, highest first (newest imported event first).

    With ``limit``, only the first ``limit`` of them (a newsletter shows a capped number).
    """
    found: list[int] = []
    while mask and (limit is None or len(found) < limit):
        top = mask.bit_length() - 1
        found.append(top)
        mask ^= 1 << top
    return found


def matched_phrases(criteria: Mapping[str, Sequence[str]], event: EventFacts) -> list[str]:
    """Return what ``event`` matched in ``criteria``, with the event's own values.

    ``['words: robot', 'type: Funding round', 'city: Austin', 'amount: $5M']``; the
    phrases for an event that does not match are meaningless (callers match first).
    """
    parts: list[str] = []
    if criteria.get("q"):
        parts.append("words: " + ", ".join(search_terms(criteria["q"][0])))
    if criteria.get("kind"):
        parts.append("type: " + TriggerEvent.Kind(event.kind).label)
    if criteria.get("round_type"):
        parts.append("round: " + event.round_type)
    if criteria.get("category"):
        wanted = [c for c in criteria["category"] if c in event.categories]
        parts.append("industry: " + ", ".join(wanted))
    for name, value in (("country", event.country), ("region", event.region), ("city", event.city)):
        if criteria.get(name):
            parts.append(f"{'state/region' if name == 'region' else name}: {value}")
    if (criteria.get("date_from") or criteria.get("date_to")) and event.announced_on:
        parts.append(f"announced: {event.announced_on.isoformat()}")
    if (criteria.get("amount_min") or criteria.get("amount_max")) and event.amount_usd is not None:
        parts.append("amount: " + format_amount(event.amount_usd))
    return parts or ["any new lead"]
