"""What the policy app keeps about a member: acknowledgements (``core.privacy_registry``)."""

from typing import Any

from lead411.core.privacy_registry import (
    ActorReference,
    Holding,
    Member,
    actor_reference_register,
    holding_register,
)

from .models import PolicyAcknowledgement


def policy_acknowledgements_export(member: Member) -> Any:
    return list(
        PolicyAcknowledgement.objects.filter(user=member.user).values(
            "version__number", "acknowledged_at"
        )
    )


def declare() -> None:
    """Put the policy app's holdings and staff links in the registry."""
    holding_register(
        Holding(
            key="policy_acknowledgements",
            title="Your policy acknowledgements",
            model="policy.PolicyAcknowledgement",
            columns=("user", "version", "acknowledged_at"),
            member_field="user",
            purpose="Which version of this policy you acknowledged and when, so that the "
            "notice of a new version stops.",
            retention="Until you delete your account.",
            on_erasure="Deleted.",
            export=policy_acknowledgements_export,
        )
    )
    actor_reference_register(
        ActorReference(
            model="policy.PolicyVersion",
            field="published_by",
            purpose="Which staff member published a version of the policy.",
        )
    )
