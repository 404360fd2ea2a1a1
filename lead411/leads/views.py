"""Lead search, lead detail, CSV exports and export jobs, for members only (clause L2)."""

import uuid

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    QueryDict,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from lead411.accounts.decorators import member_required
from lead411.core import clock
from lead411.leads.criteria import criteria_describe, criteria_querydict
from lead411.leads.exports import PRESETS, ExportRefused, export_file_name, export_lines
from lead411.leads.forms import (
    CRITERIA_PARAMS,
    ExportOptionsForm,
    LeadSearchForm,
    SavedSearchForm,
    criteria_from_params,
)
from lead411.leads.models import Company, ExportJob, TriggerEvent
from lead411.leads.selectors import (
    company_get,
    export_job_get,
    export_job_list,
    lead_count,
    lead_export_ids,
    lead_export_rows,
    lead_get,
    lead_search,
    saved_search_allowance,
    saved_search_get,
    saved_search_list,
)
from lead411.leads.services import (
    export_job_create,
    export_job_path,
    saved_search_create,
    saved_search_delete,
    saved_search_update,
)


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
    context = {
        "form": form,
        "params": params,
        "result": result,
        "notices": notices,
        "export_options": ExportOptionsForm(),
        "export_fields": _export_fields(params),
        "export_direct_max": settings.LEADS_EXPORT_DIRECT_MAX_ROWS,
    }
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


@member_required
@require_safe
def company_detail_view(request: HttpRequest, company_id: int) -> HttpResponse:
    """Render a company: its profile, its events on a timeline, its people and sources."""
    try:
        detail = company_get(company_id=company_id)
    except Company.DoesNotExist:
        raise Http404("No such company.") from None
    return render(request, "leads/company_detail.html", {"detail": detail})


def _export_fields(params: QueryDict) -> list[tuple[str, str]]:
    """Return the search's parameters as (name, value) pairs for an export form's hidden fields."""
    return [(name, value) for name in params if name != "page" for value in params.getlist(name)]


def _described(params: QueryDict) -> str:
    """Return the search in words for an export's page: "words: robot; type: Funding round"."""
    criteria = {name: params.getlist(name) for name in CRITERIA_PARAMS if params.getlist(name)}
    return "; ".join(criteria_describe(criteria))


def _export_limits() -> dict[str, int]:
    """Return the export limits the export pages state: the direct maximum and the link's life."""
    return {
        "direct_max": settings.LEADS_EXPORT_DIRECT_MAX_ROWS,
        "link_hours": settings.LEADS_EXPORT_LINK_HOURS,
    }


def _bad_search(request: HttpRequest, form: LeadSearchForm) -> HttpResponse:
    context = {"form": form, "params": _known_params(request), "result": None, "notices": []}
    return render(request, "leads/lead_search.html", context, status=400)


def _export_forms(
    request: HttpRequest, data: QueryDict
) -> tuple[LeadSearchForm, ExportOptionsForm] | HttpResponse:
    """Bind and check an export's search and options; a 400 page when either is bad."""
    form = LeadSearchForm(data)
    options = ExportOptionsForm(data)
    if not form.is_valid():
        return _bad_search(request, form)
    if not options.is_valid():
        return render(
            request,
            "leads/export_confirm.html",
            {"options": options, **_export_limits()},
            status=400,
        )
    return form, options


