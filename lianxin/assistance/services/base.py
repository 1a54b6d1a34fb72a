"""What every assistance service shares: the errors, numbering and the permission check."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.utils.translation import gettext as _

from lianxin.core.permissions import has_unit_permission

from ..models import Counter


class AssistanceError(Exception):
    """A step that cannot be taken; the message is for the user (HTTP 422 in the API)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class AssistanceConflict(AssistanceError):
    """The record changed under the caller (someone acted first): HTTP 409."""


class InsufficientFunds(AssistanceError):
    """A fund cannot cover an amount: its balance less what is approved and unpaid is too small."""


SERIES_DIGITS = {"KN": 5, "BF": 6, "HZ": 5}
"""Number series: KN hardship files, BF aid applications, HZ mutual-aid claims."""


def next_number(series: str, year: int) -> str:
    """The next number of a series in a year, e.g. BF-2026-000123; call inside a transaction.

    The counter row is created if missing and then incremented with a row lock, so concurrent
    callers get distinct numbers.
    """
    Counter.objects.get_or_create(series=series, year=year)
    counter = Counter.objects.select_for_update().get(series=series, year=year)
    Counter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
    counter.refresh_from_db(fields=["last"])
    return f"{series}-{year}-{counter.last:0{SERIES_DIGITS[series]}d}"


def require_permission(user, unit, code: str) -> None:
    """Refuse (403) a user without `code` on `unit`; callers have already 404'd what is out of scope."""
    if not has_unit_permission(user, unit, code):
        raise PermissionDenied(_("你没有在该单位进行这项操作的权限。"))


def check_version(obj, version: int | None) -> None:
    """Raise `AssistanceConflict` when the caller acted on an older version of `obj`."""
    if version is not None and int(version) != obj.version:
        raise AssistanceConflict(_("这条记录刚被其他人处理过,请刷新后再操作。"))


__all__ = [
    "AssistanceConflict",
    "AssistanceError",
    "InsufficientFunds",
    "check_version",
    "next_number",
    "require_permission",
]
