"""Staff pages: the report builder, the release, the disclosure register (clause P14)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST, require_safe

from .checks import min_cell
from .forms import ReleaseForm, ReportForm
from .guard import ReleaseBlocked
from .models import Disclosure, DisclosureFile
from .render import header, html_rows, render_svg
from .selectors import DP_CAPABLE
from .services import ReleaseRefused, disclosure_file_read, report_build, report_release

PERMISSION = "reports.release_report"


def _preview_context(form: ReportForm) -> dict[str, object]:
    data = form.cleaned_data
    built = report_build(kind=data["kind"], start=data["start"], end=data["end"])
    return {
        "released": built.released,
        "header": header(built.released),
        "rows": html_rows(built.released),
        # The chart is our own SVG with every text escaped (render.render_svg).
        "chart": mark_safe(render_svg(released=built.released).decode()),  # noqa: S308
        "dp_capable": data["kind"] in DP_CAPABLE,
    }


@require_safe
@login_required
@permission_required(PERMISSION, raise_exception=True)
def report_builder_view(request: HttpRequest) -> HttpResponse:
    """Pick a report and a period; show it as it would be released, with the release form."""
    form = ReportForm(request.GET or None)
    context: dict[str, object] = {"form": form, "k": min_cell()}
    if form.is_valid():
        context.update(_preview_context(form))
        context["release_form"] = ReleaseForm(initial=form.cleaned_data)
    return render(request, "reports/report_builder.html", context)


@require_POST
@login_required
@permission_required(PERMISSION, raise_exception=True)
def report_release_view(request: HttpRequest) -> HttpResponse:
    """Release the report to the named recipient, then show its register entry."""
    form = ReleaseForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            disclosure = report_release(
                actor=request.user,
                recipient_name=data["recipient"],
                purpose=data["purpose"],
                kind=data["kind"],
                start=data["start"],
                end=data["end"],
                epsilon=data["epsilon"],
            )
        except (ReleaseRefused, ReleaseBlocked) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Released and recorded in the disclosure register.")
            return redirect("reports:disclosure", pk=disclosure.pk)
    context: dict[str, object] = {"form": form, "release_form": form, "k": min_cell()}
    if form.is_valid():
        context.update(_preview_context(form))
    return render(request, "reports/report_builder.html", context, status=400)


@require_safe
@login_required
@permission_required(PERMISSION, raise_exception=True)
def disclosure_list_view(request: HttpRequest) -> HttpResponse:
    """List every release, newest first, with its files."""
    disclosures = Disclosure.objects.select_related("recipient").prefetch_related("files")
    return render(request, "reports/disclosure_list.html", {"disclosures": disclosures})


@require_safe
@login_required
@permission_required(PERMISSION, raise_exception=True)
def disclosure_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one register entry: recipient, purpose, definition, k, epsilon, hashes."""
    disclosure = get_object_or_404(Disclosure.objects.select_related("recipient"), pk=pk)
    return render(request, "reports/disclosure_detail.html", {"disclosure": disclosure})


@require_safe
@login_required
@permission_required(PERMISSION, raise_exception=True)
def disclosure_file_view(request: HttpRequest, pk: int, file_id: int) -> HttpResponse:
    """Download an archived release, after checking it against its register hash."""
    file = get_object_or_404(DisclosureFile, pk=file_id, disclosure_id=pk)
    try:
        content = disclosure_file_read(file=file)
    except ValueError as exc:
        raise Http404(str(exc)) from exc
    content_type = {"csv": "text/csv; charset=utf-8", "svg": "image/svg+xml"}[file.file_format]
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{file.name}"'
    return response
