"""Every email template, rendered by the code that sends it, with nothing left blank (issue 17).

The test settings render email templates strictly (``lead411.core.tests.strict_templates``):
a variable that does not resolve raises. Each test below sends real emails through the
services and views that send them, records which templates rendered (Django's
``template_rendered`` test signal) and pins the words that used to come out blank. The
last test proves every email template on disk is among those rendered.
"""

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.test.signals import template_rendered
from django.utils import timezone

from conftest import PASSWORD
from lead411.accounts import services as accounts
from lead411.accounts.models import AccountChangeRequest, Application
from lead411.accounts.tests.conftest import links_in, login, signup_data
from lead411.accounts.tests.factories import ApplicationFactory, UserFactory
from lead411.api.services import webhook_endpoint_create
from lead411.api.webhooks import endpoint_disable
from lead411.contact import services as contact
from lead411.contact.models import Conversation
from lead411.core.tests.strict_templates import RaisingString, UnresolvedVariableError
from lead411.leads import services as lead_services
from lead411.leads.models import SavedSearch
from lead411.mail.models import Delivery, Stream
from lead411.mail.services import mail_preferences_set, outbox_halt_record
from lead411.newsletter.digest import newsletter_issue_build
from lead411.newsletter.services import product_update_send
from lead411.newsletter.tasks import newsletter_alerts_run
from lead411.newsletter.tests.conftest import new_event
from lead411.newsletter.tests.factories import ProductUpdateFactory
from lead411.policy.services import policy_version_publish
from lead411.policy.tests.factories import PolicyVersionFactory

ROOT = Path(settings.BASE_DIR)
RENDERED: set[str] = set()


@pytest.fixture
def rendered() -> Iterator[set[str]]:
    """Collect the names of the templates rendered during the test (also into RENDERED)."""
    names: set[str] = set()

    def record(sender, template, context, **kwargs):
        if template.name:
            names.add(template.name)

    template_rendered.connect(record, dispatch_uid="test_email_templates")
    try:
        yield names
    finally:
        template_rendered.disconnect(dispatch_uid="test_email_templates")
        RENDERED.update(names)


def _templates_on_disk() -> set[str]:
    """Return every email template of the project, by template name ("app/email/x.txt")."""
    names = set()
    for path in (ROOT / "lead411").rglob("templates/**/email/*"):
        parts = path.relative_to(ROOT / "lead411").parts
        names.add("/".join(parts[parts.index("templates") + 1 :]))
    return names


def _one(to: str, subject: str):
    [message] = [m for m in mail.outbox if m.to == [to] and m.subject == subject]
    return message


def test_an_unresolved_variable_in_an_email_template_raises():
    with pytest.raises(UnresolvedVariableError, match=r"current_site\.name"):
        RaisingString("%s") % "current_site.name"
    engine = settings.TEMPLATES[0]
    assert (engine["NAME"], engine["APP_DIRS"]) == ("strict_email", False)


@pytest.mark.clause("P12")
@pytest.mark.django_db(transaction=True)
def test_allauth_emails_name_the_site_and_the_address(rendered, member):
    browser = Client()
    browser.post("/accounts/signup/", signup_data(email="nora@example.com"))
    confirm = _one("nora@example.com", "[Lead411] Please Confirm Your Email Address")
    assert "to register an account on 127.0.0.1:8000.\n" in confirm.body
    assert "Hello from Lead411," in confirm.body
    assert confirm.from_email == settings.MEMBERSHIP_FROM_EMAIL
    assert confirm.reply_to == [settings.OPERATOR["contact_email"]]

    Client().post("/accounts/signup/", signup_data(email="member@example.com"))
    _one("member@example.com", "[Lead411] Account Already Exists")

    Client().post("/accounts/password/reset/", {"email": "nobody@example.com"})
    unknown = _one("nobody@example.com", "[Lead411] Unknown Account")
    assert "an account with email nobody@example.com. However" in " ".join(unknown.body.split())

    Client().post("/accounts/password/reset/", {"email": "member@example.com"})
    _one("member@example.com", "[Lead411] Password Reset Email")

    accounts.stolen_password_report(user=UserFactory.create(email="theo@example.com"))
    Client().post("/accounts/password/reset/", {"email": "theo@example.com"})
    on_hold = _one("theo@example.com", "[Lead411] Password reset on hold")
    assert "asked for a password reset for theo@example.com." in on_hold.body

    client = Client()
    login(client, "member@example.com")
    new = "another fine passphrase 2026"
    client.post(
        "/accounts/password/change/", {"oldpassword": PASSWORD, "password1": new, "password2": new}
    )
    _one("member@example.com", "[Lead411] Password Changed")

    client.post("/accounts/reauthenticate/", {"password": new})
    client.post("/accounts/email/", {"action_add": "", "email": "mia@new.example"})
    change = _one("mia@new.example", "[Lead411] Please Confirm Your Email Address")
    assert "to register an account on 127.0.0.1:8000.\n" in change.body
    [link] = [u for u in links_in(change.body) if "/confirm-email/" in u]
    client.post("/" + link.split("/", 3)[3])
    _one("member@example.com", "[Lead411] Email Changed")

    assert {
        "account/email/email_confirmation_signup_message.txt",
        "account/email/email_confirmation_message.txt",
        "account/email/account_already_exists_message.txt",
        "account/email/unknown_account_message.txt",
        "account/email/password_reset_key_message.txt",
        "account/email/password_reset_suspended_message.txt",
        "account/email/password_changed_message.txt",
        "account/email/email_changed_message.txt",
        "account/email/base_message.txt",
        "account/email/base_notification.txt",
    } <= rendered


