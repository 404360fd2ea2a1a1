from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "lead411.api"
    label = "api"
    verbose_name = "API"

    def ready(self) -> None:
        """Revoke a member's API tokens when the accounts app reports a stolen password (P13)."""
        from . import receivers

        receivers.connect()
        from . import personal_data

        personal_data.declare()  # what this app keeps about a member (core.privacy_registry)
