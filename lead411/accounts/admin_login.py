"""The admin's login page sends people to allauth's, which carries the rate limits."""

from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme


def admin_login_view(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    """Redirect to allauth's login with ``next`` set to the admin page asked for.

    Staff and members share one login form, so both get the same brute-force limits
    (allauth ``login_failed``) and the same answers for unknown accounts (clause P10).
    A logged-in user who is not staff gets 403 (PermissionDenied) instead of a redirect loop.
    """
    if request.user.is_authenticated:
        # A member who is not staff: allauth would send them straight back here.
        raise PermissionDenied("The admin is for staff only.")
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = ""
    return redirect_to_login(target or reverse("admin:index"), reverse("account_login"))
