"""The /api/v1/ endpoints: same search as the page, cursors, scopes, limits, isolation.

Clauses: L2 (leads in the member's own tools), P4 (each use counted), P6 (no other
member's data in any response).
"""

import datetime as dt
import json

import pytest
from django.urls import reverse

from lead411.activity.models import MemberDailyActivity
from lead411.api.services import api_token_create
from lead411.api.tests.conftest import bearer
from lead411.leads.models import SavedSearch
from lead411.leads.selectors import LeadQuery, lead_search
from lead411.leads.services import saved_search_create
from lead411.leads.tests.factories import (
    CompanyFactory,
    ContactFactory,
    TriggerEventFactory,
)

PROBLEM = "application/problem+json"


def _problem(response, status):
    assert response.status_code == status
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    assert body["type"] == "about:blank"
    return body


@pytest.mark.clause("L2")
def test_search_answers_as_the_page_does_with_facets_and_a_cursor(member, api_get, settings):
    robots = CompanyFactory.create(
        name="Acme Robotics", city="Austin", region="TX", categories=["Robots"]
    )
    TriggerEventFactory.create_batch(30, company=robots)
    TriggerEventFactory.create_batch(3, company=CompanyFactory.create(name="Other Corp"))
    params = {"q": "robotics", "city": "Austin", "sort": "date"}
    first = api_get("/api/v1/leads", **params)
    assert first.status_code == 200
    body = first.json()
    expected = lead_search(query=LeadQuery(q="robotics", cities=("Austin",), sort="date"), page=1)
    assert body["total"] == expected.total == 30
    assert [lead["id"] for lead in body["results"]] == [e.id for e in expected.events]
    assert body["page_size"] == settings.LEADS_PAGE_SIZE == len(body["results"])
    city = next(f for f in body["facets"] if f["param"] == "city")
    assert {"value": "Austin", "label": "Austin", "count": 30, "selected": True} in city["values"]
    second = api_get("/api/v1/leads", **params, cursor=body["next_cursor"]).json()
    assert len(second["results"]) == 5
    assert second["next_cursor"] is None
    seen = {lead["id"] for lead in body["results"]} | {lead["id"] for lead in second["results"]}
    assert len(seen) == 30
    # A cursor names its search: replaying it on another query is refused.
    other = api_get("/api/v1/leads", q="other", cursor=body["next_cursor"])
    assert _problem(other, 400)["errors"] == ["cursor: it belongs to a different search."]
    forged = api_get("/api/v1/leads", cursor="eyJwIjo5OTl9:forged:sig")
    assert _problem(forged, 400)["errors"] == ["cursor: not a cursor this API gave out."]


@pytest.mark.clause("L2")
def test_funds_are_left_out_unless_the_funds_parameter_asks(member, api_get):
    """Issue 14: the API reads ``funds`` as the search page does."""
    operating = TriggerEventFactory.create(company=CompanyFactory.create(name="Acme Robotics"))
    fund = TriggerEventFactory.create(
        company=CompanyFactory.create(
            name="Acme Fund IV, LP", investment_vehicle="Pooled investment fund (Hedge Fund)"
        )
    )
    ids = {
        funds: {lead["id"] for lead in api_get("/api/v1/leads", funds=funds).json()["results"]}
        for funds in ("", "include", "only")
    }
    assert ids == {
        "": {operating.id},
        "include": {operating.id, fund.id},
        "only": {fund.id},
    }
    body = _problem(api_get("/api/v1/leads", funds="maybe"), 400)
    assert body["errors"] == ["funds: Choose to leave out, include or only show funds."]


@pytest.mark.clause("L2")
def test_invalid_parameters_are_problem_details_with_the_pages_messages(member, api_get):
    body = _problem(api_get("/api/v1/leads", kind="zzz", date_from="2014-02-30"), 400)
    assert body["errors"] == [
        "kind: zzz is not an event type we know.",
        "date_from: Enter a real calendar date. Use YYYY-MM-DD, for example 2014-06-30.",
    ]
    body = _problem(api_get("/api/v1/leads", q="x" * 500), 400)
    assert body["errors"] == ["q: Search text is limited to 200 characters (yours has 500)."]
    _problem(api_get(f"/api/v1/leads/{2**70}"), 422)
    _problem(api_get("/api/v1/leads/123456"), 404)
    _problem(api_get("/api/v1/companies/123456"), 404)


