"""The daily newsletter's issues and the product updates (clauses L4, P5 c).

The mail itself (streams, consent, the outbox) is in ``lead411.mail``.
"""

from django.conf import settings
from django.db import models


class NewsletterIssue(models.Model):
    """One day's build of the daily newsletter: when it was cut and what it produced (L4).

    ``cutoff_at`` is the latest ``TriggerEvent.imported_at`` the issue covers; a member's
    next newsletter starts there.
    """

    date = models.DateField(unique=True)
    cutoff_at = models.DateTimeField()
    built_at = models.DateTimeField()
    events_considered = models.PositiveIntegerField(default=0)
    members_considered = models.PositiveIntegerField(default=0)
    deliveries_created = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"Newsletter of {self.date:%Y-%m-%d}"


class ProductUpdate(models.Model):
    """A product update written by staff in Markdown and sent to consenting members (P5 c)."""

    title = models.CharField(max_length=200)
    body_markdown = models.TextField(help_text="Markdown; HTML is sanitised before sending.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class AlertCursor(models.Model):
    """How far a member's instant alerts got, and how many were sent on ``day`` (issue 15).

    ``covered_until`` ends the window of the member's last alert run: the next alert lists
    events imported from there on. At ``NEWSLETTER_ALERTS_MAX_PER_DAY`` alerts on ``day``
    the cursor stays put, so the day's remaining matches come in the next day's first alert.
    """

    member = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="alert_cursor",
    )
    covered_until = models.DateTimeField()
    day = models.DateField()
    sent_on_day = models.PositiveSmallIntegerField(default=0)

    def __str__(self) -> str:
        return f"Alerts of member #{self.pk} up to {self.covered_until:%Y-%m-%d %H:%M}"
