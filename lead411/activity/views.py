"""Member activity pages: "What we record about you", and the sales-leads team's view (P4)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from lead411.core.audit import audit_record
from lead411.core.models import AuditEvent
from lead411.core.privacy_registry import cookies, holdings

from .selectors import (
    activity_top_pages,
    member_activity_list,
    member_activity_summary,
    member_data_links,
)

# The sales-leads team role (clause P8): it alone sees one member's activity.
TEAM_PERMISSION = "accounts.view_registration_details"


@login_required
def my_activity_view(request: HttpRequest) -> HttpResponse:
    """Show the member their own visit count, most-used pages, and the registry's list of
    everything the site keeps about a member and of the cookies it sets (P4, P15)."""
    return render(
        request,
        "activity/activity_mine.html",
        {
            "summary": member_activity_summary(member=request.user),
            "holdings": holdings(),
            "cookies": cookies(),
            "data_links": member_data_links(),
        },
    )


@login_required
@permission_required(TEAM_PERMISSION, raise_exception=True)
def activity_overview_view(request: HttpRequest) -> HttpResponse:
    """List members by visits and the most-used pages across members (sales-leads team)."""
    page = Paginator(member_activity_list(), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "activity/activity_overview.html",
        {"page": page, "top_pages": activity_top_pages()},
    )


@login_required
@permission_required(TEAM_PERMISSION, raise_exception=True)
def member_activity_view(request: HttpRequest, member_id: int) -> HttpResponse:
    """Show one member's activity to the sales-leads team; the view is audited (P8)."""
    member = get_object_or_404(get_user_model(), pk=member_id)
    audit_record(
        actor=request.user, action=AuditEvent.Action.VIEW, obj=member, verb="view activity"
    )
    return render(
        request,
        "activity/activity_member.html",
        {"member": member, "summary": member_activity_summary(member=member)},
    )
