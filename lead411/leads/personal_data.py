"""What the leads app keeps about a member: saved searches (``core.privacy_registry``)."""

from typing import Any

from lead411.core.privacy_registry import Holding, Member, holding_register

from .models import SavedSearch

SAVED_SEARCH_FIELDS = (
    "name",
    "criteria",
    "include_in_newsletter",
    "pace",
    "weekday",
    "created_at",
    "updated_at",
)


def saved_searches_export(member: Member) -> list[dict[str, Any]]:
    return list(SavedSearch.objects.filter(member=member.user).values(*SAVED_SEARCH_FIELDS))


def declare() -> None:
    """Put the leads app's holdings in the registry."""
    holding_register(
        Holding(
            key="saved_searches",
            title="Your saved searches",
            model="leads.SavedSearch",
            columns=("member", *SAVED_SEARCH_FIELDS),
            member_field="member",
            purpose="The searches you saved and how often you want their new leads, so "
            "that the newsletter and alerts can send you matches.",
            retention="Until you delete them or your account.",
            on_erasure="Deleted.",
            export=saved_searches_export,
        )
    )
