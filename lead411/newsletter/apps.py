from django.apps import AppConfig


class NewsletterConfig(AppConfig):
    """The daily newsletter of new leads and the product updates (clauses L4, P5 c)."""

    name = "lead411.newsletter"
    label = "newsletter"
    verbose_name = "Newsletter"