@member_required
@require_safe
def lead_export_csv_view(request: HttpRequest) -> HttpResponseBase:
    """Stream the search result as CSV in the format ``preset`` asks for (issue 16, L2).

    Takes the search page's parameters (``page`` is ignored) and the export's own
    (``ExportOptionsForm``: ``preset``, ``bom``). Up to ``LEADS_EXPORT_DIRECT_MAX_ROWS``
    leads stream at once; a larger result gets a page that offers to prepare the file in
    the background, so no export is ever cut short. Bad parameters get the search page
    with its errors and HTTP 400.
    """
    forms = _export_forms(request, request.GET)
    if isinstance(forms, HttpResponse):
        return forms
    form, options = forms
    query = form.to_query()
    total = lead_count(query=query)
    preset = PRESETS[options.cleaned_data["preset"]]
    if total > settings.LEADS_EXPORT_DIRECT_MAX_ROWS:
        context = {
            "options": options,
            "preset": preset,
            "total": total,
            "fields": _export_fields(_known_params(request)),
            "described": _described(_known_params(request)),
            **_export_limits(),
        }
        return render(request, "leads/export_confirm.html", context)
    ids = lead_export_ids(query=query, limit=settings.LEADS_EXPORT_DIRECT_MAX_ROWS)
    lines = export_lines(
        preset=preset,
        leads=lead_export_rows(ids=ids, with_contacts=preset.needs_contacts),
        lead_url_prefix=request.build_absolute_uri(reverse("leads:search")),
        with_bom=options.cleaned_data["bom"],
    )
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    filename = export_file_name(preset=preset, words=query.q, on=clock.today())
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@member_required
@require_POST
def export_job_create_view(request: HttpRequest) -> HttpResponse:
    """Queue an export of the search in the POST data and go to its progress page (issue 16)."""
    forms = _export_forms(request, request.POST)
    if isinstance(forms, HttpResponse):
        return forms
    form, options = forms
    query = form.to_query()
    params = QueryDict(mutable=True)
    for name in LeadSearchForm.base_fields:
        values = [v for v in request.POST.getlist(name) if v]
        if values and name != "page":
            params.setlist(name, values)
    try:
        job = export_job_create(
            member=request.user,
            params={name: params.getlist(name) for name in params},
            query=query,
            described=_described(params),
            preset=PRESETS[options.cleaned_data["preset"]],
            with_bom=options.cleaned_data["bom"],
            total=lead_count(query=query),
        )
    except ExportRefused as exc:
        context = {
            "options": options,
            "refused": str(exc),
            "fields": _export_fields(params),
            **_export_limits(),
        }
        return render(request, "leads/export_confirm.html", context, status=409)
    return redirect("leads:export-job", public_id=job.public_id)


@member_required
@require_safe
def export_job_list_view(request: HttpRequest) -> HttpResponse:
    """List the member's recent exports with their state and download links."""
    jobs = export_job_list(member=request.user)
    return render(
        request,
        "leads/export_job_list.html",
        {"jobs": jobs, "now": clock.now(), **_export_limits()},
    )


@member_required
@require_safe
def export_job_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Show one export's progress, then its download link until it expires."""
    job = export_job_get(member=request.user, public_id=public_id)
    context = {"job": job, "now": clock.now(), **_export_limits()}
    return render(request, "leads/export_job.html", context)


@member_required
@require_safe
def export_job_progress_view(request: HttpRequest, public_id: uuid.UUID) -> JsonResponse:
    """Return one export's progress as JSON for the progress bar's script.

    ``{"status": "running", "processed": 4000, "total": 12000, "rows": 0,
    "download_url": null, "error": ""}``; ``download_url`` is set once the file is ready.
    """
    job = export_job_get(member=request.user, public_id=public_id)
    ready = job.status == ExportJob.Status.DONE
    return JsonResponse(
        {
            "status": job.status,
            "status_label": job.get_status_display(),
            "processed": job.processed,
            "total": job.total,
            "rows": job.rows_written,
            "download_url": reverse("leads:export-job-download", args=[job.public_id])
            if ready
            else None,
            "error": job.error,
        }
    )


@member_required
@require_safe
def export_job_download_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponseBase:
    """Send the export's file; HTTP 410 once its link expired, 409 while it is not ready."""
    job = export_job_get(member=request.user, public_id=public_id)
    now = clock.now()
    context = {"job": job, "now": now, **_export_limits()}
    expired = job.status == ExportJob.Status.EXPIRED or (
        job.expires_at is not None and job.expires_at <= now
    )
    if expired:
        return render(request, "leads/export_job.html", context | {"expired": True}, status=410)
    path = export_job_path(job=job)
    if job.status != ExportJob.Status.DONE or not path.is_file():
        return render(request, "leads/export_job.html", context, status=409)
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=job.download_name,
        content_type="text/csv; charset=utf-8",
    )
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
