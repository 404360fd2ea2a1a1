from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "lead411.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        """Declare what this app keeps about a member (``core.privacy_registry``)."""
        from . import personal_data

        personal_data.declare()
