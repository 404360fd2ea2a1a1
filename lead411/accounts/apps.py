from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "lead411.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        """Route the admin login through allauth and audit allauth's account changes."""
        from django.contrib import admin

        from . import signals
        from .admin_login import admin_login_view

        signals.connect()
        # One login form for members and staff, so the admin login gets allauth's
        # brute-force limits (ACCOUNT_RATE_LIMITS) and enumeration protection (P10).
        admin.site.login = admin_login_view  # type: ignore[method-assign]  # documented hook point
        from . import personal_data

        personal_data.declare()  # what this app keeps about a member (core.privacy_registry)
