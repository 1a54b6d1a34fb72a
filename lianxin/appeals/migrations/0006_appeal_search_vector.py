"""PostgreSQL: the search vector stored in a column instead of computed per row (see appeals/search.py).

`search_vector` holds `to_tsvector('simple', search_tokens)` — the expression 0003's index was built
on, so what a search finds does not change — with a GIN index in place of 0003's expression index.
The models do not declare the column: Django never reads or writes it; `search.FullTextMatch` uses it.

Appeals: the vector also holds one lexeme per unit the appeal arose under, `#` + the unit's tree path
(`#0001`, `#00010001`, … down to the origin unit). A cadre's search adds its scope's lexeme to the
text query, so one GIN scan finds the matches inside the scope; intersecting the text index with
the `origin_unit_id` index built a bitmap of the whole scope (76,000 appeals for a works) on every
search and count. The text parser never makes a lexeme with `#`, so no typed word matches one. The
selector still filters on the scope as before; the lexemes only make that fast.

Kept in step by triggers: on an appeal when `search_tokens` or `origin_unit_id` is written (at
intake, or later by a task), and on `org_unit` when a unit's path changes (a unit moved with its
subtree: the appeals that arose in each moved unit are rewritten). Published answers are not
scoped: a generated column over `search_tokens`.

Existing rows are filled by one table rewrite (`ALTER COLUMN … TYPE … USING`), not an UPDATE that
would leave every row's old version behind: about two minutes for 1,000,000 appeals, holding the
table's lock (see bench/README.md). SQLite and other databases: nothing (FTS5 from 0003, or LIKE).
The SQL is written out here, not imported, so this migration stays as it was run.
"""

from django.db import migrations

FORWARDS = [
    # '#' + each prefix of a unit path: the unit and every unit above it (org.Unit.steplen is 4).
    """
    CREATE FUNCTION appeals_unit_lexemes(unit_path text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT array_to_tsvector(ARRAY(
            SELECT '#' || left(unit_path, 4 * i) FROM generate_series(1, length(unit_path) / 4) AS i
        ))
    $$
    """,
    """
    CREATE FUNCTION appeals_appeal_vector(tokens text, unit_id bigint) RETURNS tsvector
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
        SELECT to_tsvector('simple'::regconfig, tokens)
            || coalesce((SELECT appeals_unit_lexemes(path) FROM org_unit WHERE id = unit_id), ''::tsvector)
    $$
    """,
    """
    CREATE FUNCTION appeals_appeal_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.search_vector := appeals_appeal_vector(NEW.search_tokens, NEW.origin_unit_id);
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE FUNCTION appeals_unit_moved() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE appeals_appeal
        SET search_vector = to_tsvector('simple'::regconfig, search_tokens) || appeals_unit_lexemes(NEW.path)
        WHERE origin_unit_id = NEW.id;
        RETURN NULL;
    END
    $$
    """,
    "DROP INDEX IF EXISTS appeals_appeal_fts",
    # Added empty (no rewrite), then filled by one rewrite of the table.
    "ALTER TABLE appeals_appeal ADD COLUMN search_vector tsvector",
    "ALTER TABLE appeals_appeal ALTER COLUMN search_vector TYPE tsvector "
    "USING appeals_appeal_vector(search_tokens, origin_unit_id)",
    "CREATE TRIGGER appeals_appeal_search_vector BEFORE INSERT OR UPDATE OF search_tokens, origin_unit_id "
    "ON appeals_appeal FOR EACH ROW EXECUTE FUNCTION appeals_appeal_search_vector()",
    "CREATE TRIGGER appeals_unit_moved AFTER UPDATE OF path ON org_unit FOR EACH ROW "
    "WHEN (OLD.path IS DISTINCT FROM NEW.path) EXECUTE FUNCTION appeals_unit_moved()",
    # A pending list of at most 1 MB: each search reads it through, and the insert that fills it
    # merges it into the index (0.3-0.7 s at the default 4 MB under 16 concurrent inserts, 0.15 s).
    "CREATE INDEX appeals_appeal_fts ON appeals_appeal USING gin (search_vector) "
    "WITH (gin_pending_list_limit = 1024)",
    # The rewrite dropped the column's statistics; the planner needs its lexeme frequencies.
    "ANALYZE appeals_appeal (search_vector)",
    "DROP INDEX IF EXISTS appeals_publicanswer_fts",
    "ALTER TABLE appeals_publicanswer ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, search_tokens)) STORED",
    "CREATE INDEX appeals_publicanswer_fts ON appeals_publicanswer USING gin (search_vector)",
]

BACKWARDS = [
    "DROP TRIGGER IF EXISTS appeals_unit_moved ON org_unit",
    "DROP TRIGGER IF EXISTS appeals_appeal_search_vector ON appeals_appeal",
    "ALTER TABLE appeals_appeal DROP COLUMN IF EXISTS search_vector",
    "ALTER TABLE appeals_publicanswer DROP COLUMN IF EXISTS search_vector",
    "DROP FUNCTION IF EXISTS appeals_unit_moved()",
    "DROP FUNCTION IF EXISTS appeals_appeal_search_vector()",
    "DROP FUNCTION IF EXISTS appeals_appeal_vector(text, bigint)",
    "DROP FUNCTION IF EXISTS appeals_unit_lexemes(text)",
    "CREATE INDEX IF NOT EXISTS appeals_appeal_fts ON appeals_appeal "
    "USING gin (to_tsvector('simple'::regconfig, search_tokens))",
    "CREATE INDEX IF NOT EXISTS appeals_publicanswer_fts ON appeals_publicanswer "
    "USING gin (to_tsvector('simple'::regconfig, search_tokens))",
]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("appeals", "0005_more_category_keywords"), ("org", "0001_initial")]
    operations = [migrations.RunPython(run(FORWARDS), run(BACKWARDS), elidable=False)]
