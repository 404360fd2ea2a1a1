"""Registration details for the sales-leads team only; every staff view and change audited (P8, P9)."""

import importlib
import re
from types import SimpleNamespace

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps as django_apps
from django.contrib import admin
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.db import connection
from django.urls import NoReverseMatch, reverse

from lead411.accounts.models import AccountChangeRequest, User
from lead411.accounts.services import account_change_request_create, stolen_password_report
from lead411.core import clock
from lead411.core.models import AuditEvent
from lead411.leads.models import SavedSearch
from lead411.mail.services import delivery_enqueue
from lead411.mail.suppression import suppression_add


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
            "plan": member.plan,
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


# --- Non-team staff with every permission but the team's: no email anywhere in the admin. ---

MEMBER_EMAIL = "applicant@example.com"


@pytest.fixture
def broad_staff(staff):
    """A staff member outside the team holding every other permission (view, change, delete)."""
    staff.user_permissions.set(Permission.objects.exclude(codename="view_registration_details"))
    return User.objects.get(pk=staff.pk)  # drop the cached permissions


@pytest.fixture
def member_records(applicant):
    """The applicant with a stolen-password report and an account-change request of theirs."""
    report = stolen_password_report(user=applicant)
    change_request = account_change_request_create(
        user=applicant,
        contact_email=MEMBER_EMAIL,
        name="Ada Applicant",
        kind=AccountChangeRequest.Kind.NAME,
        details="Please spell my name Adah.",
    )
    return applicant, report, change_request


def _assert_no_email(response, where: str) -> str:
    body = response.content.decode()
    assert MEMBER_EMAIL not in body, where
    assert "applicant%40example.com" not in body, where
    return body


@pytest.mark.clause("P8")
@pytest.mark.django_db
def test_member_records_are_named_without_email_or_details(member_records):
    user, report, change_request = member_records
    labels = [str(user), str(report), str(change_request), str(user.application)]
    assert labels == [
        f"Member #{user.pk}",
        f"Stolen-password report #{report.pk} (member #{user.pk})",
        f"Account change request #{change_request.pk} (Change my name)",
        f"Application #{user.application.pk}",
    ]
    assert not any(MEMBER_EMAIL in label or "Applicant" in label for label in labels)


