"""Self-service and staff-mediated account changes; the member's data export (clause P11)."""

import json

import pytest
from django.core import mail
from django.test import Client

from conftest import PASSWORD
from lead411.accounts.models import AccountChangeRequest, User
from lead411.core.models import AuditEvent

from .conftest import links_in, login


@pytest.mark.clause("P11")
@pytest.mark.django_db
def test_member_changes_their_name_and_it_is_audited(member_client, member):
    response = member_client.post("/members/account/", {"first_name": "Mira", "last_name": "Mbeki"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.first_name, member.last_name) == ("Mira", "Mbeki")
    event = AuditEvent.objects.get(object_type="accounts.user", action="change")
    assert event.changes["last_name"] == {"before": "Member", "after": "Mbeki"}


@pytest.mark.clause("P11")
@pytest.mark.django_db
def test_password_change_needs_the_current_one_and_ends_other_sessions(member):
    here, elsewhere = Client(), Client()
    login(here, "member@example.com")
    login(elsewhere, "member@example.com")
    new = "another fine passphrase 2026"
    wrong = here.post(
        "/accounts/password/change/",
        {"oldpassword": "not my password at all", "password1": new, "password2": new},
    )
    assert b"Please type your current password." in wrong.content
    here.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": new, "password2": new},
    )
    member.refresh_from_db()
    assert member.check_password(new)
    assert here.get("/members/account/").status_code == 200, "this session stays"
    assert elsewhere.get("/members/account/").status_code == 302, "other sessions end"


