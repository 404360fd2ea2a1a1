"""The daily newsletter: matching new events, grouping, rendering, the outbox rows (L4)."""

import datetime as dt
import zlib
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from lead411.leads import services as lead_services
from lead411.leads.tests.factories import CompanyFactory
from lead411.mail import services
from lead411.mail.models import Delivery, Stream, bodies_pack, bodies_unpack
from lead411.mail.outbox import delivery_email_message
from lead411.newsletter.digest import newsletter_issue_build
from lead411.newsletter.models import NewsletterIssue

from .conftest import make_member, new_event

pytestmark = [pytest.mark.django_db, pytest.mark.clause("L4")]

TODAY = dt.date(2026, 11, 29)


@pytest.fixture
def frozen(monkeypatch):
    """Freeze the clock at 06:00 on TODAY, site time."""
    now = timezone.make_aware(dt.datetime(2026, 11, 29, 6, 0))
    monkeypatch.setattr("lead411.core.clock.now", lambda: now)
    return now


def test_members_get_new_matching_leads_grouped_by_saved_search(frozen, https_site):
    ann = make_member("ann@example.com", "Ann")
    lead_services.saved_search_create(member=ann, name="Robots", criteria={"q": ["robots"]})
    lead_services.saved_search_create(
        member=ann, name="Big in Texas", criteria={"region": ["TX"], "amount_min": ["10000000"]}
    )
    lead_services.saved_search_create(
        member=ann, name="Not in the newsletter", criteria={}, include_in_newsletter=False
    )
    robot = new_event(
        company_name="Acme Robotics", summary="Acme builds robot arms", amount=Decimal(2_000_000)
    )
    texas = new_event(
        company_name="Lone Star Energy", region="TX", city="Austin", amount=Decimal(50_000_000)
    )
    new_event(company_name="Small Texan", region="TX", amount=Decimal(1_000))
    report = newsletter_issue_build(date=TODAY)
    assert (report.events, report.members, report.deliveries) == (3, 1, 1)
    delivery = Delivery.objects.get()
    assert delivery.stream == Stream.DAILY
    assert delivery.subject == "Lead411 daily: 2 new leads for Nov 29, 2026"
    text = delivery.parts()[0]
    # Grouped by saved search (by name), each lead with what it matched and its absolute link.
    assert text.index("== Big in Texas (1 new) ==") < text.index("== Robots (1 new) ==")
    assert f"https://leads.example.com/leads/{robot.pk}/" in text
    assert f"https://leads.example.com/leads/{texas.pk}/" in text
    assert "Not in the newsletter" not in text
    assert "Small Texan" not in text
    assert f'href="https://leads.example.com/leads/{robot.pk}/"' in delivery.parts()[1]


def test_nothing_new_means_no_email(frozen):
    ann = make_member("ann@example.com")
    lead_services.saved_search_create(member=ann, name="Drones", criteria={"q": ["drones"]})
    new_event(summary="Acme builds robot arms")
    report = newsletter_issue_build(date=TODAY)
    assert report.deliveries == 0
    assert not Delivery.objects.exists()


def test_only_events_imported_since_the_members_previous_newsletter(frozen, monkeypatch):
    ann = make_member("ann@example.com")
    lead_services.saved_search_create(member=ann, name="All", criteria={})
    new_event(company_name="Yesterday Co", imported_at=frozen - dt.timedelta(hours=30))
    newsletter_issue_build(date=TODAY - dt.timedelta(days=1))
    first = Delivery.objects.get()
    assert "Yesterday Co" in first.parts()[0]
    new_event(company_name="Today Co", imported_at=frozen - dt.timedelta(hours=2))
    newsletter_issue_build(date=TODAY)
    second = Delivery.objects.get(issue_date=TODAY)
    assert "Today Co" in second.parts()[0]
    assert "Yesterday Co" not in second.parts()[0]


def test_building_a_day_twice_queues_nobody_twice(frozen):
    ann = make_member("ann@example.com")
    lead_services.saved_search_create(member=ann, name="All", criteria={})
    new_event()
    assert newsletter_issue_build(date=TODAY).deliveries == 1
    again = newsletter_issue_build(date=TODAY)
    assert again.already_built
    assert Delivery.objects.count() == 1
    issue = NewsletterIssue.objects.get()
    with pytest.raises(IntegrityError):
        Delivery.objects.create(
            key="other", member=ann, stream=Stream.DAILY, issue_date=issue.date,
            to_email=ann.email, subject="x", text_body="x", message_id="<x@y>",
            next_attempt_at=frozen, created_at=frozen,
        )  # fmt: skip


def test_queued_rows_carry_the_outbox_fields_and_compressed_bodies(frozen, https_site):
    ann = make_member("ann@example.com", "Zoë")
    lead_services.saved_search_create(member=ann, name="All", criteria={})
    new_event(company_name="Café Über")
    newsletter_issue_build(date=TODAY)
    delivery = Delivery.objects.get()
    issue = NewsletterIssue.objects.get()
    key = f"daily:{TODAY.isoformat()}:{ann.pk}"
    assert (delivery.key, delivery.member_id, delivery.issue_date) == (key, ann.pk, issue.date)
    assert (delivery.status, delivery.attempts, delivery.to_email) == ("pending", 0, ann.email)
    assert delivery.message_id == services.message_id_for(key=key)
    assert delivery.next_attempt_at == frozen
    assert delivery.headers["List-Unsubscribe"].startswith("<https://leads.example.com/")
    # Stored compressed, not as text columns; the email carries both parts whole.
    assert delivery.text_body == delivery.html_body == ""
    text, html = delivery.parts()
    assert "Café Über" in text
    assert "Zoë" in text
    assert "Café Über" in html
    email = delivery_email_message(delivery=delivery)
    assert email.body == text
    assert email.alternatives[0][0] == html


