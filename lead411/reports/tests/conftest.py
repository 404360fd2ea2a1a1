"""Fixtures of the report tests: a population of members with profiles and activity."""

import datetime as dt
import itertools

import pytest
from django.contrib.auth.models import Permission

from lead411.accounts.models import Application, User
from lead411.accounts.tests.factories import ApplicationFactory
from lead411.activity.models import MemberDailyActivity
from lead411.activity.tests.factories import MemberDailyActivityFactory

PERIOD_START = dt.date(2026, 3, 2)  # a Monday
PERIOD_END = dt.date(2026, 3, 15)
_serial = itertools.count(1)


@pytest.fixture(autouse=True)
def _archive_in_tmp(settings, tmp_path):
    """Archive released files in a temporary VAR_DIR; k and the budget at their defaults."""
    settings.VAR_DIR = tmp_path
    settings.REPORT_MIN_CELL = 10
    settings.REPORT_EPSILON_BUDGET_PER_RECIPIENT = 1.0


def add_member(
    *,
    industry: str = "Software",
    size: str = "11-50",
    title: str = "Account Executive",
    country: str = "United States",
    day: dt.date = PERIOD_START,
    page_type: str = MemberDailyActivity.PageType.SEARCH,
    visits: int = 1,
    pageviews: int = 3,
) -> User:
    """Create an approved member with a profile and one day of activity; return it."""
    n = next(_serial)
    user = ApplicationFactory.create(
        user__email=f"person{n}@example.com",
        user__password=None,
        user__first_name=f"First{n}",
        user__last_name=f"Last{n}",
        company=f"Company {n}",
        job_title=title,
        telephone=f"+1 555 01{n:04d}",
        industry=industry,
        company_size=size,
        country=country,
        status=Application.Status.APPROVED,
    ).user
    MemberDailyActivityFactory.create(
        member=user, day=day, page_type=page_type, pageviews=pageviews, visits=visits
    )
    return user


def add_members(count: int, **fields: object) -> list[User]:
    """Create ``count`` members with the same fields."""
    return [add_member(**fields) for _ in range(count)]  # type: ignore[arg-type]  # test helper passthrough


@pytest.fixture
def releaser(staff):
    """A staff member allowed to build and release reports."""
    staff.user_permissions.add(Permission.objects.get(codename="release_report"))
    return staff
