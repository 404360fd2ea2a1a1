"""Forgot password: single-use link, one hour, built from SITE_URL, no auto-login (clause P12)."""

import datetime as dt

import pytest
from allauth.account.forms import default_token_generator
from django.conf import settings
from django.core import mail

from lead411.accounts.models import User
from lead411.core.models import AuditEvent

from .conftest import links_in

NEW_PASSWORD = "seven orange kites over harbour"


def _request_reset(client, email: str, **extra):
    return client.post("/accounts/password/reset/", {"email": email}, **extra)


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


@pytest.mark.clause("P12")
@pytest.mark.django_db
def test_login_page_links_to_forgot_password(client):
    assert 'href="/accounts/password/reset/"' in client.get("/accounts/login/").content.decode()


@pytest.mark.clause("P12")
@pytest.mark.django_db
def test_reset_link_uses_site_url_not_the_host_header(client, member, settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "evil.example"]
    _request_reset(client, "member@example.com", HTTP_HOST="evil.example")
    [message] = mail.outbox
    [link] = [u for u in links_in(message.body) if "/password/reset/key/" in u]
    assert link.startswith(settings.SITE_URL + "/accounts/password/reset/key/")
    assert "evil.example" not in message.body


@pytest.mark.clause("P12")
@pytest.mark.django_db
def test_reset_answers_alike_for_known_and_unknown_addresses(client, member, applicant):
    answers = {
        (r.status_code, r.url)
        for r in (
            _request_reset(client, email)
            for email in ("member@example.com", "nobody@example.com", "applicant@example.com")
        )
    }
    assert answers == {(302, "/accounts/password/reset/done/")}


@pytest.mark.clause("P12")
@pytest.mark.django_db
def test_reset_is_single_use_without_auto_login_and_notifies(client, member):
    _request_reset(client, "member@example.com")
    [link] = [u for u in links_in(mail.outbox[0].body) if "/password/reset/key/" in u]
    form_page = client.get(_path(link), follow=True)
    form_url = form_page.redirect_chain[-1][0]
    response = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session, "no automatic login after a reset"
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)
    notice = mail.outbox[-1]
    assert notice.to == ["member@example.com"]
    assert "/members/stolen-password/" in notice.body, (
        "the notice offers the stolen-password report"
    )
    assert AuditEvent.objects.filter(verb="password_changed", object_id=str(member.pk)).exists()

    again = client.get(_path(link), follow=True)
    assert again.context["token_fail"] is True, "a used link is dead"


@pytest.mark.clause("P12")
@pytest.mark.django_db
def test_reset_token_expires_after_one_hour(member, settings, monkeypatch):
    assert settings.PASSWORD_RESET_TIMEOUT == 3600
    token = default_token_generator.make_token(member)
    assert default_token_generator.check_token(member, token)
    later = dt.datetime.now() + dt.timedelta(seconds=3601)
    monkeypatch.setattr(default_token_generator, "_now", lambda: later)
    assert not default_token_generator.check_token(member, token)


@pytest.mark.clause("P12")
@pytest.mark.django_db
def test_a_cancelled_password_account_gets_no_reset_link_but_the_same_answer(client, member):
    """While a stolen-password report is open the member is told staff will send the link."""
    from lead411.accounts.services import stolen_password_report

    stolen_password_report(user=User.objects.get(pk=member.pk))
    mail.outbox.clear()
    response = _request_reset(client, "member@example.com")
    assert (response.status_code, response.url) == (302, "/accounts/password/reset/done/")
    [notice] = [m for m in mail.outbox if m.to == ["member@example.com"]]
    assert notice.subject == "[Lead411] Password reset on hold"
    assert "asked for a password reset for member@example.com." in notice.body
    assert "our team will email you a link" in " ".join(notice.body.split())
    assert "/password/reset/key/" not in notice.body
    assert notice.reply_to == [settings.OPERATOR["contact_email"]]
