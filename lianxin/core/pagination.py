"""Pagination that stops counting at a cap.

An exact COUNT over hundreds of thousands of rows costs more than the page itself; nobody pages
through more than ten thousand rows, so past the cap the count says "more than" and the user
narrows the search instead.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.utils.functional import cached_property

COUNT_CAP = 10_000


def capped_count(queryset, cap: int = COUNT_CAP) -> int:
    """The number of rows, or cap + 1 when there are more than `cap`."""
    return queryset.order_by()[: cap + 1].count()


class CappedPaginator(Paginator):
    cap = COUNT_CAP

    @cached_property
    def _capped(self) -> int:
        """One capped count, shared by `count` and `count_is_exact`."""
        return capped_count(self.object_list, self.cap)

    @cached_property
    def count(self) -> int:
        return min(self._capped, self.cap)

    @cached_property
    def count_is_exact(self) -> bool:
        return self._capped <= self.cap
