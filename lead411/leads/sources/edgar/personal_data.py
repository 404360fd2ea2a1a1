"""The EDGAR source keeps nothing about a member; its review queue names the staff member
who decided each review (``core.privacy_registry``)."""

from lead411.core.privacy_registry import ActorReference, actor_reference_register


def declare() -> None:
    """Put the review queue's staff link in the registry."""
    actor_reference_register(
        ActorReference(
            model="edgar.MatchReview",
            field="resolved_by",
            purpose="Which staff member merged a filing's company into a known one, or kept "
            "it as a new company.",
        )
    )
