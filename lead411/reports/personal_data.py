"""The reports app keeps nothing about a member; its disclosure register names the staff
member who released each report (``core.privacy_registry``)."""

from lead411.core.privacy_registry import ActorReference, actor_reference_register


def declare() -> None:
    """Put the reports app's staff link in the registry."""
    actor_reference_register(
        ActorReference(
            model="reports.Disclosure",
            field="released_by",
            purpose="Which staff member released an aggregate report, to whom and why.",
        )
    )
