"""Issue 17, "Plans": each plan's saved-search limit is enforced, and is the pricing page's figure.

Two members on different plans save searches through the page (the API in
lead411/api/tests/test_plan_limits.py); the figures
come from ``lead411.accounts.plans.PLAN_TERMS``, which a test changes to show that the
page and the limit move together (one rule in one place).
"""

import dataclasses

import pytest
from django.urls import reverse

from lead411.accounts.models import User
from lead411.accounts.plans import PLAN_TERMS, Plan
from lead411.core.models import AuditEvent
from lead411.leads import services as lead_services
from lead411.leads.models import SavedSearch

pytestmark = [pytest.mark.django_db, pytest.mark.clause("L3")]

SOLO_LIMIT = PLAN_TERMS[Plan.SOLO].saved_searches
TEAM_LIMIT = PLAN_TERMS[Plan.TEAM].saved_searches


@pytest.fixture
def team_member(db) -> User:
    """A second member, whom staff put on the Team plan."""
    return User.objects.create_user("tina.team@example.com", "pw-team-2026", plan=Plan.TEAM)


def _save_through_the_page(client, name: str):
    return client.post(
        reverse("leads:saved-search-create"),
        {"name": name, "params": "q=robots", "include_in_newsletter": "on", "pace": "daily"},
    )


def test_new_members_start_on_solo_and_the_limits_differ(member, team_member):
    assert member.plan == Plan.SOLO
    assert SOLO_LIMIT < TEAM_LIMIT


def test_solo_member_gets_a_form_error_at_the_plans_limit_a_team_member_does_not(
    client, member, team_member
):
    """The walk found a Solo member with 4 saved searches where the plan says 3."""
    client.force_login(member)
    for i in range(SOLO_LIMIT):
        assert _save_through_the_page(client, f"Mine {i}").status_code == 302
    refused = _save_through_the_page(client, "One too many")
    assert refused.status_code == 200
    errors = refused.context["form"].non_field_errors()
    assert errors == [
        f"Your Solo plan allows {SOLO_LIMIT} saved searches and you have {SOLO_LIMIT}: "
        "delete one first, or ask us to change your plan."
    ]
    assert "delete one first" in refused.content.decode()
    assert SavedSearch.objects.filter(member=member).count() == SOLO_LIMIT

    client.force_login(team_member)
    for i in range(SOLO_LIMIT + 1):
        assert _save_through_the_page(client, f"Team {i}").status_code == 302
    assert SavedSearch.objects.filter(member=team_member).count() == SOLO_LIMIT + 1
    # Another member's searches do not count against the Solo member's plan, nor the reverse.
    assert SavedSearch.objects.filter(member=member).count() == SOLO_LIMIT


def test_team_member_is_stopped_at_the_team_limit(team_member):
    for i in range(TEAM_LIMIT):
        lead_services.saved_search_create(member=team_member, name=f"T{i}", criteria={})
    with pytest.raises(lead_services.SavedSearchLimitReached) as refused:
        lead_services.saved_search_create(member=team_member, name="Over", criteria={})
    assert (refused.value.limit, refused.value.used, refused.value.plan) == (
        TEAM_LIMIT,
        TEAM_LIMIT,
        "Team",
    )


def test_a_member_moved_to_a_smaller_plan_keeps_their_searches_but_saves_no_more(team_member):
    for i in range(SOLO_LIMIT + 1):
        lead_services.saved_search_create(member=team_member, name=f"T{i}", criteria={})
    User.objects.filter(pk=team_member.pk).update(plan=Plan.SOLO)
    with pytest.raises(lead_services.SavedSearchLimitReached, match="you have 4"):
        lead_services.saved_search_create(member=team_member, name="Over", criteria={})
    assert SavedSearch.objects.filter(member=team_member).count() == SOLO_LIMIT + 1


def test_the_pricing_page_prints_the_limit_the_site_enforces(client, member, monkeypatch):
    """One rule in one place: change the Solo figure and both the page and the limit follow."""
    page = client.get(reverse("pages:about")).content.decode()
    assert f"{SOLO_LIMIT} saved searches, each an alert" in page
    assert f"{TEAM_LIMIT} saved searches per seat" in page
    assert f"{PLAN_TERMS[Plan.ENTERPRISE].saved_searches} saved searches per seat" in page

    monkeypatch.setitem(
        PLAN_TERMS, Plan.SOLO, dataclasses.replace(PLAN_TERMS[Plan.SOLO], saved_searches=1)
    )
    assert "1 saved searches, each an alert" in client.get(reverse("pages:about")).content.decode()
    lead_services.saved_search_create(member=member, name="Only one", criteria={})
    with pytest.raises(lead_services.SavedSearchLimitReached):
        lead_services.saved_search_create(member=member, name="Second", criteria={})


def test_the_saved_search_pages_show_the_allowance(client, member):
    client.force_login(member)
    lead_services.saved_search_create(member=member, name="One", criteria={})
    listing = client.get(reverse("leads:saved-search-list")).content.decode()
    assert f"You keep 1 of the {SOLO_LIMIT} saved searches your Solo plan allows" in listing
    account = client.get(reverse("accounts:account")).content.decode()
    assert f"Solo: up to {SOLO_LIMIT}" in account
    for i in range(1, SOLO_LIMIT):
        lead_services.saved_search_create(member=member, name=f"More {i}", criteria={})
    form_page = client.get(reverse("leads:saved-search-create") + "?q=robots").content.decode()
    assert f"You keep {SOLO_LIMIT} of the {SOLO_LIMIT} saved searches" in form_page
    assert "Delete one on" in form_page


@pytest.mark.clause("P9")
def test_staff_move_a_member_to_team_in_the_admin_audited_and_told(
    client, member, sales_team_staff, smtp_sink, django_capture_on_commit_callbacks
):
    """Plans are assigned by staff: the admin's change form sets it, audited, member told."""
    client.force_login(sales_team_staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/admin/accounts/user/{member.pk}/change/",
            {
                "email": member.email,
                "first_name": member.first_name,
                "last_name": member.last_name,
                "plan": Plan.TEAM,
                "is_active": "on",
                "last_login_0": "",
                "last_login_1": "",
                "date_joined_0": "2026-01-01",
                "date_joined_1": "00:00:00",
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    member.refresh_from_db()
    assert member.plan == Plan.TEAM
    event = AuditEvent.objects.get(object_type="accounts.user", object_id=str(member.pk))
    assert event.changes["plan"] == {"before": "solo", "after": "team"}
    told = [m for m in smtp_sink.handler.messages() if member.email in str(m["To"])]
    assert len(told) == 1
    assert "plan" in told[0].get_body(preferencelist=("plain",)).get_content()
    for i in range(SOLO_LIMIT + 1):
        lead_services.saved_search_create(member=member, name=f"Team {i}", criteria={})