@pytest.mark.clause("P11")
@pytest.mark.django_db
def test_email_change_takes_effect_after_verification_and_old_address_is_told(client, member):
    login(client, "member@example.com")
    response = client.post("/accounts/email/", {"action_add": "", "email": "mia@new.example"})
    assert response.url.startswith("/accounts/reauthenticate/"), "a fresh password is needed"
    assert not mail.outbox
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    response = client.post("/accounts/email/", {"action_add": "", "email": "mia@new.example"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.email == "member@example.com", "not before the new address is verified"
    [verification] = [m for m in mail.outbox if m.to == ["mia@new.example"]]
    [link] = [u for u in links_in(verification.body) if "/confirm-email/" in u]
    assert link.startswith("http://127.0.0.1:8000/")
    mail.outbox.clear()
    client.post("/" + link.split("/", 3)[3])
    member.refresh_from_db()
    assert member.email == "mia@new.example"
    assert any(m.to == ["member@example.com"] for m in mail.outbox), "the old address is notified"
    event = AuditEvent.objects.get(verb="email_changed")
    assert event.changes["email"] == {"before": "member@example.com", "after": "mia@new.example"}


@pytest.mark.clause("P11")
@pytest.mark.django_db(transaction=True)
def test_change_request_without_login_is_processed_by_staff_and_the_member_told(
    client, member, sales_team_staff
):
    response = client.post(
        "/members/change-request/",
        {
            "name": "Mia Member",
            "contact_email": "mia.private@example.org",
            "kind": "email",
            "details": "I lost access to member@example.com; please move my account.",
        },
    )
    assert "Our team will contact you." in response.content.decode()
    request = AccountChangeRequest.objects.get()
    assert request.user is None
    assert any(m.subject == "[Lead411] Account change request" for m in mail.outbox)

    staff_browser = Client()
    staff_browser.force_login(sales_team_staff)
    staff_browser.post(
        "/admin/accounts/accountchangerequest/",
        {
            "action": "mark_done",
            "_selected_action": [request.pk],
            "apply": "1",
            "text": "Your address is now mia.private@example.org.",
        },
    )
    request.refresh_from_db()
    assert (request.status, request.resolved_by) == ("done", sales_team_staff)
    [outcome] = [m for m in mail.outbox if m.to == ["mia.private@example.org"]]
    assert "Your address is now mia.private@example.org." in outcome.body
    verbs = set(
        AuditEvent.objects.filter(object_type="accounts.accountchangerequest").values_list(
            "verb", flat=True
        )
    )
    assert verbs == {"account_change_request", "resolve"}


@pytest.mark.clause("P11")
@pytest.mark.django_db
def test_change_request_from_a_logged_in_member_is_linked_to_them(member_client, member):
    page = member_client.get("/members/change-request/").content.decode()
    assert 'value="member@example.com"' in page
    member_client.post(
        "/members/change-request/",
        {"name": "Mia", "contact_email": "member@example.com", "kind": "name", "details": "Typo."},
    )
    assert AccountChangeRequest.objects.get().user == member


@pytest.mark.clause("P11")
@pytest.mark.django_db
def test_change_request_rejects_header_injection_in_the_name(client):
    response = client.post(
        "/members/change-request/",
        {
            "name": "Eve\nBcc: all@example.com",
            "contact_email": "e@example.com",
            "kind": "other",
            "details": "x",
        },
    )
    assert "Use a single line of text." in response.content.decode()
    assert not AccountChangeRequest.objects.exists()


@pytest.mark.clause("P11")
@pytest.mark.django_db
def test_download_my_data_is_a_json_of_the_member_record(client, applicant):
    client.force_login(applicant)
    response = client.get("/members/account/my-data.json")
    assert response["Content-Disposition"] == 'attachment; filename="lead411-my-data.json"'
    data = json.loads(response.content)
    assert data["account"]["email"] == "applicant@example.com"
    assert data["application"]["company"] == "Acme Widgets"
    assert data["email_addresses"] == [
        {"email": "applicant@example.com", "verified": True, "primary": True}
    ]
    assert "password" not in json.dumps(data["account"])
    assert User.objects.count() == 1


@pytest.mark.clause("P11")
@pytest.mark.django_db
def test_delete_my_account_erases_the_member_and_their_traces(client, applicant, staff):
    from django.contrib.sessions.models import Session

    from lead411.accounts.services import application_request_info

    application_request_info(actor=staff, application=applicant.application, question="Website?")
    login(client, "applicant@example.com")
    wrong = client.post(
        "/members/account/delete/", {"confirm": "on", "password": "not my password"}
    )
    assert "Please type your current password." in wrong.content.decode()
    assert User.objects.filter(pk=applicant.pk).exists()

    response = client.post("/members/account/delete/", {"confirm": "on", "password": PASSWORD})
    assert "have been erased" in response.content.decode()
    assert not User.objects.filter(email="applicant@example.com").exists()
    assert not Session.objects.exists()
    leftovers = json.dumps(list(AuditEvent.objects.values()), default=str)
    for secret in ("applicant@example.com", "Acme Widgets", "Website?"):
        assert secret not in leftovers
    assert AuditEvent.objects.filter(verb="member_erased", object_id=str(applicant.pk)).exists()


@pytest.mark.clause("P4")
@pytest.mark.clause("L3")
@pytest.mark.django_db
def test_download_my_data_includes_searches_mail_choices_conversations_and_activity(client, member):
    import datetime as dt

    from django.utils import timezone

    from lead411.activity.models import MemberDailyActivity
    from lead411.contact.models import Conversation
    from lead411.leads.models import SavedSearch

    now = timezone.now()
    SavedSearch.objects.create(
        member=member,
        name="CA software",
        criteria={"q": "software"},
        created_at=now,
        updated_at=now,
    )
    conversation = Conversation.objects.create(
        user=member,
        name="Mia",
        email=member.email,
        category="general",
        created_at=now,
        last_message_at=now,
    )
    conversation.messages.create(author_kind="member", author=member, body="Hello", created_at=now)
    MemberDailyActivity.objects.create(
        member=member,
        day=dt.date(2026, 11, 2),
        page_type="search",
        pageviews=4,
        visits=1,
        last_seen_at=now,
    )
    client.force_login(member)

    data = json.loads(client.get("/members/account/my-data.json").content)

    assert [s["name"] for s in data["saved_searches"]] == ["CA software"]
    assert data["conversations"][0]["messages"][0]["body"] == "Hello"
    assert data["activity"][0]["pageviews"] == 4
    assert data["activity"][0]["day"] == "2026-11-02"
