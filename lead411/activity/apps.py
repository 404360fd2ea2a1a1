"""The activity app: member visits and page counts (the member side of clause P4)."""

from django.apps import AppConfig


class ActivityConfig(AppConfig):
    name = "lead411.activity"
    label = "activity"
    verbose_name = "Member activity"

    def ready(self) -> None:
        """Connect the login receiver, which only notes that a new visit starts."""
        from . import (
            personal_data,
            signals,  # noqa: F401  # importing connects the receiver
        )

        personal_data.declare()  # what this app keeps about a member (core.privacy_registry)
