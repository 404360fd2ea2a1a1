from django.apps import AppConfig


class ContactConfig(AppConfig):
    """A person writes through the contact form, staff answer (clauses P1, P10)."""

    name = "lead411.contact"
    label = "contact"
    verbose_name = "Contact"
