"""The reports app: aggregate releases to third parties (clauses P6, P14)."""

from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "lead411.reports"
    label = "reports"
    verbose_name = "Aggregate reports and disclosures"

    def ready(self) -> None:
        """Register the settings check on ``REPORT_MIN_CELL``."""
        from . import (
            checks,  # noqa: F401  # importing registers the check
            personal_data,
        )

        personal_data.declare()  # what this app keeps about a member (core.privacy_registry)
