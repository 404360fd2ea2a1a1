"""What the newsletter app keeps about a member: how far their instant alerts got; and the
staff link of product updates (``core.privacy_registry``)."""

from typing import Any

from lead411.core.privacy_registry import (
    ActorReference,
    Holding,
    Member,
    actor_reference_register,
    holding_register,
)

from .models import AlertCursor


def alert_progress_export(member: Member) -> Any:
    return (
        AlertCursor.objects.filter(member=member.user)
        .values("covered_until", "day", "sent_on_day")
        .first()
    )


def declare() -> None:
    """Put the newsletter app's holdings and staff links in the registry."""
    holding_register(
        Holding(
            key="alert_progress",
            title="How far your instant alerts got",
            model="newsletter.AlertCursor",
            columns=("member", "covered_until", "day", "sent_on_day"),
            member_field="member",
            purpose="Up to when your last instant alert covered new leads and how many "
            "alerts you got that day, so that no lead comes twice and the daily cap holds.",
            retention="Until you delete your account.",
            on_erasure="Deleted.",
            export=alert_progress_export,
        )
    )
    actor_reference_register(
        ActorReference(
            model="newsletter.ProductUpdate",
            field="created_by",
            purpose="Which staff member wrote a product update.",
        )
    )
