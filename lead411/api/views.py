"""Member pages of the API: API tokens (create, list, revoke) and the API's docs page."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from lead411.accounts.decorators import member_required

from .api import api
from .forms import ApiTokenCreateForm
from .models import ApiToken
from .selectors import api_token_list
from .services import api_token_create, api_token_revoke


@member_required
@require_http_methods(["GET", "HEAD", "POST"])
def api_token_list_view(request: HttpRequest) -> HttpResponse:
    """List the member's tokens; a POST creates one and shows it this once."""
    form = ApiTokenCreateForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            created = api_token_create(
                member=request.user,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            form = ApiTokenCreateForm()
    return render(
        request,
        "api/api_token_list.html",
        {"form": form, "created": created, "tokens": api_token_list(member=request.user)},
        status=400 if form.errors else 200,
    )


@member_required
@require_POST
def api_token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    """Revoke one of the member's tokens; another member's token is a 404."""
    token = get_object_or_404(ApiToken, pk=token_id, member=request.user)
    api_token_revoke(actor=request.user, token=token)
    messages.success(request, f"Token “{token.name}” revoked; it no longer works.")
    return redirect("api_tokens:list")


@require_safe
def api_docs_view(request: HttpRequest) -> HttpResponse:
    """The API reference, rendered from the served OpenAPI document (no scripts, no CDN)."""
    schema = api.get_openapi_schema()
    operations = [
        {
            "method": method.upper(),
            "path": path,
            "summary": op.get("summary", ""),
            "description": op.get("description", ""),
            "parameters": op.get("parameters", []),
            "responses": sorted(op.get("responses", {})),
        }
        for path, methods in schema["paths"].items()
        for method, op in methods.items()
    ]
    return render(request, "api/api_docs.html", {"info": schema["info"], "operations": operations})
