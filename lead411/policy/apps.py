from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "lead411.policy"
    label = "policy"
    verbose_name = "Privacy policy and contact"

    def ready(self) -> None:
        """Declare what this app keeps about a member (``core.privacy_registry``)."""
        from . import personal_data

        personal_data.declare()
