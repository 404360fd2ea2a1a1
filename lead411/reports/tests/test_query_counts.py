"""Query counts of the report tables, pinned over 2 and 5 active members.

Members without an application (created by staff) are counted 500 ids at a time, and
lead categories are read 500 leads at a time: one query each below 500.
"""

import datetime as dt

import pytest

from lead411.accounts.tests.factories import ApplicationFactory, UserFactory
from lead411.activity.models import MemberDailyActivity
from lead411.activity.tests.factories import MemberDailyActivityFactory
from lead411.leads.tests.factories import CompanyFactory, TriggerEventFactory
from lead411.reports.selectors import ReportKind, member_identities, report_table
from lead411.reports.tests.conftest import PERIOD_END, PERIOD_START

pytestmark = pytest.mark.django_db

PageType = MemberDailyActivity.PageType


def _population(rows: int) -> list[int]:
    """``rows`` approved applicants and ``rows`` staff-created members, active in the period.

    Each member searches on the first and the last day (1 visit, then 2; 3 views each day)
    and views the same two leads on the last day (a Software and a Biotechnology company,
    3 views each); returns the leads' ids.
    """
    leads = [
        TriggerEventFactory.create(company=CompanyFactory.create(categories=[name])).pk
        for name in ("Software", "Biotechnology")
    ]
    members = [a.user for a in ApplicationFactory.create_batch(rows, approved=True)]
    members += UserFactory.create_batch(rows)
    for member in members:
        MemberDailyActivityFactory.create(member=member, day=PERIOD_START)
        MemberDailyActivityFactory.create(member=member, day=PERIOD_END, visits=2)
        for lead_id in leads:
            MemberDailyActivityFactory.create(
                member=member,
                day=PERIOD_END,
                page_type=PageType.LEAD_DETAIL,
                lead_id=lead_id,
                visits=0,
            )
    outside = ApplicationFactory.create(approved=True).user  # active before the period only
    MemberDailyActivityFactory.create(member=outside, day=PERIOD_START - dt.timedelta(days=1))
    return leads


# The factory's application: Software, 11-50 employees, Head of Sales, United States.
# Staff-created members have none: "Not stated", folded into "Other" in free-text tables.
DEMOGRAPHIC = {
    ReportKind.MEMBERS_BY_INDUSTRY: ("Software", "Other"),
    ReportKind.MEMBERS_BY_COMPANY_SIZE: ("11-50 employees", "Not stated"),
    ReportKind.MEMBERS_BY_JOB_FAMILY: ("Sales", "Not stated"),
    ReportKind.MEMBERS_BY_COUNTRY: ("United States", "Other"),
}


@pytest.mark.parametrize("rows", [2, 5])
@pytest.mark.parametrize("kind", list(DEMOGRAPHIC))
def test_demographic_tables_are_three_queries(rows, kind, django_assert_num_queries):
    _population(rows)

    with django_assert_num_queries(3):  # applications grouped; ids without one; their count
        table = report_table(kind=kind, start=PERIOD_START, end=PERIOD_END, k=1)

    counts = {label: n for label, (n,) in zip(table.rows, table.values, strict=True) if n}
    stated, not_stated = DEMOGRAPHIC[kind]
    assert counts == {stated: rows, not_stated: rows}


@pytest.mark.parametrize("rows", [2, 5])
def test_visit_distribution_is_one_query(rows, django_assert_num_queries):
    _population(rows)

    with django_assert_num_queries(1):
        table = report_table(
            kind=ReportKind.VISIT_DISTRIBUTION, start=PERIOD_START, end=PERIOD_END, k=1
        )

    counts = {label: n for label, (n,) in zip(table.rows, table.values, strict=True) if n}
    assert counts == {"2 to 4 visits": 2 * rows}  # 3 visits each


@pytest.mark.parametrize("rows", [2, 5])
@pytest.mark.parametrize("kind", [ReportKind.PAGEVIEWS_BY_SECTION, ReportKind.VISITS_BY_SECTION])
def test_section_week_tables_are_one_query(rows, kind, django_assert_num_queries):
    _population(rows)

    with django_assert_num_queries(1):
        table = report_table(kind=kind, start=PERIOD_START, end=PERIOD_END, k=1)

    assert table.rows == ["2026-03-02", "2026-03-09"]
    search = table.columns.index(str(PageType.SEARCH.label))
    lead = table.columns.index(str(PageType.LEAD_DETAIL.label))
    members = 2 * rows
    if kind == ReportKind.PAGEVIEWS_BY_SECTION:
        assert [(row[search], row[lead]) for row in table.values] == [
            (3 * members, 0),
            (3 * members, 6 * members),
        ]
    else:
        assert [(row[search], row[lead]) for row in table.values] == [
            (members, 0),
            (2 * members, 0),
        ]


@pytest.mark.parametrize("rows", [2, 5])
def test_lead_views_by_category_is_two_queries(rows, django_assert_num_queries):
    _population(rows)

    with django_assert_num_queries(2):  # views per member and lead; the leads' categories
        table = report_table(
            kind=ReportKind.LEAD_VIEWS_BY_CATEGORY, start=PERIOD_START, end=PERIOD_END, k=1
        )

    assert sorted(table.rows) == ["Biotechnology", "Software"]
    assert [v[0] for v in table.values] == [3 * 2 * rows, 3 * 2 * rows]


@pytest.mark.parametrize("rows", [2, 5])
def test_member_identities_is_one_query(rows, django_assert_num_queries):
    users = UserFactory.create_batch(rows)

    with django_assert_num_queries(1):
        identities = member_identities()

    assert identities.emails == {u.email for u in users}
    assert f"{users[0].first_name} {users[0].last_name}".lower() in identities.names
