"""Contact page, form and conversations; breach reports first; threaded replies (P1, P10)."""

import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import resolve, reverse

from lead411.accounts.models import User
from lead411.contact.models import Conversation, Message
from lead411.contact.services import (
    conversation_member_reply,
    conversation_reply,
    conversation_start,
)
from lead411.mail import services as mail_services
from lead411.mail.models import Delivery
from lead411.mail.outbox import delivery_email_message

pytestmark = pytest.mark.django_db

VALID = {
    "name": "Pat Visitor",
    "email": "pat@example.org",
    "category": "other",
    "message": "Do you cover Canada?",
    "website": "",
}


@pytest.mark.clause("P1")
@pytest.mark.clause("P10")
def test_contact_page_lists_post_telephone_fax_and_email(client, settings):
    settings.OPERATOR = {
        "company_name": "Acme Leads Inc.",
        "postal_address": "1 Main St, Town, ST 11111",
        "telephone": "+1 555 0199",
        "fax": "+1 555 0198",
        "contact_email": "help@acme.example",
    }

    body = client.get(reverse("contact:contact")).content.decode()

    for text in (
        "Acme Leads Inc.",
        "1 Main St, Town, ST 11111",
        "+1 555 0199",
        "Fax: +1 555 0198",
        "help@acme.example",
        "Report a breach of this policy",
        "apply for membership, change your account or ask about",
    ):
        assert text in body


@pytest.mark.clause("P1")
def test_a_visitor_message_becomes_a_conversation(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("contact:contact"), VALID)

    assert response.status_code == 302
    assert response["Location"] == reverse("contact:contact-sent")
    conversation = Conversation.objects.get()
    assert (conversation.name, conversation.email, conversation.user) == (
        "Pat Visitor",
        "pat@example.org",
        None,
    )
    assert conversation.status == Conversation.Status.OPEN
    assert [m.body for m in conversation.messages.all()] == ["Do you cover Canada?"]
    assert mail.outbox == []  # only breach reports are acknowledged by email


@pytest.mark.clause("P1")
@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("name", "Pat\r\nBcc: victim@example.org", "Line breaks are not allowed here."),
        ("name", "x" * 101, "Ensure this value has at most 100 characters (it has 101)."),
        ("name", "   ", "Please tell us your name."),
        ("email", "not-an-address", "Enter a valid email address."),
        ("message", "x" * 5001, "Ensure this value has at most 5000 characters (it has 5001)."),
        ("message", "", "This field is required."),
        ("category", "spam", "Select a valid choice. spam is not one of the available choices."),
    ],
)
def test_contact_form_rejects_bad_input(client, field, value, error):
    response = client.post(reverse("contact:contact"), {**VALID, field: value})

    assert response.status_code == 200
    assert response.context["form"].errors[field] == [error]
    assert not Conversation.objects.exists()


@pytest.mark.clause("P1")
def test_line_breaks_in_the_email_address_are_rejected(client):
    response = client.post(
        reverse("contact:contact"), {**VALID, "email": "pat@example.org\nBcc: victim@example.org"}
    )

    assert response.context["form"].errors["email"] == [
        "Enter a valid email address.",
        "Line breaks are not allowed here.",
    ]
    assert not Conversation.objects.exists()


def test_a_filled_honeypot_is_thanked_and_dropped(client):
    response = client.post(reverse("contact:contact"), {**VALID, "website": "http://spam.example"})

    assert response["Location"] == reverse("contact:contact-sent")
    assert not Conversation.objects.exists()


def test_contact_form_is_rate_limited_per_address(client, settings):
    settings.POLICY_CONTACT_MAX_PER_HOUR = 2
    for _ in range(2):
        assert client.post(reverse("contact:contact"), VALID).status_code == 302

    response = client.post(reverse("contact:contact"), VALID)

    assert response.status_code == 200
    assert "You have sent several messages in the last hour" in response.content.decode()
    assert Conversation.objects.count() == 2


def test_a_member_message_is_linked_to_the_member(member_client, member):
    page = member_client.get(reverse("contact:contact"))
    assert page.context["form"].initial["email"] == member.email

    member_client.post(reverse("contact:contact"), {**VALID, "email": member.email})

    assert Conversation.objects.get().user == member


@pytest.mark.clause("P1")
def test_a_breach_report_is_acknowledged_and_staff_are_alerted(
    client, settings, django_capture_on_commit_callbacks
):
    settings.OPERATOR = {**settings.OPERATOR, "contact_email": "privacy@acme.example"}

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("contact:contact"),
            {**VALID, "category": "breach", "message": "You sent my address to a partner."},
        )

    conversation = Conversation.objects.get()
    assert conversation.is_breach_report
    alert, ack = sorted(mail.outbox, key=lambda m: m.to[0] != "privacy@acme.example")
    assert alert.to == ["privacy@acme.example"]
    assert "Breach of the privacy policy reported" in alert.subject
    assert f"/admin/contact/conversation/{conversation.pk}/change/" in alert.body
    assert ack.to == ["pat@example.org"]
    assert ack.subject == f"Re: [Lead411 #{conversation.pk}] Report a breach of this policy"
    assert "we received your report of a breach" in ack.body
    assert re.fullmatch(r"<[0-9a-f]{40}@[^>]+>", ack.extra_headers["Message-ID"])


