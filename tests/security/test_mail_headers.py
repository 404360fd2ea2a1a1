"""CR/LF in a name or title never adds a mail header (issue 8, "Security").

Two layers are checked. The one-line fields of the member-facing forms (names on
sign-up, the account page, the contact form and the account-change request, and the
addresses next to them) refuse a line break outright. Values that reach emails without
those forms (what staff type in the admin, whose model fields allow line breaks: a
member's name, a product update's title, a saved search's name, refusal reasons) are set
to the injection strings, then every email the site sends about them is serialised to
its wire bytes (``EmailMessage.message().as_bytes()``) and parsed back with the
standard ``email`` package, the way the receiving server reads it. Each parsed message
must have no ``Bcc`` and no header outside the site's known set, no header value may
name the victim, and the SMTP recipients must be only the intended ones.
"""

import datetime as dt
import email
import email.policy
from typing import Any

import pytest
from django.core.mail import EmailMessage
from django.test import Client
from django.utils import timezone

from lead411.accounts.models import AccountChangeRequest, Application, User
from lead411.accounts.services import (
    account_change_request_resolve,
    application_approve,
    application_refuse,
    application_request_info,
    stolen_password_report,
)
from lead411.contact.models import Conversation
from lead411.contact.services import conversation_reply, conversation_start
from lead411.leads.services import saved_search_create
from lead411.leads.tests.factories import CompanyFactory, TriggerEventFactory
from lead411.mail.models import Delivery
from lead411.mail.outbox import delivery_email_message
from lead411.mail.services import mail_preferences_set
from lead411.newsletter.digest import newsletter_issue_build
from lead411.newsletter.models import ProductUpdate
from lead411.newsletter.services import product_update_send

VICTIM = "victim@example.com"
INJECTIONS = [
    f"Eve\r\nBcc: {VICTIM}",
    f"Eve\nBcc: {VICTIM}",
    f"Eve\rBcc: {VICTIM}",
    f"Eve\r\n\r\nBcc: {VICTIM}",
    f"Eve\r\n Bcc: {VICTIM}",
    f"=?utf-8?q?Eve=0D=0ABcc:_{VICTIM}?=",
    f"Eve\u2028Bcc: {VICTIM}\u0085Cc: {VICTIM}",
]
# Every header the site's emails carry (Django's, threading, RFC 8058 unsubscribe).
KNOWN_HEADERS = {
    "content-type",
    "mime-version",
    "content-transfer-encoding",
    "subject",
    "from",
    "to",
    "reply-to",
    "date",
    "message-id",
    "in-reply-to",
    "references",
    "list-unsubscribe",
    "list-unsubscribe-post",
    "list-id",
    "auto-submitted",
    "precedence",
}


def emails(outbox: list[EmailMessage]) -> list[EmailMessage]:
    """The emails sent directly and those queued for members, built as the sender builds them."""
    queued = Delivery.objects.filter(status=Delivery.Status.PENDING).order_by("pk")
    return [*outbox, *(delivery_email_message(delivery=d) for d in queued)]


def assert_headers_untouched(message: EmailMessage, *, allowed_recipients: set[str]) -> None:
    """Parse ``message``'s wire bytes and assert the injection added nothing."""
    wire = message.message().as_bytes()
    parsed = email.message_from_bytes(wire, policy=email.policy.default)
    names = [name.lower() for name in parsed.keys()]  # noqa: SIM118  # keys() keeps repeats
    assert "bcc" not in names, (message.subject, names)
    assert "cc" not in names, (message.subject, names)
    assert set(names) <= KNOWN_HEADERS, (message.subject, set(names) - KNOWN_HEADERS)
    assert len(names) == len(set(names)), (message.subject, names)  # no header twice
    for name in ("from", "to", "reply-to"):
        for value in parsed.get_all(name) or []:
            assert VICTIM not in str(value), (name, str(value))
    # The raw (undecoded) Subject line is one line: folding only. An RFC 2047 encoded-word
    # typed by staff may *decode* to CR/LF, but that stays text inside the Subject.
    raw_subject = email.message_from_bytes(wire)["subject"] or ""
    assert "\n" not in raw_subject.replace("\r\n ", " ").replace("\n ", " "), raw_subject
    assert set(message.recipients()) <= allowed_recipients, message.recipients()
    assert parsed.defects == [], parsed.defects


# --- The forms refuse line breaks in one-line fields ---


SIGNUP = {
    "email": "eve@example.com",
    "password1": "correct horse battery staple 9",
    "password2": "correct horse battery staple 9",
    "first_name": "Eve",
    "last_name": "Example",
    "company": "Acme",
    "job_title": "Buyer",
    "telephone": "+1 555 0199",
    "industry": "Retail",
    "company_size": "11-50",
    "country": "Canada",
}
CONTACT = {
    "name": "Eve",
    "email": "eve@example.com",
    "category": "breach",
    "message": "Someone read my data.",
    "website": "",
}
CHANGE_REQUEST = {
    "name": "Eve",
    "contact_email": "eve@example.com",
    "kind": "name",
    "details": "Please fix my name.",
}
ONE_LINE_FIELDS = [
    ("/accounts/signup/", SIGNUP, "first_name"),
    ("/accounts/signup/", SIGNUP, "last_name"),
    ("/accounts/signup/", SIGNUP, "email"),
    ("/contact/", CONTACT, "name"),
    ("/contact/", CONTACT, "email"),
    ("/members/change-request/", CHANGE_REQUEST, "name"),
    ("/members/change-request/", CHANGE_REQUEST, "contact_email"),
]


