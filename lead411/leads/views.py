"""Lead search, lead detail and CSV export, for members only (clause L2)."""

import csv
from collections.abc import Iterable, Iterator
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from lead411.accounts.decorators import member_required
from lead411.core import clock
from lead411.leads.criteria import criteria_describe, criteria_querydict
from lead411.leads.forms import LeadSearchForm, SavedSearchForm, criteria_from_params
from lead411.leads.models import TriggerEvent
from lead411.leads.selectors import (
    lead_export_rows,
    lead_get,
    lead_search,
    saved_search_allowance,
    saved_search_get,
    saved_search_list,
)
from lead411.leads.services import saved_search_create, saved_search_delete, saved_search_update

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
@require_safe
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
@require_safe
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
@require_safe
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


# --- Saved searches (clause L3) ---


@member_required
@require_safe
def saved_search_list_view(request: HttpRequest) -> HttpResponse:
    """List the member's saved searches with links to run, edit and delete them (L3)."""
    searches = [
        (s, criteria_describe(s.criteria), criteria_querydict(s.criteria).urlencode())
        for s in saved_search_list(member=request.user)
    ]
    return render(
        request,
        "leads/saved_search_list.html",
        {"searches": searches, "allowance": saved_search_allowance(member=request.user)},
    )


@member_required
@require_http_methods(["GET", "HEAD", "POST"])
def saved_search_create_view(request: HttpRequest) -> HttpResponse:
    """Save the search given by the GET parameters (the search page's own) under a name (L3).

    GET shows the form with the search described; POST saves it and returns to the list.
    """
    if request.method == "POST":
        form = SavedSearchForm(request.POST)
        if form.is_valid():
            try:
                saved_search_create(
                    member=request.user,
                    name=form.cleaned_data["name"],
                    criteria=form.cleaned_data["params"],
                    include_in_newsletter=form.cleaned_data["include_in_newsletter"],
                    pace=form.cleaned_data["pace"],
                    weekday=form.cleaned_data["weekday"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request, "Search saved. New matching leads will be in your daily newsletter."
                )
                return redirect("leads:saved-search-list")
    else:
        try:
            criteria = criteria_from_params(request.GET)
        except ValidationError as exc:
            return render(
                request, "leads/saved_search_form.html", {"errors": exc.messages}, status=400
            )
        form = SavedSearchForm(
            initial={
                "name": (criteria.get("q") or ["My search"])[0][:100],
                "params": criteria_querydict(criteria).urlencode(),
                "include_in_newsletter": True,
            }
        )
    return render(
        request,
        "leads/saved_search_form.html",
        {"form": form, "creating": True, "allowance": saved_search_allowance(member=request.user)},
    )


@member_required
@require_http_methods(["GET", "HEAD", "POST"])
def saved_search_edit_view(request: HttpRequest, search_id: int) -> HttpResponse:
    """Rename a saved search, switch it in or out of the newsletter, change its criteria (L3)."""
    search = saved_search_get(member=request.user, search_id=search_id)
    if request.method == "POST":
        form = SavedSearchForm(request.POST)
        if form.is_valid():
            try:
                saved_search_update(
                    search=search,
                    name=form.cleaned_data["name"],
                    criteria=form.cleaned_data["params"],
                    include_in_newsletter=form.cleaned_data["include_in_newsletter"],
                    pace=form.cleaned_data["pace"],
                    weekday=form.cleaned_data["weekday"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "Saved search updated.")
                return redirect("leads:saved-search-list")
    else:
        form = SavedSearchForm(
            initial={
                "name": search.name,
                "params": criteria_querydict(search.criteria).urlencode(),
                "include_in_newsletter": search.include_in_newsletter,
                "pace": search.pace,
                "weekday": search.weekday,
            }
        )
    return render(request, "leads/saved_search_form.html", {"form": form, "search": search})


@member_required
@require_http_methods(["GET", "HEAD", "POST"])
def saved_search_delete_view(request: HttpRequest, search_id: int) -> HttpResponse:
    """Confirm (GET) and delete (POST) a saved search (L3)."""
    search = saved_search_get(member=request.user, search_id=search_id)
    if request.method == "POST":
        saved_search_delete(search=search)
        messages.success(request, f"Deleted the saved search “{search.name}”.")
        return redirect("leads:saved-search-list")
    return render(request, "leads/saved_search_confirm_delete.html", {"search": search})
