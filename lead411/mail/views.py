"""Views of the mail app: the member's stream preferences, one-click unsubscribe, the member export.

Views are glue: parse with a form, call a selector or service, render.
"""

import csv
from typing import Any

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from lead411.accounts.decorators import member_required

from . import services
from .forms import MailPreferencesForm, MemberExportForm
from .models import Stream
from .tokens import ALL_STREAMS, BadToken, TokenExpired


@member_required
@require_http_methods(["GET", "HEAD", "POST"])
def preferences_view(request: HttpRequest) -> HttpResponse:
    """Show and change the member's consent to each of the three streams (P5)."""
    prefs = services.mail_preferences_get_or_create(member=request.user)
    if request.method == "POST":
        form = MailPreferencesForm(request.POST)
        if form.is_valid():
            services.mail_preferences_set(member=request.user, consents=form.consents())
            messages.success(request, "Your email preferences are saved.")
            return redirect("mail:preferences")
    else:
        form = MailPreferencesForm(initial={s: prefs.allows(s) for s in Stream.values})
    return render(request, "mail/preferences.html", {"form": form})


@csrf_exempt  # RFC 8058: mail clients POST here without a cookie or CSRF token; the signed token authorises.
@require_http_methods(["GET", "HEAD", "POST"])
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
    except TokenExpired:
        return render(
            request, "mail/unsubscribe_invalid.html", {"reason": "has expired"}, status=400
        )
    except BadToken:
        return render(
            request, "mail/unsubscribe_invalid.html", {"reason": "is not valid"}, status=400
        )
    label = "all Lead411 email" if stream == ALL_STREAMS else Stream(stream).label
    context: dict[str, Any] = {
        "done": done,
        "label": label,
        "stream": stream,
        "prefs": prefs,
        "token": token,
    }
    return render(request, "mail/unsubscribe.html", context)


@staff_member_required
@require_http_methods(["GET", "HEAD", "POST"])
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
    return render(request, "mail/member_export.html", {"form": form})
