"""Site-wide views: health check and error pages."""

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@require_GET
@never_cache
def healthz_view(request: HttpRequest) -> JsonResponse:
    """Answer 200 ``{"status": "ok", "database": "ok"}`` or 503 when the database fails."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return JsonResponse(
            {"status": "error", "database": "unavailable", "detail": type(exc).__name__},
            status=503,
        )
    return JsonResponse({"status": "ok", "database": "ok", "vendor": connection.vendor})


def bad_request_view(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Render the 400 page."""
    return render(request, "core/error.html", {"status": 400, "title": "Bad request"}, status=400)


def permission_denied_view(
    request: HttpRequest, exception: Exception | None = None
) -> HttpResponse:
    """Render the 403 page."""
    return render(request, "core/error.html", {"status": 403, "title": "Not allowed"}, status=403)


def not_found_view(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Render the 404 page."""
    return render(
        request, "core/error.html", {"status": 404, "title": "Page not found"}, status=404
    )


def server_error_view(request: HttpRequest) -> HttpResponse:
    """Render the 500 page without a stack trace."""
    return render(request, "core/error.html", {"status": 500, "title": "Server error"}, status=500)