@pytest.mark.clause("P10")
@pytest.mark.parametrize(("url", "data", "field"), ONE_LINE_FIELDS)
@pytest.mark.parametrize("injection", INJECTIONS[:5])
def test_one_line_form_fields_refuse_line_breaks(
    client: Client,
    db: None,
    mailoutbox: list[EmailMessage],
    django_capture_on_commit_callbacks: Any,
    url: str,
    data: dict[str, str],
    field: str,
    injection: str,
) -> None:
    """A name or address with CR or LF is a form error: nothing is saved, nothing sent."""
    # In an address the injection follows a valid address: "eve@example.com\r\nBcc: ...".
    value = f"eve@example.com{injection[3:]}" if "email" in field else injection
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {**data, field: value})
    assert response.status_code == 200
    assert response.context["form"].errors.get(field), response.context["form"].errors
    assert not User.objects.filter(email="eve@example.com").exists()
    assert not Conversation.objects.exists()
    assert not AccountChangeRequest.objects.exists()
    assert mailoutbox == []


@pytest.mark.clause("P11")
@pytest.mark.parametrize("injection", INJECTIONS[:5])
def test_the_account_page_refuses_line_breaks_in_names(
    member_client: Client, member: User, injection: str
) -> None:
    """The self-service name change keeps the old name when the new one has a line break."""
    response = member_client.post(
        "/members/account/", {"first_name": injection, "last_name": "Example"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors.get("first_name")
    member.refresh_from_db()
    assert member.first_name == "Mia"


# --- Values set outside those forms reach emails without adding headers ---


@pytest.mark.clause("P9")
@pytest.mark.parametrize("injection", INJECTIONS)
def test_injected_names_and_titles_never_add_a_header_to_any_email(
    db: None,
    superuser: User,
    mailoutbox: list[EmailMessage],
    django_capture_on_commit_callbacks: Any,
    injection: str,
) -> None:
    """Every email about a member named with CR/LF (as staff may type in the admin) is intact.

    Covers the membership emails (received, information requested, approved, refused,
    record changed, stolen-password alert), the contact acknowledgement and staff's
    answer, the daily newsletter (saved-search name), and a product update whose title
    carries the injection into its subject.
    """
    run = django_capture_on_commit_callbacks
    applicant = User.objects.create_user(
        "applicant@example.com", None, first_name=injection, last_name=injection
    )
    application = Application.objects.create(
        user=applicant,
        company=injection,
        job_title=injection,
        telephone="+1 555 0199",
        industry=injection,
        company_size="11-50",
        country=injection,
        submitted_at=timezone.now(),
    )
    with run(execute=True):
        application_request_info(actor=superuser, application=application, question=injection)
    with run(execute=True):
        application_refuse(actor=superuser, application=application, reason=injection)
    member = User.objects.create_user(
        "member@example.com", "pw-not-used 12345", first_name=injection, last_name=injection
    )
    mail_preferences_set(member=member, consents={"daily": True, "replies": True, "updates": True})
    other = User.objects.create_user("other@example.com", None, first_name=injection)
    other_app = Application.objects.create(
        user=other,
        company="Acme",
        job_title="x",
        telephone="1",
        industry="x",
        company_size="11-50",
        country="x",
        submitted_at=timezone.now(),
    )
    with run(execute=True):
        application_approve(actor=superuser, application=other_app)
    with run(execute=True):
        conversation = conversation_start(
            user=member, name=injection, email=member.email, category="breach", body=injection
        )
    with run(execute=True):
        conversation_reply(actor=superuser, conversation=conversation, body=injection)
    change = AccountChangeRequest.objects.create(
        user=member,
        contact_email=member.email,
        name=injection,
        kind="name",
        details=injection,
        created_at=timezone.now(),
    )
    with run(execute=True):
        account_change_request_resolve(
            actor=superuser, change_request=change, status="done", note=injection
        )
    with run(execute=True):
        stolen_password_report(user=member)
    saved_search_create(member=other, name=injection, criteria={})
    mail_preferences_set(member=other, consents={"daily": True, "updates": True})
    TriggerEventFactory(
        company=CompanyFactory(name="Acme Robotics"),
        imported_at=timezone.now() - dt.timedelta(minutes=5),
        announced_on=timezone.localdate(),  # news of the day, not a catch-up import
    )
    newsletter_issue_build(date=timezone.localdate())
    update = ProductUpdate.objects.create(
        title=injection, body_markdown="Hello", created_at=timezone.now()
    )
    product_update_send(update=update)

    sent = emails(mailoutbox)
    allowed = {u.email for u in User.objects.all()} | {"applicant@example.com"}
    allowed |= {"privacy@example.com", *_operator_addresses()}
    kinds = {str(message.subject) for message in sent}
    expected = [
        "Breach of the privacy policy reported",
        "Lead411 daily:",
        "Lead411 update:",
        "Re: [Lead411 #",
        "Stolen password reported",
        "We need more information",
        "Your account change request",
        "Your membership application",
        "Your membership is approved",
    ]
    missing = [part for part in expected if not any(part in kind for kind in kinds)]
    assert not missing, (missing, kinds)  # every flow above sent its email
    for message in sent:
        assert_headers_untouched(message, allowed_recipients=allowed)


def _operator_addresses() -> list[str]:
    from django.conf import settings

    return [settings.OPERATOR["contact_email"]]


@pytest.fixture
def superuser(db: None) -> User:
    return User.objects.create_superuser("root@example.com", "correct horse battery 77")


@pytest.mark.clause("P9")
def test_the_header_check_sees_an_injected_header() -> None:
    """The checker fails a message whose headers an injection did change."""
    message = EmailMessage("Hi", "Body", "site@example.com", ["a@example.com"], bcc=[VICTIM])
    message.extra_headers["X-Injected"] = "1"
    with pytest.raises(AssertionError):
        assert_headers_untouched(message, allowed_recipients={"a@example.com"})
