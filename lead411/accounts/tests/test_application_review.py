"""An application's own admin page: approve, refuse (with reason), request information (P9)."""

import pytest
from django.core import mail

from lead411.accounts.models import Application
from lead411.core.models import AuditEvent


def _page(application: Application, action: str = "change") -> str:
    return f"/admin/accounts/application/{application.pk}/{action}/"


@pytest.mark.clause("P9")
@pytest.mark.django_db(transaction=True)
def test_team_sees_the_three_buttons_on_a_pending_application(client, applicant, sales_team_staff):
    client.force_login(sales_team_staff)
    page = client.get(_page(applicant.application)).content.decode()
    for action, label in (
        ("approve", "Approve"),
        ("refuse", "Refuse (with reason)…"),
        ("request-info", "Request information…"),
    ):
        assert f'href="{_page(applicant.application, action)}"' in page
        assert f">{label}</a>" in page


@pytest.mark.clause("P9")
@pytest.mark.django_db(transaction=True)
def test_approve_from_the_application_page_goes_through_the_service(
    client, applicant, sales_team_staff
):
    client.force_login(sales_team_staff)
    confirm = client.get(_page(applicant.application, "approve"))
    assert confirm.status_code == 200
    assert Application.objects.get().status == "pending", "a GET changes nothing"
    response = client.post(_page(applicant.application, "approve"))
    assert response.url == _page(applicant.application)
    application = Application.objects.get()
    assert (application.status, application.decided_by) == ("approved", sales_team_staff)
    event = AuditEvent.objects.get(verb="approve")
    assert (event.actor, event.changes["status"]) == (
        sales_team_staff,
        {"before": "pending", "after": "approved"},
    )
    assert [m.subject for m in mail.outbox if m.to == ["applicant@example.com"]] == [
        "[Lead411] Your membership is approved"
    ]
    after = client.get(_page(applicant.application)).content.decode()
    assert _page(applicant.application, "approve") not in after, "no buttons once decided"


@pytest.mark.clause("P9")
@pytest.mark.django_db(transaction=True)
def test_refuse_needs_a_reason_and_sends_it(client, applicant, sales_team_staff):
    client.force_login(sales_team_staff)
    blank = client.post(_page(applicant.application, "refuse"), {"text": "  "})
    assert "This field is required." in blank.content.decode()
    assert Application.objects.get().status == "pending"
    client.post(_page(applicant.application, "refuse"), {"text": "Not a sales team."})
    application = Application.objects.get()
    assert (application.status, application.refusal_reason) == ("refused", "Not a sales team.")
    assert AuditEvent.objects.get(verb="refuse").actor == sales_team_staff
    [refusal] = [m for m in mail.outbox if m.to == ["applicant@example.com"]]
    assert "Reason: Not a sales team." in refusal.body


@pytest.mark.clause("P9")
@pytest.mark.django_db(transaction=True)
def test_request_information_from_the_page(client, applicant, sales_team_staff):
    client.force_login(sales_team_staff)
    client.post(_page(applicant.application, "request-info"), {"text": "Which team are you in?"})
    application = Application.objects.get()
    assert (application.status, application.info_request) == (
        "info_requested",
        "Which team are you in?",
    )
    assert AuditEvent.objects.get(verb="request_info").actor == sales_team_staff


@pytest.mark.clause("P8")
@pytest.mark.django_db(transaction=True)
def test_staff_outside_the_team_get_no_buttons_and_cannot_review(client, applicant, staff):
    from django.contrib.auth.models import Permission

    staff.user_permissions.add(*Permission.objects.filter(codename__in=["view_application"]))
    client.force_login(staff)
    page = client.get(_page(applicant.application)).content.decode()
    assert "/approve/" not in page
    assert client.post(_page(applicant.application, "approve")).status_code == 403
    assert Application.objects.get().status == "pending"
