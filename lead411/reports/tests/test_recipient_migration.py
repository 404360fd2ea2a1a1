"""Migration 0002: recipients whose names differ only in spelling become one (issue 17).

Before it, "Acme Analytics" and "acme analytics" were two recipients with a budget each.
The migration keeps the oldest, moves every register entry to it and keeps the smaller
budget, so the one entity's ledger is whole; then the key is unique in the database.
"""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from lead411.accounts.tests.factories import UserFactory
from lead411.reports.models import Recipient

pytestmark = [pytest.mark.clause("P14")]

BEFORE = [("reports", "0001_initial")]
AFTER = [("reports", "0003_recipient_key_required")]


@pytest.mark.django_db(transaction=True)
def test_the_migration_merges_recipients_that_share_a_normalised_name():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    old_recipient = apps.get_model("reports", "Recipient")
    old_disclosure = apps.get_model("reports", "Disclosure")
    staff = UserFactory.create(staff=True)
    t0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    spellings = [("Acme Analytics", 1.0), ("acme analytics", 0.8), ("ACME  Analytics.", 1.0)]
    for n, (name, budget) in enumerate(spellings):
        recipient = old_recipient.objects.create(
            name=name, epsilon_budget=budget, created_at=t0 + dt.timedelta(days=n)
        )
        old_disclosure.objects.create(
            recipient=recipient,
            purpose="Market sizing",
            released_at=t0 + dt.timedelta(days=n),
            released_by_id=staff.pk,
            released_by_label=staff.email,
            report_kind="members_by_industry",
            period_start=dt.date(2026, 2, 1),
            period_end=dt.date(2026, 2, 28),
            definition={},
            min_cell=10,
            epsilon=0.6,
        )
    old_recipient.objects.create(name="Beta Research", epsilon_budget=1.0, created_at=t0)
    try:
        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        merged = Recipient.objects.get(key="acme analytics")
        assert (merged.name, merged.epsilon_budget) == ("Acme Analytics", 0.8)
        assert merged.disclosures.count() == 3
        assert sorted(Recipient.objects.values_list("key", flat=True)) == [
            "acme analytics",
            "beta research",
        ]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
