"""Reads across the site's plumbing: the mail backlog shown to staff on the admin index."""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Q


@dataclass(frozen=True)
class MailBacklog:
    """Emails not yet handed to the SMTP server, by kind (counts of emails).

    ``newsletter_due``: outbox deliveries never tried; ``newsletter_retrying``: tried,
    failed temporarily (4xx, server down or hanging), waiting for their next attempt;
    ``newsletter_in_flight``: claimed by a sender right now; ``newsletter_failed``:
    refused for good (5xx). ``emails_queued``: account and contact emails that could not
    be sent during the page and wait in the task queue for (another) attempt, or None
    with the Redis broker, whose queue is not read here; ``emails_failed``: those whose
    latest attempt by the task worker failed. ``outbox_halts``: send runs the SMTP server
    stopped (sender, content or policy refused) with no run sending since, newest first.
    """

    newsletter_due: int
    newsletter_retrying: int
    newsletter_in_flight: int
    newsletter_failed: int
    emails_queued: int | None
    emails_failed: int
    outbox_halts: list[Any]

    @property
    def waiting(self) -> int:
        """Return how many emails are waiting to go out (failed ones excluded)."""
        return (
            self.newsletter_due
            + self.newsletter_retrying
            + self.newsletter_in_flight
            + (self.emails_queued or 0)
        )


def mail_backlog() -> MailBacklog:
    """Return the mail backlog in four queries (three on the Redis broker).

    Deliveries are counted by status in the newsletter outbox; the retried one-off emails
    are the task queue's entries and failures of the ``email-retry`` group that
    ``lead411.core.mail.message_send_or_queue`` uses.
    """
    from django_q.models import Failure, OrmQ

    from lead411.core.mail import RETRY_GROUP
    from lead411.mail.models import Delivery, OutboxHalt

    status = Delivery.Status
    counts = Delivery.objects.aggregate(
        due=Count("id", filter=Q(status=status.PENDING, attempts=0)),
        retrying=Count("id", filter=Q(status=status.PENDING, attempts__gt=0)),
        in_flight=Count("id", filter=Q(status__in=[status.SENDING, status.HANDED_OVER])),
        failed=Count("id", filter=Q(status=status.FAILED)),
    )
    emails_queued = None
    if "orm" in settings.Q_CLUSTER:
        # The group is inside each entry's signed payload: read them (a short list).
        emails_queued = sum(1 for entry in OrmQ.objects.all() if entry.group() == RETRY_GROUP)
    return MailBacklog(
        newsletter_due=counts["due"],
        newsletter_retrying=counts["retrying"],
        newsletter_in_flight=counts["in_flight"],
        newsletter_failed=counts["failed"],
        emails_queued=emails_queued,
        emails_failed=Failure.objects.filter(group=RETRY_GROUP).count(),
        outbox_halts=list(OutboxHalt.objects.filter(resolved_at__isnull=True)[:5]),
    )
