"""Query count of ``privacy.selectors.member_data_export``, pinned over 2 and 5 rows a table.

Eighteen queries: one for the account's addresses (the registry's ``Member``), then one
per table a holding reads (the conversations' messages in one prefetch), whatever the
number of rows: the count does not grow with the member's data.
"""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lead411.accounts.tests.factories import (
    AccountChangeRequestFactory,
    StolenPasswordReportFactory,
)
from lead411.activity.tests.factories import MemberDailyActivityFactory
from lead411.contact.tests.factories import ConversationFactory, MessageFactory
from lead411.core.tests.factories import AuditEventFactory
from lead411.leads.tests.factories import SavedSearchFactory
from lead411.mail.tests.factories import DeliveryFactory, MailPreferencesFactory
from lead411.policy.tests.factories import PolicyAcknowledgementFactory
from lead411.privacy.selectors import member_data_export

pytestmark = pytest.mark.django_db

TABLE_QUERIES = 18  # the addresses, then one per table read (messages in one prefetch)


def _member_data(member, rows: int) -> None:
    """``rows`` rows of every kind the export reads, for ``member``, and as many for someone else."""
    MailPreferencesFactory.create(member=member, updates=True)
    for owner in (member, None):
        kw = {"user": owner} if owner else {}
        for i in range(rows):
            AccountChangeRequestFactory.create(**kw)
            StolenPasswordReportFactory.create(**kw)
            PolicyAcknowledgementFactory.create(**kw)
            conversation = ConversationFactory.create(**kw)
            MessageFactory.create(conversation=conversation)
            MessageFactory.create(conversation=conversation, from_staff=True)
            AuditEventFactory.create(**({"subject": owner} if owner else {}))
            SavedSearchFactory.create(**({"member": owner} if owner else {}))
            DeliveryFactory.create(**({"member": owner} if owner else {}))
            MemberDailyActivityFactory.create(
                **({"member": owner} if owner else {}), day=dt.date(2026, 3, 1 + i)
            )


@pytest.mark.parametrize("rows", [2, 5])
def test_member_data_export_is_one_query_per_table(rows, django_assert_num_queries, member):
    _member_data(member, rows)

    with django_assert_num_queries(TABLE_QUERIES):
        data = member_data_export(user=member)

    assert data["account"]["email"] == member.email
    assert data["email_addresses"] == [{"email": member.email, "verified": True, "primary": True}]
    assert data["application"] is None
    assert data["mail_preferences"] == {"daily": True, "replies": True, "updates": True}
    assert data["suppressed"] is False
    for key in (
        "account_change_requests",
        "stolen_password_reports",
        "audit_events",
        "saved_searches",
        "emails_sent",
        "conversations",
        "policy_acknowledgements",
        "activity",
    ):
        assert len(data[key]) == rows, key
    assert [[m["author_kind"] for m in c["messages"]] for c in data["conversations"]] == [
        ["sender", "staff"]
    ] * rows


def test_member_data_export_query_count_does_not_grow_with_conversations(member):
    counts = []
    for _ in range(2):
        conversation = ConversationFactory.create(user=member)
        MessageFactory.create(conversation=conversation)
        with CaptureQueriesContext(connection) as queries:
            member_data_export(user=member)
        counts.append(len(queries))
    assert counts[0] == counts[1]
