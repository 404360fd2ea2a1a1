"""Fixtures of the activity tests: counting switched on, a frozen clock, the team role."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission

from lead411.core import clock


@pytest.fixture(autouse=True)
def _recording_on(settings):
    settings.ACTIVITY_RECORDING_ENABLED = True
    settings.ACTIVITY_RETENTION_DAYS = 365


class FrozenClock:
    """A settable clock patched into ``lead411.core.clock.now``."""

    def __init__(self, start: dt.datetime) -> None:
        self.current = start

    def __call__(self) -> dt.datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += dt.timedelta(**delta)


@pytest.fixture
def frozen(monkeypatch) -> FrozenClock:
    """Freeze the clock at 2026-03-10 17:00 UTC (09:00 or 10:00 in Los Angeles)."""
    fake = FrozenClock(dt.datetime(2026, 3, 10, 17, 0, tzinfo=dt.UTC))
    monkeypatch.setattr(clock, "now", fake)
    return fake


@pytest.fixture
def team_staff(staff):
    """A staff user in the sales-leads team role (``accounts.view_registration_details``)."""
    staff.user_permissions.add(Permission.objects.get(codename="view_registration_details"))
    return staff
