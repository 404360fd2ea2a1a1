"""Background jobs of the mail app, run by django-q2 (see lead411.site.schedules)."""

from .outbox import outbox_send


def outbox_drain() -> str:
    """Send whatever is due in the outbox (retries, replies, updates); return a summary."""
    return str(outbox_send())
