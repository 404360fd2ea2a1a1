"""Background jobs of the activity app, run by django-q2."""

from .services import activity_purge_expired


def activity_purge() -> int:
    """Delete activity counters past ``ACTIVITY_RETENTION_DAYS``; return rows deleted (daily)."""
    return activity_purge_expired()
