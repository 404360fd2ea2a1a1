"""Answer 503 with a plain page when the database is down or locked (issue 8, "Faults").

A database that refuses connections, has gone away or stays locked past the busy
timeout raises ``OperationalError`` or ``InterfaceError`` wherever the request first
touches it: the session, the activity counters, a view. Django would answer 500 from
its 500 handler, which itself reads the database (context processors) and may fail
again. This middleware, placed before the session middleware, turns those cases into
a 503 with ``Retry-After`` and a page rendered without the database; other errors
keep their 500. Nothing needs a manual step: the next request tries the database anew.
"""

import logging
import sys
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.signals import got_request_exception
from django.db import DataError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from .views import bad_request_view

logger = logging.getLogger(__name__)
UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30
_FLAG = "_lead411_database_unavailable"


def _mark_database_errors(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    """Flag the request when the exception being handled is the database being unavailable."""
    if request is not None and isinstance(sys.exc_info()[1], UNAVAILABLE):
        setattr(request, _FLAG, True)


got_request_exception.connect(_mark_database_errors, dispatch_uid="lead411-database-unavailable")


def database_unavailable_response() -> HttpResponse:
    """Return the 503 page, rendered without a request so that no context processor runs."""
    html = render_to_string("core/unavailable.html", {"operator": settings.OPERATOR, "status": 503})
    response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """Replace a request's failure caused by an unavailable database with a 503 page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            response = self.get_response(request)
        except UNAVAILABLE:
            # The 500 handler itself failed on the database.
            logger.warning("database unavailable: answered 503")
            return database_unavailable_response()
        if response.status_code == 500 and getattr(request, _FLAG, False):
            logger.warning("database unavailable: answered 503")
            return database_unavailable_response()
        return response


# An id beyond the column's integers: OverflowError from SQLite's driver, DataError from
# PostgreSQL ("out of range").
IMPOSSIBLE_ID = (OverflowError, DataError)
# A filter value a lookup cannot use: also a year beyond Python's dates ("?created_at__year=
# 99999" raises ValueError while the query is built) or a value the field refuses.
IMPOSSIBLE_FILTER = (*IMPOSSIBLE_ID, ValueError, ValidationError)


class AdminBadInputMiddleware:
    """Answer 400, not 500, when an admin list's filters or an object id cannot be applied.

    Django's changelist turns filters it cannot parse into a redirect, but values that
    parse and then fail in the query (an impossible year, an id beyond the column's
    range) raise while the page is built (issue 17). Only the admin's list, change,
    delete and history views are concerned, and only when the request carries such
    input: filters in the query string (IMPOSSIBLE_FILTER) or an object id in the path
    (IMPOSSIBLE_ID). Any other error keeps its 500.
    """

    VIEWS = ("_changelist", "_change", "_delete", "_history")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """Return the 400 page for an admin view's impossible input, else None."""
        match = request.resolver_match
        if match is None or match.namespace != "admin" or not match.url_name:
            return None
        if not match.url_name.endswith(self.VIEWS):
            return None
        from_filters = bool(request.GET) and isinstance(exception, IMPOSSIBLE_FILTER)
        from_id = "object_id" in match.kwargs and isinstance(exception, IMPOSSIBLE_ID)
        if not (from_filters or from_id):
            return None
        logger.info(
            "admin %s: input it cannot apply (%s): 400", match.url_name, type(exception).__name__
        )
        return bad_request_view(request, exception)
