"""Report a stolen password: cancelled at once, sessions ended, staff complete it (clause P13)."""

import pytest
from allauth.account.forms import default_token_generator
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client

from lead411.accounts.models import StolenPasswordReport, User
from lead411.accounts.views import stolen_password_token
from lead411.core.models import AuditEvent

from .conftest import links_in, login


def _user_sessions(user: User) -> int:
    return sum(
        1 for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(user.pk)
    )


@pytest.mark.clause("P13")
@pytest.mark.django_db(transaction=True)
def test_report_ends_three_sessions_and_kills_reset_links(member, staff):
    clients = [Client() for _ in range(3)]
    for i, browser in enumerate(clients):
        assert login(browser, "member@example.com", remember=(i == 0)).status_code == 302
    assert _user_sessions(member) == 3
    reset_token = default_token_generator.make_token(member)
    other_session_of_staff = Client()
    login(other_session_of_staff, "staff@example.com")

    assert "Report a stolen password" in clients[0].get("/members/account/").content.decode()
    response = clients[0].post("/members/stolen-password/", {"confirm": "on"})
    assert response["Location"] == "/members/suspended/"

    member.refresh_from_db()
    assert not member.has_usable_password()
    assert _user_sessions(member) == 0
    assert _user_sessions(staff) == 1, "only the member's sessions end"
    assert not default_token_generator.check_token(member, reset_token)
    for browser in clients:
        assert browser.get("/members/account/").status_code == 302
    assert login(Client(), "member@example.com").status_code == 200, "the old password is dead"

    report = StolenPasswordReport.objects.get(user=member)
    assert report.sessions_ended == 3
    [staff_notice] = [m for m in mail.outbox if m.subject == "[Lead411] Stolen password reported"]
    assert staff_notice.to == ["admin@example.com"]
    assert AuditEvent.objects.filter(
        verb="stolen_password_reported", object_id=str(member.pk)
    ).exists()
    suspended = clients[0].get("/members/suspended/").content.decode()
    assert "Until then you cannot log in." in suspended


@pytest.mark.clause("P13")
@pytest.mark.django_db
def test_email_link_confirms_on_post_only_and_dies_after_use(client, member):
    token = stolen_password_token(user=member)
    url = f"/members/stolen-password/{token}/"
    assert client.get(url).status_code == 200
    member.refresh_from_db()
    assert member.has_usable_password(), "a GET (a mail scanner) cancels nothing"
    assert client.post(url, {"confirm": "on"}).url == "/members/suspended/"
    member.refresh_from_db()
    assert not member.has_usable_password()
    assert client.get(url).status_code == 404, "the link names the old password hash"
    assert client.get("/members/stolen-password/forged/").status_code == 404


@pytest.mark.clause("P13")
@pytest.mark.django_db
def test_password_changed_email_links_to_the_report(client, member):
    login(client, "member@example.com")
    new = "a brand new passphrase for mia"
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": "correct horse battery staple 2026", "password1": new, "password2": new},
    )
    assert response.status_code == 302
    [notice] = [m for m in mail.outbox if m.subject == "[Lead411] Password Changed"]
    [link] = [u for u in links_in(notice.body) if "/members/stolen-password/" in u]
    assert link.startswith("http://127.0.0.1:8000/members/stolen-password/")
    assert Client().get("/" + link.split("/", 3)[3]).status_code == 200


@pytest.mark.clause("P13")
@pytest.mark.django_db(transaction=True)
def test_staff_complete_the_report_by_sending_a_reset_link(client, member, staff, sales_team_staff):
    from lead411.accounts.services import stolen_password_report

    report = stolen_password_report(user=member)
    mail.outbox.clear()
    client.force_login(sales_team_staff)
    client.post(
        "/admin/accounts/stolenpasswordreport/",
        {"action": "send_reset_link", "_selected_action": [report.pk]},
    )
    report.refresh_from_db()
    assert report.completed_by == sales_team_staff
    [message] = [m for m in mail.outbox if m.to == ["member@example.com"]]
    [link] = [u for u in links_in(message.body) if "/accounts/password/reset/key/" in u]
    assert link.startswith("http://127.0.0.1:8000/")
    assert AuditEvent.objects.filter(
        verb="stolen_password_reset_sent", actor=sales_team_staff
    ).exists()

    member_browser = Client()
    page = member_browser.get("/" + link.split("/", 3)[3], follow=True)
    new = "a fresh passphrase after theft"
    member_browser.post(page.redirect_chain[-1][0], {"password1": new, "password2": new})
    member.refresh_from_db()
    assert member.check_password(new)
    assert login(Client(), "member@example.com", password=new).status_code == 302


@pytest.mark.clause("P13")
@pytest.mark.django_db
def test_no_staff_member_can_set_a_members_password_in_the_admin(client, superuser, member):
    client.force_login(superuser)

    response = client.get(f"/admin/accounts/user/{member.pk}/password/")
    change_page = client.get(f"/admin/accounts/user/{member.pk}/change/").content.decode()

    assert response.status_code == 403
    assert "/password/" not in change_page