@pytest.mark.clause("P9")
@pytest.mark.django_db(transaction=True)
def test_membership_emails_come_from_membership_and_replies_reach_staff(rendered, staff, member):
    refused = ApplicationFactory.create(user__email="rex@example.com", user__first_name="Rex")
    accounts.application_refuse(actor=staff, application=refused, reason="Not a sales team.")
    refusal = _one("rex@example.com", "[Lead411] Your membership application")
    assert "Reason: Not a sales team." in refusal.body
    assert "You may reply to this address" in refusal.body
    assert refusal.from_email == settings.MEMBERSHIP_FROM_EMAIL != settings.DEFAULT_FROM_EMAIL
    assert refusal.reply_to == [settings.OPERATOR["contact_email"]]

    asked = ApplicationFactory.create(user__email="ida@example.com", user__first_name="Ida")
    accounts.application_request_info(actor=staff, application=asked, question="Which team?")
    accounts.application_answer(user=asked.user, answer="Inside sales.")
    accounts.application_update(actor=staff, application=asked, data={"company": "Ida Corp"})
    accounts.application_approve(actor=staff, application=Application.objects.get(pk=asked.pk))

    report = accounts.stolen_password_report(user=member)
    accounts.stolen_password_complete(actor=staff, report=report)
    change = accounts.account_change_request_create(
        user=member, contact_email="member@example.com", name="Mia", kind="name", details="Typo."
    )
    accounts.account_change_request_resolve(
        actor=staff,
        change_request=change,
        status=AccountChangeRequest.Status.DONE,
        note="Fixed.",
    )
    accounts.user_email_change_by_staff(actor=staff, user=member, email="mia@new.example")
    for message in mail.outbox:
        assert message.from_email == settings.MEMBERSHIP_FROM_EMAIL, message.subject
        assert message.reply_to == [settings.OPERATOR["contact_email"]], message.subject
    names = {n.rsplit("/", 1)[1] for n in rendered if n.startswith("accounts/email/")}
    assert names == {
        f"{stem}_{part}.txt"
        for stem in (
            "application_refused",
            "application_info_requested",
            "application_answer_received",
            "staff_application_answered",
            "record_changed",
            "application_approved",
            "staff_stolen_password",
            "stolen_password_reset",
            "staff_account_change_request",
            "account_change_resolved",
            "email_changed_old_address",
            "email_changed_new_address",
        )
        for part in ("subject", "message")
    }


@pytest.mark.clause("P9")
@pytest.mark.django_db(transaction=True)
def test_application_received_and_staff_alert(rendered):
    user = UserFactory.create(email="nora@example.com", first_name="Nora")
    data = signup_data()
    accounts.application_submit(user=user, **{k: data[k] for k in accounts.PROFILE_FIELDS})
    assert (
        "Nora" in _one("nora@example.com", "[Lead411] We received your membership application").body
    )
    assert {
        "accounts/email/application_received_message.txt",
        "accounts/email/staff_application_new_message.txt",
    } <= rendered


@pytest.mark.clause("P10")
@pytest.mark.django_db(transaction=True)
def test_contact_breach_report_and_reply_emails(rendered, staff):
    conversation = contact.conversation_start(
        user=None,
        name="Bea",
        email="bea@example.com",
        category=Conversation.Category.BREACH,
        body="My data was shown to someone else.",
    )
    contact.conversation_reply(actor=staff, conversation=conversation, body="We are on it.")
    assert {
        "contact/email/breach_acknowledgement_message.txt",
        "contact/email/breach_staff_alert_message.txt",
        "contact/email/conversation_reply_message.txt",
    } <= rendered


