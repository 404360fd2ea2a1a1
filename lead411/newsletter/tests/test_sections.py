"""Issue 15: each lead once, the best first, "see all N new", truthful windows (L3, L4)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from lead411.leads import services as lead_services
from lead411.mail.models import Delivery
from lead411.newsletter.digest import newsletter_issue_build

from .conftest import make_member, new_event

pytestmark = [pytest.mark.django_db, pytest.mark.clause("L4")]

TODAY = dt.date(2026, 11, 29)


@pytest.fixture
def frozen(monkeypatch):
    now = timezone.make_aware(dt.datetime(2026, 11, 29, 6, 0))
    monkeypatch.setattr("lead411.core.clock.now", lambda: now)
    return now


def _scene():
    ann = make_member("ann@example.com", "Ann")
    bob = make_member("bob@example.com", "Bob")
    lead_services.saved_search_create(
        member=ann, name="A robots", criteria={"q": ["robots"], "sort": ["amount"]}
    )
    lead_services.saved_search_create(member=ann, name="B Texas", criteria={"region": ["TX"]})
    lead_services.saved_search_create(member=bob, name="Texas", criteria={"region": ["TX"]})
    acme = new_event(
        company_name="Acme Robotics", summary="Acme Robotics raised money for robots",
        region="TX", city="Austin", amount=Decimal(5_000_000), announced_on=dt.date(2026, 11, 27),
    )  # fmt: skip
    beta = new_event(
        company_name="Beta Robotics", summary="Beta Robotics raised money for robots",
        region="CA", city="Oakland", amount=Decimal(50_000_000), announced_on=dt.date(2026, 11, 27),
    )  # fmt: skip
    star = new_event(
        company_name="Lone Star Energy", summary="Lone Star Energy raised a seed round",
        region="TX", city="Dallas", amount=Decimal(1_000_000), announced_on=dt.date(2026, 11, 28),
    )  # fmt: skip
    return ann, bob, acme, beta, star


def test_print(frozen, https_site):
    ann, bob, acme, beta, star = _scene()
    newsletter_issue_build(date=TODAY)
    for d in Delivery.objects.order_by("to_email"):
        print("=====", d.subject)
        print(d.parts()[0])
        print(d.parts()[1])
    assert 0