@pytest.mark.clause("L2")
def test_lead_detail_has_provenance_timeline_and_people(member, api_get):
    company = CompanyFactory.create(name="Acme", categories=["Software"])
    older = TriggerEventFactory.create(company=company, announced_on=dt.date(2013, 1, 1))
    event = TriggerEventFactory.create(company=company, source_url="https://example.com/r/1")
    ContactFactory.create(company=company, name="Ada Lovelace", role="CEO")
    body = api_get(f"/api/v1/leads/{event.id}").json()
    assert body["provenance"]["source"] == "crunchbase"
    assert body["provenance"]["source_key"] == event.source_key
    assert body["provenance"]["source_url"] == "https://example.com/r/1"
    assert [e["id"] for e in body["timeline"]] == [event.id, older.id]
    assert body["people"] == [{"name": "Ada Lovelace", "role": "CEO", "source": "sec_formd"}]
    assert body["categories"] == ["Software"]
    assert body["url"].endswith(reverse("leads:detail", args=[event.id]))
    company_body = api_get(f"/api/v1/companies/{company.id}").json()
    assert [e["id"] for e in company_body["events"]] == [event.id, older.id]
    assert company_body["people"][0]["name"] == "Ada Lovelace"
    assert (company_body["ticker"], company_body["sic_code"]) == ("", "")


@pytest.mark.clause("L1")
def test_company_endpoint_carries_the_profile(member, api_get):
    """Issue 14: ticker, exchange, SIC industry, state of incorporation and address."""
    company = CompanyFactory.create(
        name="Tesla, Inc.", ticker="TSLA", exchange="Nasdaq", sic_code="3711",
        industry="Motor Vehicles & Passenger Car Bodies", state_of_incorporation="DE",
        street_address="3500 DEER CREEK RD", postal_code="94304", homepage="https://www.tesla.com",
    )  # fmt: skip
    body = api_get(f"/api/v1/companies/{company.id}").json()
    assert {key: body[key] for key in ("ticker", "exchange", "sic_code", "industry")} == {
        "ticker": "TSLA",
        "exchange": "Nasdaq",
        "sic_code": "3711",
        "industry": "Motor Vehicles & Passenger Car Bodies",
    }
    assert (body["state_of_incorporation"], body["street_address"], body["postal_code"]) == (
        "DE",
        "3500 DEER CREEK RD",
        "94304",
    )
    assert body["state_of_incorporation_name"] == "Delaware"
    assert body["homepage"] == "https://www.tesla.com"


@pytest.mark.clause("L2")
def test_lead_detail_keeps_the_company_match_to_staff(member, api_get):
    """Issue 14: how the importer tied an event to its company is internal provenance.

    The lead page shows it to staff only; the API serves members, so neither the lead
    nor its schema carries it.
    """
    event = TriggerEventFactory.create(company_match="new company: no match")
    body = api_get(f"/api/v1/leads/{event.id}").json()
    assert body["id"] == event.id
    assert "company_match" not in body
    schema = api_get("/api/v1/openapi.json").json()
    assert "company_match" not in schema["components"]["schemas"]["LeadDetail"]["properties"]


@pytest.mark.clause("L2")
def test_saved_searches_need_their_scope(member, client, read_token, saved_token):
    for method, path in (
        ("get", "/api/v1/saved-searches"),
        ("post", "/api/v1/saved-searches"),
        ("get", "/api/v1/matches"),
    ):
        call = getattr(client, method)
        kwargs = (
            {"data": {"name": "x"}, "content_type": "application/json"} if method == "post" else {}
        )
        response = call(path, headers=bearer(read_token), **kwargs)
        assert (
            _problem(response, 403)["detail"] == "This token lacks the 'read_saved_searches' scope."
        )
    assert client.get("/api/v1/saved-searches", headers=bearer(saved_token)).status_code == 200


