"""Issue 15: each lead once, the best first, "see all N new", truthful windows (L3, L4)."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from lead411.leads import services as lead_services
from lead411.mail.models import Delivery
from lead411.newsletter import digest
from lead411.newsletter.digest import newsletter_issue_build
from lead411.newsletter.models import NewsletterIssue

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


SITE = "https://leads.example.com"
WINDOW = "imported_since=2026-11-28T14%3A00%3A00%2B00%3A00&imported_until=2026-11-29T14%3A00%3A00%2B00%3A00"


def _body(delivery: Delivery) -> str:
    """The newsletter text above the mail footer."""
    return delivery.parts()[0].split("\n--\n")[0]


def _urls(text: str) -> list[str]:
    return re.findall(r"https?://[^\s\"<>]+", text)


def test_each_lead_once_under_its_first_search_in_each_searchs_sort(frozen, https_site):
    ann, bob, acme, beta, star = _scene()
    report = newsletter_issue_build(date=TODAY)
    assert (report.events, report.members, report.deliveries) == (3, 2, 2)
    ann_mail = Delivery.objects.get(member=ann)
    bob_mail = Delivery.objects.get(member=bob)
    assert ann_mail.subject == "Lead411 daily: 3 new leads for Nov 29, 2026"
    assert bob_mail.subject == "Lead411 daily: 2 new leads for Nov 29, 2026"
    # Ann: "A robots" by largest amount; Acme also matches "B Texas" and is listed once,
    # under A; B lists only Lone Star and says 1 is above; see-all since B has 2, lists 1.
    assert (
        _body(ann_mail)
        == f"""Lead411 daily newsletter, Sunday, November 29, 2026

Hello Ann, here are the new leads that match your saved
searches.

== A robots (2 new) ==
Your search: words: robots
{SITE}/leads/?q=robots&sort=amount

* Beta Robotics: Beta Robotics raised money for robots
  Funding round | $50M | announced Nov 27, 2026 | Oakland, CA, USA
  {SITE}/leads/{beta.pk}/

* Acme Robotics: Acme Robotics raised money for robots
  Funding round | $5M | announced Nov 27, 2026 | Austin, TX, USA
  Also matches: B Texas
  {SITE}/leads/{acme.pk}/

== B Texas (2 new) ==
Your search: state/region: TX
{SITE}/leads/?region=TX

* Lone Star Energy: Lone Star Energy raised a seed round
  Funding round | $1M | announced Nov 28, 2026 | Dallas, TX, USA
  {SITE}/leads/{star.pk}/

1 of them match a search above and are listed under it.
See all 2 new:
{SITE}/leads/?region=TX&{WINDOW}
"""
    )
    # Bob: the same leads newest first (the default sort without words), nothing to cut.
    assert (
        _body(bob_mail)
        == f"""Lead411 daily newsletter, Sunday, November 29, 2026

Hello Bob, here are the new leads that match your saved
searches.

== Texas (2 new) ==
Your search: state/region: TX
{SITE}/leads/?region=TX

* Lone Star Energy: Lone Star Energy raised a seed round
  Funding round | $1M | announced Nov 28, 2026 | Dallas, TX, USA
  {SITE}/leads/{star.pk}/

* Acme Robotics: Acme Robotics raised money for robots
  Funding round | $5M | announced Nov 27, 2026 | Austin, TX, USA
  {SITE}/leads/{acme.pk}/
