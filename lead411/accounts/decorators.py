"""Gate the member area: only approved members see leads (clauses P3, P9, P10)."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect

from .selectors import member_has_access


def member_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Wrap ``view`` so only members reach it.

    Anonymous visitors go to the login page (``login_required``); logged-in applicants who
    are pending, asked for information or refused go to their application page.
    """

    @wraps(view)
    def _wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not member_has_access(user=request.user):
            return redirect("accounts:application")
        return view(request, *args, **kwargs)

    return login_required(_wrapped)
