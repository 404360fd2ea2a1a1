"""Issue 17, "Plans": the API's saved-search create enforces the member's plan limit."""

import pytest

from lead411.accounts.models import User
from lead411.accounts.plans import PLAN_TERMS, Plan
from lead411.api.models import ApiToken
from lead411.api.problems import PROBLEM_CONTENT_TYPE
from lead411.api.services import api_token_create
from lead411.leads import services as lead_services
from lead411.leads.models import SavedSearch

pytestmark = [pytest.mark.django_db, pytest.mark.clause("L3")]

SOLO_LIMIT = PLAN_TERMS[Plan.SOLO].saved_searches


@pytest.fixture
def team_member(db) -> User:
    """A second member, whom staff put on the Team plan."""
    return User.objects.create_user("tina.team@example.com", "pw-team-2026", plan=Plan.TEAM)


def test_the_api_answers_a_problem_at_the_plans_limit(client, member, team_member):
    """POST /api/v1/saved-searches past the plan's limit: 403 problem+json, nothing saved."""
    for who in (member, team_member):
        for i in range(SOLO_LIMIT):
            lead_services.saved_search_create(member=who, name=f"S{i}", criteria={})
    answers = {}
    for who in (member, team_member):
        token = api_token_create(member=who, name="Sync", scope=ApiToken.Scope.SAVED_SEARCHES)
        answers[who.plan] = client.post(
            "/api/v1/saved-searches",
            {"name": "Another", "criteria": {"q": ["robots"]}},
            content_type="application/json",
            headers={"Authorization": f"Bearer {token.plaintext}"},
        )
    refused = answers[Plan.SOLO]
    assert refused.status_code == 403
    assert refused["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert refused.json()["detail"].startswith(f"Your Solo plan allows {SOLO_LIMIT} saved searches")
    assert answers[Plan.TEAM].status_code == 201
    assert SavedSearch.objects.filter(member=member).count() == SOLO_LIMIT
    assert SavedSearch.objects.filter(member=team_member).count() == SOLO_LIMIT + 1
