"""Staff change a member's address in the admin: the new one replaces the old (clause P11)."""

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.core import mail
from django.test import Client

from lead411.accounts.models import User
from lead411.accounts.services import EmailTakenError, user_email_change_by_staff
from lead411.accounts.tests.factories import UserFactory
from lead411.core.models import AuditEvent

from .conftest import links_in, login

OLD, NEW = "member@example.com", "mia@new.example"


def _change_email(client: Client, user: User, email: str):
    return client.post(
        f"/admin/accounts/user/{user.pk}/change/",
        {
            "email": email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "plan": user.plan,
            "is_active": "on",
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )


@pytest.fixture
def other_member(db) -> User:
    """A second member, whose address and login must stay untouched."""
    return UserFactory.create(email="otto@example.com", first_name="Otto", last_name="Other")


@pytest.mark.clause("P11")
@pytest.mark.django_db(transaction=True)
def test_admin_email_change_replaces_the_old_address_everywhere(
    client, member, other_member, sales_team_staff
):
    stale_key = f"{user_pk_to_url_str(member)}-{default_token_generator.make_token(member)}"
    client.force_login(sales_team_staff)
    response = _change_email(client, member, NEW)
    assert response.status_code == 302, response.content.decode()[:2000]

    member.refresh_from_db()
    assert member.email == NEW
    assert list(
        EmailAddress.objects.filter(user=member).values_list("email", "verified", "primary")
    ) == [(NEW, True, True)]
    assert list(
        EmailAddress.objects.filter(user=other_member).values_list("email", "verified", "primary")
    ) == [("otto@example.com", True, True)]

    [event] = AuditEvent.objects.filter(verb="email_changed_by_staff")
    assert (event.actor, event.action, event.object_id) == (
        sales_team_staff,
        "security",
        str(member.pk),
    )
    assert event.changes == {"email": {"before": OLD, "after": NEW}}

    [to_old] = [m for m in mail.outbox if m.to == [OLD]]
    [to_new] = [m for m in mail.outbox if m.to == [NEW]]
    assert to_old.subject == "[Lead411] Your Lead411 login address was changed"
    assert to_new.subject == "[Lead411] This is now your Lead411 login address"
    for message in (to_old, to_new):
        assert f"from {OLD}\nto   {NEW}" in message.body
    assert not [m for m in mail.outbox if "otto@example.com" in m.to]

    # The old address no longer logs in; the new one does; the other member still does.
    assert "_auth_user_id" not in login(Client(), OLD).client.session
    browser = Client()
    login(browser, NEW)
    assert browser.session["_auth_user_id"] == str(member.pk)
    other = Client()
    login(other, "otto@example.com")
    assert other.session["_auth_user_id"] == str(other_member.pk)

    # No reset link for the old address, and one sent before the change is dead.
    mail.outbox.clear()
    Client().post("/accounts/password/reset/", {"email": OLD})
    assert not [u for m in mail.outbox for u in links_in(m.body) if "/password/reset/key/" in u]
    member.refresh_from_db()
    assert not default_token_generator.check_token(member, stale_key.split("-", 1)[1])


@pytest.mark.clause("P11")
@pytest.mark.django_db(transaction=True)
def test_admin_refuses_another_members_address_in_any_case(
    client, member, other_member, sales_team_staff
):
    EmailAddress.objects.create(user=other_member, email="otto.alias@example.com", verified=True)
    client.force_login(sales_team_staff)
    for taken in ("OTTO@example.com", "otto.alias@EXAMPLE.com"):
        response = _change_email(client, member, taken)
        assert response.status_code == 200
        assert "Another account uses this address." in response.content.decode()
    member.refresh_from_db()
    assert member.email == OLD
    assert not AuditEvent.objects.filter(verb="email_changed_by_staff").exists()
    assert not mail.outbox


@pytest.mark.clause("P11")
@pytest.mark.django_db
def test_service_refuses_a_taken_address_and_changes_nothing(member, other_member, staff):
    with pytest.raises(EmailTakenError) as caught:
        user_email_change_by_staff(actor=staff, user=member, email="Otto@Example.com")
    assert caught.value.code == "email_taken"
    assert User.objects.get(pk=member.pk).email == OLD
    assert list(EmailAddress.objects.filter(user=member).values_list("email", flat=True)) == [OLD]
