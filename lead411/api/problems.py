"""Errors of the API as RFC 9457 problem details (``application/problem+json``).

Every error the API answers goes through ``problem_response``; views raise ``ApiProblem``
(or a subclass), so a caller catches errors by class, not by message.
"""

import json
from typing import Any

from django.http import HttpResponse

PROBLEM_CONTENT_TYPE = "application/problem+json"
_TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    422: "Unprocessable content",
    429: "Too many requests",
}


class ApiProblem(Exception):
    """An error answer: HTTP ``status``, a human ``detail`` and per-input ``errors``."""

    def __init__(
        self,
        *,
        status: int,
        detail: str,
        errors: list[str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors or []
        self.headers = headers or {}


class InvalidQuery(ApiProblem):
    """A request whose parameters the search form refused (400)."""

    def __init__(self, *, errors: list[str]) -> None:
        super().__init__(status=400, detail="The request has invalid parameters.", errors=errors)


class ScopeMissing(ApiProblem):
    """The token lacks the scope the endpoint needs (403)."""

    def __init__(self, *, scope: str) -> None:
        super().__init__(status=403, detail=f"This token lacks the '{scope}' scope.")


class PlanLimitReached(ApiProblem):
    """The member's plan allows no more of something, e.g. saved searches (403, issue 17)."""

    def __init__(self, *, detail: str) -> None:
        super().__init__(status=403, detail=detail)


class RateLimited(ApiProblem):
    """The token spent its requests of the window (429, with ``Retry-After`` seconds)."""

    def __init__(self, *, retry_after: int) -> None:
        super().__init__(
            status=429,
            detail=f"Rate limit reached; retry in {retry_after} s.",
            headers={"Retry-After": str(retry_after)},
        )


def problem_response(
    *,
    status: int,
    detail: str,
    errors: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    """Return an ``application/problem+json`` response (RFC 9457 section 3).

    ``type`` is ``about:blank``: the HTTP status says what went wrong, ``title`` is its
    phrase and ``detail`` the occurrence.
    """
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "errors": errors or [],
    }
    response = HttpResponse(json.dumps(body), status=status, content_type=PROBLEM_CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response
