"""Helpers of the newsletter and mail tests: members and new leads (the SMTP sink is in the root conftest)."""

import datetime as dt
from typing import Any

from lead411.accounts.models import User
from lead411.accounts.tests.factories import UserFactory
from lead411.core import clock
from lead411.leads.tests.factories import CompanyFactory, TriggerEventFactory


def make_member(email: str, first_name: str = "") -> User:
    """A member created by staff (no application), without a usable password."""
    return UserFactory.create(email=email, password=None, first_name=first_name, last_name="")


def new_event(**fields: Any) -> Any:
    """A trigger event imported five minutes ago by the project clock, announced the day before.

    New for the newsletter: imported in the window and announced recently (not a catch-up).
    """
    company = fields.pop("company", None) or CompanyFactory(
        name=fields.pop("company_name", "Acme Robotics"),
        categories=fields.pop("categories", ["Software"]),
        **{k: fields.pop(k) for k in ("country_code", "region", "city") if k in fields},
    )
    fields.setdefault("imported_at", clock.now() - dt.timedelta(minutes=5))
    fields.setdefault("announced_on", fields["imported_at"].date() - dt.timedelta(days=1))
    return TriggerEventFactory(company=company, **fields)
