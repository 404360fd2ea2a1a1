"""Issue 15: saved searches at the member's pace: daily, weekly on a weekday, instant alerts (L3, L4)."""

import datetime as dt

import pytest
from django.utils import timezone

from lead411.leads import services as lead_services
from lead411.leads.models import SavedSearch
from lead411.mail import services as mail_services
from lead411.mail.models import Delivery
from lead411.newsletter.digest import newsletter_issue_build
from lead411.newsletter.tasks import newsletter_alerts_run

from .conftest import make_member, new_event

pytestmark = [pytest.mark.django_db, pytest.mark.clause("L4")]

TODAY = dt.date(2026, 11, 29)  # a Sunday


@pytest.fixture
def clock_at(monkeypatch):
    """Set the project clock; returns a setter (site time, aware)."""
    state = {"now": timezone.make_aware(dt.datetime(2026, 11, 29, 6, 0))}
    monkeypatch.setattr("lead411.core.clock.now", lambda: state["now"])

    def move(**delta: float) -> dt.datetime:
        state["now"] += dt.timedelta(**delta)
        return state["now"]

    move.now = lambda: state["now"]  # type: ignore[attr-defined]
    return move


def test_weekly_search_comes_on_its_weekday_with_the_weeks_leads(clock_at):
    ann = make_member("ann@example.com", "Ann")
    now = clock_at.now()
    lead_services.saved_search_create(member=ann, name="Daily all", criteria={})
    lead_services.saved_search_create(
        member=ann, name="Weekly Texas", criteria={"region": ["TX"]},
        pace=SavedSearch.Pace.WEEKLY, weekday=SavedSearch.Weekday.SUNDAY,
    )  # fmt: skip
    # Three days ago: an issue sent Ann a daily newsletter (her last one).
    new_event(
        company_name="Early Texan", region="TX", imported_at=now - dt.timedelta(days=3, hours=2)
    )
    newsletter_issue_build(date=TODAY - dt.timedelta(days=3))
    early = Delivery.objects.get()
    assert "== Daily all (1 new) ==" in early.parts()[0]
    assert "Weekly Texas" not in early.parts()[0]  # Thursday: not the weekly's day
    new_event(company_name="Late Texan", region="TX")
    newsletter_issue_build(date=TODAY)
    text = Delivery.objects.get(issue_date=TODAY).parts()[0]
    # Daily: since the last newsletter; weekly: the whole week, both Texans.
    assert "== Daily all (1 new) ==" in text
    assert "== Weekly Texas (2 new) ==" in text
    assert "1 of them match a search above and are listed under it." in text
    assert text.count("* Late Texan") == 1
    assert text.count("* Early Texan") == 1


def test_instant_alerts_arrive_within_minutes_over_smtp_capped_per_day(
    clock_at, settings, smtp_sink, https_site
):
    settings.NEWSLETTER_ALERTS_MAX_PER_DAY = 2
    ann = make_member("ann@example.com", "Ann")
    lead_services.saved_search_create(
        member=ann, name="Robots now", criteria={"q": ["robots"]}, pace=SavedSearch.Pace.INSTANT
    )
    assert "0 members with instant searches" not in newsletter_alerts_run()
    assert smtp_sink.handler.messages() == []
    # An import adds a match: the next run (minutes later) mails one short alert.
    robot = new_event(
        company_name="Acme Robotics", summary="Acme builds robots", imported_at=clock_at.now()
    )
    new_event(company_name="Other Co", summary="Nothing to see", imported_at=clock_at.now())
    clock_at(minutes=5)
    assert newsletter_alerts_run().startswith(
        "Instant alerts: 1 members with instant searches, queued 1, 0 held at the daily cap."
    )
    (message,) = smtp_sink.handler.messages()
    assert message["Subject"] == "Lead411 alert: 1 new lead for Robots now"
    assert (
        message["List-Unsubscribe"]
        .strip()
        .startswith("<https://leads.example.com/newsletter/unsubscribe/")
    )
    text = message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
    assert text.startswith(
        "Hello Ann, an import just brought new leads for your alerts.\n\n"
        "== Robots now (1 new) ==\n"
        "* Acme Robotics: Acme builds robots\n"
        f"  https://leads.example.com/leads/{robot.pk}/\n"
    )
    assert "Other Co" not in text
    # Nothing new: nothing sent. Two more imports: one more alert, then the cap holds.
    clock_at(minutes=5)
    newsletter_alerts_run()
    assert len(smtp_sink.handler.messages()) == 1
    new_event(company_name="Second Robotics", summary="More robots", imported_at=clock_at.now())
    clock_at(minutes=5)
    newsletter_alerts_run()
    new_event(company_name="Third Robotics", summary="Even more robots", imported_at=clock_at.now())
    clock_at(minutes=5)
    assert "queued 0, 1 held at the daily cap" in newsletter_alerts_run()
    assert len(smtp_sink.handler.messages()) == 2
    # Next day: the held match comes in the first alert.
    clock_at(days=1)
    newsletter_alerts_run()
    last = smtp_sink.handler.messages()[-1].get_body(preferencelist=("plain",)).get_content()
    assert "* Third Robotics: Even more robots" in last
    # Instant searches stay out of the daily newsletter; unsubscribing stops alerts.
    assert newsletter_issue_build(date=TODAY + dt.timedelta(days=1)).members == 0
    mail_services.mail_preferences_set(member=ann, consents={"daily": False})
    new_event(company_name="Fourth Robotics", summary="Robots again", imported_at=clock_at.now())
    clock_at(minutes=5)
    assert "0 members with instant searches" in newsletter_alerts_run()
    assert len(smtp_sink.handler.messages()) == 3
