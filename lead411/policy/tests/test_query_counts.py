"""Query counts of the policy selectors, pinned: one query each whatever the versions."""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser

from lead411.core import clock
from lead411.policy import selectors
from lead411.policy.models import PolicyVersion
from lead411.policy.tests.factories import PolicyAcknowledgementFactory, PolicyVersionFactory

pytestmark = pytest.mark.django_db


def _versions(rows: int) -> list[PolicyVersion]:
    """``rows`` versions published a day apart and in effect, a later one, and a draft."""
    start = clock.now() - dt.timedelta(days=rows + 1)
    published = [
        PolicyVersionFactory.create(
            number=n,
            published_at=start + dt.timedelta(days=n),
            effective_at=start + dt.timedelta(days=n),
        )
        for n in range(1, rows + 1)
    ]
    upcoming = PolicyVersionFactory.create(
        number=rows + 1, published=True, effective_at=clock.now() + dt.timedelta(days=30)
    )
    PolicyVersionFactory.create(number=rows + 2)  # a draft
    return [*published, upcoming]


@pytest.mark.parametrize("rows", [2, 5])
def test_policy_version_reads_are_one_query_each(rows, django_assert_num_queries):
    *in_effect, upcoming = _versions(rows)

    with django_assert_num_queries(1):
        assert list(selectors.policy_version_list_published()) == [upcoming, *in_effect[::-1]]
    with django_assert_num_queries(1):
        assert selectors.policy_version_get_current() == in_effect[-1]
    with django_assert_num_queries(1):
        assert selectors.policy_version_get_upcoming() == upcoming
    with django_assert_num_queries(1):
        assert selectors.policy_version_get(number=1) == in_effect[0]
    with django_assert_num_queries(1):
        assert selectors.policy_version_get(number=rows + 2) is None  # the draft


@pytest.mark.parametrize("rows", [2, 5])
def test_policy_notice_for_is_one_query(rows, django_assert_num_queries, member, staff):
    versions = _versions(rows)
    for version in versions:
        PolicyAcknowledgementFactory.create(user=staff, version=version)
    for version in versions[:-1]:
        PolicyAcknowledgementFactory.create(user=member, version=version)

    with django_assert_num_queries(1):
        assert selectors.policy_notice_for(user=member) == versions[-1]
    with django_assert_num_queries(1):
        assert selectors.policy_notice_for(user=staff) is None
    with django_assert_num_queries(0):
        anonymous = AnonymousUser()
        assert selectors.policy_notice_for(user=anonymous) is None  # type: ignore[arg-type]  # the selector accepts request.user
