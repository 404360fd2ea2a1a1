"""Delete my account: the member's identity is nowhere in the database afterwards (issue 3, P11).

A member with data in every table that stores a member's identity deletes their
account through the real view; then every text column of every model (Django's and
the libraries' included) is scanned for their email addresses, name, telephone and
company. The suppression list keeps only a keyed hash, which still stops mail.
"""

import json
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.mail import EmailMessage
from django.db import models
from django.test import Client
from django_q.tasks import async_task

from conftest import PASSWORD
from lead411.accounts.models import AccountChangeRequest, StolenPasswordReport, User
from lead411.accounts.services import (
    account_change_request_create,
    application_approve,
    application_submit,
    member_name_change,
)
from lead411.accounts.tests.conftest import login
from lead411.activity.models import MemberDailyActivity
from lead411.contact.models import Conversation, Message
from lead411.contact.services import conversation_reply, conversation_start
from lead411.core import clock
from lead411.core.mail import RETRY_GROUP, message_as_data
from lead411.core.models import AuditEvent
from lead411.leads.models import SavedSearch
from lead411.mail.models import Delivery, Suppression
from lead411.mail.services import delivery_enqueue, mail_preferences_set
from lead411.mail.suppression import ERASURE_REASON, email_hash, is_suppressed, suppression_add
from lead411.newsletter.digest import newsletter_recipients
from lead411.policy.models import PolicyAcknowledgement
from lead411.policy.services import policy_acknowledge, policy_seed
from lead411.privacy.services import erased_label

pytestmark = [pytest.mark.clause("P11"), pytest.mark.django_db]

EMAIL = "zelda.quorn@erase.example"
ALT_EMAIL = "zq.alt@erase.example"
FIRST, LAST = "Zelda", "Quornwhistle"
TELEPHONE = "+44 20 7946 0958"
COMPANY = "Brambleworth Analytics"
# What must appear nowhere: each address in any case, the names, the company, the
# telephone as typed and as bare digits.
NEEDLES = [EMAIL, ALT_EMAIL, FIRST.lower(), LAST.lower(), COMPANY.lower()]
NEEDLES += [TELEPHONE, "442079460958"]


def _text(value: Any) -> str:
    """Return a stored value as searchable text (JSON, bytes and pickled objects included)."""
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("utf-8", "ignore")
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, default=str)
    return str(value)


def _scan_database() -> list[str]:
    """Return ``app.Model.field: needle`` for each identifier found in any stored value."""
    found = []
    for model in apps.get_models():
        fields = [
            f
            for f in model._meta.concrete_fields
            if not isinstance(f, models.ForeignKey)
            and not isinstance(f, models.DateField | models.IntegerField | models.BooleanField)
        ]
        for field in fields:
            for value in model._base_manager.values_list(field.attname, flat=True):
                text = _text(value).lower()
                digits = "".join(ch for ch in text if ch.isdigit())
                for needle in NEEDLES:
                    hit = needle.lower() in text or (needle.isdigit() and needle in digits)
                    if hit:
                        found.append(f"{model._meta.label}.{field.name}: {needle}")
    # The task queue's broker rows are signed pickles: read them as django-q2 does.
    from django_q.models import OrmQ

    for queued in OrmQ.objects.all():
        text = _text(queued.task).lower()
        found += [f"OrmQ payload: {n}" for n in NEEDLES if n.lower() in text]
    return found


