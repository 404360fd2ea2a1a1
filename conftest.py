"""Root fixtures: personas shared by every app's tests."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache

from lead411.accounts.models import User
from lead411.mail.tests.smtp_sink import Sink

PASSWORD = "correct horse battery staple 2026"


@pytest.fixture(autouse=True)
def _fast_argon2(settings):  # every app's tests make users; hashing costs the suite minutes
    """Keep Argon2id (the production algorithm) but with test-sized cost parameters."""
    settings.PASSWORD_HASHERS = ["lead411.accounts.tests.hashers.FastArgon2PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    """Start each test with an empty cache: the database rolls back, the locmem cache does not."""
    cache.clear()


@pytest.fixture
def member(db) -> User:
    """An active member who may search leads."""
    return User.objects.create_user(
        "member@example.com", PASSWORD, first_name="Mia", last_name="Member"
    )


@pytest.fixture
def staff(db) -> User:
    """A staff user with access to the admin."""
    return User.objects.create_user("staff@example.com", PASSWORD, is_staff=True, first_name="Sam")


@pytest.fixture
def member_client(client, member):
    """A test client logged in as ``member``."""
    client.force_login(member)
    return client


# --- Mail over real SMTP (lead411.mail). ---


@pytest.fixture
def smtp_sink(settings: Any) -> Iterator[Sink]:
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
    from django.utils import timezone

    from lead411.accounts.models import Application

    user = User.objects.create_user(
        "applicant@example.com", PASSWORD, first_name="Ada", last_name="Applicant"
    )
    Application.objects.create(
        user=user,
        company="Acme Widgets",
        job_title="Head of Sales",
        telephone="+1 555 0199",
        industry="Manufacturing",
        company_size="11-50",
        country="Canada",
        submitted_at=timezone.now(),
    )
    return user


@pytest.fixture
def sales_team_staff(db) -> User:
    """A staff member of the "Sales-leads team" group, who sees registration details."""
    from django.contrib.auth.models import Group, Permission

    user = User.objects.create_user("team@example.com", PASSWORD, is_staff=True, first_name="Tess")
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
    return User.objects.create_superuser("root@example.com", PASSWORD, first_name="Root")
