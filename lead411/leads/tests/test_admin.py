"""The Company admin shows the SEC profile (issue 14): staff find a company by its ticker,
filter by exchange and state of incorporation, and read every profile field."""

import pytest
from django.urls import reverse

from lead411.leads.tests.factories import CompanyFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clause("L1")]

CHANGELIST = reverse("admin:leads_company_changelist")


@pytest.fixture
def tesla():
    return CompanyFactory.create(
        name="Tesla, Inc.", ticker="TSLA", exchange="Nasdaq", sic_code="3711",
        industry="Motor Vehicles & Passenger Car Bodies", state_of_incorporation="DE",
        street_address="3500 Deer Creek Rd", city="Palo Alto", postal_code="94304",
    )  # fmt: skip


@pytest.fixture
def ford():
    return CompanyFactory.create(
        name="Ford Motor Co", ticker="F", exchange="NYSE", state_of_incorporation="DE"
    )


def _names(response) -> list[str]:
    assert response.status_code == 200
    return sorted(str(company) for company in response.context["cl"].result_list)


def test_search_by_ticker_is_exact_and_ignores_case(admin_client, tesla, ford):
    """A ticker finds its company in any case; part of a ticker finds nothing, so a
    one-letter ticker ("F") does not bring every company whose ticker contains it."""
    CompanyFactory.create(name="Acme", ticker="FLWS")
    assert _names(admin_client.get(CHANGELIST, {"q": "tsla"})) == ["Tesla, Inc."]
    assert _names(admin_client.get(CHANGELIST, {"q": "TSL"})) == []
    assert _names(admin_client.get(CHANGELIST, {"q": "F"})) == ["Ford Motor Co"]


def test_list_shows_and_filters_by_exchange_and_state_of_incorporation(admin_client, tesla, ford):
    CompanyFactory.create(name="Learn CW Investment Corp", state_of_incorporation="E9")
    page = admin_client.get(CHANGELIST)
    html = page.content.decode()
    assert "TSLA" in html
    assert "Nasdaq" in html
    assert _names(admin_client.get(CHANGELIST, {"exchange": "NYSE"})) == ["Ford Motor Co"]
    assert _names(admin_client.get(CHANGELIST, {"state_of_incorporation": "E9"})) == [
        "Learn CW Investment Corp"
    ]


def test_change_page_shows_every_profile_field(admin_client, tesla):
    html = admin_client.get(reverse("admin:leads_company_change", args=[tesla.pk])).content.decode()
    for value in (
        "TSLA", "Nasdaq", "3711", "Motor Vehicles &amp; Passenger Car Bodies",
        "3500 Deer Creek Rd", "94304",
    ):  # fmt: skip
        assert value in html, value
    assert 'name="state_of_incorporation" value="DE"' in html
    assert "Delaware" in html  # the code's name beside it


def test_a_state_of_incorporation_typed_by_name_is_kept_as_its_code(tesla):
    """Staff typing "Delaware" or "cayman islands" in the form store the code, as importers do."""
    tesla.state_of_incorporation = "cayman islands"
    tesla.clean()  # what the admin form's full_clean calls after the fields
    assert tesla.state_of_incorporation == "E9"