@pytest.fixture
def zelda(db, staff) -> User:
    """A member with a row in every table that stores a member's identity or data."""
    now = clock.now()
    user = User.objects.create_user(EMAIL, PASSWORD, first_name="Zed", last_name=LAST)
    EmailAddress.objects.create(user=user, email=ALT_EMAIL, verified=True, primary=False)
    application = application_submit(
        user=user,
        company=COMPANY,
        job_title="Head of Growth",
        telephone=TELEPHONE,
        industry="Analytics",
        company_size="11-50",
        country="United Kingdom",
    )
    application_approve(actor=staff, application=application)
    member_name_change(user=user, first_name=FIRST, last_name=LAST)  # audited before/after
    account_change_request_create(
        user=user,
        contact_email=EMAIL,
        name=f"{FIRST} {LAST}",
        kind="name",
        details=f"Please spell my company {COMPANY}.",
    )
    account_change_request_create(  # sent logged out, from the second address
        user=None,
        contact_email=ALT_EMAIL,
        name=f"{FIRST} {LAST}",
        kind="email",
        details=f"I am {FIRST}, call {TELEPHONE}.",
    )
    StolenPasswordReport.objects.create(user=user, reported_at=now, completed_at=now)
    SavedSearch.objects.create(
        member=user,
        name=f"{FIRST}'s software leads",
        criteria={"q": "software"},
        created_at=now,
        updated_at=now,
    )
    mail_preferences_set(member=user, consents={"daily": True, "replies": True, "updates": True})
    delivery_enqueue(
        member=user, stream="daily", key="zelda:daily", subject="Your leads", text_body="Hi"
    )
    suppression_add(email=ALT_EMAIL, reason=f"550 5.1.1 <{ALT_EMAIL}>: no such user")
    body = f"I am {FIRST} {LAST} of {COMPANY}; call me on {TELEPHONE}."
    question = conversation_start(
        user=user, name=f"{FIRST} {LAST}", email=EMAIL, category="leads", body=body
    )
    conversation_reply(actor=staff, conversation=question, body=f"Dear {FIRST}, done.")
    breach = conversation_start(
        user=user, name=f"{FIRST} {LAST}", email=EMAIL, category="breach", body=body
    )
    conversation_reply(actor=staff, conversation=breach, body=f"Dear {FIRST}, we are on it.")
    conversation_start(
        user=None, name=FIRST, email=ALT_EMAIL.upper(), category="other", body="Logged out."
    )
    version = policy_seed()
    assert version is not None
    policy_acknowledge(user=user, version=version)
    MemberDailyActivity.objects.create(
        member=user, day=now.date(), page_type="search", pageviews=3, visits=1, last_seen_at=now
    )
    LogEntry.objects.create(  # staff edited the conversation in the admin
        user=staff,
        content_type=ContentType.objects.get_for_model(Conversation),
        object_id=str(question.pk),
        object_repr=str(question),
        action_flag=CHANGE,
        change_message="[]",
    )
    retry = EmailMessage(subject="Password changed", body=f"Hello {FIRST}", to=[EMAIL])
    async_task("lead411.core.mail.message_send", message_as_data(retry), group=RETRY_GROUP)
    return user


def test_the_fixture_puts_the_member_in_every_table(zelda):
    """Guard for the erasure test below: the scan finds the member before the deletion."""
    found = {hit.split(":")[0] for hit in _scan_database()}
    for column in [
        "accounts.User.email",
        "accounts.Application.telephone",
        "accounts.AccountChangeRequest.contact_email",
        "account.EmailAddress.email",
        "leads.SavedSearch.name",
        "mail.Delivery.to_email",
        "contact.Conversation.email",
        "contact.Message.body",
        "core.AuditEvent.changes",
        "core.AuditEvent.actor_label",
        "admin.LogEntry.object_repr",
        "OrmQ payload",
    ]:
        assert column in found
    assert Suppression.objects.count() == 1
    assert Delivery.objects.filter(member=zelda).exists()
    assert PolicyAcknowledgement.objects.filter(user=zelda).exists()
    assert StolenPasswordReport.objects.filter(user=zelda).exists()


