"""Saved-search criteria: the search page's GET parameters, stored, described, turned into a query (L3).

A saved search stores the search page's own parameters (``criteria_from_params``); the
saved-search pages link back with ``criteria_querydict``; the newsletter and alerts turn
them into the one search's ``LeadQuery`` with ``criteria_query`` and match through
``lead411.leads.search.digest`` (issue 15 removed the in-memory matcher that was here).
"""

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from decimal import Decimal

from django.http import QueryDict

from lead411.leads.forms import CRITERIA_PARAMS
from lead411.leads.models import TriggerEvent
from lead411.leads.search.query import FUNDS, SORTS, LeadQuery
from lead411.leads.selectors import search_terms
from lead411.leads.services import format_amount


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
    funds = (criteria.get("funds") or [""])[0]
    if funds == "include":
        parts.append("funds, trusts and REITs included")
    elif funds == "only":
        parts.append("only funds, trusts and REITs")
    return parts or ["all leads"]


def criteria_query(criteria: Mapping[str, Sequence[str]]) -> LeadQuery | None:
    """Return the ``LeadQuery`` of saved ``criteria``, as the search page's form reads them.

    Saved criteria are already the form's cleaned spelling (``criteria_from_params``), so
    they are read directly: building a form per distinct saved search cost the daily
    build 1 ms each (issue 15's profile). A test holds this equal to
    ``LeadSearchForm(criteria_querydict(criteria)).to_query()``. ``None`` when a value
    does not parse (criteria saved by an older version): such a saved search matches
    nothing rather than everything or an error in the digest.
    """

    def values(name: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(str(v) for v in criteria.get(name, ()) if v))

    def first(name: str) -> str:
        found = values(name)
        return found[0] if found else ""

    try:
        sort = first("sort")
        funds = first("funds") or FUNDS[0]
        if sort not in ("", *SORTS) or funds not in FUNDS:
            return None
        return LeadQuery(
            q=" ".join(first("q").split()),
            kinds=values("kind"),
            round_types=values("round_type"),
            categories=values("category"),
            countries=values("country"),
            regions=values("region"),
            cities=values("city"),
            date_from=dt.date.fromisoformat(first("date_from")) if first("date_from") else None,
            date_to=dt.date.fromisoformat(first("date_to")) if first("date_to") else None,
            amount_min=Decimal(first("amount_min")) if first("amount_min") else None,
            amount_max=Decimal(first("amount_max")) if first("amount_max") else None,
            sort=sort,  # type: ignore[arg-type]  # checked against SORTS above
            funds=funds,  # type: ignore[arg-type]  # checked against FUNDS above
        )
    except (ValueError, ArithmeticError):
        return None
