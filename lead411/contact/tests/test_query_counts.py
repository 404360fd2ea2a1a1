"""Query count of ``contact.selectors.conversation_list_for``, pinned over 2 and 5 rows."""

import datetime as dt

import pytest

from lead411.contact.selectors import conversation_list_for
from lead411.contact.tests.factories import ConversationFactory, MessageFactory
from lead411.core import clock

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("rows", [2, 5])
def test_conversation_list_for_is_one_query(rows, django_assert_num_queries, member):
    start = clock.now()
    mine = [
        ConversationFactory.create(user=member, last_message_at=start + dt.timedelta(hours=i))
        for i in range(rows)
    ]
    for conversation in mine:
        MessageFactory.create(conversation=conversation)
        MessageFactory.create(conversation=conversation, from_staff=True)
    ConversationFactory.create_batch(rows)  # other members'
    ConversationFactory.create(user=None, email=member.email)  # sent logged out: not listed

    with django_assert_num_queries(1):
        found = list(conversation_list_for(member=member))

    assert found == mine[::-1]  # most recent activity first
