"""Reads of the member registry, narrowed to the asking user's scope.

A user sees the members of the units where they hold `members.view`, and always their own record.
"""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet

from lianxin.core.capabilities import MEMBERS_VIEW
from lianxin.core.permissions import get_object_in_scope, scope_paths, scope_q
from lianxin.core.text import to_simplified

from .models import Member

_DIGITS = re.compile(r"^\d+$")
_LETTERS = re.compile(r"^[a-zA-Z]+$")


def member_scope_q(user) -> Q:
    q = scope_q(user, MEMBERS_VIEW, path_field="unit__path")
    if user.is_authenticated:
        q |= Q(user=user)
    return q


def member_search_q(text: str) -> Q:
    """Name (simplified or traditional), pinyin (full or initials), member number or phone tail."""
    text = text.strip()
    if not text:
        return Q()
    if _DIGITS.match(text):
        q = Q(member_no__startswith=text)
        if len(text) == 4:
            q |= Q(phone_tail=text)
        return q
    if _LETTERS.match(text):
        low = text.lower()
        return Q(name_initials__startswith=low) | Q(name_pinyin__startswith=low)
    name = to_simplified(text)
    return Q(name__contains=name) | Q(member_no=text)


def member_list(
    *,
    fetched_by,
    q: str = "",
    unit=None,
    employment_type: str = "",
    status: str = "",
) -> QuerySet[Member]:
    members = Member.objects.filter(member_scope_q(fetched_by))
    if unit is not None:
        members = members.filter(unit__path__startswith=unit.path)
    if q:
        members = members.filter(member_search_q(q))
    if employment_type:
        members = members.filter(employment_type=employment_type)
    if status:
        members = members.filter(status=status)
    return members.select_related("unit").order_by("unit__path", "member_no")


def member_get(*, fetched_by, member_id) -> Member:
    members = Member.objects.filter(member_scope_q(fetched_by)).select_related("unit", "user")
    return get_object_in_scope(members, pk=member_id)


def member_can_see_all(user) -> bool:
    return scope_paths(user, MEMBERS_VIEW) is None
