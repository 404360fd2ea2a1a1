"""Template helpers for the lead pages: money labels and facet links."""

from decimal import Decimal

from django import template
from django.http import QueryDict

from lead411.leads.selectors import facet_label
from lead411.leads.services import format_amount

register = template.Library()


@register.filter
def money(amount: Decimal | None, currency: str = "USD") -> str:
    """Render an amount as a short label (``$5M``); ``""`` when unknown."""
    return format_amount(amount, currency or "USD")


@register.simple_tag
def facet_toggle(params: QueryDict, name: str, value: str) -> str:
    """Return ``?...``: ``params`` with ``value`` of ``name`` switched on or off, page reset."""
    query = params.copy()
    values = query.getlist(name)
    query.setlist(name, [v for v in values if v != value] if value in values else [*values, value])
    query.pop("page", None)
    return "?" + query.urlencode()


@register.simple_tag
def without_param(params: QueryDict, *names: str) -> str:
    """Return ``?...``: ``params`` without ``names`` and without ``page``."""
    query = params.copy()
    for name in (*names, "page"):
        query.pop(name, None)
    encoded = query.urlencode()
    return "?" + encoded if encoded else "?"


FACET_PARAMS = ("kind", "round_type", "category", "country", "region", "city")


@register.simple_tag
def facet_pairs(params: QueryDict) -> list[tuple[str, str]]:
    """Return the selected facet values of ``params`` as ``(name, value)`` pairs."""
    return [(name, value) for name in FACET_PARAMS for value in params.getlist(name)]


@register.simple_tag
def facet_value_label(name: str, value: str) -> str:
    """Return the display label of ``value`` of the facet ``name`` (``"Funding round"``)."""
    return facet_label(name, value)
