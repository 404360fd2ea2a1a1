"""Views of the newsletter app: saved searches, preferences, unsubscribe, staff previews.

Views are glue: parse with a form, call a selector or service, render.
"""

import csv
import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from lead411.accounts.decorators import member_required
from lead411.accounts.models import User
from lead411.core import clock

from . import services
from .criteria import criteria_describe, criteria_from_params, criteria_querydict
from .digest import newsletter_preview
from .forms import MailPreferencesForm, MemberExportForm, PreviewForm, SavedSearchForm
from .models import ProductUpdate, Stream
from .selectors import saved_search_get, saved_search_list
from .tokens import ALL_STREAMS, BadToken


@member_required
@require_http_methods(["GET"])
def saved_search_list_view(request: HttpRequest) -> HttpResponse:
    """List the member's saved searches with links to run, edit and delete them (L3)."""
    searches = [
        (s, criteria_describe(s.criteria), criteria_querydict(s.criteria).urlencode())
        for s in saved_search_list(member=request.user)
    ]
    return render(request, "newsletter/saved_search_list.html", {"searches": searches})


@member_required
@require_http_methods(["GET", "POST"])
def saved_search_create_view(request: HttpRequest) -> HttpResponse:
    """Save the search given by the GET parameters (the search page's own) under a name (L3).

    GET shows the form with the search described; POST saves it and returns to the list.
    """
    if request.method == "POST":
        form = SavedSearchForm(request.POST)
        if form.is_valid():
            try:
                services.saved_search_create(
                    member=request.user,
                    name=form.cleaned_data["name"],
                    criteria=form.cleaned_data["params"],
                    include_in_newsletter=form.cleaned_data["include_in_newsletter"],
                )
            except ValidationError as exc:
                form.add_error("name" if "name" in str(exc) else None, exc)
            else:
                messages.success(
                    request, "Search saved. New matching leads will be in your daily newsletter."
                )
                return redirect("newsletter:saved-search-list")
    else:
        try:
            criteria = criteria_from_params(request.GET)
        except ValidationError as exc:
            return render(
                request, "newsletter/saved_search_form.html", {"errors": exc.messages}, status=400
            )
        form = SavedSearchForm(
            initial={
                "name": (criteria.get("q") or ["My search"])[0][:100],
                "params": criteria_querydict(criteria).urlencode(),
                "include_in_newsletter": True,
            }
        )
    return render(request, "newsletter/saved_search_form.html", {"form": form, "creating": True})


