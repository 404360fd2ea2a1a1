"""Root fixtures: personas shared by every app's tests."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache

from lead411.accounts.models import User
from lead411.accounts.tests.factories import PASSWORD, ApplicationFactory, UserFactory
from lead411.core.tests.site_links import off_site_links
from lead411.mail.tests.factories import MailPreferencesFactory
from lead411.mail.tests.smtp_sink import Sink

__all__ = ["PASSWORD"]  # the personas' password; app tests import it from here


@pytest.fixture(autouse=True)
def _fast_argon2(settings):  # every app's tests make users; hashing costs the suite minutes
    """Keep Argon2id (the production algorithm) but with test-sized cost parameters."""
    settings.PASSWORD_HASHERS = ["lead411.accounts.tests.hashers.FastArgon2PasswordHasher"]


def _links_check(request: pytest.FixtureRequest, messages: Any, site_url: str) -> None:
    """Fail the test when ``messages`` link off ``site_url`` (or the test's ``links_off_site``)."""
    allowed = [o for m in request.node.iter_markers("links_off_site") for o in m.args]
    found = off_site_links(messages, site_url=site_url, also=allowed)
    if found:
        pytest.fail(f"emails link off SITE_URL={site_url}: {found[:5]}")


@pytest.fixture(autouse=True)
def _mail_links_on_site_url(request: pytest.FixtureRequest, settings: Any) -> Iterator[None]:
    """Issue 15: fail a test whose emails (locmem outbox) link off ``SITE_URL``.

    Checked after the test, against the ``SITE_URL`` the test ran with (``settings`` is
    torn down after this fixture); ``smtp_sink`` checks the mail it accepted the same way.
    """
    yield
    from django.core import mail

    _links_check(request, getattr(mail, "outbox", []), settings.SITE_URL)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Start each test with an empty cache: the database rolls back, the locmem cache does not."""
    cache.clear()


# --- Personas, built from the factories (``lead411/<app>/tests/factories.py``). ---
# Each logs in with ``PASSWORD``; their addresses are verified, as for users staff create.


@pytest.fixture
def member(db) -> User:
    """An active member who may search leads (no application: created by staff)."""
    return UserFactory.create(email="member@example.com", first_name="Mia", last_name="Member")


@pytest.fixture
def staff(db) -> User:
    """A staff user with access to the admin."""
    return UserFactory.create(email="staff@example.com", staff=True, first_name="Sam", last_name="")


@pytest.fixture
def unsubscribed_member(db) -> User:
    """A member who unsubscribed from every stream: may still search leads, is mailed nothing."""
    user = UserFactory.create(
        email="unsubscribed@example.com", first_name="Uma", last_name="Unsubscribed"
    )
    MailPreferencesFactory.create(member=user, unsubscribed=True)
    return user


@pytest.fixture
def member_client(client, member):
    """A test client logged in as ``member``."""
    client.force_login(member)
    return client


# --- Mail over real SMTP (lead411.mail). ---


@pytest.fixture
def smtp_sink(request: pytest.FixtureRequest, settings: Any) -> Iterator[Sink]:
    """An aiosmtpd server on 127.0.0.1 with Django's SMTP backend pointed at it."""
    with Sink() as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = sink.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        yield sink
        _links_check(request, sink.handler.raw, settings.SITE_URL)


@pytest.fixture
def https_site(settings: Any) -> str:
    settings.SITE_URL = "https://leads.example.com"
    return settings.SITE_URL


def pytest_collection_modifyitems(config, items):
    """Mark every browser test ``e2e``, so ``make test-fast`` can leave them out."""
    for item in items:
        if "tests/e2e/" in item.nodeid:
            item.add_marker(pytest.mark.e2e)


# --- The clause ledger: which marked test proved which clause, per database vendor. ---

_clause_outcomes: dict[str, dict[str, object]] = {}


def pytest_runtest_logreport(report):
    """Record the outcome of every test marked ``@pytest.mark.clause(...)``."""
    clause_ids = [cid for marker in getattr(report, "clause_markers", []) for cid in marker]
    if not clause_ids:
        return
    entry = _clause_outcomes.setdefault(report.nodeid, {"clauses": clause_ids, "outcome": "passed"})
    if report.failed:
        entry["outcome"] = "failed"
    elif report.skipped and entry["outcome"] != "failed":
        entry["outcome"] = "skipped"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    report.clause_markers = [m.args for m in item.iter_markers("clause")]


def pytest_sessionfinish(session, exitstatus):
    """Merge this run's clause outcomes into var/clause-results.json under the DB vendor."""
    if not _clause_outcomes or hasattr(session.config, "workerinput"):
        return
    import json

    from django.conf import settings
    from django.db import connection

    path = settings.VAR_DIR / "clause-results.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    results[connection.vendor] = _clause_outcomes
    path.write_text(json.dumps(results, indent=1, sort_keys=True))


# --- Membership personas (lead411.accounts). ---


@pytest.fixture
def applicant(db) -> User:
    """A user who applied through sign-up and waits for review (not a member yet)."""
    application = ApplicationFactory.create(
        user__email="applicant@example.com",
        user__first_name="Ada",
        user__last_name="Applicant",
        company="Acme Widgets",
        job_title="Head of Sales",
        telephone="+1 555 0199",
        industry="Manufacturing",
        company_size="11-50",
        country="Canada",
    )
    return application.user


@pytest.fixture
def sales_team_staff(db) -> User:
    """A staff member of the "Sales-leads team" group, who sees registration details."""
    from django.contrib.auth.models import Group, Permission

    user = UserFactory.create(email="team@example.com", staff=True, first_name="Tess", last_name="")
    # The group comes from a data migration; a transactional test's flush removes it.
    group, created = Group.objects.get_or_create(name="Sales-leads team")
    if created:
        group.permissions.set(
            Permission.objects.filter(content_type__app_label="accounts")
            .exclude(codename__startswith="delete_")
            .exclude(codename__startswith="add_")
        )
    user.groups.add(group)
    return user


@pytest.fixture
def superuser(db) -> User:
    """A superuser: reads the audit log."""
    return UserFactory.create(
        email="root@example.com", superuser=True, first_name="Root", last_name=""
    )
