"""Public pages: home with a teaser of the latest leads, about & pricing."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from lead411.accounts.plans import DEFAULT_PLAN, PLAN_TERMS
from lead411.leads.selectors import lead_list_latest

# The home page names this many recent leads (company and kind only) as a teaser.
HOME_TEASER_SIZE = 5


@require_safe
def home_view(request: HttpRequest) -> HttpResponse:
    """Render the home page: what Lead411 does, the latest leads, a call to action."""
    return render(request, "pages/home.html", {"latest": lead_list_latest(limit=HOME_TEASER_SIZE)})


@require_safe
def about_view(request: HttpRequest) -> HttpResponse:
    """Render the about & pricing page; its figures are the ones the site enforces.

    ``plans`` maps a plan's value ("solo") to its ``PlanTerms``; ``export_max_rows`` is
    the largest export file (``settings.LEADS_EXPORT_JOB_MAX_ROWS``).
    """
    return render(
        request,
        "pages/about.html",
        {
            "plans": {terms.plan.value: terms for terms in PLAN_TERMS.values()},
            "default_plan": DEFAULT_PLAN.label,
            "export_max_rows": settings.LEADS_EXPORT_JOB_MAX_ROWS,
        },
    )
