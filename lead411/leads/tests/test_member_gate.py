"""Only approved members see leads; applicants wait (clause P3)."""

import pytest
from django.urls import reverse


@pytest.mark.django_db
@pytest.mark.clause("P3")
@pytest.mark.parametrize("url_name", ["leads:search", "leads:export-csv"])
def test_a_pending_applicant_is_sent_to_the_application_page_not_the_leads(
    client, applicant, url_name
):
    client.force_login(applicant)

    response = client.get(reverse(url_name))

    assert response.status_code == 302
    assert response.url == reverse("accounts:application")


@pytest.mark.django_db
@pytest.mark.clause("P3")
def test_an_approved_member_sees_the_leads(member_client):
    assert member_client.get(reverse("leads:search")).status_code == 200


@pytest.mark.django_db
@pytest.mark.clause("L3")
def test_the_search_page_offers_to_save_the_current_search(member_client):
    html = member_client.get(
        reverse("leads:search"), {"q": "software", "region": "CA"}
    ).content.decode()

    link = f'href="{reverse("leads:saved-search-create")}?q=software&amp;region=CA"'
    assert link in html
    form = member_client.get(
        reverse("leads:saved-search-create"), {"q": "software", "region": "CA"}
    )
    assert form.status_code == 200
