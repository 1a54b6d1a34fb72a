"""Full-text search over appeals.

The query is normalized like the appeals' text (traditional to simplified) and cut with jieba, so
`工資` finds `工资`; every word must occur.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from . import rules


def query_words(q: str) -> list[str]:
    return list(dict.fromkeys(rules.tokens(rules.normalize(q))))[:12]


def apply_search(queryset: QuerySet, q: str) -> QuerySet:
    words = query_words(q)
    if not words:
        return queryset
    condition = Q()
    for word in words:
        condition &= Q(search_tokens__contains=word)
    return queryset.filter(condition)
