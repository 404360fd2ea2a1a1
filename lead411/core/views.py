"""Site-wide views: health check, robots.txt, the favicon and error pages."""

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@require_safe
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


# Crawlers may read the public pages; member, staff and API areas are nobody's index.
ROBOTS_DISALLOWED = ("/admin/", "/staff/", "/members/", "/me/", "/leads/", "/newsletter/", "/api/")


@require_safe
def robots_txt_view(request: HttpRequest) -> HttpResponse:
    """Answer ``/robots.txt`` (RFC 9309): every crawler, the private areas disallowed."""
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in ROBOTS_DISALLOWED)]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@require_safe
def favicon_view(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Send ``/favicon.ico``, which browsers ask for on their own, to the site's SVG icon."""
    return HttpResponsePermanentRedirect(static("core/favicon.svg"))


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
