"""No account enumeration: sign-up, password reset and email change answer the same for
every account state, with the same number of password-hasher calls (clauses P10, P12)."""

import re

import pytest
from django.core import mail
from django.utils import timezone

from conftest import PASSWORD
from lead411.accounts.models import Application, User
from lead411.accounts.services import application_refuse
from lead411.accounts.tests.hashers import FastArgon2PasswordHasher

from .conftest import login, signup_data

CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')
STATES = ("unknown", "active", "pending", "refused", "inactive", "cancelled")


@pytest.fixture
def account_of(member, applicant, staff):
    """Return ``{state: email}`` for an account in each state (``unknown`` has none)."""
    refused = User.objects.create_user("refused@example.com", PASSWORD, first_name="Rex")
    application = Application.objects.create(
        user=refused,
        company="Refused Co",
        job_title="Buyer",
        telephone="+1 555 0100",
        industry="Retail",
        company_size="1-10",
        country="Chile",
        submitted_at=timezone.now(),
    )
    application_refuse(actor=staff, application=application, reason="Not a fit.")
    User.objects.create_user("inactive@example.com", PASSWORD, is_active=False)
    User.objects.create_user("cancelled@example.com", None)  # a stolen-password report's state
    mail.outbox.clear()
    return {
        "unknown": "nobody@example.com",
        "active": member.email,
        "pending": applicant.email,
        "refused": "refused@example.com",
        "inactive": "inactive@example.com",
        "cancelled": "cancelled@example.com",
    }


@pytest.fixture
def hasher_calls(monkeypatch):
    """Count every Argon2 encode and verify; return the counter dict."""
    calls = {"n": 0}
    encode, verify = FastArgon2PasswordHasher.encode, FastArgon2PasswordHasher.verify

    def counted_encode(self, password, salt):
        calls["n"] += 1
        return encode(self, password, salt)

    def counted_verify(self, password, encoded):
        calls["n"] += 1
        return verify(self, password, encoded)

    monkeypatch.setattr(FastArgon2PasswordHasher, "encode", counted_encode)
    monkeypatch.setattr(FastArgon2PasswordHasher, "verify", counted_verify)
    return calls


def _answer(response, email: str) -> tuple[int, str]:
    """Return the status and where it leads, or the page without CSRF tokens and the address."""
    if response.status_code in (301, 302):
        return response.status_code, response.url
    body = response.content.decode().replace(email, "EMAIL")
    return response.status_code, CSRF_TOKEN.sub("", body)


@pytest.mark.clause("P10")
@pytest.mark.django_db
def test_signup_answers_alike_for_every_account_state(client, account_of, hasher_calls):
    """Applying with a taken address hashes as much as a new application (was 0 vs 1 call)."""
    answers, calls = {}, {}
    for state in STATES:
        email = account_of[state]
        hasher_calls["n"] = 0
        response = client.post("/accounts/signup/", signup_data(email=email))
        calls[state] = hasher_calls["n"]
        answers[state] = (_answer(response, email), _answer(client.get(response.url), email))
        client.logout()
    assert len(set(answers.values())) == 1, answers
    assert len(set(calls.values())) == 1, calls


@pytest.mark.clause("P12")
@pytest.mark.django_db
def test_reset_answers_alike_for_every_account_state(client, account_of, hasher_calls):
    """Same redirect, page and hasher calls for unknown, active, pending, refused, inactive
    and cancelled-password accounts."""
    answers, calls = {}, {}
    for state in STATES:
        email = account_of[state]
        hasher_calls["n"] = 0
        response = client.post("/accounts/password/reset/", {"email": email})
        calls[state] = hasher_calls["n"]
        answers[state] = (_answer(response, email), _answer(client.get(response.url), email))
    assert len(set(answers.values())) == 1, answers
    assert len(set(calls.values())) == 1, calls


@pytest.mark.clause("P11")
@pytest.mark.django_db
def test_email_change_answers_alike_for_every_account_state(client, account_of, hasher_calls):
    """A member adding an address that another account holds learns nothing from the answer."""
    User.objects.create_user("changer@example.com", PASSWORD, first_name="Cleo")
    login(client, "changer@example.com")
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    client.get("/accounts/email/")  # shows, and so clears, the "signed in" message
    answers, calls = {}, {}
    for state in STATES:
        email = account_of[state]
        hasher_calls["n"] = 0
        response = client.post("/accounts/email/", {"action_add": "", "email": email})
        calls[state] = hasher_calls["n"]
        # The page it leads to lists the member's addresses and the flash message.
        answers[state] = (_answer(response, email), _answer(client.get(response.url), email))
    assert len(set(answers.values())) == 1, answers
    assert len(set(calls.values())) == 1, calls
