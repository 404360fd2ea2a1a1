"""Moving models between apps keeps every row: the migrations change Django's state only.

SavedSearch went from the newsletter app to leads; consent, suppression, the outbox and
the member export to mail; conversations from policy to contact (docs/decisions/0001).
An installation that ran the old migrations keeps its data and its permissions.
"""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from lead411.contact.models import Conversation
from lead411.leads.models import SavedSearch
from lead411.mail.models import Delivery, MailPreferences

BEFORE = [
    ("newsletter", "0003_suppression_email_hash"),
    ("policy", "0001_initial"),
    ("leads", "0005_sort_indexes_by_kind_and_amount"),
]
MOVED = {
    ("newsletter", "savedsearch"): "leads",
    ("newsletter", "mailpreferences"): "mail",
    ("newsletter", "delivery"): "mail",
    ("policy", "conversation"): "contact",
}
T0 = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


@pytest.mark.clause("L3")
@pytest.mark.django_db(transaction=True)
def test_rows_and_content_types_written_before_the_move_are_there_after_it():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    user = old.get_model("accounts", "User").objects.create(email="ann@example.com", password="!")
    old.get_model("newsletter", "SavedSearch").objects.create(
        member_id=user.pk, name="Robots", criteria={"q": ["robot"]}, created_at=T0, updated_at=T0
    )
    old.get_model("newsletter", "MailPreferences").objects.create(
        member_id=user.pk, unsubscribe_key="k" * 24, updates=True, updated_at=T0
    )
    old.get_model("newsletter", "Delivery").objects.create(
        key="reply:1", member_id=user.pk, stream="replies", to_email="ann@example.com",
        subject="Re: hello", text_body="Hi", message_id="<1@example>", next_attempt_at=T0,
        created_at=T0,
    )  # fmt: skip
    old.get_model("policy", "Conversation").objects.create(
        user_id=user.pk, name="Ann", email="ann@example.com", category="privacy",
        created_at=T0, last_message_at=T0,
    )  # fmt: skip
    for (app_label, model), new_label in MOVED.items():
        ContentType.objects.filter(app_label=new_label, model=model).delete()
        ContentType.objects.get_or_create(app_label=app_label, model=model)
    try:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
        assert list(SavedSearch.objects.values_list("member_id", "name", "criteria")) == [
            (user.pk, "Robots", {"q": ["robot"]})
        ]
        prefs = MailPreferences.objects.get(member_id=user.pk)
        assert (prefs.unsubscribe_key, prefs.updates) == ("k" * 24, True)
        assert list(Delivery.objects.values_list("key", "to_email", "status")) == [
            ("reply:1", "ann@example.com", "pending")
        ]
        assert list(Conversation.objects.values_list("email", "category")) == [
            ("ann@example.com", "privacy")
        ]
        for (app_label, model), new_label in MOVED.items():
            assert ContentType.objects.filter(app_label=new_label, model=model).count() == 1
            assert not ContentType.objects.filter(app_label=app_label, model=model).exists()
    finally:
        ContentType.objects.clear_cache()
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
