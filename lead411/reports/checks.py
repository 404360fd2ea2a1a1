"""Settings validation for releases: the small-cell threshold has a floor (clause P14)."""

from typing import Any

from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

# The lowest threshold accepted: cells of fewer than 5 people are the common floor of
# statistical disclosure control (e.g. ONS and ABS guidance for tabular releases).
MIN_CELL_FLOOR = 5


def min_cell() -> int:
    """Return ``REPORT_MIN_CELL`` (default 10): no released count is below it.

    Raises ImproperlyConfigured when the setting is below 5, so no release can use it.
    """
    k = int(settings.REPORT_MIN_CELL)
    if k < MIN_CELL_FLOOR:
        raise ImproperlyConfigured(
            f"REPORT_MIN_CELL is {k}; it must be at least {MIN_CELL_FLOOR} (clause P14)."
        )
    return k


@register()
def check_report_min_cell(app_configs: Any, **kwargs: Any) -> list[Error]:
    """Fail ``manage.py check`` (and every server start) when REPORT_MIN_CELL < 5."""
    try:
        min_cell()
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="reports.E001")]
    return []
