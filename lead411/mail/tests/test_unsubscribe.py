"""One-click unsubscribe: signed opaque tokens, GET asks, POST acts, per stream or all (P7)."""

import base64
import json

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from lead411.mail import services
from lead411.mail.models import Delivery, MailPreferences, Stream
from lead411.mail.outbox import outbox_send
from lead411.mail.tokens import BadToken, unsubscribe_token_make, unsubscribe_token_read

from .conftest import make_member

pytestmark = [pytest.mark.django_db, pytest.mark.clause("P7")]


def _token_of(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


def test_token_names_no_member_id_or_address(https_site):
    ann = make_member("ann@example.com")
    prefs = services.mail_preferences_get_or_create(member=ann)
    url = services.unsubscribe_url(prefs=prefs, stream=Stream.DAILY)
    assert url.startswith("https://leads.example.com/newsletter/unsubscribe/")
    token = _token_of(url)
    payload = token.split(":")[0]
    decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    assert json.loads(decoded) == [prefs.unsubscribe_key, "daily"]
    assert str(ann.pk) not in json.loads(decoded)
    assert "ann" not in token


def test_get_changes_nothing_and_post_without_csrf_or_login_unsubscribes():
    ann = make_member("ann@example.com")
    prefs = services.mail_preferences_get_or_create(member=ann)
    url = services.unsubscribe_url(prefs=prefs, stream=Stream.DAILY).removeprefix(
        "http://127.0.0.1:8000"
    )
    strict = Client(enforce_csrf_checks=True)
    page = strict.get(url)
    assert page.status_code == 200
    assert "Unsubscribe from The Daily eMail Newsletter?" in page.content.decode()
    prefs.refresh_from_db()
    assert prefs.daily is True
    # RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click" with no cookie or token.
    done = strict.post(url, {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert "You are unsubscribed" in done.content.decode()
    prefs.refresh_from_db()
    assert (prefs.daily, prefs.replies, prefs.updates) == (False, True, False)
    assert strict.post(url).status_code == 200  # idempotent


def test_unsubscribe_from_everything():
    ann = make_member("ann@example.com")
    services.mail_preferences_set(member=ann, consents={"updates": True})
    prefs = MailPreferences.objects.get(member=ann)
    url = services.unsubscribe_url(prefs=prefs, stream="all").removeprefix("http://127.0.0.1:8000")
    Client(enforce_csrf_checks=True).post(url)
    prefs.refresh_from_db()
    assert (prefs.daily, prefs.replies, prefs.updates) == (False, False, False)


def test_links_work_for_30_days_and_expire_after_the_setting(monkeypatch, settings):
    key = "k" * 24
    token = unsubscribe_token_make(key=key, stream="daily")
    signed_at = signing.TimestampSigner(salt="x").timestamp()
    monkeypatch.setattr("time.time", lambda: float(signing.b62_decode(signed_at)) + 31 * 86400)
    assert unsubscribe_token_read(token=token) == (key, "daily")
    monkeypatch.setattr(
        "time.time",
        lambda: (
            float(signing.b62_decode(signed_at))
            + (settings.NEWSLETTER_UNSUBSCRIBE_MAX_AGE_DAYS + 1) * 86400
        ),
    )
    with pytest.raises(BadToken, match="expired"):
        unsubscribe_token_read(token=token)


@pytest.mark.parametrize(
    "token", ["nonsense", "WyJ4IiwiZGFpbHkiXQ:1xXdcJ:forged-signature-aaaaaaaaaaaaaaaaaaaaaaaaaaa"]
)
def test_bad_tokens_show_a_help_page(client, token):
    page = client.post(reverse("mail:unsubscribe", args=[token]))
    assert page.status_code == 400
    assert "This unsubscribe link is not valid" in page.content.decode()


def test_unsubscribing_after_the_build_stops_the_queued_mail(mailoutbox):
    ann = make_member("ann@example.com")
    delivery = services.delivery_enqueue(
        member=ann, stream="daily", key="t1", subject="Hi", text_body="Body"
    )
    prefs = MailPreferences.objects.get(member=ann)
    Client().post(
        services.unsubscribe_url(prefs=prefs, stream="daily").removeprefix("http://127.0.0.1:8000")
    )
    report = outbox_send()
    delivery.refresh_from_db()
    assert (report.sent, report.cancelled, delivery.status) == (0, 1, Delivery.Status.CANCELLED)
    assert mailoutbox == []


@pytest.mark.parametrize("stream", Stream.values)
def test_every_stream_carries_the_link_headers_and_postal_address(
    stream, mailoutbox, https_site, settings
):
    ann = make_member("ann@example.com")
    services.mail_preferences_set(member=ann, consents={stream: True})
    services.delivery_enqueue(
        member=ann,
        stream=stream,
        key=f"k-{stream}",
        subject="Hi",
        text_body="Body",
        html_body="<p>Body</p>",
    )
    outbox_send()
    (message,) = mailoutbox
    link = message.extra_headers["List-Unsubscribe"]
    assert link.startswith("<https://leads.example.com/newsletter/unsubscribe/")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link.strip("<>") in message.body
    assert settings.OPERATOR["postal_address"] in message.body
    html = message.alternatives[0][0]
    assert settings.OPERATOR["postal_address"] in html
    assert "Unsubscribe from this email</a>" in html
