"""Drop the database full-text search of migration 0002: lead search runs on tantivy now.

Nothing queries the SQLite FTS5 table ``leads_event_fts`` or the PostgreSQL GIN index on
``to_tsvector('english', search_document)`` any more (issue 13: one search,
``lead411.leads.search``); their triggers and index upkeep only slowed every write of
events. The ``search_document`` column stays: the daily newsletter's matcher
(``lead411.newsletter.digest`` through ``lead411.leads.criteria``) still reads it.

Reversing recreates both and fills the FTS5 table from the column again.
"""

from django.db import migrations

SQLITE_FORWARD = [
    "DROP TRIGGER IF EXISTS leads_event_fts_ai",
    "DROP TRIGGER IF EXISTS leads_event_fts_ad",
    "DROP TRIGGER IF EXISTS leads_event_fts_au",
    "DROP TABLE IF EXISTS leads_event_fts",
]
# The statements of migration 0002, as it left the database.
SQLITE_BACKWARD = [
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
POSTGRES_FORWARD = ["DROP INDEX IF EXISTS leads_event_search_gin"]
POSTGRES_BACKWARD = [
    """CREATE INDEX IF NOT EXISTS leads_event_search_gin ON leads_triggerevent
        USING gin (to_tsvector('english', search_document))""",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("leads", "0007_saved_search_pace")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        ),
    ]
