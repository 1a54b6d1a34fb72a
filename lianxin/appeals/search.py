"""Full-text search over appeals and published answers.

Both models keep `search_tokens`: the jieba search-engine cut of the simplified text, space-separated
(`rules.search_tokens`). A query is normalized the same way (traditional to simplified) and cut with
jieba, so `工資` finds `工资`; every query word must occur, in any order.

- SQLite: an FTS5 table per model over `search_tokens` (external content on the model's table, kept
  in step by triggers; made by migration 0003). The `unicode61` tokenizer splits on the spaces, so a
  token is one jieba word. Query words go in as quoted FTS5 strings: no query syntax gets through.
- PostgreSQL: a stored column `search_vector` holding `to_tsvector('simple', search_tokens)`, with a
  GIN index (migration 0006; the models do not declare it), and a match against
  `plainto_tsquery('simple', word)` terms joined with `&&` / `||`, every word a bound parameter.
  An appeal's vector also holds `#<path>` for each unit it arose under (kept in step by triggers,
  also when a unit moves). A search limited to units (`within`) adds those lexemes to the query, so
  one index scan finds the matches inside a cadre's scope instead of intersecting the text index
  with the whole scope's rows.
- Any other database: `LIKE` on the tokens.

`FullTextMatch` is a boolean expression, so it composes with the scope filters, the other filters,
ordering and pagination like any `filter()`. `NewestFirstSearch` reads a page of appeals found,
newest first, from the recent ones first (see there).

Note for later migrations: on SQLite, a migration that rebuilds `appeals_appeal` or
`appeals_publicanswer` (Django does so for many field changes) drops their triggers; such a
migration must recreate them (see 0003). `test_search` checks the triggers exist after migrating.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import jieba
from django.db import NotSupportedError
from django.db.models import BooleanField, Expression, F, Q, QuerySet
from django.db.models.query import ModelIterable
from django.utils import timezone

from . import rules

MAX_WORDS = 12

FTS_TABLES = {
    "appeals_appeal": "appeals_appeal_fts",
    "appeals_publicanswer": "appeals_publicanswer_fts",
}
"""The FTS5 table (SQLite) of each searchable model's table; on PostgreSQL, its GIN index."""

VECTOR_COLUMN = "search_vector"
"""The stored vector of each table in FTS_TABLES (PostgreSQL)."""

UNIT_LEXEME = "#"
"""Prefix of the lexemes naming the units an appeal arose under (PostgreSQL; see migration 0006)."""

UNIT_LEXEME_TABLES = {"appeals_appeal"}
"""The tables whose stored vector holds unit lexemes."""


@dataclass(frozen=True)
class Term:
    """One word of a query: found as itself, or (when jieba cut the text differently) as all of its
    shorter parts."""

    word: str
    parts: tuple[str, ...] = ()


def _clean(words) -> list[str]:
    return [word.lower() for word in words if word.strip() and any(ch.isalnum() for ch in word)]


def query_terms(q: str) -> list[Term]:
    """The terms of a query: jieba's cut of the simplified query, each with its search-engine parts."""
    normalized = rules.normalize(q or "")
    terms: dict[str, Term] = {}
    for word in _clean(jieba.cut(normalized)):
        if word in terms:
            continue
        parts = tuple(
            dict.fromkeys(p for p in _clean(jieba.cut_for_search(word)) if p != word and len(p) > 1)
        )
        terms[word] = Term(word, parts if len(parts) > 1 else ())
    return list(terms.values())[:MAX_WORDS]


def query_words(q: str) -> list[str]:
    """The words every match must contain (simplified, lower-case, at most 12)."""
    return [term.word for term in query_terms(q)]


