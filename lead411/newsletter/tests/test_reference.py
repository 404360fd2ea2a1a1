"""The fast newsletter assembly gives byte for byte what a plain render gives (issue 12;
clauses L3, L4).

``IssueRenderer.assemble`` pastes each member's pieces into templates rendered once per
issue; ``reference.reference_render`` renders the same templates the ordinary way. Both
get the same planned sections; the emails must be identical, on real builds with two
members and on generated names, counts and lead texts.
"""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from lead411.leads import services as lead_services
from lead411.leads.models import SavedSearch
from lead411.leads.search.digest import NewEvents, new_events_load
from lead411.newsletter.digest import IssueRenderer, LeadView, MemberSearch, Section

from .conftest import make_member, new_event
from .reference import reference_render

pytestmark = [pytest.mark.django_db, pytest.mark.clause("L4")]

NOW = timezone.make_aware(dt.datetime(2026, 11, 29, 6, 0))
UNSUB = "https://leads.example.com/mail/unsubscribe/k/daily/?a=1&b=2"
UNSUB_ALL = "https://leads.example.com/mail/unsubscribe/k/all/"


def _assert_same(renderer: IssueRenderer, **kwargs) -> str:  # type: ignore[no-untyped-def]
    """Assert the fast and the plain email are identical; return the text part."""
    fast = renderer.assemble(**kwargs)
    plain = reference_render(renderer=renderer, **kwargs)
    assert fast is not None
    assert fast.subject == plain.subject
    assert fast.text == plain.text
    assert fast.html == plain.html
    assert fast.lead_count == plain.lead_count
    return fast.text


@pytest.fixture
def frozen(monkeypatch):
    monkeypatch.setattr("lead411.core.clock.now", lambda: NOW)
    return NOW


def test_real_builds_of_two_members_equal_the_plain_render(frozen, settings, https_site):
    """Overlapping searches (also matches, claimed), a capped section (see all), a
    catch-up import (one line) and HTML-special names, for two members."""
    settings.NEWSLETTER_MAX_LEADS_PER_SEARCH = 2
    ann = make_member("ann@example.com", 'Ann <b>"&"</b>')
    bob = make_member("bob@example.com", "Bob @@NAME@@")
    lead_services.saved_search_create(
        member=ann, name="A robots & <drones>", criteria={"q": ["robots"], "sort": ["amount"]}
    )
    lead_services.saved_search_create(member=ann, name="B Texas", criteria={"region": ["TX"]})
    lead_services.saved_search_create(member=bob, name="Texas 'all'", criteria={"region": ["TX"]})
    for n, (region, amount) in enumerate([("TX", 5), ("CA", 50), ("TX", 1), ("TX", 7)]):
        new_event(
            company_name=f"Robot Works {n} & Sons",
            summary=f"Robot Works {n} raised money for robots <fast>",
            region=region, amount=Decimal(amount * 1_000_000),
        )  # fmt: skip
    new_event(company_name="Old News", region="TX", announced_on=dt.date(2014, 6, 1))
    since = NOW - dt.timedelta(days=1)
    renderer = IssueRenderer(
        date=NOW.date(), cutoff=NOW, events=new_events_load(since=since, until=NOW)
    )
    sent = []
    for member in (ann, bob):
        searches = [
            renderer.search_of(s.name, json.dumps(s.criteria))
            for s in SavedSearch.objects.filter(member=member).order_by("name")
        ]
        renderer.match(searches)
        sections, count = renderer.plan(searches, daily_since=since, weekly_since=since)
        renderer.load_views(i for section in sections for i, _ in section.listed)
        assert sections, "the scene gives every member new leads"
        sent.append(
            _assert_same(
                renderer,
                member_name=member.first_name,
                sections=sections,
                count=count,
                catch_up=renderer.events.catch_up_count(since=since),
                unsubscribe=UNSUB,
                unsubscribe_all=UNSUB_ALL,
            )
        )
    ann_text = sent[0]
    for feature in ("Also matches:", "of them match a search above", "See all", "catch-up"):
        assert feature in ann_text, feature


texts = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("<>&\"'@ \n"),
    max_size=40,
)

# Saved-search names are required and stripped by their form: never blank.
names = texts.filter(lambda t: t.strip() != "")


@st.composite
def letters(draw):  # type: ignore[no-untyped-def]
    """Generated lead views and planned sections for one member."""
    ids = list(range(1, draw(st.integers(1, 6)) + 1))
    views = {
        i: LeadView(
            id=i,
            url=f"https://leads.example.com/leads/{i}/",
            company=draw(texts),
            summary=draw(texts),
            kind=draw(st.sampled_from(["Funding", "Acquisition", "Hire"])),
            amount=draw(st.sampled_from(["", "$5M", "€1,200,000"])),
            counterparty="",
            announced_on=draw(st.none() | st.dates(dt.date(2000, 1, 1), dt.date(2030, 1, 1))),
            place=draw(texts),
            categories=draw(texts),
            headline_text="* " + draw(texts),
            meta_text="  " + draw(texts),
        )
        for i in ids
    }
    sections = []
    for n in range(draw(st.integers(1, 3))):
        chosen = draw(st.lists(st.sampled_from(ids), min_size=1, unique=True))
        listed_count = draw(st.integers(1, len(chosen)))
        also = [draw(st.lists(names, max_size=2)) for _ in range(listed_count)]
        search = MemberSearch(
            name=draw(names), query=None, params=f"q=s{n}&sort=amount", described=draw(texts)
        )
        sections.append(
            Section(
                search=search,
                ids=chosen,
                since=NOW - dt.timedelta(hours=draw(st.integers(1, 200))),
                listed=list(zip(chosen[:listed_count], also, strict=True)),
                claimed=draw(st.integers(0, 3)),
            )
        )
    return views, sections


@hypothesis_settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    letter=letters(),
    name=texts,
    count=st.integers(1, 10**6),
    catch_up=st.integers(0, 10**7),
)
def test_generated_letters_equal_the_plain_render(https_site, letter, name, count, catch_up):
    views, sections = letter
    renderer = IssueRenderer(date=NOW.date(), cutoff=NOW, events=NewEvents())
    renderer.views.update(views)
    _assert_same(
        renderer,
        member_name=name,
        sections=sections,
        count=count,
        catch_up=catch_up,
        unsubscribe=UNSUB,
        unsubscribe_all=UNSUB_ALL,
    )
