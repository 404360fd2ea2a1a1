from django.apps import AppConfig


class MailConfig(AppConfig):
    """A member's mail: streams and consent, suppression, the outbox (clauses P5, P7)."""

    name = "lead411.mail"
    label = "mail"
    verbose_name = "Mail"

    def ready(self) -> None:
        """Lift an erasure's suppression when its address is confirmed anew (issue 3)."""
        from allauth.account.signals import email_confirmed

        from .suppression import on_email_confirmed

        email_confirmed.connect(on_email_confirmed, dispatch_uid="newsletter.suppression.lift")
        from . import personal_data

        personal_data.declare()  # what this app keeps about a member (core.privacy_registry)
