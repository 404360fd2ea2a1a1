"""Saved searches: save from the search page, list, rename, edit, delete; owner only (L3)."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from lead411.leads import services as lead_services
from lead411.leads.forms import criteria_from_params
from lead411.leads.models import SavedSearch
from lead411.newsletter.tests.conftest import make_member

pytestmark = [pytest.mark.django_db, pytest.mark.clause("L3")]


def test_save_this_search_takes_the_search_pages_get_params(member_client, member):
    url = reverse("leads:saved-search-create")
    query = (
        "q=Robots+AI&kind=funding_round&country=USA&country=CAN&amount_min=1000000&page=3&bogus=1"
    )
    page = member_client.get(f"{url}?{query}")
    assert page.status_code == 200
    form = page.context["form"]
    # page and unknown parameters are not criteria; the rest is kept in the form's spelling.
    assert (
        form.initial["params"]
        == "q=Robots+AI&kind=funding_round&country=USA&country=CAN&amount_min=1000000"
    )
    response = member_client.post(
        url, {"name": "Robots", "params": form.initial["params"], "include_in_newsletter": "on"}
    )
    assert response.status_code == 302
    saved = SavedSearch.objects.get(member=member)
    assert saved.name == "Robots"
    assert saved.include_in_newsletter is True
    assert saved.criteria == {
        "q": ["Robots AI"], "kind": ["funding_round"], "country": ["USA", "CAN"], "amount_min": ["1000000"],
    }  # fmt: skip


def test_invalid_search_parameters_are_refused_with_the_search_forms_message(member_client):
    url = reverse("leads:saved-search-create")
    page = member_client.get(f"{url}?date_from=2014-13-40")
    assert page.status_code == 400
    assert (
        "date_from: Enter a real calendar date. Use YYYY-MM-DD, for example 2014-06-30."
        in page.context["errors"]
    )


def test_list_shows_only_my_searches_with_a_link_that_runs_them(member_client, member):
    lead_services.saved_search_create(
        member=member,
        name="Boston biotech",
        criteria={"city": ["Boston"], "category": ["Biotechnology"]},
    )
    other = make_member("other@example.com")
    lead_services.saved_search_create(member=other, name="Not mine", criteria={"q": ["secret"]})
    page = member_client.get(reverse("leads:saved-search-list"))
    body = page.content.decode()
    assert "Boston biotech" in body
    assert "Not mine" not in body
    assert "/leads/?category=Biotechnology&amp;city=Boston" in body
    assert "industry: Biotechnology; city: Boston" in body


def test_rename_edit_and_switch_off(member_client, member):
    search = lead_services.saved_search_create(
        member=member, name="Old", criteria={"q": ["robots"]}
    )
    url = reverse("leads:saved-search-edit", args=[search.pk])
    assert member_client.get(url).status_code == 200
    response = member_client.post(url, {"name": "New name", "params": "q=drones&region=CA"})
    assert response.status_code == 302
    search.refresh_from_db()
    assert (search.name, search.criteria, search.include_in_newsletter) == (
        "New name", {"q": ["drones"], "region": ["CA"]}, False,
    )  # fmt: skip


def test_delete_asks_on_get_and_deletes_on_post(member_client, member):
    search = lead_services.saved_search_create(member=member, name="Gone", criteria={})
    url = reverse("leads:saved-search-delete", args=[search.pk])
    assert member_client.get(url).status_code == 200
    assert SavedSearch.objects.filter(pk=search.pk).exists()
    assert member_client.post(url).status_code == 302
    assert not SavedSearch.objects.filter(pk=search.pk).exists()


@pytest.mark.parametrize("view", ["saved-search-edit", "saved-search-delete"])
def test_another_members_search_is_a_404(member_client, view):
    other = make_member("other@example.com")
    search = lead_services.saved_search_create(member=other, name="Theirs", criteria={"q": ["x"]})
    url = reverse(f"leads:{view}", args=[search.pk])
    assert member_client.get(url).status_code == 404
    assert member_client.post(url, {"name": "Mine now", "params": ""}).status_code == 404
    search.refresh_from_db()
    assert search.name == "Theirs"


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("leads:saved-search-list"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_names_are_unique_per_member(member):
    lead_services.saved_search_create(member=member, name="Same", criteria={})
    with pytest.raises(
        ValidationError, match=re.escape("Saved search with this Member and Name already exists.")
    ):
        lead_services.saved_search_create(member=member, name="Same", criteria={})


def test_criteria_drop_page_and_unknown_params():
    from django.http import QueryDict

    assert criteria_from_params(QueryDict("q=%20a%20%20b&page=2&sort=date&zzz=1")) == {
        "q": ["a b"], "sort": ["date"],
    }  # fmt: skip


@pytest.mark.clause("L3")
def test_pace_is_chosen_on_the_form_and_shown_in_the_list(member_client, member):
    response = member_client.post(
        reverse("leads:saved-search-create"),
        {"name": "Texas weekly", "params": "region=TX", "include_in_newsletter": "on",
         "pace": "weekly", "weekday": "4"},
    )  # fmt: skip
    assert response.status_code == 302
    search = SavedSearch.objects.get(member=member)
    assert (search.pace, search.weekday) == ("weekly", 4)
    page = member_client.get(reverse("leads:saved-search-list")).content.decode()
    assert "In your newsletter every Friday" in page
    bad = member_client.post(
        reverse("leads:saved-search-edit", args=[search.pk]),
        {"name": "Texas weekly", "params": "region=TX", "pace": "hourly"},
    )
    assert bad.status_code == 200
    assert bad.context["form"].errors["pace"] == [
        "Select a valid choice. hourly is not one of the available choices."
    ]


@pytest.mark.clause("L3")
@pytest.mark.parametrize(
    "params",
    [
        "q=robots  software&sort=amount",
        "kind=funding_round&kind=acquisition&country=USA&region=TX&city=Austin",
        "category=Software&round_type=seed&date_from=2014-01-01&date_to=2014-12-31",
        "amount_min=1000000&amount_max=9000000.50&sort=date",
        "",
    ],
)
def test_saved_criteria_read_as_the_search_form_reads_them(params):
    from django.http import QueryDict

    from lead411.leads.criteria import criteria_query, criteria_querydict
    from lead411.leads.forms import LeadSearchForm

    criteria = criteria_from_params(QueryDict(params))
    form = LeadSearchForm(criteria_querydict(criteria))
    assert form.is_valid()
    assert criteria_query(criteria) == form.to_query()
    assert criteria_query({"date_from": ["0001-13-01"]}) is None
