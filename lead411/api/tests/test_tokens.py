"""API tokens: shown once, stored as a keyed hash, listed, revoked, audited (L2, P8, P13)."""

import re

import pytest
from django.urls import reverse

from lead411.accounts.services import stolen_password_report
from lead411.api.models import ApiToken
from lead411.api.services import api_token_create, api_token_use, token_digest
from lead411.api.tests.conftest import PASSWORD, bearer
from lead411.core.models import AuditEvent
from lead411.privacy.selectors import member_data_export
from lead411.privacy.services import member_erase

TOKEN_RE = re.compile(r"l411_[A-Za-z0-9_-]{8}_[A-Za-z0-9_-]{43}")


@pytest.mark.clause("L2")
@pytest.mark.clause("P8")
def test_the_page_creates_a_token_shows_it_once_and_stores_only_its_hash(member_client, member):
    url = reverse("api_tokens:list")
    response = member_client.post(url, {"name": "HubSpot sync", "scope": "read"})
    assert response.status_code == 200
    shown = TOKEN_RE.findall(response.content.decode())
    assert len(set(shown)) == 1
    plaintext = shown[0]
    token = ApiToken.objects.get(member=member)
    assert token.digest == token_digest(token=plaintext) != plaintext
    assert plaintext.startswith(token.prefix)
    assert not ApiToken.objects.filter(digest__contains=plaintext[10:]).exists()
    # Never again: the list shows the prefix, not the token.
    listing = member_client.get(url).content.decode()
    assert plaintext not in listing
    assert token.prefix in listing
    assert "HubSpot sync" in listing
    assert "never" in listing
    event = AuditEvent.objects.get(verb="api_token_created")
    assert event.actor == member
    assert event.object_id == str(token.pk)
    assert plaintext not in str(event.changes)
    assert token.digest not in str(event.changes)


@pytest.mark.clause("P8")
@pytest.mark.clause("P13")
def test_revoking_ends_the_token_and_is_audited(member_client, member, client):
    created = api_token_create(member=member, name="CRM", scope="read")
    assert member_client.get("/api/v1/leads", headers=bearer(created.plaintext)).status_code == 200
    response = member_client.post(reverse("api_tokens:revoke", args=[created.token.pk]))
    assert response.status_code == 302
    created.token.refresh_from_db()
    assert created.token.revoked_at is not None
    assert client.get("/api/v1/leads", headers=bearer(created.plaintext)).status_code == 401
    assert AuditEvent.objects.filter(
        verb="api_token_revoked", actor=member, object_id=str(created.token.pk)
    ).exists()


@pytest.mark.clause("P13")
def test_a_member_cannot_revoke_another_members_token(member_client, other_member):
    theirs = api_token_create(member=other_member, name="Theirs", scope="read")
    response = member_client.post(reverse("api_tokens:revoke", args=[theirs.token.pk]))
    assert response.status_code == 404
    theirs.token.refresh_from_db()
    assert theirs.token.revoked_at is None


@pytest.mark.clause("P13")
def test_a_stolen_password_report_revokes_every_token(member, other_member, client):
    mine = [api_token_create(member=member, name=f"T{i}", scope="read") for i in range(2)]
    theirs = api_token_create(member=other_member, name="Other", scope="read")
    stolen_password_report(user=member)
    for created in mine:
        assert client.get("/api/v1/leads", headers=bearer(created.plaintext)).status_code == 401
        created.token.refresh_from_db()
        assert created.token.revoked_reason == "stolen password reported"
    assert client.get("/api/v1/leads", headers=bearer(theirs.plaintext)).status_code == 200
    assert AuditEvent.objects.filter(verb="api_token_revoked", actor=None).count() == 2


@pytest.mark.clause("P13")
def test_deleting_the_account_deletes_its_tokens_and_the_export_lists_them(member, client):
    created = api_token_create(member=member, name="CRM", scope="read_saved_searches")
    exported = member_data_export(user=member)["api_tokens"]
    assert [(t["name"], t["scope"], t["prefix"]) for t in exported] == [
        ("CRM", "read_saved_searches", created.token.prefix)
    ]
    assert created.token.digest not in str(exported)
    member_erase(user=member)
    assert not ApiToken.objects.exists()
    assert client.get("/api/v1/leads", headers=bearer(created.plaintext)).status_code == 401


@pytest.mark.clause("P8")
def test_staff_never_see_a_token_or_its_hash_in_the_admin(client, member, db):
    from lead411.accounts.models import User

    admin = User.objects.create_superuser("root@example.com", PASSWORD)
    created = api_token_create(member=member, name="CRM", scope="read")
    client.force_login(admin)
    page = client.get(reverse("admin:api_apitoken_change", args=[created.token.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert created.token.prefix in body
    assert created.token.digest not in body
    assert created.plaintext not in body


def test_unknown_malformed_and_revoked_tokens_are_refused(member):
    created = api_token_create(member=member, name="CRM", scope="read")
    assert api_token_use(plaintext=created.plaintext) == created.token
    assert api_token_use(plaintext=created.plaintext + "x") is None
    assert api_token_use(plaintext="not-a-token") is None
    assert api_token_use(plaintext="l411_" + "a" * 500) is None


def test_the_member_may_hold_a_bounded_number_of_tokens(member_client, member, settings):
    settings.API_TOKENS_PER_MEMBER_MAX = 1
    api_token_create(member=member, name="One", scope="read")
    response = member_client.post(reverse("api_tokens:list"), {"name": "Two", "scope": "read"})
    assert response.status_code == 400
    assert "at most 1 active API tokens" in response.content.decode()
