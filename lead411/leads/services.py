"""Writes in the leads domain shared by every importer."""

import uuid
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction

from lead411.core import clock
from lead411.leads.models import SavedSearch
from lead411.leads.search.index import DATA_VERSION_KEY, search_index_sync, search_index_synced_now
from lead411.leads.selectors import saved_search_allowance

_SCALES = ((Decimal(1_000_000_000), "B"), (Decimal(1_000_000), "M"), (Decimal(1_000), "K"))
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹"}


def format_amount(amount: Decimal | None, currency: str = "USD") -> str:
    """Return a short money label: ``$5M``, ``€1.2B``, ``CAD 750K``; ``""`` when unknown.

    ``amount`` is in units of ``currency`` (ISO 4217).
    """
    if amount is None:
        return ""
    prefix = _SYMBOLS.get(currency, f"{currency} " if currency else "$")
    for scale, suffix in _SCALES:
        if abs(amount) >= scale:
            value = (amount / scale).quantize(Decimal("0.1")).normalize()
            return f"{prefix}{value:f}{suffix}"
    return f"{prefix}{amount.quantize(Decimal(1)):f}"


def build_search_document(*, company_name: str, categories: Iterable[str], summary: str) -> str:
    """Return ``TriggerEvent.search_document``: company name, categories and summary, one per line.

    Nothing reads the column since search runs on the tantivy index (see the model's
    comment); the importers still fill it until a migration drops it.
    """
    return "\n".join([company_name, " ".join(categories), summary])


def leads_changed(*, index_now: bool = True) -> None:
    """Record that companies, events or categories changed, and update the search index.

    Replaces the leads data version in the shared cache, which every process compares
    before a search (``lead411.leads.search.index.search_index_fresh``): the next search
    anywhere brings its index in step first. With ``index_now`` the index is also brought
    in step when the transaction commits (``search_index_sync``: the rows whose
    ``updated_at`` passed the index's high-water mark, and deletions). Importers call it
    once at the end (bulk writes send no signals); ``lead411.leads.receivers`` calls it
    with ``index_now=False`` on each saved or deleted row, since a sync per row would
    scan the events once per row of an import.
    """
    cache.set(DATA_VERSION_KEY, uuid.uuid4().hex, None)
    if index_now:
        transaction.on_commit(_search_index_catch_up)


def _search_index_catch_up() -> None:
    search_index_sync()
    search_index_synced_now()


# --- Saved searches (clause L3) ---


class SavedSearchLimitReached(ValidationError):
    """The member already keeps as many saved searches as their plan allows (issue 17).

    ``limit`` is the plan's ``saved_searches``, ``used`` how many the member keeps (more
    than ``limit`` after staff move them to a smaller plan), ``plan`` its label ("Solo").
    """

    def __init__(self, *, limit: int, used: int, plan: str) -> None:
        super().__init__(
            f"Your {plan} plan allows {limit} saved searches and you have {used}: "
            "delete one first, or ask us to change your plan.",
            code="plan_limit",
        )
        self.limit = limit
        self.used = used
        self.plan = plan


def saved_search_create(
    *,
    member: Any,
    name: str,
    criteria: Mapping[str, Sequence[str]],
    include_in_newsletter: bool = True,
    pace: str = SavedSearch.Pace.DAILY,
    weekday: int = SavedSearch.Weekday.MONDAY,
) -> SavedSearch:
    """Save a search for ``member`` and return it.

    ``pace`` (``SavedSearch.Pace``) and ``weekday`` (0 Monday .. 6 Sunday, for a weekly
    pace) say when its new leads are mailed (issue 15).

    ``criteria`` comes from ``forms.criteria_from_params``. Raises ``ValidationError``
    when the name is empty or already used by this member, and ``SavedSearchLimitReached``
    when the member already has the ``saved_searches`` of their plan
    (``lead411.accounts.plans.PLAN_TERMS``, the figures the pricing page prints).
    """
    with transaction.atomic():
        # Two saves at once must not both pass the count: they queue on the member's row,
        # which also gives the plan as it is now.
        locked = get_user_model().objects.select_for_update().get(pk=member.pk)
        allowance = saved_search_allowance(member=locked)
        if allowance.reached:
            raise SavedSearchLimitReached(
                limit=allowance.limit, used=allowance.used, plan=allowance.plan
            )
        now = clock.now()
        search = SavedSearch(
            member=member,
            name=name.strip(),
            criteria={k: list(v) for k, v in criteria.items()},
            include_in_newsletter=include_in_newsletter,
            pace=pace,
            weekday=weekday,
            created_at=now,
            updated_at=now,
        )
        search.full_clean()
        search.save()
    return search


def saved_search_update(
    *,
    search: SavedSearch,
    name: str | None = None,
    criteria: Mapping[str, Sequence[str]] | None = None,
    include_in_newsletter: bool | None = None,
    pace: str | None = None,
    weekday: int | None = None,
) -> SavedSearch:
    """Rename, re-criteria, switch or re-pace a saved search; arguments left None are kept.

    Raises ``ValidationError`` for an empty or duplicate name.
    """
    if name is not None:
        search.name = name.strip()
    if criteria is not None:
        search.criteria = {k: list(v) for k, v in criteria.items()}
    if include_in_newsletter is not None:
        search.include_in_newsletter = include_in_newsletter
    if pace is not None:
        search.pace = pace
    if weekday is not None:
        search.weekday = weekday
    search.updated_at = clock.now()
    search.full_clean()
    search.save()
    return search


def saved_search_delete(*, search: SavedSearch) -> None:
    """Delete a saved search; its leads stop appearing in the next newsletter."""
    search.delete()