@pytest.mark.clause("L2")
def test_saved_searches_create_update_delete_as_the_page_validates(member, client, saved_token):
    headers = bearer(saved_token)
    created = client.post(
        "/api/v1/saved-searches",
        {"name": " Robots ", "criteria": {"q": ["robot  arms"], "kind": ["funding_round"]}},
        content_type="application/json",
        headers=headers,
    )
    assert created.status_code == 201
    search_id = created.json()["id"]
    search = SavedSearch.objects.get(pk=search_id, member=member)
    assert search.name == "Robots"
    assert search.criteria == {"q": ["robot arms"], "kind": ["funding_round"]}
    bad = client.post(
        "/api/v1/saved-searches",
        {"name": "Bad", "criteria": {"kind": ["nope"]}},
        content_type="application/json",
        headers=headers,
    )
    assert any(e.startswith("params: kind:") for e in _problem(bad, 400)["errors"])
    duplicate = client.post(
        "/api/v1/saved-searches",
        {"name": "Robots"},
        content_type="application/json",
        headers=headers,
    )
    _problem(duplicate, 400)
    patched = client.patch(
        f"/api/v1/saved-searches/{search_id}",
        {"include_in_newsletter": False},
        content_type="application/json",
        headers=headers,
    )
    assert patched.status_code == 200
    assert patched.json()["include_in_newsletter"] is False
    assert patched.json()["criteria"] == search.criteria
    assert client.delete(f"/api/v1/saved-searches/{search_id}", headers=headers).status_code == 204
    assert not SavedSearch.objects.filter(pk=search_id).exists()


@pytest.mark.clause("P6")
def test_no_response_holds_another_members_searches_email_or_id(
    member, other_member, client, saved_token
):
    theirs = saved_search_create(member=other_member, name="Olga's secret plan", criteria={})
    saved_search_create(member=member, name="Mine", criteria={})
    event = TriggerEventFactory.create()
    headers = bearer(saved_token)
    bodies = [
        client.get("/api/v1/saved-searches", headers=headers),
        client.get("/api/v1/leads", headers=headers),
        client.get("/api/v1/matches", headers=headers),
        client.get(f"/api/v1/leads/{event.id}", headers=headers),
        client.get(f"/api/v1/companies/{event.company_id}", headers=headers),
        client.get("/api/v1/webhooks", headers=headers),
        client.get(f"/api/v1/saved-searches/{theirs.id}", headers=headers),
        client.patch(
            f"/api/v1/saved-searches/{theirs.id}",
            {"name": "hijack"},
            content_type="application/json",
            headers=headers,
        ),
        client.delete(f"/api/v1/saved-searches/{theirs.id}", headers=headers),
        client.get("/api/v1/matches", {"saved_search_id": theirs.id}, headers=headers),
    ]
    assert [r.status_code for r in bodies] == [200] * 6 + [404] * 4
    for response in bodies:
        text = response.content.decode()
        assert "olga" not in text.casefold()
        assert "secret plan" not in text
        assert f'"member_id": {other_member.pk}' not in text
        assert member.email not in text  # the API never echoes identities, even one's own
    assert [s["name"] for s in bodies[0].json()["results"]] == ["Mine"]
    theirs.refresh_from_db()
    assert theirs.name == "Olga's secret plan"


@pytest.mark.clause("P6")
def test_no_documented_response_has_a_field_for_a_member(client, db):
    """Issue 16 (P6): the shapes of the served OpenAPI document, which the schemathesis
    test holds every response to, have no field naming a member (email, member, user)."""
    schema = client.get("/api/v1/openapi.json").json()
    fields = {
        name.casefold()
        for shape in schema["components"]["schemas"].values()
        for name in shape.get("properties", {})
    }
    assert {"id", "name", "url", "lead"} <= fields  # the walk reads the shapes' fields
    assert {f for f in fields if any(w in f for w in ("email", "member", "user"))} == set()


