"""Query counts of ``mail.selectors.members_consenting``, pinned over 2 and 5 members.

Two queries when the suppression list is empty (read the list, then the members); three
when it is not (the candidates' addresses are hashed in Python between the two).
"""

import pytest

from lead411.accounts.tests.factories import ApplicationFactory, UserFactory
from lead411.mail.models import Stream
from lead411.mail.selectors import members_consenting
from lead411.mail.tests.factories import MailPreferencesFactory, SuppressionFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("rows", [2, 5])
def test_members_consenting_to_the_newsletter_is_two_queries(
    rows, django_assert_num_queries, unsubscribed_member, applicant
):
    defaults = UserFactory.create_batch(rows)  # no preferences row: the newsletter is on
    opted_in = [p.member for p in MailPreferencesFactory.create_batch(rows)]
    MailPreferencesFactory.create(daily=False)

    with django_assert_num_queries(2):
        found = list(members_consenting(stream=Stream.DAILY))

    assert found == sorted([*defaults, *opted_in], key=lambda u: u.pk)


@pytest.mark.parametrize("rows", [2, 5])
def test_members_consenting_to_updates_is_two_queries(
    rows, django_assert_num_queries, unsubscribed_member
):
    UserFactory.create_batch(rows)  # no preferences row: updates are off
    opted_in = [p.member for p in MailPreferencesFactory.create_batch(rows, updates=True)]

    with django_assert_num_queries(2):
        found = list(members_consenting(stream=Stream.UPDATES))

    assert found == opted_in


@pytest.mark.parametrize("rows", [2, 5])
def test_members_consenting_with_suppressed_addresses_is_three_queries(
    rows, django_assert_num_queries
):
    kept = UserFactory.create_batch(rows)
    bounced = UserFactory.create_batch(rows)
    for user in bounced:
        SuppressionFactory.create(email=user.email.upper())  # any case is the same address
    ApplicationFactory.create_batch(rows)  # pending applicants: not members

    with django_assert_num_queries(3):
        found = list(members_consenting(stream=Stream.REPLIES))

    assert found == kept
