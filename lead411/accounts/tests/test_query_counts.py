"""Query counts of the accounts selectors, pinned: they must not grow with the rows.

Each selector is run over 2 and over 5 of the rows it reads; the count is the same.
"""

import pytest
from django.contrib.auth.models import AnonymousUser

from lead411.accounts.selectors import member_has_access, member_list, stolen_password_report_open
from lead411.accounts.tests.factories import (
    ApplicationFactory,
    StolenPasswordReportFactory,
    UserFactory,
)
from lead411.core import clock

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("rows", [2, 5])
def test_member_list_is_one_query(rows, django_assert_num_queries, staff, applicant):
    created = UserFactory.create_batch(rows)  # staff-created: members
    approved = [a.user for a in ApplicationFactory.create_batch(rows, approved=True)]
    ApplicationFactory.create(refused=True)
    UserFactory.create(inactive=True)

    with django_assert_num_queries(1):
        members = list(member_list())

    expected = {u.email for u in [*created, *approved, staff]}
    assert {m.email for m in members} == expected
    assert applicant not in members


@pytest.mark.parametrize("rows", [2, 5])
def test_member_has_access_is_one_query(rows, django_assert_num_queries, member, applicant):
    UserFactory.create_batch(rows)
    ApplicationFactory.create_batch(rows, approved=True)

    with django_assert_num_queries(1):
        assert member_has_access(user=member) is True
    with django_assert_num_queries(1):
        assert member_has_access(user=applicant) is False


def test_member_has_access_asks_nothing_of_anonymous_or_inactive(django_assert_num_queries):
    inactive = UserFactory.create(inactive=True)

    with django_assert_num_queries(0):
        assert member_has_access(user=AnonymousUser()) is False
        assert member_has_access(user=inactive) is False


@pytest.mark.parametrize("rows", [2, 5])
def test_stolen_password_report_open_is_one_query(rows, django_assert_num_queries, member):
    done = StolenPasswordReportFactory.create_batch(rows, user=member, completed_at=clock.now())
    open_report = StolenPasswordReportFactory.create(user=member)
    StolenPasswordReportFactory.create_batch(rows)  # other members' reports

    with django_assert_num_queries(1):
        found = stolen_password_report_open(user=member)

    assert found == open_report
    assert found not in done


def test_stolen_password_report_open_none_when_every_report_is_done(
    django_assert_num_queries, member
):
    StolenPasswordReportFactory.create(user=member, completed_at=clock.now())

    with django_assert_num_queries(1):
        assert stolen_password_report_open(user=member) is None
