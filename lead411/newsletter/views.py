"""Views of the newsletter app: saved searches, preferences, unsubscribe, staff previews.

Views are glue: parse with a form, call a selector or service, render.
"""

import datetime as dt

from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from lead411.accounts.models import User
from lead411.core import clock
from lead411.mail import services as mail_services
from lead411.mail.models import Stream
from lead411.newsletter import services
from lead411.newsletter.digest import IssueDateOutOfRange, issue_date_check, newsletter_preview
from lead411.newsletter.forms import PreviewForm
from lead411.newsletter.models import ProductUpdate


@staff_member_required
@require_safe
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
@require_safe
def newsletter_preview_body_view(request: HttpRequest, member_id: int, date: str) -> HttpResponse:
    """Staff: the raw HTML (or ``?part=text``) of a member's newsletter for a date.

    A date the build does not support is a 400 with the reason (issue 15).
    """
    member = get_object_or_404(User, pk=member_id)
    try:
        day = dt.date.fromisoformat(date)
    except ValueError:
        raise Http404("Use a date as YYYY-MM-DD.") from None
    try:
        issue_date_check(date=day)
    except IssueDateOutOfRange as exc:
        return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
    letter = newsletter_preview(member=member, date=day)
    if letter is None:
        return HttpResponse(
            "No new leads for this member on this date: no email.", content_type="text/plain"
        )
    if request.GET.get("part") == "text":
        return HttpResponse(letter.text, content_type="text/plain; charset=utf-8")
    return HttpResponse(letter.html)


@staff_member_required
@require_safe
def product_update_preview_view(request: HttpRequest, update_id: int) -> HttpResponse:
    """Staff: the sanitised HTML of a product update as members will get it (P5)."""
    update = get_object_or_404(ProductUpdate, pk=update_id)
    subject, text, html = services.product_update_render(update=update)
    prefs = mail_services.mail_preferences_get_or_create(member=request.user)
    footer = mail_services.footer_context(prefs=prefs, stream=Stream.UPDATES)
    context = {"update": update, "subject": subject, "text": text, "html": html, "footer": footer}
    return render(request, "newsletter/product_update_preview.html", context)
