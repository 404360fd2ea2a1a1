"""Staff dashboard and CSV downloads of the web log (clause P2: marketing use only)."""

import csv
import datetime as dt

from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from lead411.core import clock

from .charts import bar_chart_svg, hbar_chart_svg
from .forms import DateRangeForm
from .selectors import TOP_DIMENSIONS, WeblogReport, weblog_report

TOP_TITLES = {
    "page": "Top pages",
    "referrer_domain": "Top referrer domains",
    "search_engine": "Search engines",
    "browser": "Browsers",
    "os": "Operating systems",
    "device": "Device classes",
    "status": "Status codes",
    "bot": "Bots (kept out of visitor figures)",
}
SERIES = ("days", "weeks", "months")


def _range(request: HttpRequest) -> tuple[DateRangeForm, dt.date, dt.date]:
    today = clock.now().astimezone(dt.UTC).date()
    initial = {"start": today - dt.timedelta(days=29), "end": today}
    form = DateRangeForm(request.GET if "start" in request.GET else None, initial=initial)
    if form.is_bound and form.is_valid():
        return form, form.cleaned_data["start"], form.cleaned_data["end"]
    return form, initial["start"], initial["end"]


@staff_member_required
def weblog_dashboard_view(request: HttpRequest) -> HttpResponse:
    """Render pageviews, visits, visitors, top lists and charts for a date range."""
    form, start, end = _range(request)
    report = weblog_report(start=start, end=end, top_n=10)
    tops = [
        {
            "key": key,
            "title": TOP_TITLES[key],
            "rows": report.top.get(key, []),
            "chart": hbar_chart_svg(rows=report.top.get(key, []), title=TOP_TITLES[key]),
        }
        for key in TOP_DIMENSIONS
    ]
    context = {
        "form": form,
        "report": report,
        "tops": tops,
        "query": f"start={start.isoformat()}&end={end.isoformat()}",
        "pageviews_chart": bar_chart_svg(
            points=[(p.label, p.pageviews) for p in report.days], title="Pageviews per day"
        ),
        "visitors_chart": bar_chart_svg(
            points=[(p.label, p.visitors) for p in report.days], title="Unique visitors per day"
        ),
    }
    return render(request, "weblog/weblog_dashboard.html", context)


def _csv_rows(report: WeblogReport, table: str) -> list[list[object]]:
    if table in SERIES:
        periods = getattr(report, table)
        header: list[object] = ["period", "hits", "pageviews", "visits", "visitors", "bot_hits"]
        return [header] + [
            [p.label, p.hits, p.pageviews, p.visits, p.visitors, p.bot_hits] for p in periods
        ]
    if table in TOP_DIMENSIONS:
        top_header: list[object] = [table, "count"]
        return [top_header] + [[k, v] for k, v in report.top.get(table, [])]
    raise Http404("No such table.")


@staff_member_required
def weblog_export_csv_view(request: HttpRequest, table: str) -> HttpResponse:
    """Return one table of the report as CSV: ``days``, ``weeks``, ``months`` or a top list."""
    _, start, end = _range(request)
    report = weblog_report(start=start, end=end, top_n=100)
    rows = _csv_rows(report, table)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="weblog-{table}-{start}-{end}.csv"'
    writer = csv.writer(response)
    for row in rows:
        # A leading = + - @ would run as a formula in a spreadsheet (OWASP CSV injection).
        writer.writerow([f"'{c}" if str(c)[:1] in "=+-@" and str(c) else c for c in row])
    return response
