"""Reads of the newsletter app."""

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from .models import SavedSearch


def saved_search_list(*, member: Any) -> QuerySet[SavedSearch]:
    """Return the member's saved searches, by name."""
    return SavedSearch.objects.filter(member=member).order_by("name", "id")


def saved_search_get(*, member: Any, search_id: int) -> SavedSearch:
    """Return the member's saved search ``search_id``.

    Raises ``Http404`` when it does not exist or belongs to someone else: another
    member's search is indistinguishable from a missing one (clause L3).
    """
    return get_object_or_404(SavedSearch, pk=search_id, member=member)