def test_deleting_the_account_leaves_the_member_nowhere_but_as_a_hash(client, zelda, staff):
    pk = zelda.pk
    login(client, EMAIL)
    assert client.get("/members/account/delete/").status_code == 200
    unconfirmed = client.post("/members/account/delete/", {"password": PASSWORD})
    assert User.objects.filter(pk=pk).exists(), "nothing happens without the confirmation box"
    assert unconfirmed.status_code == 200

    response = client.post("/members/account/delete/", {"confirm": "on", "password": PASSWORD})

    assert "have been erased" in response.content.decode()
    assert _scan_database() == []
    # The suppression list: one row per address of the account, by hash only.
    assert set(Suppression.objects.values_list("email_hash", flat=True)) == {
        email_hash(EMAIL),
        email_hash(ALT_EMAIL),
    }
    assert is_suppressed(email=EMAIL.upper())
    # The breach report is kept, anonymised, for accountability; the rest is gone.
    breach = Conversation.objects.get()
    assert (breach.category, breach.user, breach.name, breach.email, breach.status) == (
        "breach",
        None,
        "(erased)",
        "",
        "closed",
    )
    bodies = list(Message.objects.filter(conversation=breach).values_list("body", flat=True))
    assert bodies == [
        "I am (erased) of (erased); call me on (erased).",
        "Dear (erased), we are on it.",
    ]
    assert not AccountChangeRequest.objects.exists()
    # Who did what stays provable: the member's own events carry a pseudonym.
    label = erased_label(pk=pk)
    assert AuditEvent.objects.filter(verb="member_erased", actor_label=label).exists()
    assert AuditEvent.objects.filter(actor_label=label, verb="contact").count() == 2
    staff_reply = AuditEvent.objects.filter(verb="reply", actor=staff)
    assert staff_reply.count() == 2
    assert set(staff_reply.values_list("object_repr", flat=True)) == {"(erased)"}


def test_mail_to_an_erased_address_is_suppressed_until_its_owner_signs_up_again(client, zelda):
    login(client, EMAIL)
    client.post("/members/account/delete/", {"confirm": "on", "password": PASSWORD})
    mail.outbox.clear()

    # Staff (or an import) re-create the address: the outbox still never mails it.
    again = User.objects.create_user(EMAIL, PASSWORD)
    now = clock.now()
    SavedSearch.objects.create(member=again, name="s", criteria={}, created_at=now, updated_at=now)
    assert again not in newsletter_recipients()
    for stream in ("daily", "replies"):
        row = delivery_enqueue(
            member=again, stream=stream, key=f"again:{stream}", subject="s", text_body="t"
        )
        assert row.status == Delivery.Status.SUPPRESSED
    again.delete()

    # The owner signs up again and confirms the address: a fresh opt-in lifts the entry.
    from lead411.accounts.tests.conftest import links_in, signup_data

    fresh = Client()
    fresh.post("/accounts/signup/", signup_data(email=EMAIL))
    assert is_suppressed(email=EMAIL), "not before the address is confirmed"
    link = next(u for m in mail.outbox for u in links_in(m.body) if "confirm-email" in u)
    fresh.post(link.split("testserver", 1)[-1])
    assert EmailAddress.objects.filter(email__iexact=EMAIL, verified=True).exists()
    assert not is_suppressed(email=EMAIL)
    assert is_suppressed(email=ALT_EMAIL), "the other address was not confirmed"


def test_smtp_failures_stay_suppressed_when_the_address_is_confirmed_again():
    from lead411.mail.suppression import suppression_lift_erasure

    suppression_add(email=EMAIL, reason="550 5.1.1 no such user", smtp_code=550)
    assert suppression_lift_erasure(email=EMAIL) == 0
    assert is_suppressed(email=EMAIL)
    assert Suppression.objects.get().reason != ERASURE_REASON


def test_download_my_data_covers_mail_sent_suppression_and_logged_out_messages(client, zelda):
    client.force_login(zelda)
    data = json.loads(client.get("/members/account/my-data.json").content)
    sent = {row["subject"]: row for row in data["emails_sent"]}
    assert sent["Your leads"]["to_email"] == EMAIL
    breach = Conversation.objects.get(category="breach")
    assert sent[f"Re: {breach.subject}"]["stream"] == "replies"
    assert data["suppressed"] is True
    assert len(data["conversations"]) == 3, "two signed in, one sent logged out"
    assert len(data["account_change_requests"]) == 2
    own = data["audit_events"]
    name_change = next(e for e in own if e["object_type"] == "accounts.user" and e["changes"])
    assert name_change["changes"]["first_name"] == {"before": "Zed", "after": FIRST}