@pytest.mark.clause("P1")
def test_breach_reports_are_listed_first_to_staff(admin_client):
    older_breach = conversation_start(
        user=None, name="A", email="a@example.org", category="breach", body="Breach!"
    )
    newer_question = conversation_start(
        user=None, name="B", email="b@example.org", category="leads", body="A question"
    )

    response = admin_client.get(reverse("admin:contact_conversation_changelist"))
    listed = list(response.context["cl"].result_list)

    assert [c.pk for c in listed] == [older_breach.pk, newer_question.pk]
    assert list(Conversation.objects.all()) == [older_breach, newer_question]
    filtered = admin_client.get(
        reverse("admin:contact_conversation_changelist"), {"is_breach_report__exact": "1"}
    )
    assert [c.pk for c in filtered.context["cl"].result_list] == [older_breach.pk]


@pytest.mark.clause("P1")
def test_staff_reply_from_the_admin_arrives_threaded(
    admin_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        conversation = conversation_start(
            user=None, name="Pat", email="pat@example.org", category="breach", body="Breach!"
        )
    [ack] = [m for m in mail.outbox if m.to == ["pat@example.org"]]
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:contact_conversation_change", args=[conversation.pk]),
            {"reply": "We checked: nothing was sent. Details follow."},
        )

    assert response.status_code == 302
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.ANSWERED
    staff_message = conversation.messages.get(author_kind=Message.Author.STAFF)
    first_message = conversation.messages.get(author_kind=Message.Author.SENDER)
    [reply] = mail.outbox
    first_id = mail_services.message_id_for(key=f"contact:{conversation.pk}:{first_message.pk}")
    root_id = ack.extra_headers["Message-ID"]
    assert reply.to == ["pat@example.org"]
    assert reply.subject == ack.subject
    assert "We checked: nothing was sent." in reply.body
    assert reply.extra_headers["Message-ID"] == mail_services.message_id_for(
        key=f"contact:{conversation.pk}:{staff_message.pk}"
    )
    assert reply.extra_headers["In-Reply-To"] == first_id
    assert reply.extra_headers["References"] == f"{root_id} {first_id}"
    assert reply.extra_headers["Message-ID"] not in (root_id, first_id)


@pytest.mark.clause("P1")
def test_member_answers_on_the_site_and_the_next_reply_references_the_thread(
    member_client, member, staff
):
    conversation = conversation_start(
        user=member, name="Mia", email=member.email, category="privacy", body="What do you keep?"
    )
    first = conversation_reply(actor=staff, conversation=conversation, body="See the policy.")

    listing = member_client.get(reverse("contact:conversation-list")).content.decode()
    assert f"#{conversation.pk} A question about my data or this policy" in listing
    detail = member_client.get(reverse("contact:conversation-detail", args=[conversation.pk]))
    assert "See the policy." in detail.content.decode()
    posted = member_client.post(
        reverse("contact:conversation-detail", args=[conversation.pk]),
        {"message": "Thanks, and how long?"},
    )
    assert posted.status_code == 302
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.OPEN
    answer = conversation.messages.order_by("-id")[0]
    assert answer.body == "Thanks, and how long?"

    second = conversation_reply(actor=staff, conversation=conversation, body="30 days.")

    # The email exactly as the outbox's sender builds it from the row.
    email = delivery_email_message(delivery=Delivery.objects.get(message_id=second_id(second)))
    ids = [
        mail_services.message_id_for(key=f"contact:{conversation.pk}:{m.pk}")
        for m in conversation.messages.filter(id__lt=second.pk).order_by("id")
    ]
    root = mail_services.message_id_for(key=f"contact:{conversation.pk}:root")
    assert email.to == [member.email]
    assert email.extra_headers["In-Reply-To"] == ids[-1]
    assert email.extra_headers["References"] == " ".join([root, *ids])
    assert len(ids) == 3 and ids[1] == mail_services.message_id_for(  # noqa: PT018
        key=f"contact:{conversation.pk}:{first.pk}"
    )
    assert f"/contact/conversations/{conversation.pk}/" in email.body
    assert (
        email.subject == f"Re: [Lead411 #{conversation.pk}] {conversation.get_category_display()}"
    )
    assert "List-Unsubscribe" in email.extra_headers  # the replies stream's own opt-out (P7)


def second_id(message: Message) -> str:
    return mail_services.message_id_for(key=f"contact:{message.conversation_id}:{message.pk}")


def test_members_see_only_their_own_conversations(member_client, member):
    other = User.objects.create_user("other@example.com", "x" * 20)
    theirs = conversation_start(
        user=other, name="O", email=other.email, category="other", body="Mine"
    )

    assert (
        member_client.get(reverse("contact:conversation-detail", args=[theirs.pk])).status_code
        == 404
    )
    with pytest.raises(ValidationError, match=r"This conversation is not yours\."):
        conversation_member_reply(member=member, conversation=theirs, body="Hi")


def test_only_staff_reply(member):
    conversation = conversation_start(
        user=None, name="P", email="p@example.org", category="other", body="Hello"
    )
    with pytest.raises(ValidationError, match=r"Only staff answer conversations\."):
        conversation_reply(actor=member, conversation=conversation, body="Hi")


@pytest.mark.clause("P1")
def test_the_admin_shows_the_thread_escaped(admin_client):
    conversation = conversation_start(
        user=None, name="Pat", email="pat@example.org", category="other", body="<b>Hi</b>"
    )

    page = admin_client.get(reverse("admin:contact_conversation_change", args=[conversation.pk]))

    assert page.status_code == 200
    assert "&lt;b&gt;Hi&lt;/b&gt;" in page.content.decode()
    assert 'name="reply"' in page.content.decode()


def test_the_policy_app_serves_privacy_and_contact():
    assert resolve("/privacy/").view_name == "policy:privacy"
    assert resolve("/contact/").view_name == "contact:contact"
