"""The API itself, mounted at ``/api/``: version 1 and its docs page."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path

from .api import api
from .problems import problem_response
from .views import api_docs_view


def _problem_on_405(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wrap a ninja path view so a wrong method is problem details too (RFC 9457), with Allow."""

    @wraps(view)  # keeps ninja's csrf_exempt marker
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code != 405:
            return response
        allowed = response.get("Allow", "")
        return problem_response(
            status=405, detail=f"Allowed methods: {allowed}.", headers={"Allow": allowed}
        )

    return wrapped


_patterns, _app_name, _namespace = api.urls
_v1 = [
    URLPattern(p.pattern, _problem_on_405(p.callback), p.default_args, p.name)
    for p in _patterns
    if isinstance(p, URLPattern)
]

urlpatterns = [
    path("v1/docs", api_docs_view, name="api-docs"),
    path("v1/", (_v1, _app_name, _namespace)),
]
