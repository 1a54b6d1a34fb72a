"""Full-text search over `search_tokens` of appeals and published answers (see appeals/search.py).

SQLite: an FTS5 table per model (external content on the model's table) kept in step by triggers,
filled from the rows already there. PostgreSQL: a GIN index on to_tsvector('simple', search_tokens).
Other databases: nothing (search falls back to LIKE).

The SQL is written out here, not imported, so this migration stays as it was run. A later migration
that makes SQLite rebuild one of these tables must run `sqlite_install` again (its triggers go with
the old table).
"""

from django.db import migrations

TABLES = [("appeals_appeal", "appeals_appeal_fts"), ("appeals_publicanswer", "appeals_publicanswer_fts")]


def sqlite_statements(table, fts):
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5("
        f"search_tokens, content='{table}', content_rowid='id', tokenize='unicode61')",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_ai AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {fts}(rowid, search_tokens) VALUES (new.id, new.search_tokens); END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_ad AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, search_tokens) VALUES ('delete', old.id, old.search_tokens); END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_au AFTER UPDATE OF search_tokens ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, search_tokens) VALUES ('delete', old.id, old.search_tokens); "
        f"INSERT INTO {fts}(rowid, search_tokens) VALUES (new.id, new.search_tokens); END",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
    ]


def sqlite_install(schema_editor):
    for table, fts in TABLES:
        for statement in sqlite_statements(table, fts):
            schema_editor.execute(statement, params=None)


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        sqlite_install(schema_editor)
    elif vendor == "postgresql":
        for table, fts in TABLES:
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {fts} ON {table} "
                f"USING gin (to_tsvector('simple'::regconfig, search_tokens))"
            )


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for _table, fts in TABLES:
        if vendor == "sqlite":
            for suffix in ("ai", "ad", "au"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {fts}_{suffix}", params=None)
            schema_editor.execute(f"DROP TABLE IF EXISTS {fts}", params=None)
        elif vendor == "postgresql":
            schema_editor.execute(f"DROP INDEX IF EXISTS {fts}")


class Migration(migrations.Migration):
    dependencies = [("appeals", "0002_default_categories_and_limits")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
