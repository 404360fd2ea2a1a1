from django.apps import AppConfig


class EdgarConfig(AppConfig):
    """SEC EDGAR filings as a live lead source (issue 9)."""

    name = "lead411.edgar"
    label = "edgar"
    verbose_name = "SEC EDGAR"
