from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """Download my data and delete my account, over what every other app stores (P11)."""

    name = "lead411.privacy"
    label = "privacy"
    verbose_name = "Privacy"
