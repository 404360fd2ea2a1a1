"""Fixtures of the API tests: a second member, tokens, and an authorised client."""

from typing import Any

import pytest

from lead411.accounts.models import User
from lead411.api.models import ApiToken
from lead411.api.services import api_token_create

PASSWORD = "correct horse battery staple 2026"


@pytest.fixture
def other_member(db) -> User:
    """A second member, whose data must never reach the first one's responses (P6)."""
    return User.objects.create_user(
        "olga.other@example.org", PASSWORD, first_name="Olga", last_name="Other"
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def read_token(member: User) -> str:
    return api_token_create(member=member, name="CRM", scope=ApiToken.Scope.READ).plaintext


@pytest.fixture
def saved_token(member: User) -> str:
    return api_token_create(
        member=member, name="Sync", scope=ApiToken.Scope.SAVED_SEARCHES
    ).plaintext


@pytest.fixture
def api_get(client: Any, read_token: str) -> Any:
    """GET an API path with the member's read token."""

    def get(path: str, token: str | None = None, **params: Any) -> Any:
        return client.get(path, params, headers=bearer(token or read_token))

    return get
