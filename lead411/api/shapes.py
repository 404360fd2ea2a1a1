"""The API's shape of lead data, shared by its responses and the webhooks' payloads (L2, P6).

Only lead data: a trigger event, its company, and the event's page on the site.
"""

from typing import Any

from django.urls import reverse

from lead411.core.urls import site_root
from lead411.leads.models import Company, TriggerEvent


def amount_text(value: Any) -> str | None:
    """Return a decimal amount as plain text (``"2500000.00"``), None when unknown."""
    return None if value is None else format(value, "f")


def lead_url(event_id: int) -> str:
    """Return the absolute URL of the lead's page on the site (SITE_URL, never a Host header)."""
    return site_root() + reverse("leads:detail", args=[event_id])


def company_brief(company: Company) -> dict[str, Any]:
    """Return the company fields every lead carries: id, name, homepage and place, status."""
    return {
        "id": company.id,
        "name": company.name,
        "homepage": company.homepage,
        "country": company.country_code,
        "region": company.region,
        "city": company.city,
        "status": company.status,
    }


def lead_out(event: TriggerEvent) -> dict[str, Any]:
    """Return a lead as the API lists it (``schemas.Lead``); dates are ``datetime.date``."""
    return {
        "id": event.id,
        "kind": event.kind,
        "kind_label": str(event.get_kind_display()),
        "announced_on": event.announced_on,
        "round_type": event.round_type,
        "series": event.series,
        "amount": amount_text(event.amount),
        "currency": event.currency,
        "amount_usd": amount_text(event.amount_usd),
        "counterparty": event.counterparty,
        "summary": event.summary,
        "company": company_brief(event.company),
        "url": lead_url(event.id),
    }
