"""Views of the privacy app: download my data, delete my account (clause P11)."""

import json

from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_safe

from lead411.accounts.forms import DeleteAccountForm
from lead411.accounts.models import User

from .selectors import member_data_export
from .services import member_erase


@login_required
@require_safe
def my_data_view(request: HttpRequest) -> HttpResponse:
    """Download everything stored about the member as JSON."""
    data = member_data_export(user=request.user)
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False, cls=DjangoJSONEncoder),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="lead411-my-data.json"'
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def account_delete_view(request: HttpRequest) -> HttpResponse:
    """Delete the member's account after they confirm with their current password."""
    user: User = request.user  # type: ignore[assignment]  # login_required
    form = DeleteAccountForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        member_erase(user=user)
        logout(request)
        return render(request, "privacy/account_deleted.html")
    return render(request, "privacy/account_delete_form.html", {"form": form})
