"""The product's own policy text: figures from settings, seeded once (clauses P15, P1)."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from lead411.policy.models import PolicyVersion
from lead411.policy.services import policy_seed, policy_text_render

pytestmark = pytest.mark.django_db


@pytest.mark.clause("P15")
def test_policy_text_states_the_configured_figures(settings):
    settings.WEBLOG_RAW_RETENTION_DAYS = 17
    settings.REPORT_MIN_CELL = 12
    settings.SESSION_COOKIE_NAME = "l411_session"
    settings.CSRF_COOKIE_NAME = "l411_csrf"
    settings.SESSION_COOKIE_AGE = 60 * 60 * 24 * 9
    settings.PASSWORD_RESET_TIMEOUT = 60 * 45
    settings.OPERATOR = {**settings.OPERATOR, "postal_address": "9 Test Lane, Testville"}

    text = policy_text_render()

    assert "Detailed records are kept for 17 days" in text
    assert "Any group with fewer than 12 people is left out" in text
    assert "`l411_session`: Keeps you logged in" in text
    assert "or 9 days if you ticked" in text
    assert "`l411_csrf`: Protects forms" in text
    assert "expires after 45 minutes" in text
    assert "9 Test Lane, Testville" in text
    for stream in (
        "The Daily eMail Newsletter",
        "Replies to messages you sent us",
        "Product updates and new features",
    ):
        assert stream in text


def test_https_only_sentence_follows_the_setting(settings):
    settings.SESSION_COOKIE_SECURE = False
    assert "only over encrypted (HTTPS) connections" not in policy_text_render()
    settings.SESSION_COOKIE_SECURE = True
    assert "only over encrypted (HTTPS) connections" in policy_text_render()


@pytest.mark.clause("P15")
def test_seed_publishes_version_one_once(client):
    call_command("policy_seed")
    call_command("policy_seed")

    version = PolicyVersion.objects.get()
    assert version.number == 1
    assert version.is_published
    assert version.effective_at == version.published_at
    body = client.get(reverse("policy:privacy")).content.decode()
    assert "<h2>Public pages: what our web logs record</h2>" in body
    assert "Version 1 · effective" in body
    assert policy_seed() is None
