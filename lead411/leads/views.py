"""Lead search, lead detail and CSV export, for members only (clause L2)."""

import csv
from collections.abc import Iterable, Iterator
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from lead411.accounts.decorators import member_required
from lead411.core import clock
from lead411.leads.forms import LeadSearchForm
from lead411.leads.models import TriggerEvent
from lead411.leads.selectors import lead_export_rows, lead_get, lead_search

# OWASP "CSV Injection": a spreadsheet treats a cell starting with one of these as a
# formula (or, for tab and CR, may shift it into one).
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

EXPORT_COLUMNS = [
    "lead_id", "announced_on", "kind", "round_type", "series", "amount", "currency",
    "amount_usd", "counterparty", "summary", "company", "homepage", "categories",
    "country", "region", "city", "company_status", "source", "source_key", "source_url",
    "lead_url",
]  # fmt: skip


def csv_cell(value: object) -> str:
    """Return ``value`` as CSV text that no spreadsheet runs as a formula.

    A cell starting with ``= + - @``, a tab or a carriage return gets a leading ``'``
    (OWASP CSV Injection). ``None`` becomes an empty cell.
    """
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_PREFIXES) else text


def _known_params(request: HttpRequest) -> QueryDict:
    """Return the request's GET parameters the search form knows, for building links."""
    params = QueryDict(mutable=True)
    for name in LeadSearchForm.base_fields:
        values = [v for v in request.GET.getlist(name) if v]
        if values:
            params.setlist(name, values)
    return params


@member_required
@require_GET
def lead_search_view(request: HttpRequest) -> HttpResponse:
    """Render a page of leads with facets, or the form's errors with HTTP 400."""
    form = LeadSearchForm(request.GET)
    params = _known_params(request)
    if not form.is_valid():
        context = {"form": form, "params": params, "result": None, "notices": []}
        return render(request, "leads/lead_search.html", context, status=400)
    notices = form.notices
    result = lead_search(query=form.to_query(), page=form.page_number)
    if result.page < form.page_number:
        notices.append(f"There are only {result.num_pages} pages of results; showing the last one.")
    context = {"form": form, "params": params, "result": result, "notices": notices}
    return render(request, "leads/lead_search.html", context)


@member_required
@require_GET
def lead_detail_view(request: HttpRequest, event_id: int) -> HttpResponse:
    """Render one lead: the event, its company, the company's timeline, contacts, provenance."""
    try:
        detail = lead_get(event_id=event_id)
    except TriggerEvent.DoesNotExist:
        raise Http404("No such lead.") from None
    return render(request, "leads/lead_detail.html", {"detail": detail})


class _Echo:
    """A file-like object whose ``write`` returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def _export_lines(request: HttpRequest, events: Iterable[TriggerEvent]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(EXPORT_COLUMNS)
    lead_url = request.build_absolute_uri(reverse("leads:search"))
    for event in events:
        company = event.company
        row: list[Any] = [
            event.pk,
            event.announced_on.isoformat() if event.announced_on else "",
            event.get_kind_display(),
            event.round_type,
            event.series,
            event.amount,
            event.currency,
            event.amount_usd,
            event.counterparty,
            event.summary,
            company.name,
            company.homepage,
            "|".join(c.name for c in company.categories.all()),
            company.country_code,
            company.region,
            company.city,
            company.get_status_display(),
            event.source,
            event.source_key,
            event.source_url,
            f"{lead_url}{event.pk}/",
        ]
        yield writer.writerow([csv_cell(value) for value in row])


@member_required
@require_GET
def lead_export_csv_view(request: HttpRequest) -> HttpResponseBase:
    """Stream the search result as CSV (at most ``settings.LEADS_EXPORT_MAX_ROWS`` rows).

    Takes the search page's parameters (``page`` is ignored); bad parameters get the
    search page with its errors and HTTP 400.
    """
    form = LeadSearchForm(request.GET)
    if not form.is_valid():
        context = {"form": form, "params": _known_params(request), "result": None, "notices": []}
        return render(request, "leads/lead_search.html", context, status=400)
    events = lead_export_rows(query=form.to_query())
    response = StreamingHttpResponse(
        _export_lines(request, events), content_type="text/csv; charset=utf-8"
    )
    filename = f"lead411-leads-{clock.today():%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
