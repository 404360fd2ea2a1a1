"""What the activity app keeps about a member: daily usage counters (``core.privacy_registry``)."""

from typing import Any

from django.conf import settings

from lead411.core.privacy_registry import Holding, Member, holding_register

from .selectors import member_activity_export


def activity_export(member: Member) -> list[dict[str, Any]]:
    return member_activity_export(member=member.user)


def declare() -> None:
    """Put the activity app's holdings in the registry."""
    days = int(settings.ACTIVITY_RETENTION_DAYS)
    holding_register(
        Holding(
            key="activity",
            title="Your activity counts",
            model="activity.MemberDailyActivity",
            columns=(
                "member",
                "day",
                "page_type",
                "lead_id",
                "pageviews",
                "visits",
                "last_seen_at",
            ),
            member_field="member",
            purpose="While you are logged in we count, per day, your visits and the kinds "
            "of member pages you use (searches, lead pages, saved searches, exports, your "
            "account, API requests), and for lead pages which lead you opened, to improve "
            "the service. We do not record search terms, addresses or devices here.",
            retention=f"{days} days, then deleted.",
            on_erasure="Deleted.",
            export=activity_export,
        )
    )
