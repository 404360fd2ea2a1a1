"""Counts members' visits and page views per page type (clause P4).

Place right after ``AuthenticationMiddleware``. The count is taken after the view, so a
login or logout in the view is seen. Only successful GET requests of authenticated users
to resolved, non-admin URLs count. Counting never breaks a page: a database error is
logged and the response still goes out.
"""

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse

from .classify import counted, page_type_for
from .models import MemberDailyActivity
from .services import activity_record
from .signals import NEW_VISIT_SESSION_KEY

logger = logging.getLogger(__name__)


class MemberActivityMiddleware:
    """One counter upsert per counted request; nothing for anonymous visitors."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.ACTIVITY_RECORDING_ENABLED:
            try:
                self._record(request, response)
            except DatabaseError:
                logger.exception("Member activity not recorded")
        return response

    @staticmethod
    def _record(request: HttpRequest, response: HttpResponse) -> None:
        user = getattr(request, "user", None)
        match = request.resolver_match
        if user is None or not user.is_authenticated or match is None:
            return
        if request.method != "GET" or not 200 <= response.status_code < 300:
            return
        if not counted(namespace=match.namespace, url_name=match.url_name or ""):
            return
        page_type = page_type_for(namespace=match.namespace, url_name=match.url_name or "")
        lead_id = 0
        if page_type == MemberDailyActivity.PageType.LEAD_DETAIL:
            lead_id = int(match.kwargs.get("event_id", 0) or 0)
        session = getattr(request, "session", None)
        new_login = bool(session is not None and session.pop(NEW_VISIT_SESSION_KEY, False))
        activity_record(
            member_id=user.pk, page_type=page_type, lead_id=lead_id, new_login=new_login
        )
