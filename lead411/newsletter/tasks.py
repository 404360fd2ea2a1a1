"""Background jobs of the newsletter app, run by django-q2 (see lead411.core.schedules)."""

from lead411.core import clock

from .digest import newsletter_issue_build
from .outbox import outbox_send


def newsletter_daily_send() -> str:
    """Build today's newsletter (once) and send the outbox; return a one-line summary."""
    built = newsletter_issue_build(date=clock.today())
    sent = outbox_send()
    return f"{built} Outbox: {sent}."


def outbox_drain() -> str:
    """Send whatever is due in the outbox (retries, replies, updates); return a summary."""
    return str(outbox_send())