def test_bodies_pack_round_trip():
    text, html = "Hé\x00llo, 🌍", "<p>Ünïcode</p>" * 500
    packed = bodies_pack(text, html)
    assert len(packed) < len(html) // 10
    assert bodies_unpack(packed) == (text, html)


def test_rows_queued_before_zstandard_still_unpack():
    """Deliveries queued by a build before issue 15 hold zlib blobs; a sender reads both."""
    text, html = "Hello", "<p>Ünïcode</p>"
    head = text.encode()
    old = zlib.compress(len(head).to_bytes(4, "big") + head + html.encode(), 1)
    assert bodies_unpack(old) == (text, html)
    assert bodies_unpack(bodies_pack(text, html)) == (text, html)


def test_unsubscribed_inactive_and_applicants_get_nothing(frozen, applicant):
    ann = make_member("ann@example.com")
    bob = make_member("bob@example.com")
    bob.is_active = False
    bob.save()
    for user in (ann, bob, applicant):
        lead_services.saved_search_create(member=user, name="All", criteria={})
    services.mail_preferences_set(member=ann, consents={"daily": False})
    new_event()
    assert newsletter_issue_build(date=TODAY).deliveries == 0


def test_html_is_inlined_and_fits_a_phone(frozen):
    ann = make_member("ann@example.com")
    lead_services.saved_search_create(member=ann, name="All", criteria={})
    new_event()
    newsletter_issue_build(date=TODAY)
    html = Delivery.objects.get().parts()[1]
    assert "<style" not in html
    assert 'class="wrapper" style="width: 100%;max-width: 640px;' in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "<table" not in html  # no fixed-width layout tables


def test_many_matches_are_capped_per_search_with_a_link_to_the_rest(frozen, settings):
    settings.NEWSLETTER_MAX_LEADS_PER_SEARCH = 2
    ann = make_member("ann@example.com")
    lead_services.saved_search_create(member=ann, name="All", criteria={})
    company = CompanyFactory(name="Busy Inc")
    for _ in range(5):
        new_event(company=company)
    newsletter_issue_build(date=TODAY)
    text = Delivery.objects.get().parts()[0]
    assert text.count("* Busy Inc") == 2
    assert "See all 5 new:\nhttp://" in text


def test_dry_run_writes_nothing(frozen, capsys):
    ann = make_member("ann@example.com")
    lead_services.saved_search_create(member=ann, name="All", criteria={})
    new_event()
    call_command("send_daily_newsletter", "--date", "2026-11-29", "--dry-run")
    assert "would queue 1 newsletters" in capsys.readouterr().out
    assert not Delivery.objects.exists()
    assert not NewsletterIssue.objects.exists()


def test_command_builds_and_sends(frozen, mailoutbox, capsys):
    ann = make_member("ann@example.com")
    lead_services.saved_search_create(member=ann, name="All", criteria={})
    new_event()
    call_command("send_daily_newsletter")
    assert len(mailoutbox) == 1
    assert Delivery.objects.get().status == Delivery.Status.SENT
    assert "Outbox: sent 1" in capsys.readouterr().out


def test_staff_preview_shows_any_members_newsletter(frozen, client, staff, member_client):
    ann = make_member("ann@example.com", "Ann")
    lead_services.saved_search_create(member=ann, name="Robots", criteria={"q": ["robot"]})
    new_event(summary="Acme builds a robot")
    url = reverse("newsletter:preview")
    assert member_client.get(url).status_code == 302  # not staff: to the admin login
    client.force_login(staff)
    page = client.get(url, {"email": "ann@example.com", "date": "2026-11-29"})
    assert page.status_code == 200
    assert page.context["letter"].subject == "Lead411 daily: 1 new lead for Nov 29, 2026"
    body = client.get(reverse("newsletter:preview-body", args=[ann.pk, "2026-11-29"]))
    assert "Hello Ann" in body.content.decode()
    text = client.get(
        reverse("newsletter:preview-body", args=[ann.pk, "2026-11-29"]), {"part": "text"}
    )
    assert "== Robots (1 new) ==" in text.content.decode()
    assert not Delivery.objects.exists()


def test_the_daily_job_is_scheduled_at_the_send_time_and_runs(frozen, settings, mailoutbox):
    from lead411.newsletter.tasks import newsletter_daily_send
    from lead411.site.schedules import configured_jobs

    settings.NEWSLETTER_SEND_TIME = "05:30"
    jobs = {job.func: job for job in configured_jobs()}
    daily = jobs["lead411.newsletter.tasks.newsletter_daily_send"]
    assert (daily.minutes, daily.at) == (24 * 60, "05:30")
    assert (
        jobs["lead411.mail.tasks.outbox_drain"].minutes == settings.NEWSLETTER_OUTBOX_POLL_MINUTES
    )
    ann = make_member("ann@example.com")
    lead_services.saved_search_create(member=ann, name="All", criteria={})
    new_event()
    assert "queued 1 newsletters" in newsletter_daily_send()
    assert len(mailoutbox) == 1
