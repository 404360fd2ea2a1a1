from django.apps import AppConfig


class NewsletterConfig(AppConfig):
    """The daily newsletter of new leads and the product updates (clauses L4, P5 c)."""

    name = "lead411.newsletter"
    label = "newsletter"
    verbose_name = "Newsletter"

    def ready(self) -> None:
        """Declare what this app keeps about a member (``core.privacy_registry``)."""
        from . import personal_data

        personal_data.declare()
