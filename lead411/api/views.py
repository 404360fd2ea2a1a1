"""Member pages of the API: API tokens, webhooks and their delivery log; the API's docs page."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from lead411.accounts.decorators import member_required

from .api import api
from .forms import ApiTokenCreateForm, WebhookEndpointCreateForm
from .models import ApiToken, WebhookEndpoint
from .selectors import api_token_list, webhook_delivery_log, webhook_endpoint_list
from .services import (
    api_token_create,
    api_token_revoke,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_enable,
    webhook_test_send,
)

WEBHOOK_LOG_ROWS = 200


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


@member_required
@require_http_methods(["GET", "HEAD", "POST"])
def webhook_list_view(request: HttpRequest) -> HttpResponse:
    """List the member's webhooks; a POST attaches one and shows its secret this once."""
    form = WebhookEndpointCreateForm(request.POST or None, member=request.user)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            created = webhook_endpoint_create(
                member=request.user,
                saved_search=form.cleaned_data["saved_search"],
                url=form.cleaned_data["url"],
            )
        except ValidationError as exc:
            # A refused URL is the URL field's error; any other (model checks) the form's.
            field = "url" if getattr(exc, "code", None) == "url_refused" else None
            form.add_error(field, exc.messages)
        else:
            form = WebhookEndpointCreateForm(member=request.user)
    return render(
        request,
        "api/webhook_list.html",
        {
            "form": form,
            "created": created,
            "endpoints": webhook_endpoint_list(member=request.user),
            "max_attempts": settings.WEBHOOKS_MAX_ATTEMPTS,
            "disable_after": settings.WEBHOOKS_DISABLE_AFTER_FAILURES,
        },
        status=400 if form.errors else 200,
    )


@member_required
@require_safe
def webhook_log_view(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    """The delivery log of one of the member's webhooks; another member's is a 404."""
    endpoint = get_object_or_404(
        WebhookEndpoint.objects.select_related("saved_search"), pk=endpoint_id, member=request.user
    )
    return render(
        request,
        "api/webhook_log.html",
        {
            "endpoint": endpoint,
            "deliveries": webhook_delivery_log(endpoint=endpoint, limit=WEBHOOK_LOG_ROWS),
            "limit": WEBHOOK_LOG_ROWS,
        },
    )


@member_required
@require_POST
def webhook_test_view(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    """Queue a test event to one of the member's webhooks and show its log."""
    endpoint = get_object_or_404(WebhookEndpoint, pk=endpoint_id, member=request.user)
    try:
        webhook_test_send(endpoint=endpoint)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Test event queued; it appears below once sent.")
    return redirect("api_tokens:webhook-log", endpoint.pk)


@member_required
@require_POST
def webhook_enable_view(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    """Enable one of the member's disabled webhooks again."""
    endpoint = get_object_or_404(WebhookEndpoint, pk=endpoint_id, member=request.user)
    webhook_endpoint_enable(actor=request.user, endpoint=endpoint)
    messages.success(request, "Webhook enabled; the matches it missed follow.")
    return redirect("api_tokens:webhook-log", endpoint.pk)


@member_required
@require_POST
def webhook_delete_view(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    """Delete one of the member's webhooks with its log."""
    endpoint = get_object_or_404(WebhookEndpoint, pk=endpoint_id, member=request.user)
    webhook_endpoint_delete(actor=request.user, endpoint=endpoint)
    messages.success(request, "Webhook deleted.")
    return redirect("api_tokens:webhooks")
