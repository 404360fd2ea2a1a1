"""Query count of ``digest.newsletter_recipients``, pinned over 2 and 5 members."""

import pytest

from lead411.accounts.tests.factories import UserFactory
from lead411.leads.tests.factories import SavedSearchFactory
from lead411.mail.tests.factories import MailPreferencesFactory, SuppressionFactory
from lead411.newsletter.digest import newsletter_recipients

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("rows", [2, 5])
def test_newsletter_recipients_is_two_queries(rows, django_assert_num_queries, unsubscribed_member):
    with_alerts = UserFactory.create_batch(rows)
    for user in with_alerts:
        SavedSearchFactory.create_batch(2, member=user)  # two alerts, still one recipient
    SavedSearchFactory.create(include_in_newsletter=False)  # a saved search, no alert
    SavedSearchFactory.create(member=unsubscribed_member)
    opted_out = MailPreferencesFactory.create(daily=False).member
    SavedSearchFactory.create(member=opted_out)
    UserFactory.create_batch(rows)  # members without saved searches

    with django_assert_num_queries(2):
        found = list(newsletter_recipients())

    assert found == with_alerts


@pytest.mark.parametrize("rows", [2, 5])
def test_newsletter_recipients_with_suppressed_addresses_is_three_queries(
    rows, django_assert_num_queries
):
    kept = [s.member for s in SavedSearchFactory.create_batch(rows)]
    for search in SavedSearchFactory.create_batch(rows):
        SuppressionFactory.create(email=search.member.email)

    with django_assert_num_queries(3):
        found = list(newsletter_recipients())

    assert found == kept
