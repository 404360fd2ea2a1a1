"""Policy pages, the notice acknowledgement, the contact form and a member's conversations."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from lead411.policy import selectors, services
from lead411.policy.forms import AcknowledgeForm
from lead411.policy.rendering import policy_diff


def policy_current_view(request: HttpRequest) -> HttpResponse:
    """Show the version in effect, its effective date, and a later one already posted (P15)."""
    version = selectors.policy_version_get_current()
    return render(
        request,
        "policy/policy_detail.html",
        {
            "version": version,
            "is_current": True,
            "upcoming": selectors.policy_version_get_upcoming(),
            "versions": selectors.policy_version_list_published(),
        },
    )


def policy_version_view(request: HttpRequest, number: int) -> HttpResponse:
    """Show published version ``number`` at its permanent URL; 404 for drafts and unknowns."""
    version = selectors.policy_version_get(number=number)
    if version is None:
        raise Http404("No such policy version.")
    current = selectors.policy_version_get_current()
    return render(
        request,
        "policy/policy_detail.html",
        {
            "version": version,
            "is_current": current is not None and current.pk == version.pk,
            "current": current,
            "versions": selectors.policy_version_list_published(),
        },
    )


def _version_number(value: str | None, default: int) -> int:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as error:
        raise Http404("Version numbers are whole numbers.") from error


def policy_diff_view(request: HttpRequest) -> HttpResponse:
    """Show the line differences between published versions ``?a=`` and ``?b=`` (P15).

    Without parameters it compares the version in effect with the one before it.
    """
    versions = selectors.policy_version_list_published()
    latest = versions.first()
    if latest is None:
        raise Http404("No policy version is published yet.")
    b_number = _version_number(request.GET.get("b"), latest.number)
    a_number = _version_number(request.GET.get("a"), max(b_number - 1, 1))
    old = selectors.policy_version_get(number=a_number)
    new = selectors.policy_version_get(number=b_number)
    if old is None or new is None:
        raise Http404("No such policy version.")
    lines = policy_diff(
        old=old.body,
        new=new.body,
        old_label=f"Version {old.number}",
        new_label=f"Version {new.number}",
    )
    return render(
        request,
        "policy/policy_diff.html",
        {"old": old, "new": new, "lines": lines, "versions": versions},
    )


@require_POST
@login_required
def policy_acknowledge_view(request: HttpRequest) -> HttpResponse:
    """Record the member's acknowledgement of the notice, then go back where they were."""
    form = AcknowledgeForm(request.POST)
    if not form.is_valid():
        return HttpResponse("Bad request.", status=400)
    version = selectors.policy_version_get(number=form.cleaned_data["version"])
    if version is None:
        raise Http404("No such policy version.")
    services.policy_acknowledge(user=request.user, version=version)  # type: ignore[arg-type]  # login_required
    target = request.POST.get("next", "")
    # Only a path on this site; ``redirect()`` would also try ``target`` as a URL name,
    # and a bare word there (``next=a``) raised NoReverseMatch, an HTTP 500.
    if not target.startswith("/") or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("policy:privacy")
    return HttpResponseRedirect(target)
