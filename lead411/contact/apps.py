from django.apps import AppConfig


class ContactConfig(AppConfig):
    """A person writes through the contact form, staff answer (clauses P1, P10)."""

    name = "lead411.contact"
    label = "contact"
    verbose_name = "Contact"

    def ready(self) -> None:
        """Declare what this app keeps about a member (``core.privacy_registry``)."""
        from . import personal_data

        personal_data.declare()
