"""Public pages: home with the latest-leads teaser, about & pricing, privacy and contact."""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client, RequestFactory
from django.urls import reverse

from lead411.leads.tests.factories import CompanyFactory, TriggerEventFactory
from lead411.pages import views

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
    for page in ("leads:search", "pages:about", "pages:privacy", "pages:contact"):
        assert f'href="{reverse(page)}"' in html
    assert "Company and funding data: CrunchBase 2015 export" in html
    assert "CC BY-NC 4.0" in html


def _render_placeholder(view) -> str:
    # The policy app serves /privacy/ and /contact/ in full once installed (its URLs come
    # first); these placeholders are what the pages app answers on its own.
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    response = view(request)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.clause("P1")
@pytest.mark.parametrize(
    ("view", "heading"), [(views.privacy_view, "Privacy policy"), (views.contact_view, "Contact")]
)
def test_privacy_and_contact_placeholders_show_the_operators_details(settings, view, heading):
    settings.OPERATOR = {
        "company_name": "Leads Inc.",
        "postal_address": "1 Market St, San Francisco, CA 94105",
        "telephone": "+1 415 555 0100",
        "fax": "+1 415 555 0101",
        "contact_email": "hello@leads.example",
    }
    html = _render_placeholder(view)
    assert f"<h1>{heading}</h1>" in html
    for value in settings.OPERATOR.values():
        assert value in html


def test_the_layout_offers_login_to_visitors_and_a_logout_form_to_members(member_client):
    anonymous = Client().get(reverse("pages:about")).content.decode()
    assert f'href="{reverse("account_login")}"' in anonymous
    member = member_client.get(reverse("pages:about")).content.decode()
    assert f'<form method="post" action="{reverse("account_logout")}"' in member
    assert "member@example.com" in member


def test_the_layout_has_no_inline_script(client):
    html = client.get(reverse("pages:home")).content.decode()
    assert html.count("<script") == html.count('<script src="/static/')