@pytest.mark.clause("L2")
def test_new_matches_come_once_each_through_the_cursor(member, client, saved_token):
    headers = bearer(saved_token)
    search = saved_search_create(member=member, name="Austin", criteria={"city": ["Austin"]})
    austin = CompanyFactory.create(city="Austin", region="TX")
    boston = CompanyFactory.create(city="Boston", region="MA")
    later = search.created_at + dt.timedelta(minutes=1)
    before = TriggerEventFactory.create(
        company=austin, imported_at=search.created_at - dt.timedelta(days=1)
    )
    first = [TriggerEventFactory.create(company=austin, imported_at=later) for _ in range(3)]
    TriggerEventFactory.create(company=boston, imported_at=later)
    page = client.get("/api/v1/matches", {"limit": 2}, headers=headers).json()
    assert [m["lead"]["id"] for m in page["results"]] == [e.id for e in first[:2]]
    assert page["results"][0]["saved_search_ids"] == [search.id]
    assert page["has_more"] is True
    page = client.get(
        "/api/v1/matches", {"limit": 2, "cursor": page["next_cursor"]}, headers=headers
    ).json()
    assert [m["lead"]["id"] for m in page["results"]] == [first[2].id]
    assert page["has_more"] is False
    cursor = page["next_cursor"]
    assert (
        client.get("/api/v1/matches", {"cursor": cursor}, headers=headers).json()["results"] == []
    )
    newer = TriggerEventFactory.create(company=austin, imported_at=later + dt.timedelta(hours=1))
    page = client.get("/api/v1/matches", {"cursor": cursor}, headers=headers).json()
    assert [m["lead"]["id"] for m in page["results"]] == [newer.id]
    assert before.id not in {m["lead"]["id"] for m in page["results"]}
    _problem(client.get("/api/v1/matches", {"limit": 101}, headers=headers), 422)


def test_the_rate_limit_answers_429_with_retry_after(member, api_get, settings):
    settings.API_RATE_LIMIT_REQUESTS = 3
    settings.API_RATE_LIMIT_WINDOW_SECONDS = 60
    assert [api_get("/api/v1/leads").status_code for _ in range(3)] == [200, 200, 200]
    refused = api_get("/api/v1/leads")
    _problem(refused, 429)
    assert 1 <= int(refused["Retry-After"]) <= 60
    # The limit is per token: another token of the same member still works.
    other = api_token_create(member=member, name="Second", scope="read").plaintext
    assert api_get("/api/v1/leads", token=other).status_code == 200


@pytest.mark.clause("P4")
def test_each_token_use_is_counted_and_listed_on_what_we_record(
    member, other_member, member_client, api_get, settings
):
    settings.ACTIVITY_RECORDING_ENABLED = True
    for _ in range(3):
        assert api_get("/api/v1/leads").status_code == 200
    api_get("/api/v1/leads", token="l411_wrong")  # refused: not counted
    row = MemberDailyActivity.objects.get(member=member, page_type="api")
    assert row.pageviews == 3
    assert not MemberDailyActivity.objects.filter(member=other_member).exists()
    page = member_client.get(reverse("activity:mine")).content.decode()
    assert "API requests" in page
    # The tokens and webhooks themselves are listed among what the site keeps.
    for key, title in (("api_tokens", "Your API tokens"), ("webhooks", "Your webhooks")):
        assert f'<tr id="holding-{key}">' in page
        assert title in page


def test_unauthenticated_calls_get_401_with_the_bearer_scheme(client, db):
    response = client.get("/api/v1/leads")
    _problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")
    _problem(client.get("/api/v1/leads", headers={"Authorization": "Bearer nope"}), 401)


def test_the_openapi_document_is_3_1_and_errors_are_problem_json(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    search = schema["paths"]["/api/v1/leads"]["get"]
    assert set(search["responses"]["400"]["content"]) == {PROBLEM}
    assert "Retry-After" in search["responses"]["429"]["headers"]
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert "GET /api/v1/leads" in docs.content.decode()
    assert "cdn" not in docs.content.decode().casefold()
    assert json.dumps(schema)  # serialisable as served
