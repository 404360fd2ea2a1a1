"""Registration details for the sales-leads team only; every staff view and change audited (P8, P9)."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core import mail

from lead411.core.models import AuditEvent


def _grant(user, *codenames: str) -> None:
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))


@pytest.mark.clause("P8")
@pytest.mark.django_db
def test_the_migration_creates_the_team_with_its_permission():
    group = Group.objects.get(name="Sales-leads team")
    assert group.permissions.filter(
        codename="view_registration_details", content_type__app_label="accounts"
    ).exists()


@pytest.mark.clause("P8")
@pytest.mark.django_db
def test_staff_outside_the_team_see_name_and_status_only(client, applicant, staff):
    _grant(staff, "view_application", "change_application", "view_user")
    client.force_login(staff)
    pk = applicant.application.pk
    for url in (
        "/admin/accounts/application/",
        f"/admin/accounts/application/{pk}/change/",
        f"/admin/accounts/user/{applicant.pk}/change/",
        "/admin/accounts/user/",
    ):
        body = client.get(url).content.decode()
        assert "Ada" in body, url
        for secret in (
            "applicant@example.com",
            "Acme Widgets",
            "Head of Sales",
            "+1 555 0199",
            "Canada",
        ):
            assert secret not in body, (url, secret)
    assert (
        "Pending review" in client.get(f"/admin/accounts/application/{pk}/change/").content.decode()
    )
    assert client.get(f"/admin/accounts/user/{applicant.pk}/history/").status_code == 403
    # Searching by a detail must not reveal it either.
    assert "Ada" not in client.get("/admin/accounts/application/?q=Acme").content.decode()


@pytest.mark.clause("P8")
@pytest.mark.django_db
def test_the_team_sees_registration_details(client, applicant, sales_team_staff):
    client.force_login(sales_team_staff)
    body = client.get(
        f"/admin/accounts/application/{applicant.application.pk}/change/"
    ).content.decode()
    for detail in ("Acme Widgets", "Head of Sales", "+1 555 0199", "Canada"):
        assert detail in body
    assert "applicant@example.com" in client.get("/admin/accounts/user/").content.decode()


@pytest.mark.clause("P8")
@pytest.mark.django_db
def test_every_staff_view_of_a_record_is_audited(client, applicant, sales_team_staff):
    client.force_login(sales_team_staff)
    client.get(f"/admin/accounts/application/{applicant.application.pk}/change/")
    client.get(f"/admin/accounts/user/{applicant.pk}/change/")
    events = AuditEvent.objects.filter(action="view", actor=sales_team_staff)
    assert sorted(events.values_list("object_type", "object_id")) == [
        ("accounts.application", str(applicant.application.pk)),
        ("accounts.user", str(applicant.pk)),
    ]
    assert events.get(object_type="accounts.user").actor_label == "team@example.com"


@pytest.mark.clause("P9")
@pytest.mark.django_db(transaction=True)
def test_staff_edit_is_audited_with_before_after_and_the_member_told(
    client, applicant, sales_team_staff
):
    client.force_login(sales_team_staff)
    application = applicant.application
    url = f"/admin/accounts/application/{application.pk}/change/"
    response = client.post(
        url,
        {
            "company": "Acme Widgets International",
            "job_title": "Head of Sales",
            "telephone": "+1 555 0199",
            "industry": "Manufacturing",
            "company_size": "11-50",
            "country": "Canada",
        },
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.company == "Acme Widgets International"
    event = AuditEvent.objects.get(action="change", object_type="accounts.application")
    assert event.changes == {
        "company": {"before": "Acme Widgets", "after": "Acme Widgets International"}
    }
    [notice] = [m for m in mail.outbox if m.to == ["applicant@example.com"]]
    assert notice.subject == "[Lead411] Your account details were changed"
    assert "company" in notice.body


@pytest.mark.clause("P9")
@pytest.mark.django_db(transaction=True)
def test_staff_can_edit_a_member_name_and_delete_a_member(client, member, sales_team_staff):
    _grant(sales_team_staff, "delete_user", "delete_emailaddress")
    client.force_login(sales_team_staff)
    response = client.post(
        f"/admin/accounts/user/{member.pk}/change/",
        {
            "email": member.email,
            "first_name": "Mira",
            "last_name": "Member",
            "is_active": "on",
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    change = AuditEvent.objects.get(action="change", object_type="accounts.user")
    assert change.changes["first_name"] == {"before": "Mia", "after": "Mira"}
    assert any(m.to == ["member@example.com"] for m in mail.outbox)

    response = client.post(f"/admin/accounts/user/{member.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert AuditEvent.objects.filter(action="delete", object_id=str(member.pk)).exists()
