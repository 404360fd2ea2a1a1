from django.apps import AppConfig


class NewsletterConfig(AppConfig):
    name = "lead411.newsletter"
    label = "newsletter"
    verbose_name = "Newsletter and email"

    def ready(self) -> None:
        """Lift an erasure's suppression when its address is confirmed anew (issue 3)."""
        from allauth.account.signals import email_confirmed

        from .suppression import on_email_confirmed

        email_confirmed.connect(on_email_confirmed, dispatch_uid="newsletter.suppression.lift")
