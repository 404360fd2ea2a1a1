from django.apps import AppConfig


class EdgarConfig(AppConfig):
    """SEC EDGAR filings as a live lead source (issue 9)."""

    name = "lead411.leads.sources.edgar"
    label = "edgar"
    verbose_name = "SEC EDGAR"

    def ready(self) -> None:
        from . import personal_data

        personal_data.declare()  # the review queue's staff link (core.privacy_registry)
