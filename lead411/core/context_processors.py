"""Template context shared by every page."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def operator(request: HttpRequest) -> dict[str, Any]:
    """Return the operator's contact details (settings.OPERATOR) as ``operator`` (clause P1)."""
    return {"operator": settings.OPERATOR}