def _fts5_string(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def fts5_query(terms: list[Term]) -> str:
    """An FTS5 MATCH expression: every term, each a quoted string (or its parts, all of them)."""
    clauses = []
    for term in terms:
        clause = _fts5_string(term.word)
        if term.parts:
            clause = f"({clause} OR ({' AND '.join(_fts5_string(part) for part in term.parts)}))"
        clauses.append(clause)
    return " AND ".join(clauses)


def units_tsquery(paths: list[str]) -> str:
    """The tsquery (as text) for appeals that arose under any of the units at `paths`."""
    if not paths or not all(path.isalnum() for path in paths):
        raise ValueError("unit paths are letters and digits")
    return " | ".join(f"'{UNIT_LEXEME}{path}'" for path in paths)


class FullTextMatch(Expression):
    """True for rows whose `search_tokens` hold every term (see the module's note on each database).

    `within`: groups of unit paths the caller already limits the rows to (its scope filter, a unit
    filter): an appeal under one path of each group. On PostgreSQL they join the text query, so the
    index finds only those rows; elsewhere they change nothing. Appeals only; never the only scope
    filter.
    """

    conditional = True
    output_field = BooleanField()

    def __init__(self, terms: list[Term], *, pk="pk", tokens="search_tokens", within=()):
        super().__init__()
        if not terms:
            raise ValueError("FullTextMatch needs at least one term")
        self.terms = list(terms)
        self.within = [list(group) for group in within]
        for group in self.within:
            units_tsquery(group)  # checked here, not first while compiling
        self.pk = F(pk) if isinstance(pk, str) else pk
        self.tokens = F(tokens) if isinstance(tokens, str) else tokens

    def get_source_expressions(self):
        return [self.pk, self.tokens]

    def set_source_expressions(self, exprs):
        self.pk, self.tokens = exprs

    def _db_table(self) -> str | None:
        model = getattr(getattr(self.tokens, "target", None), "model", None)
        return model._meta.db_table if model is not None else None

    def _fts_table(self) -> str:
        name = FTS_TABLES.get(self._db_table())
        if name is None:
            raise NotSupportedError("no full-text table for this model")
        return name

    def _stored_vector(self, compiler, connection) -> str | None:
        """The stored vector of the searched table's row (PostgreSQL), if it has one."""
        alias = getattr(self.tokens, "alias", None)
        if (
            alias is None
            or self._db_table() not in FTS_TABLES
            or self.tokens.target.column != "search_tokens"
        ):
            return None
        return f"{compiler.quote_name_unless_alias(alias)}.{connection.ops.quote_name(VECTOR_COLUMN)}"

    def as_sqlite(self, compiler, connection, **extra):
        pk_sql, pk_params = compiler.compile(self.pk)
        table = connection.ops.quote_name(self._fts_table())
        sql = f"{pk_sql} IN (SELECT rowid FROM {table} WHERE {table} MATCH %s)"  # noqa: S608 - our table
        return sql, (*pk_params, fts5_query(self.terms))

    def as_postgresql(self, compiler, connection, **extra):
        stored = self._stored_vector(compiler, connection)
        vector_sql, vector_params = stored, ()
        if stored is None:
            tokens_sql, vector_params = compiler.compile(self.tokens)
            vector_sql = f"to_tsvector('simple'::regconfig, {tokens_sql})"
        clauses, params = [], []
        for term in self.terms:
            clause = "plainto_tsquery('simple'::regconfig, %s)"
            params.append(term.word)
            if term.parts:
                clause = f"({clause} || plainto_tsquery('simple'::regconfig, %s))"
                params.append(" ".join(term.parts))
            clauses.append(clause)
        if stored is not None and self._db_table() in UNIT_LEXEME_TABLES:
            for group in self.within:
                clauses.append("%s::tsquery")
                params.append(units_tsquery(group))
        sql = f"{vector_sql} @@ ({' && '.join(clauses)})"
        return sql, (*vector_params, *params)

    def as_sql(self, compiler, connection, **extra):
        tokens_sql, tokens_params = compiler.compile(self.tokens)
        clauses, params = [], []
        for term in self.terms:
            clauses.append(f"{tokens_sql} LIKE %s")
            params += [*tokens_params, "%" + "".join(ch for ch in term.word if ch not in "\\%_") + "%"]
        return "(" + " AND ".join(clauses) + ")", tuple(params)


def search_q(q: str, *, pk: str = "pk", tokens: str = "search_tokens", within=()) -> Q | None:
    """A filter matching the query (None when the query has no words), for combining with others."""
    terms = query_terms(q)
    if not terms:
        return None
    return Q(FullTextMatch(terms, pk=pk, tokens=tokens, within=within))


def apply_search(queryset: QuerySet, q: str, *, within=()) -> QuerySet:
    """`queryset` narrowed to rows matching every word of `q` (appeals or published answers);
    `within` as for `FullTextMatch`."""
    condition = search_q(q, within=within)
    return queryset if condition is None else queryset.filter(condition)


class NewestFirstSearch(QuerySet):
    """Appeals found by a search, newest first: a page (a slice) is read from the last 60 days,
    then the last year, and only then from all of them.

    The first window holding the whole slice answers it, and with the same rows: everything outside
    a window is older than everything in it. A common word then sorts a few weeks of matches, not
    all of them. PostgreSQL estimates the matches of several words as if the words were unrelated
    (`夜班 & 费`: 2,800 for 28,000), picks sorting every match over walking the newest appeals, and
    took 250 ms to sort them on 1,000,000 appeals; a window takes 10-30 ms. Counting and other
    orderings are left as they are.
    """

    ORDER = ("-received_at", "-id")
    WINDOWS = (dt.timedelta(days=60), dt.timedelta(days=365))

    def _fetch_all(self):
        if self._result_cache is None and self._by_window():
            self._result_cache = self._read_by_window()
        super()._fetch_all()

    def _by_window(self) -> bool:
        query = self.query
        return (
            query.is_sliced
            and query.high_mark is not None
            and tuple(query.order_by) == self.ORDER
            and self._iterable_class is ModelIterable
            and not query.combinator
        )

    def _plain(self) -> QuerySet:
        return QuerySet(model=self.model, query=self.query.chain(), using=self._db, hints=self._hints)

    def _read_by_window(self) -> list:
        low, high = self.query.low_mark, self.query.high_mark
        now = timezone.now()
        for window in self.WINDOWS:
            recent = self._plain()
            recent.query.clear_limits()
            recent = recent.filter(received_at__gte=now - window)
            recent.query.set_limits(low, high)
            rows = list(recent)
            if len(rows) == high - low:
                return rows
        return list(self._plain())


def newest_first(queryset: QuerySet) -> QuerySet:
    """`queryset` (appeals found by a search) ordered newest first, its pages read by window."""
    ordered = queryset.order_by(*NewestFirstSearch.ORDER)
    return NewestFirstSearch(model=ordered.model, query=ordered.query, using=ordered.db)
