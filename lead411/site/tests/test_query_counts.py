"""Query count of ``site.selectors.mail_backlog``, pinned over 2 and 5 emails of each kind.

Three queries on the database broker: the outbox counts by status, the task queue's
entries (their group is inside the signed payload, read in Python), the failed tasks.
"""

import datetime as dt

import pytest
from django_q.models import Task
from django_q.tasks import async_task

from lead411.core import clock
from lead411.core.mail import RETRY_GROUP
from lead411.mail.models import Delivery
from lead411.mail.tests.factories import DeliveryFactory
from lead411.site.selectors import mail_backlog

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("rows", [2, 5])
def test_mail_backlog_is_four_queries(rows, django_assert_num_queries, settings):
    assert "orm" in settings.Q_CLUSTER  # the database broker, whose queue is read here
    now = clock.now()
    status = Delivery.Status
    DeliveryFactory.create_batch(rows)
    DeliveryFactory.create_batch(rows, attempts=1, next_attempt_at=now + dt.timedelta(minutes=5))
    DeliveryFactory.create_batch(rows, status=status.SENDING, attempts=1)
    DeliveryFactory.create(status=status.HANDED_OVER, attempts=1)
    DeliveryFactory.create_batch(rows, status=status.FAILED, attempts=1, smtp_code=550)
    DeliveryFactory.create_batch(rows, status=status.SENT, attempts=1, sent_at=now)
    for n in range(rows):
        async_task("lead411.core.mail.message_send", {"subject": f"Reset {n}"}, group=RETRY_GROUP)
        Task.objects.create(
            id=f"{n:032d}",
            name=f"old-reset-{n}",
            func="lead411.core.mail.message_send",
            group=RETRY_GROUP,
            started=now,
            stopped=now,
            success=False,
        )
    async_task("lead411.core.mail.message_send", {"subject": "Other"}, group="other")

    with django_assert_num_queries(4):  # deliveries, task queue, failures, open outbox halts
        backlog = mail_backlog()

    assert (
        backlog.newsletter_due,
        backlog.newsletter_retrying,
        backlog.newsletter_in_flight,
        backlog.newsletter_failed,
        backlog.emails_queued,
        backlog.emails_failed,
    ) == (rows, rows, rows + 1, rows, rows, rows)
    assert backlog.waiting == 4 * rows + 1
