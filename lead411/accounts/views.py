"""Member-side views: application status, account page, stolen password, change requests."""

from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.crypto import constant_time_compare, salted_hmac
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from .forms import (
    AccountChangeRequestForm,
    ApplicationAnswerForm,
    ConfirmForm,
    NameChangeForm,
)
from .models import Application, User
from .plans import plan_terms
from .selectors import member_has_access
from .services import (
    account_change_request_create,
    application_answer,
    member_name_change,
    stolen_password_report,
)

STOLEN_PASSWORD_SALT = "lead411.accounts.stolen-password"  # noqa: S105  # a signing salt, not a secret
STOLEN_PASSWORD_LINK_MAX_AGE_SECONDS = 60 * 60 * 24 * 30


def _password_fingerprint(user: User) -> str:
    return salted_hmac(STOLEN_PASSWORD_SALT, user.password).hexdigest()[:20]


def stolen_password_token(*, user: Any) -> str:
    """Return a signed token for the "report a stolen password" link of an email.

    It names the user and a fingerprint of the current password hash, so it stops working
    once the password changes again (after a report, or after the reset that follows).
    Valid for STOLEN_PASSWORD_LINK_MAX_AGE_SECONDS (30 days).
    """
    return signing.dumps(
        {"u": user.pk, "h": _password_fingerprint(user)}, salt=STOLEN_PASSWORD_SALT
    )


def _user_from_stolen_password_token(token: str) -> User:
    try:
        data = signing.loads(
            token, salt=STOLEN_PASSWORD_SALT, max_age=STOLEN_PASSWORD_LINK_MAX_AGE_SECONDS
        )
        user = User.objects.get(pk=data["u"])
    except (signing.BadSignature, User.DoesNotExist, KeyError, TypeError) as exc:
        raise Http404("This link is invalid or has expired.") from exc
    if not constant_time_compare(str(data.get("h", "")), _password_fingerprint(user)):
        raise Http404("This link is invalid or has expired.")
    return user


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def application_view(request: HttpRequest) -> HttpResponse:
    """Show the applicant their application's status; answer a request for information."""
    user: User = request.user  # type: ignore[assignment]  # login_required
    application = Application.objects.filter(user=user).first()
    if application is None:
        return redirect("accounts:account")
    form = ApplicationAnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            application_answer(user=user, answer=form.cleaned_data["answer"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Thank you. Your answer was sent to our team.")
            return redirect("accounts:application")
    return render(
        request,
        "accounts/application_status.html",
        {
            "application": application,
            "form": form,
            "is_member": member_has_access(user=request.user),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def account_view(request: HttpRequest) -> HttpResponse:
    """The account page: change name here; links to password, email, requests (clause P11)."""
    user: User = request.user  # type: ignore[assignment]  # login_required
    form = NameChangeForm(
        request.POST or None, initial={"first_name": user.first_name, "last_name": user.last_name}
    )
    if request.method == "POST" and form.is_valid():
        member_name_change(user=user, **form.cleaned_data)
        messages.success(request, "Your name was changed.")
        return redirect("accounts:account")
    return render(
        request,
        "accounts/account_detail.html",
        {
            "form": form,
            "is_member": member_has_access(user=user),
            "plan": plan_terms(plan=user.plan),
        },
    )


def _report_and_suspend(request: HttpRequest, user: User) -> HttpResponse:
    stolen_password_report(user=user)
    logout(request)
    return redirect("accounts:suspended")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def stolen_password_view(request: HttpRequest) -> HttpResponse:
    """Report a stolen password from the account page (clause P13)."""
    form = ConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        return _report_and_suspend(request, request.user)  # type: ignore[arg-type]  # login_required
    return render(request, "accounts/stolen_password_form.html", {"form": form})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def stolen_password_link_view(request: HttpRequest, token: str) -> HttpResponse:
    """Report a stolen password from the link in a "password changed" email (clause P13).

    GET only shows the confirmation, so a mail scanner following links cancels nothing.
    """
    user = _user_from_stolen_password_token(token)
    form = ConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        return _report_and_suspend(request, user)
    return render(request, "accounts/stolen_password_form.html", {"form": form})


def suspended_view(request: HttpRequest) -> HttpResponse:
    """Tell the member access is suspended until staff send a reset link (clause P13)."""
    return render(request, "accounts/suspended.html")


@require_http_methods(["GET", "HEAD", "POST"])
def account_change_request_view(request: HttpRequest) -> HttpResponse:
    """Ask staff to change an email, name or password, logged in or not (clause P11)."""
    user = request.user if request.user.is_authenticated else None
    initial = (
        {"name": user.get_full_name(), "contact_email": user.email}
        if isinstance(user, User)
        else {}
    )
    form = AccountChangeRequestForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        account_change_request_create(user=user, **form.cleaned_data)
        return render(request, "accounts/account_change_request_sent.html")
    return render(request, "accounts/account_change_request_form.html", {"form": form})
