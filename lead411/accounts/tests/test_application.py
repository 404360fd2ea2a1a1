"""Sign-up as an application, email verification and staff review (clauses P3, P9, P10)."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.test import RequestFactory

from lead411.accounts.decorators import member_required
from lead411.accounts.models import Application, User
from lead411.accounts.selectors import member_has_access
from lead411.accounts.services import (
    application_answer,
    application_approve,
    application_refuse,
    application_request_info,
    member_create_approved,
)
from lead411.core.models import AuditEvent

from .conftest import links_in, signup_data


@pytest.mark.clause("P10")
@pytest.mark.django_db
def test_signup_page_lists_the_alternative_channels(client, settings):
    response = client.get("/accounts/signup/")
    body = response.content.decode()
    assert response.status_code == 200
    for value in ("telephone", "fax", "postal_address"):
        assert settings.OPERATOR[value] in body
    for field in ("company", "job_title", "telephone", "industry", "company_size", "country"):
        assert f'name="{field}"' in body


@pytest.mark.clause("P3")
@pytest.mark.django_db(transaction=True)
def test_signup_files_a_pending_application_and_sends_a_verification_link(client, settings):
    response = client.post("/accounts/signup/", signup_data())
    assert response.status_code == 302
    user = User.objects.get(email="new.applicant@example.com")
    application = Application.objects.get(user=user)
    assert application.status == Application.Status.PENDING
    assert (application.company, application.company_size) == ("Northwind Traders", "51-200")
    assert user.first_name == "Nora"
    assert user.password.startswith("argon2$argon2id$")
    assert not EmailAddress.objects.get(user=user).verified
    assert not member_has_access(user=user)
    verification = next(m for m in mail.outbox if "Confirm" in m.subject)
    [link] = [u for u in links_in(verification.body) if "/confirm-email/" in u]
    assert link.startswith(settings.SITE_URL + "/accounts/confirm-email/")
    assert AuditEvent.objects.filter(verb="apply", object_id=str(application.pk)).exists()


@pytest.mark.clause("P3")
@pytest.mark.django_db(transaction=True)
def test_verification_link_confirms_only_on_post(client):
    client.post("/accounts/signup/", signup_data())
    verification = next(m for m in mail.outbox if "Confirm" in m.subject)
    [link] = [u for u in links_in(verification.body) if "/confirm-email/" in u]
    path = link.split("8000", 1)[1] if "8000" in link else "/" + link.split("/", 3)[3]
    address = EmailAddress.objects.get(email="new.applicant@example.com")

    assert client.get(path).status_code == 200
    address.refresh_from_db()
    assert not address.verified, "a GET (a mail scanner) must not confirm"

    client.post(path)
    address.refresh_from_db()
    assert address.verified


@pytest.mark.clause("P3")
@pytest.mark.django_db
def test_signup_with_a_missing_field_creates_nothing(client):
    response = client.post("/accounts/signup/", signup_data(company=""))
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not User.objects.filter(email="new.applicant@example.com").exists()


@pytest.mark.clause("P3")
@pytest.mark.django_db
def test_signup_refuses_line_breaks_in_one_line_fields(client):
    response = client.post("/accounts/signup/", signup_data(first_name="Eve\r\nBcc: x@example.com"))
    assert "Use a single line of text." in response.content.decode()
    assert not User.objects.filter(email="new.applicant@example.com").exists()


def _member_view(request):
    return HttpResponse("leads")


@pytest.mark.clause("P3")
@pytest.mark.django_db
def test_pending_and_refused_applicants_cannot_reach_member_views(applicant, member, staff):
    view = member_required(_member_view)
    request = RequestFactory().get("/leads/")
    request.user = applicant
    response = view(request)
    assert (response.status_code, response["Location"]) == (302, "/members/application/")

    application_refuse(actor=staff, application=applicant.application, reason="Not a business.")
    assert view(request).status_code == 302

    request.user = member
    allowed = view(request)
    assert isinstance(allowed, HttpResponse)
    assert allowed.content == b"leads", "staff-created users without an application are members"


@pytest.mark.clause("P9")
@pytest.mark.django_db(transaction=True)
def test_approval_grants_access_emails_and_audits(applicant, staff):
    application_approve(actor=staff, application=applicant.application)
    applicant.application.refresh_from_db()
    assert applicant.application.status == Application.Status.APPROVED
    assert applicant.application.decided_by == staff
    assert member_has_access(user=applicant)
    [message] = [m for m in mail.outbox if m.to == ["applicant@example.com"]]
    assert message.subject == "[Lead411] Your membership is approved"
    event = AuditEvent.objects.get(verb="approve")
    assert event.actor == staff
    assert event.changes["status"] == {"before": "pending", "after": "approved"}


@pytest.mark.clause("P9")
@pytest.mark.django_db(transaction=True)
def test_refusal_needs_a_reason_and_tells_the_applicant(applicant, staff):
    with pytest.raises(ValidationError, match=r"A refusal needs a reason."):
        application_refuse(actor=staff, application=applicant.application, reason="  ")
    application_refuse(
        actor=staff, application=applicant.application, reason="Consumers are not eligible."
    )
    [message] = [m for m in mail.outbox if m.to == ["applicant@example.com"]]
    assert "Consumers are not eligible." in message.body
    assert not member_has_access(user=applicant)
    with pytest.raises(ValidationError, match=r"Cannot approve an application that is refused."):
        application_approve(actor=staff, application=applicant.application)


@pytest.mark.clause("P3")
@pytest.mark.django_db(transaction=True)
def test_request_for_information_is_answered_on_the_site(client, applicant, staff):
    application_request_info(
        actor=staff, application=applicant.application, question="What is your company's website?"
    )
    [message] = [m for m in mail.outbox if m.to == ["applicant@example.com"]]
    assert "What is your company's website?" in message.body
    assert "http://127.0.0.1:8000/members/application/" in message.body

    client.force_login(applicant)
    page = client.get("/members/application/")
    assert "What is your company&#x27;s website?" in page.content.decode()
    response = client.post("/members/application/", {"answer": "https://acme.example"})
    assert response.status_code == 302
    applicant.application.refresh_from_db()
    assert applicant.application.status == Application.Status.PENDING
    assert applicant.application.info_response == "https://acme.example"
    assert any("answered" in m.subject for m in mail.outbox)

    with pytest.raises(
        ValidationError, match=r"Cannot answer an application that is pending review."
    ):
        application_answer(user=applicant, answer="again")


@pytest.mark.clause("P9")
@pytest.mark.django_db(transaction=True)
def test_admin_actions_approve_and_refuse_with_reason(client, applicant, sales_team_staff):
    client.force_login(sales_team_staff)
    pk = applicant.application.pk
    url = "/admin/accounts/application/"
    page = client.post(url, {"action": "refuse", "_selected_action": [pk]})
    assert page.status_code == 200
    assert "Reason (sent to the applicant)" in page.content.decode()
    client.post(
        url,
        {"action": "refuse", "_selected_action": [pk], "apply": "1", "text": "Duplicate account."},
    )
    applicant.application.refresh_from_db()
    assert (applicant.application.status, applicant.application.refusal_reason) == (
        "refused",
        "Duplicate account.",
    )

    other = member_create_approved(email="second@example.com", password=None)
    application = Application.objects.create(
        user=other,
        company="B",
        job_title="C",
        telephone="1",
        industry="D",
        company_size="1-10",
        country="E",
        submitted_at=applicant.application.submitted_at,
    )
    client.post(url, {"action": "approve", "_selected_action": [application.pk]})
    application.refresh_from_db()
    assert application.status == "approved"


@pytest.mark.clause("P9")
@pytest.mark.django_db
def test_staff_without_the_team_role_cannot_run_review_actions(client, applicant, staff):
    from django.contrib.auth.models import Permission

    staff.user_permissions.add(Permission.objects.get(codename="view_application"))
    client.force_login(staff)
    page = client.get("/admin/accounts/application/")
    assert page.status_code == 200
    assert 'value="approve"' not in page.content.decode()


@pytest.mark.clause("P3")
@pytest.mark.django_db
def test_member_create_approved_makes_a_verified_member():
    user = member_create_approved(
        email="demo@example.com",
        password="a long demo password 2026",
        first_name="Demo",
        company="Demo Co",
    )
    assert member_has_access(user=user)
    assert EmailAddress.objects.get(user=user).verified
    assert user.application.status == Application.Status.APPROVED
