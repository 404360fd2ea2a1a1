"""Root fixtures: personas shared by every app's tests."""

import pytest

from lead411.accounts.models import User

PASSWORD = "correct horse battery staple 2026"


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
