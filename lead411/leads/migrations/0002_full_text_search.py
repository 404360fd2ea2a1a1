"""Full-text search over TriggerEvent.search_document, one index per database vendor.

SQLite: an external-content FTS5 table ``leads_event_fts`` (rowid = event id) kept in
step by triggers, so every write path (ORM, bulk import, admin) updates it.
PostgreSQL: a GIN index on ``to_tsvector('english', search_document)``, which the
search selector's expression matches exactly so the planner uses it.
"""

from django.db import migrations

SQLITE_FORWARD = [
    """CREATE VIRTUAL TABLE leads_event_fts USING fts5(
        search_document, content='leads_triggerevent', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER leads_event_fts_ai AFTER INSERT ON leads_triggerevent BEGIN
        INSERT INTO leads_event_fts(rowid, search_document) VALUES (new.id, new.search_document);
    END""",
    """CREATE TRIGGER leads_event_fts_ad AFTER DELETE ON leads_triggerevent BEGIN
        INSERT INTO leads_event_fts(leads_event_fts, rowid, search_document)
        VALUES ('delete', old.id, old.search_document);
    END""",
    """CREATE TRIGGER leads_event_fts_au AFTER UPDATE OF search_document ON leads_triggerevent BEGIN
        INSERT INTO leads_event_fts(leads_event_fts, rowid, search_document)
        VALUES ('delete', old.id, old.search_document);
        INSERT INTO leads_event_fts(rowid, search_document) VALUES (new.id, new.search_document);
    END""",
    "INSERT INTO leads_event_fts(leads_event_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS leads_event_fts_ai",
    "DROP TRIGGER IF EXISTS leads_event_fts_ad",
    "DROP TRIGGER IF EXISTS leads_event_fts_au",
    "DROP TABLE IF EXISTS leads_event_fts",
]
POSTGRES_FORWARD = [
    """CREATE INDEX leads_event_search_gin ON leads_triggerevent
        USING gin (to_tsvector('english', search_document))""",
]
POSTGRES_BACKWARD = ["DROP INDEX IF EXISTS leads_event_search_gin"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("leads", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        ),
    ]
