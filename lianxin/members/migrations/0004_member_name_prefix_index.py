"""A prefix index on the member's name for PostgreSQL, where the default collation cannot serve
`LIKE '张%'` from a plain b-tree; the search uses a prefix for one- and two-character names."""

from django.db import migrations


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS members_name_prefix ON members_member (name varchar_pattern_ops)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS members_name_prefix")


class Migration(migrations.Migration):
    dependencies = [("members", "0003_member_search_indexes")]
    operations = [migrations.RunPython(create_index, drop_index)]
