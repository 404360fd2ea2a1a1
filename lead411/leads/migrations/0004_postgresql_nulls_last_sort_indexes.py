"""PostgreSQL indexes in the exact order of the lead lists: newest first, unknowns last.

The lists sort ``announced_on DESC NULLS LAST, id DESC`` (and by amount the same way).
PostgreSQL puts NULLs first in a descending index, so the plain indexes of migration
0001 cannot serve those sorts: the home page's five latest leads sorted all 130k events
(75 ms per request on the real data). SQLite already sorts NULLs last in a descending
index and does not accept NULLS LAST in CREATE INDEX, so there is nothing to do there.
"""

from django.db import migrations

INDEXES = {
    "event_date_nulls_last_idx": "(announced_on DESC NULLS LAST, id DESC)",
    "event_kind_date_nulls_last_idx": "(kind, announced_on DESC NULLS LAST, id DESC)",
    "event_amount_nulls_last_idx": (
        "(amount_usd DESC NULLS LAST, announced_on DESC NULLS LAST, id DESC)"
    ),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, columns in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON leads_triggerevent {columns}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("leads", "0003_planner_statistics")]

    operations = [migrations.RunPython(create, drop)]
