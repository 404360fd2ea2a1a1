"""Three streams, each with its own consent; product updates to consenting members only (P5)."""

import pytest
from django.urls import reverse

from lead411.mail import services
from lead411.mail.models import Delivery, MailPreferences, Stream
from lead411.mail.outbox import outbox_send
from lead411.newsletter import services as newsletter_services
from lead411.newsletter.models import ProductUpdate

from .conftest import make_member

pytestmark = [pytest.mark.django_db, pytest.mark.clause("P5")]


def test_there_are_exactly_three_streams():
    assert Stream.values == ["daily", "replies", "updates"]


def test_preferences_page_shows_and_changes_each_stream(member_client, member):
    page = member_client.get(reverse("mail:preferences"))
    form = page.context["form"]
    assert form.initial == {"daily": True, "replies": True, "updates": False}
    assert (
        "Account email (address verification, password reset) is sent only when you ask for it."
        in page.content.decode()
    )
    member_client.post(reverse("mail:preferences"), {"replies": "on", "updates": "on"})
    prefs = MailPreferences.objects.get(member=member)
    assert (prefs.daily, prefs.replies, prefs.updates) == (False, True, True)


def test_enqueue_without_consent_is_recorded_and_never_sent(mailoutbox):
    ann = make_member("ann@example.com")
    delivery = services.delivery_enqueue(
        member=ann, stream="updates", key="u1", subject="New", text_body="x"
    )
    assert delivery.status == Delivery.Status.CANCELLED
    assert delivery.last_error == "no consent to the updates stream"
    assert outbox_send().sent == 0
    assert mailoutbox == []


def test_enqueue_is_idempotent_per_key_and_threads_replies(mailoutbox):
    ann = make_member("ann@example.com")
    first = services.delivery_enqueue(
        member=ann, stream="replies", key="reply:7", subject="Re: your question", text_body="Answer",
        headers={"In-Reply-To": "<q7@example.com>", "References": "<q7@example.com>"},
    )  # fmt: skip
    again = services.delivery_enqueue(
        member=ann, stream="replies", key="reply:7", subject="x", text_body="y"
    )
    assert again.pk == first.pk
    outbox_send()
    (message,) = mailoutbox
    assert message.extra_headers["In-Reply-To"] == "<q7@example.com>"
    assert message.extra_headers["Message-ID"] == services.message_id_for(key="reply:7")


def test_reserved_headers_are_refused():
    ann = make_member("ann@example.com")
    with pytest.raises(ValueError, match="These headers are set by the outbox"):
        services.delivery_enqueue(
            member=ann, stream="replies", key="r", subject="s", text_body="t", headers={"To": "x@y"}
        )


@pytest.mark.links_off_site("https://example.com")  # the staff-written body links there
def test_product_update_is_sanitised_and_reaches_consenting_members_only(client, staff, mailoutbox):
    yes = make_member("yes@example.com")
    no = make_member("no@example.com")
    make_member("default@example.com")  # never opted in: updates are off by default
    services.mail_preferences_set(member=yes, consents={"updates": True})
    services.mail_preferences_set(member=no, consents={"updates": False})
    update = ProductUpdate.objects.create(
        title="Saved searches are here",
        body_markdown="**Save** any search. <script>alert(1)</script> [docs](https://example.com) [x](javascript:alert(1))",
        created_at="2026-11-29T06:00Z",
    )
    client.force_login(staff)
    preview = client.get(reverse("newsletter:update-preview", args=[update.pk]))
    html = preview.context["html"]
    assert "<strong>Save</strong>" in html
    assert "<script" not in html
    assert "javascript:" not in html
    assert '<a href="https://example.com" rel="noopener noreferrer">docs</a>' in html
    assert newsletter_services.product_update_send(update=update) == 1
    outbox_send()
    assert [m.to for m in mailoutbox] == [["yes@example.com"]]
    assert mailoutbox[0].subject == "Lead411 update: Saved searches are here"
    with pytest.raises(ValueError, match=r"This update was already sent\."):
        newsletter_services.product_update_send(update=update)
