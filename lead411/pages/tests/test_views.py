"""Public pages: home with the latest-leads teaser, about & pricing, privacy and contact."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from lead411.leads.tests.factories import CompanyFactory, TriggerEventFactory

pytestmark = pytest.mark.django_db


@pytest.mark.clause("L2")
def test_home_explains_the_service_and_teases_the_latest_leads_names_and_kinds_only(client):
    for day in range(1, 8):
        TriggerEventFactory(
            company=CompanyFactory(name=f"Startup {day}"),
            announced_on=dt.date(2015, 1, day),
            summary=f"Startup {day} raised a secret amount {day}",
        )
    response = client.get(reverse("pages:home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Call companies the week they raise money." in html
    assert [e.company.name for e in response.context["latest"]] == [
        f"Startup {day}" for day in (7, 6, 5, 4, 3)
    ]
    assert "Startup 7" in html
    assert "Startup 2" not in html
    assert "Funding round" in html
    # Members-only details stay behind the login.
    assert "secret amount" not in html
    assert reverse("leads:detail", args=[1]) not in html
    assert f'href="{reverse("pages:about")}"' in html


def test_home_for_a_member_links_to_search(member_client):
    html = member_client.get(reverse("pages:home")).content.decode()
    assert f'href="{reverse("leads:search")}"' in html
    assert "Log out" in html


@pytest.mark.parametrize(
    ("name", "heading"), [("pages:home", None), ("pages:about", "About Lead411")]
)
def test_public_pages_render_with_the_layout(client, name, heading):
    response = client.get(reverse(name))
    assert response.status_code == 200
    html = response.content.decode()
    if heading:
        assert f"<h1>{heading}</h1>" in html
    assert '<a class="skip-link" href="#main">' in html
    assert '<main id="main"' in html
    assert '<nav class="site-nav" aria-label="Main">' in html
    for page in ("leads:search", "pages:about", "policy:privacy", "contact:contact"):
        assert f'href="{reverse(page)}"' in html
    assert "Company and funding data: CrunchBase 2015 export" in html
    assert "CC BY-NC 4.0" in html


def test_the_layout_offers_login_to_visitors_and_a_logout_form_to_members(member_client):
    anonymous = Client().get(reverse("pages:about")).content.decode()
    assert f'href="{reverse("account_login")}"' in anonymous
    member = member_client.get(reverse("pages:about")).content.decode()
    assert f'<form method="post" action="{reverse("account_logout")}"' in member
    assert "member@example.com" in member


def test_the_layout_has_no_inline_script(client):
    html = client.get(reverse("pages:home")).content.decode()
    assert html.count("<script") == html.count('<script src="/static/')


def test_pricing_buttons_ask_visitors_to_apply_and_mark_a_members_plan(client, member):
    """Issue 17: plans without buttons. Visitors apply (Solo) or ask (Team, Enterprise);
    a member sees their own plan marked and asks staff for another."""
    html = client.get(reverse("pages:about")).content.decode()
    assert f'href="{reverse("account_signup")}">Apply for Solo</a>' in html
    assert f'href="{reverse("contact:contact")}">Ask for Team</a>' in html
    assert f'href="{reverse("contact:contact")}">Ask for Enterprise</a>' in html
    assert "Your plan" not in html

    client.force_login(member)
    html = client.get(reverse("pages:about")).content.decode()
    assert "Apply for" not in html
    assert html.count("<strong>Your plan</strong>") == 1
    solo_card = html[html.index('id="plan-solo"') : html.index('id="plan-team"')]
    assert "Your plan" in solo_card
    assert f'href="{reverse("accounts:change-request")}">Ask for Team</a>' in html