@pytest.mark.clause("P8")
@pytest.mark.django_db
def test_non_team_staff_with_delete_permission_never_see_a_member_email(
    client, member_records, broad_staff
):
    """Index, lists, change and delete pages, bulk delete, messages and the recent-actions box."""
    user, report, _ = member_records
    address = EmailAddress.objects.get(user=user)
    client.force_login(broad_staff)
    application = user.application.pk
    pages = [
        "/admin/",
        "/admin/accounts/user/",
        f"/admin/accounts/user/{user.pk}/change/",
        f"/admin/accounts/user/{user.pk}/delete/",
        "/admin/accounts/application/",
        f"/admin/accounts/application/{application}/change/",
        f"/admin/accounts/application/{application}/delete/",
        "/admin/accounts/stolenpasswordreport/",
        f"/admin/accounts/stolenpasswordreport/{report.pk}/change/",
        f"/admin/accounts/stolenpasswordreport/{report.pk}/delete/",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_no_email(response, url)

    delete_page = client.get(f"/admin/accounts/user/{user.pk}/delete/").content.decode()
    assert "Ada Applicant" in delete_page, "related records are named, by name or by id"
    assert re.search(rf"Email address: <a href=\"[^\"]+\">#{address.pk}</a>", delete_page)
    assert "Are you sure" in delete_page, "a deletion this staff member may carry out"

    bulk = client.post(
        "/admin/accounts/user/", {"action": "delete_selected", "_selected_action": [user.pk]}
    )
    assert "Are you sure" in _assert_no_email(bulk, "bulk delete confirmation")

    for url in (
        f"/admin/accounts/user/{user.pk}/history/",
        f"/admin/accounts/stolenpasswordreport/{report.pk}/history/",
        "/admin/account/emailaddress/",
        f"/admin/account/emailaddress/{address.pk}/change/",
        f"/admin/account/emailaddress/{address.pk}/delete/",
    ):
        refused = client.get(url)
        assert refused.status_code == 403, url
        _assert_no_email(refused, url)

    changed = client.post(
        f"/admin/accounts/user/{user.pk}/change/",
        {"first_name": "Adah", "last_name": "Applicant", "plan": user.plan, "is_active": "on"},
        follow=True,
    )
    assert "was changed successfully" in _assert_no_email(changed, "change message")
    deleted = client.post(f"/admin/accounts/user/{user.pk}/delete/", {"post": "yes"}, follow=True)
    assert "was deleted successfully" in _assert_no_email(deleted, "delete message")
    assert not User.objects.filter(pk=user.pk).exists()

    recent = _assert_no_email(client.get("/admin/"), "recent actions")
    assert f"Member #{user.pk}" in recent
    reprs = list(LogEntry.objects.values_list("object_repr", flat=True))
    assert len(reprs) == 2
    assert reprs + list(AuditEvent.objects.values_list("object_repr", flat=True))
    assert not any(
        MEMBER_EMAIL in r
        for r in [*reprs, *AuditEvent.objects.values_list("object_repr", flat=True)]
    )


@pytest.mark.clause("P8")
@pytest.mark.django_db
def test_the_team_sees_the_email_in_the_lists_it_works_from(
    client, member_records, sales_team_staff
):
    user, report, _ = member_records
    _grant(sales_team_staff, "view_emailaddress")
    client.force_login(sales_team_staff)
    for url in (
        "/admin/accounts/application/",
        f"/admin/accounts/application/{user.application.pk}/change/",
        "/admin/accounts/stolenpasswordreport/",
        f"/admin/accounts/stolenpasswordreport/{report.pk}/change/",
        "/admin/account/emailaddress/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert MEMBER_EMAIL in response.content.decode(), url


@pytest.mark.clause("P8")
@pytest.mark.django_db
def test_the_migration_renames_old_admin_log_entries(member_records, staff):
    user, report, change_request = member_records
    for obj in (user, report, change_request):
        LogEntry.objects.create(
            user=staff,
            content_type=ContentType.objects.get_for_model(obj),
            object_id=str(obj.pk),
            object_repr=f"written before the fix: {MEMBER_EMAIL}",
            action_flag=CHANGE,
        )
    migration = importlib.import_module("lead411.accounts.migrations.0004_admin_log_names_no_one")
    migration.relabel(django_apps, SimpleNamespace(connection=connection))
    assert sorted(LogEntry.objects.values_list("object_repr", flat=True)) == sorted(
        [str(user), str(report), f"Account change request #{change_request.pk}"]
    )


@pytest.mark.clause("P8")
@pytest.mark.django_db
def test_no_admin_page_of_any_app_shows_non_team_staff_a_member_email(
    client, member_records, broad_staff
):
    """Every registered admin's list, search by the address, and change pages of the first rows:
    the member's mail (outbox, preferences, saved search, suppression) included."""
    user, _, _ = member_records
    now = clock.now()
    SavedSearch.objects.create(
        member=user,
        name="Canadian software",
        criteria={"q": "software"},
        created_at=now,
        updated_at=now,
    )
    delivery_enqueue(
        member=user, stream="replies", key="reply:p8", subject="Re: your question", text_body="Hi"
    )
    suppression_add(email=MEMBER_EMAIL, reason="550 5.1.1 <applicant@example.com>")
    client.force_login(broad_staff)
    walked = 0
    for model in list(admin.site._registry):
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        listing = client.get(changelist)
        _assert_no_email(listing, changelist)
        searched = client.get(changelist, {"q": MEMBER_EMAIL})
        if searched.status_code == 200 and "cl" in searched.context:
            assert (
                searched.context["cl"].result_count == 0 or not searched.context["cl"].search_fields
            ), f"{changelist} finds members by email"
        for pk in model._default_manager.values_list("pk", flat=True)[:20]:
            try:
                url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[pk])
            except NoReverseMatch:
                continue
            _assert_no_email(client.get(url), url)
            walked += 1
    assert walked >= 8, "the walk opened the member's records"
