"""Background jobs of the API app, run by django-q2 (see lead411.site.schedules)."""

from .webhooks import webhook_deliveries_send, webhook_matches_queue


def webhooks_run() -> str:
    """Queue the webhooks' new matches, then send every due delivery; return a summary."""
    queued = webhook_matches_queue()
    sent = webhook_deliveries_send()
    return f"Webhooks: {queued} new matches queued; {sent}."


def webhook_delivery_send(delivery_id: int) -> str:
    """Send one delivery now (the "send test event" button); return a summary."""
    return str(webhook_deliveries_send(only=[delivery_id]))
