"""Query counts of the activity selectors, pinned over 2 and 5 members (and their days)."""

import datetime as dt

import pytest

from lead411.accounts.tests.factories import UserFactory
from lead411.activity import selectors
from lead411.activity.models import MemberDailyActivity
from lead411.activity.tests.factories import MemberDailyActivityFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 10)
PageType = MemberDailyActivity.PageType


def _activity(member, rows: int) -> None:
    """``rows`` days of searches (1 visit, 3 views) and of lead pages (2 views) for ``member``."""
    for i in range(rows):
        day = DAY - dt.timedelta(days=i)
        MemberDailyActivityFactory.create(member=member, day=day)
        MemberDailyActivityFactory.create(
            member=member, day=day, lead_detail=True, pageviews=2, visits=0
        )


@pytest.mark.parametrize("rows", [2, 5])
def test_member_activity_summary_is_two_queries(rows, django_assert_num_queries, member):
    _activity(member, rows)
    _activity(UserFactory.create(), rows)

    with django_assert_num_queries(2):
        summary = selectors.member_activity_summary(member=member)

    assert (summary.visits, summary.pageviews) == (rows, 5 * rows)
    assert (summary.first_day, summary.last_day) == (DAY - dt.timedelta(days=rows - 1), DAY)
    assert [(p.page_type, p.pageviews) for p in summary.pages] == [
        (PageType.SEARCH, 3 * rows),
        (PageType.LEAD_DETAIL, 2 * rows),
    ]


@pytest.mark.parametrize("rows", [2, 5])
def test_activity_top_pages_is_one_query(rows, django_assert_num_queries):
    members = UserFactory.create_batch(rows)
    for member in members:
        _activity(member, 2)

    with django_assert_num_queries(1):
        pages = selectors.activity_top_pages(start=DAY - dt.timedelta(days=1), end=DAY)

    assert [(p.page_type, p.pageviews, p.visits, p.members) for p in pages] == [
        (PageType.SEARCH, 6 * rows, 2 * rows, rows),
        (PageType.LEAD_DETAIL, 4 * rows, 0, rows),
    ]


@pytest.mark.parametrize("rows", [2, 5])
def test_member_activity_list_is_one_query(rows, django_assert_num_queries):
    members = UserFactory.create_batch(rows)
    for n, member in enumerate(members, start=1):
        _activity(member, n)  # member n has n visits

    with django_assert_num_queries(1):
        found = list(selectors.member_activity_list())

    assert [(row["member__email"], row["visits"]) for row in found] == [
        (m.email, n) for n, m in reversed(list(enumerate(members, start=1)))
    ]


@pytest.mark.parametrize("rows", [2, 5])
def test_member_activity_export_is_one_query(rows, django_assert_num_queries, member):
    _activity(member, rows)
    _activity(UserFactory.create(), rows)

    with django_assert_num_queries(1):
        exported = selectors.member_activity_export(member=member)

    assert len(exported) == 2 * rows
    assert exported[0]["day"] == (DAY - dt.timedelta(days=rows - 1)).isoformat()
