"""Background jobs of the newsletter app, run by django-q2 (see lead411.site.schedules)."""

from lead411.core import clock
from lead411.mail.outbox import outbox_send
from lead411.newsletter.alerts import newsletter_alerts_send
from lead411.newsletter.digest import newsletter_issue_build


def newsletter_daily_send() -> str:
    """Build today's newsletter (once) and send the outbox; return a one-line summary."""
    built = newsletter_issue_build(date=clock.today())
    sent = outbox_send()
    return f"{built} Outbox: {sent}."


def newsletter_alerts_run() -> str:
    """Queue the instant alerts due now and send the outbox; return a one-line summary."""
    queued = newsletter_alerts_send()
    sent = outbox_send()
    return f"{queued} Outbox: {sent}."
