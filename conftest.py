"""Root fixtures: personas shared by every app's tests."""

import pytest

from lead411.accounts.models import User

PASSWORD = "correct horse battery staple 2026"


@pytest.fixture
def member(db) -> User:
    """An active member who may search leads."""
    return User.objects.create_user(
        "member@example.com", PASSWORD, first_name="Mia", last_name="Member"
    )


@pytest.fixture
def staff(db) -> User:
    """A staff user with access to the admin."""
    return User.objects.create_user("staff@example.com", PASSWORD, is_staff=True, first_name="Sam")


@pytest.fixture
def member_client(client, member):
    """A test client logged in as ``member``."""
    client.force_login(member)
    return client