@pytest.mark.clause("P15")
@pytest.mark.django_db(transaction=True)
def test_policy_notice_and_newsletter_emails(rendered, member, monkeypatch):
    mail_preferences_set(member=member, consents={Stream.UPDATES: True, Stream.DAILY: True})
    policy_version_publish(actor=None, version=PolicyVersionFactory.create(number=1))
    product_update_send(update=ProductUpdateFactory.create())
    lead_services.saved_search_create(member=member, name="All", criteria={})
    new_event(amount=Decimal(2_000_000))
    newsletter_issue_build(date=dt.date.today())
    assert set(Delivery.objects.values_list("stream", flat=True)) == {"updates", "daily"}
    assert {
        "policy/email/policy_notice_subject.txt",
        "policy/email/policy_notice_message.txt",
        "newsletter/email/update_subject.txt",
        "newsletter/email/update_message.txt",
        "newsletter/email/update_message.html",
        "newsletter/email/daily_subject.txt",
        "newsletter/email/daily_message.txt",
        "newsletter/email/daily_message.html",
        "newsletter/email/_lead.txt",
        "newsletter/email/_lead.html",
        "mail/email/_footer.txt",
        "mail/email/_footer.html",
    } <= rendered


def test_instant_alert_email(rendered, member, monkeypatch):
    now = [timezone.now()]
    monkeypatch.setattr("lead411.core.clock.now", lambda: now[0])
    lead_services.saved_search_create(
        member=member, name="Robots now", criteria={}, pace=SavedSearch.Pace.INSTANT
    )
    newsletter_alerts_run()  # the first run only starts the member's alert cursor
    new_event(summary="Acme builds robots", imported_at=now[0])
    now[0] += dt.timedelta(minutes=5)
    assert "queued 1" in newsletter_alerts_run()
    assert list(Delivery.objects.values_list("stream", "subject")) == [
        ("daily", "Lead411 alert: 1 new lead for Robots now")
    ]
    assert {
        "newsletter/email/alert_subject.txt",
        "newsletter/email/alert_message.txt",
        "newsletter/email/alert_message.html",
        "mail/email/_footer.txt",
        "mail/email/_footer.html",
    } <= rendered


@pytest.mark.links_off_site("https://crm.example.com")  # the member's own endpoint, named
def test_webhook_disabled_email(rendered, member, django_capture_on_commit_callbacks):
    search = lead_services.saved_search_create(member=member, name="Robots", criteria={})
    created = webhook_endpoint_create(
        member=member, saved_search=search, url="https://crm.example.com/hooks"
    )
    created.endpoint.consecutive_failures = 20
    with django_capture_on_commit_callbacks(execute=True):
        assert endpoint_disable(endpoint=created.endpoint, reason="20 failed attempts; HTTP 500")
    message = _one(member.email, "[Lead411] Your webhook for “Robots” was disabled")
    assert "Hello Mia," in message.body
    assert "disabled after 20 failed deliveries in a row" in message.body
    assert "Last error: 20 failed attempts; HTTP 500" in message.body
    assert f"/members/api-tokens/webhooks/{created.endpoint.pk}/" in message.body
    assert settings.OPERATOR["company_name"] in message.body
    [(html, _)] = message.alternatives
    assert "https://crm.example.com/hooks" in str(html)
    assert {
        "api/email/webhook_disabled_subject.txt",
        "api/email/webhook_disabled_message.txt",
        "api/email/webhook_disabled_message.html",
    } <= rendered


@pytest.mark.clause("L4")
@pytest.mark.django_db
def test_outbox_halted_email_to_the_operator(rendered):
    outbox_halt_record(
        phase="rcpt", code=550, enhanced="5.7.1", reply="5.7.1 <ann@example.com>: Relaying denied"
    )
    message = _one(
        settings.OPERATOR["contact_email"],
        "Lead411: newsletter sending stopped (RCPT TO 550 5.7.1)",
    )
    assert "answered 550 5.7.1 at RCPT TO" in message.body
    assert "5.7.1 <address>: Relaying denied" in message.body
    assert "ann@example.com" not in message.body
    assert "/admin/" in message.body
    assert "mail/email/outbox_halted.txt" in rendered


def test_every_email_template_on_disk_was_rendered_above():
    """Runs last in this file: the union of what the tests above rendered."""
    if len(RENDERED) == 0:
        pytest.skip("run with the whole file: the tests above collect what they render")
    assert sorted(_templates_on_disk() - RENDERED) == []