@member_required
@require_http_methods(["GET", "POST"])
def saved_search_edit_view(request: HttpRequest, search_id: int) -> HttpResponse:
    """Rename a saved search, switch it in or out of the newsletter, change its criteria (L3)."""
    search = saved_search_get(member=request.user, search_id=search_id)
    if request.method == "POST":
        form = SavedSearchForm(request.POST)
        if form.is_valid():
            try:
                services.saved_search_update(
                    search=search,
                    name=form.cleaned_data["name"],
                    criteria=form.cleaned_data["params"],
                    include_in_newsletter=form.cleaned_data["include_in_newsletter"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "Saved search updated.")
                return redirect("newsletter:saved-search-list")
    else:
        form = SavedSearchForm(
            initial={
                "name": search.name,
                "params": criteria_querydict(search.criteria).urlencode(),
                "include_in_newsletter": search.include_in_newsletter,
            }
        )
    return render(request, "newsletter/saved_search_form.html", {"form": form, "search": search})


@member_required
@require_http_methods(["GET", "POST"])
def saved_search_delete_view(request: HttpRequest, search_id: int) -> HttpResponse:
    """Confirm (GET) and delete (POST) a saved search (L3)."""
    search = saved_search_get(member=request.user, search_id=search_id)
    if request.method == "POST":
        services.saved_search_delete(search=search)
        messages.success(request, f"Deleted the saved search “{search.name}”.")
        return redirect("newsletter:saved-search-list")
    return render(request, "newsletter/saved_search_confirm_delete.html", {"search": search})


@member_required
@require_http_methods(["GET", "POST"])
def preferences_view(request: HttpRequest) -> HttpResponse:
    """Show and change the member's consent to each of the three streams (P5)."""
    prefs = services.mail_preferences_get_or_create(member=request.user)
    if request.method == "POST":
        form = MailPreferencesForm(request.POST)
        if form.is_valid():
            services.mail_preferences_set(member=request.user, consents=form.consents())
            messages.success(request, "Your email preferences are saved.")
            return redirect("newsletter:preferences")
    else:
        form = MailPreferencesForm(initial={s: prefs.allows(s) for s in Stream.values})
    return render(request, "newsletter/preferences.html", {"form": form})


@csrf_exempt  # RFC 8058: mail clients POST here without a cookie or CSRF token; the signed token authorises.
@require_http_methods(["GET", "POST"])
def unsubscribe_view(request: HttpRequest, token: str) -> HttpResponse:
    """One-click unsubscribe (RFC 8058, clause P7): POST unsubscribes, GET only asks.

    A GET changes nothing, so link scanners that follow URLs cannot unsubscribe anyone;
    its page has the button that POSTs. No login is needed for either.
    """
    try:
        if request.method == "POST":
            prefs, stream = services.unsubscribe_by_token(token=token)
            done = True
        else:
            prefs, stream = services.unsubscribe_preview(token=token)
            done = False
    except BadToken as exc:
        reason = "has expired" if str(exc) == "expired" else "is not valid"
        return render(
            request, "newsletter/unsubscribe_invalid.html", {"reason": reason}, status=400
        )
    label = "all Lead411 email" if stream == ALL_STREAMS else Stream(stream).label
    context: dict[str, Any] = {
        "done": done,
        "label": label,
        "stream": stream,
        "prefs": prefs,
        "token": token,
    }
    return render(request, "newsletter/unsubscribe.html", context)


@staff_member_required
@require_http_methods(["GET"])
def newsletter_preview_view(request: HttpRequest) -> HttpResponse:
    """Staff: pick a member and a date, then see that member's newsletter (L4)."""
    form = PreviewForm(request.GET or None, initial={"date": clock.today()})
    letter = None
    member = None
    if form.is_valid():
        member = User.objects.filter(email__iexact=form.cleaned_data["email"]).first()
        if member is None:
            form.add_error("email", "No member has this address.")
        else:
            letter = newsletter_preview(member=member, date=form.cleaned_data["date"])
    context = {"form": form, "letter": letter, "member": member}
    return render(request, "newsletter/newsletter_preview.html", context)


@staff_member_required
@require_http_methods(["GET"])
def newsletter_preview_body_view(request: HttpRequest, member_id: int, date: str) -> HttpResponse:
    """Staff: the raw HTML (or ``?part=text``) of a member's newsletter for a date."""
    member = get_object_or_404(User, pk=member_id)
    try:
        day = dt.date.fromisoformat(date)
    except ValueError:
        raise Http404("Use a date as YYYY-MM-DD.") from None
    letter = newsletter_preview(member=member, date=day)
    if letter is None:
        return HttpResponse(
            "No new leads for this member on this date: no email.", content_type="text/plain"
        )
    if request.GET.get("part") == "text":
        return HttpResponse(letter.text, content_type="text/plain; charset=utf-8")
    return HttpResponse(letter.html)


@staff_member_required
@require_http_methods(["GET"])
def product_update_preview_view(request: HttpRequest, update_id: int) -> HttpResponse:
    """Staff: the sanitised HTML of a product update as members will get it (P5)."""
    update = get_object_or_404(ProductUpdate, pk=update_id)
    subject, text, html = services.product_update_render(update=update)
    prefs = services.mail_preferences_get_or_create(member=request.user)
    footer = services.footer_context(prefs=prefs, stream=Stream.UPDATES)
    context = {"update": update, "subject": subject, "text": text, "html": html, "footer": footer}
    return render(request, "newsletter/product_update_preview.html", context)


@staff_member_required
@require_http_methods(["GET", "POST"])
def member_export_view(request: HttpRequest) -> HttpResponse:
    """Superusers only: download the member list as CSV, with a stated purpose (P6, audited)."""
    if not request.user.is_superuser:
        raise PermissionDenied("Only a superuser may export the member list.")
    form = MemberExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        rows = services.member_export_rows(actor=request.user, purpose=form.cleaned_data["purpose"])
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="lead411-members.csv"'
        csv.writer(response).writerows(rows)
        return response
    return render(request, "newsletter/member_export.html", {"form": form})
