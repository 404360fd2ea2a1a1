"""Public pages: home with a teaser of the latest leads, about & pricing."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from lead411.leads.selectors import lead_list_latest

# The home page names this many recent leads (company and kind only) as a teaser.
HOME_TEASER_SIZE = 5


@require_safe
def home_view(request: HttpRequest) -> HttpResponse:
    """Render the home page: what Lead411 does, the latest leads, a call to action."""
    return render(request, "pages/home.html", {"latest": lead_list_latest(limit=HOME_TEASER_SIZE)})


@require_safe
def about_view(request: HttpRequest) -> HttpResponse:
    """Render the about & pricing page."""
    return render(request, "pages/about.html")
