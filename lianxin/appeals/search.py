"""Full-text search over appeals and published answers.

Both models keep `search_tokens`: the jieba search-engine cut of the simplified text, space-separated
(`rules.search_tokens`). A query is normalized the same way (traditional to simplified) and cut with
jieba, so `工資` finds `工资`; every query word must occur, in any order.

- SQLite: an FTS5 table per model over `search_tokens` (external content on the model's table, kept
  in step by triggers; made by migration 0003). The `unicode61` tokenizer splits on the spaces, so a
  token is one jieba word. Query words go in as quoted FTS5 strings: no query syntax gets through.
- PostgreSQL: a GIN index on `to_tsvector('simple', search_tokens)` and a match against
  `plainto_tsquery('simple', word)` terms joined with `&&` / `||`, every word a bound parameter.
- Any other database: `LIKE` on the tokens.

`FullTextMatch` is a boolean expression, so it composes with the scope filters, the other filters,
ordering and pagination like any `filter()`.

Note for later migrations: on SQLite, a migration that rebuilds `appeals_appeal` or
`appeals_publicanswer` (Django does so for many field changes) drops their triggers; such a
migration must recreate them (see 0003). `test_search` checks the triggers exist after migrating.
"""

from __future__ import annotations

from dataclasses import dataclass

import jieba
from django.db import NotSupportedError
from django.db.models import BooleanField, Expression, F, Q, QuerySet

from . import rules

MAX_WORDS = 12

FTS_TABLES = {
    "appeals_appeal": "appeals_appeal_fts",
    "appeals_publicanswer": "appeals_publicanswer_fts",
}
"""The FTS5 table (SQLite) of each searchable model's table."""


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


class FullTextMatch(Expression):
    """True for rows whose `search_tokens` hold every term (see the module's note on each database)."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, terms: list[Term], *, pk="pk", tokens="search_tokens"):
        super().__init__()
        if not terms:
            raise ValueError("FullTextMatch needs at least one term")
        self.terms = list(terms)
        self.pk = F(pk) if isinstance(pk, str) else pk
        self.tokens = F(tokens) if isinstance(tokens, str) else tokens

    def get_source_expressions(self):
        return [self.pk, self.tokens]

    def set_source_expressions(self, exprs):
        self.pk, self.tokens = exprs

    def _fts_table(self) -> str:
        table = getattr(getattr(self.tokens, "target", None), "model", None)
        name = FTS_TABLES.get(table._meta.db_table) if table is not None else None
        if name is None:
            raise NotSupportedError("no full-text table for this model")
        return name

    def as_sqlite(self, compiler, connection, **extra):
        pk_sql, pk_params = compiler.compile(self.pk)
        table = connection.ops.quote_name(self._fts_table())
        sql = f"{pk_sql} IN (SELECT rowid FROM {table} WHERE {table} MATCH %s)"  # noqa: S608 - our table
        return sql, (*pk_params, fts5_query(self.terms))

    def as_postgresql(self, compiler, connection, **extra):
        tokens_sql, tokens_params = compiler.compile(self.tokens)
        clauses, params = [], []
        for term in self.terms:
            clause = "plainto_tsquery('simple'::regconfig, %s)"
            params.append(term.word)
            if term.parts:
                clause = f"({clause} || plainto_tsquery('simple'::regconfig, %s))"
                params.append(" ".join(term.parts))
            clauses.append(clause)
        sql = f"to_tsvector('simple'::regconfig, {tokens_sql}) @@ ({' && '.join(clauses)})"
        return sql, (*tokens_params, *params)

    def as_sql(self, compiler, connection, **extra):
        tokens_sql, tokens_params = compiler.compile(self.tokens)
        clauses, params = [], []
        for term in self.terms:
            clauses.append(f"{tokens_sql} LIKE %s")
            params += [*tokens_params, "%" + "".join(ch for ch in term.word if ch not in "\\%_") + "%"]
        return "(" + " AND ".join(clauses) + ")", tuple(params)


def search_q(q: str, *, pk: str = "pk", tokens: str = "search_tokens") -> Q | None:
    """A filter matching the query (None when the query has no words), for combining with others."""
    terms = query_terms(q)
    if not terms:
        return None
    return Q(FullTextMatch(terms, pk=pk, tokens=tokens))


def apply_search(queryset: QuerySet, q: str) -> QuerySet:
    """`queryset` narrowed to rows matching every word of `q` (appeals or published answers)."""
    condition = search_q(q)
    return queryset if condition is None else queryset.filter(condition)
