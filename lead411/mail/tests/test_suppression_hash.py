"""The suppression list stores keyed hashes, never addresses (issue 3, clause P11)."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings

from lead411.mail.models import Suppression
from lead411.mail.suppression import email_hash, is_suppressed, suppressed_among, suppression_add

pytestmark = [pytest.mark.clause("P11")]

BEFORE = [("newsletter", "0002_delivery_packed_body")]
AFTER = [("newsletter", "0003_suppression_email_hash")]


@pytest.mark.django_db(transaction=True)
def test_the_migration_replaces_plain_addresses_by_their_hashes():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("newsletter", "Suppression")
    t0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    old.objects.create(email="Bob@Bounce.example", reason="550 first", created_at=t0)
    old.objects.create(
        email="bob@bounce.example", reason="550 later", created_at=t0 + dt.timedelta(days=1)
    )
    old.objects.create(email="carol@bounce.example", reason="551", created_at=t0)
    try:
        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        rows = dict(Suppression.objects.values_list("email_hash", "reason"))
        assert rows == {
            email_hash("bob@bounce.example"): "550 first",
            email_hash("carol@bounce.example"): "551",
        }
        assert is_suppressed(email="BOB@bounce.example")
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db
def test_an_smtp_reply_quoting_the_address_is_stored_without_it():
    suppression_add(email="dan@bounce.example", reason="550 5.1.1 <Dan@Bounce.example>: unknown")
    row = Suppression.objects.get()
    assert row.reason == "550 5.1.1 <<address>>: unknown"
    assert row.email_hash == email_hash("dan@bounce.example")
    assert len(row.email_hash) == 64
    assert suppression_add(email="DAN@bounce.example", reason="again") == row, "idempotent"


@pytest.mark.django_db
def test_rotating_the_secret_key_keeps_the_list_working(settings):
    suppression_add(email="erin@bounce.example", reason="550")
    old_key = settings.SECRET_KEY
    with override_settings(SECRET_KEY="a-new-key-" + "x" * 50, SECRET_KEY_FALLBACKS=[old_key]):
        assert is_suppressed(email="erin@bounce.example")
        assert suppressed_among(["Erin@bounce.example", "frank@ok.example"]) == {
            "erin@bounce.example"
        }
    with override_settings(SECRET_KEY="a-new-key-" + "x" * 50, SECRET_KEY_FALLBACKS=[]):
        assert not is_suppressed(email="erin@bounce.example"), "the hash is keyed"


@pytest.mark.django_db
def test_the_newsletter_lists_leave_out_suppressed_members_whatever_the_case(django_user_model):
    from lead411.mail.suppression import users_exclude_suppressed

    kept = django_user_model.objects.create_user("gina@ok.example", "pw-long-enough-1")
    gone = django_user_model.objects.create_user("Hal@Bounce.example", "pw-long-enough-1")
    suppression_add(email="hal@bounce.example", reason="550")
    remaining = users_exclude_suppressed(django_user_model.objects.all())
    assert list(remaining) == [kept]
    assert gone not in remaining
