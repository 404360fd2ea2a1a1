"""Fixtures of the report tests: a population of members with profiles and activity."""

import datetime as dt
import itertools

import pytest
from django.contrib.auth.models import Permission

from lead411.accounts.models import Application, User
from lead411.activity.models import MemberDailyActivity
from lead411.core import clock

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
    user = User.objects.create_user(
        f"person{n}@example.com", None, first_name=f"First{n}", last_name=f"Last{n}"
    )
    Application.objects.create(
        user=user,
        company=f"Company {n}",
        job_title=title,
        telephone=f"+1 555 01{n:04d}",
        industry=industry,
        company_size=size,
        country=country,
        status=Application.Status.APPROVED,
        submitted_at=clock.now(),
    )
    MemberDailyActivity.objects.create(
        member=user,
        day=day,
        page_type=page_type,
        pageviews=pageviews,
        visits=visits,
        last_seen_at=clock.now(),
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
