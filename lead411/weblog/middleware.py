"""Records public (non-member) requests in the anonymous web log (clause P2).

A request is public when no user is authenticated before or after the view runs and
its path starts with none of ``WEBLOG_EXCLUDED_PATH_PREFIXES`` (admin, staff, static
files, health check, the member area). Member traffic is the activity app's business.
Place this after AuthenticationMiddleware.
"""

import datetime as dt
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from lead411.core import clock
from lead411.core.http import client_ip

from .classify import classify_user_agent
from .recorder import buffer


def _authenticated(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


def _response_bytes(response: HttpResponse) -> int:
    if response.has_header("Content-Length"):
        try:
            return int(response["Content-Length"])
        except ValueError:
            return 0
    return 0 if getattr(response, "streaming", False) else len(response.content)


class PageViewRecorderMiddleware:
    """Queues the values of each public request; the buffer's thread minimises and writes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        if settings.WEBLOG_RECORDING_ENABLED:
            # Loading the uap-core and crawler rules takes about a second: pay it when the
            # worker boots (Django builds the middleware chain then), not on a visitor's request.
            classify_user_agent("Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not settings.WEBLOG_RECORDING_ENABLED or self._excluded(request):
            return self.get_response(request)
        anonymous = not _authenticated(request)
        started = time.perf_counter()
        response = self.get_response(request)
        if anonymous and not _authenticated(request):
            duration_ms = int((time.perf_counter() - started) * 1000)
            self._record(request, response, duration_ms)
        return response

    @staticmethod
    def _excluded(request: HttpRequest) -> bool:
        prefixes = settings.WEBLOG_EXCLUDED_PATH_PREFIXES
        return request.path.startswith(tuple(prefixes))

    @staticmethod
    def _record(request: HttpRequest, response: HttpResponse, duration_ms: int) -> None:
        # Only raw values are queued here; the writer thread minimises them off the request.
        now = clock.now()
        meta = request.META
        buffer.add(
            (
                now,
                buffer.salt(now.astimezone(dt.UTC).date()),
                client_ip(request),
                meta.get("HTTP_USER_AGENT", ""),
                request.method or "GET",
                request.get_full_path(),
                response.status_code,
                _response_bytes(response),
                meta.get("HTTP_REFERER", ""),
                duration_ms,
            )
        )