"""
    )
    html = ann_mail.parts()[1]
    assert html.count(f'href="{SITE}/leads/{acme.pk}/"') == 1
    assert "Also matches: B Texas</p>" in html
    assert ">See all 2 new</a>" in html
    # Every link of both parts, and the List-Unsubscribe header, is on SITE_URL.
    for delivery in (ann_mail, bob_mail):
        text, page = delivery.parts()
        assert all(url.startswith(SITE + "/") for url in _urls(text) + _urls(page))
        assert delivery.headers["List-Unsubscribe"].startswith(f"<{SITE}/newsletter/unsubscribe/")


def test_see_all_opens_exactly_the_new_leads_of_the_section(frozen, https_site, client):
    ann, _bob, acme, _beta, star = _scene()
    old = new_event(
        company_name="Old Texan", region="TX", imported_at=frozen - dt.timedelta(days=3)
    )
    newsletter_issue_build(date=TODAY)
    text = _body(Delivery.objects.get(member=ann))
    see_all = text.split("See all 2 new:\n")[1].split("\n")[0]
    client.force_login(ann)
    page = client.get(see_all.removeprefix(SITE))
    assert page.status_code == 200
    result = page.context["result"]
    assert [e.pk for e in result.events] == [star.pk, acme.pk]
    assert result.total == 2
    # The same search without the window also finds the older lead.
    everything = client.get("/leads/?region=TX").context["result"]
    assert {e.pk for e in everything.events} == {star.pk, acme.pk, old.pk}


def test_first_newsletter_covers_the_last_day_and_a_search_keeps_its_own_dates(frozen):
    ann = make_member("ann@example.com")
    lead_services.saved_search_create(member=ann, name="All", criteria={})
    lead_services.saved_search_create(
        member=ann,
        name="In 2014",
        criteria={"date_from": ["2014-01-01"], "date_to": ["2014-12-31"]},
    )
    new_event(company_name="Today Co")
    new_event(company_name="Three Days Co", imported_at=frozen - dt.timedelta(days=3))
    newsletter_issue_build(date=TODAY)
    text = _body(Delivery.objects.get())
    assert "== All (1 new) ==" in text
    assert "Today Co" in text
    assert "Three Days Co" not in text
    assert "In 2014" not in text


def test_a_catch_up_import_is_one_line_not_a_list(frozen, settings):
    settings.NEWSLETTER_CATCH_UP_AGE_DAYS = 30
    ann = make_member("ann@example.com")
    lead_services.saved_search_create(member=ann, name="All", criteria={})
    for n in range(3):
        new_event(company_name=f"Backfill {n}", announced_on=dt.date(2014, 6, 1))
    new_event(company_name="Fresh Co", announced_on=TODAY - dt.timedelta(days=29))
    report = newsletter_issue_build(date=TODAY)
    assert report.events == 1
    delivery = Delivery.objects.get()
    assert delivery.subject == "Lead411 daily: 1 new lead for Nov 29, 2026"
    text = _body(delivery)
    assert "== All (1 new) ==" in text
    assert "Backfill" not in text
    assert text.endswith(
        "Also imported: 3 older leads from a catch-up import (announced\n"
        "more than 30 days before it); they are not listed here.\n"
    )
    assert "Also imported: 3 older leads from a catch-up import" in delivery.parts()[1]


def test_the_text_part_is_clean_wrapped_and_capped_with_see_all(frozen, settings, https_site):
    settings.NEWSLETTER_MAX_LEADS_PER_SEARCH = 2
    ann = make_member("ann@example.com")
    lead_services.saved_search_create(member=ann, name="All", criteria={})
    long_summary = "Busy Inc raised a very long round " + "with many words " * 12
    for n in range(5):
        new_event(company_name=f"Busy {n}", summary=long_summary[:300])
    newsletter_issue_build(date=TODAY)
    text, html = Delivery.objects.get().parts()
    body = text.split("\n--\n")[0]
    assert body.count("\n* Busy") == 2
    assert f"See all 5 new:\n{SITE}/leads/?{WINDOW}\n" in body
    for marker in ("[[", "]]", "@@", "<!--"):
        assert marker not in text
    assert "<!--" not in html
    assert "@@" not in html
    assert all(len(line) <= 76 or " " not in line.strip() for line in body.splitlines())


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_dates_outside_the_build_are_clear_errors(frozen, day, client, staff):
    ann = make_member("ann@example.com")
    with pytest.raises(CommandError) as error:
        call_command("send_daily_newsletter", "--date", day, "--dry-run")
    assert str(error.value) == (
        f"Newsletter dates go from 2000-01-01 to 2026-11-30; {day} is outside."
    )
    client.force_login(staff)
    page = client.get(reverse("newsletter:preview"), {"email": ann.email, "date": day})
    assert page.status_code == 200
    assert page.context["form"].errors["date"] == [
        f"Newsletter dates go from 2000-01-01 to 2026-11-30; {day} is outside."
    ]
    body = client.get(reverse("newsletter:preview-body", args=[ann.pk, day]))
    assert body.status_code == 400


def test_a_second_build_started_at_once_says_being_built_and_exits_0(frozen, monkeypatch, capsys):
    ann = make_member("ann@example.com")
    lead_services.saved_search_create(member=ann, name="All", criteria={})
    new_event()
    real_cutoff = digest.issue_cutoff

    def winner_commits_first(*, date):
        # The other build commits its issue after this one checked: the race of issue 15.
        NewsletterIssue.objects.create(date=date, cutoff_at=frozen, built_at=frozen)
        return real_cutoff(date=date)

    monkeypatch.setattr(digest, "issue_cutoff", winner_commits_first)
    call_command("send_daily_newsletter", "--date", "2026-11-29", "--no-send")
    assert capsys.readouterr().out == (
        "The newsletter of 2026-11-29 is already being built by another run; this run did nothing.\n"
    )
    assert not Delivery.objects.exists()


def test_staff_preview_builds_one_member_only(frozen, client, staff, django_assert_max_num_queries):
    ann, _bob, _acme, _beta, _star = _scene()
    client.force_login(staff)
    with django_assert_max_num_queries(30):
        page = client.get(reverse("newsletter:preview"), {"email": ann.email, "date": "2026-11-29"})
    letter = page.context["letter"]
    assert letter.subject == "Lead411 daily: 3 new leads for Nov 29, 2026"
    assert "Also matches: B Texas" in letter.text
    assert not Delivery.objects.exists()
