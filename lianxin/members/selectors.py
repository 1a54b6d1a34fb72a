"""Reads of the member registry, narrowed to the asking user's scope.

A user sees the members of the units where they hold `members.view`, and always their own record.
"""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet

from lianxin.core.capabilities import MEMBERS_EXPORT, MEMBERS_VIEW, MEMBERS_VIEW_PERSONAL
from lianxin.core.models import ImportBatch
from lianxin.core.permissions import get_object_in_scope, scope_paths, scope_q
from lianxin.core.text import to_simplified
from lianxin.org.models import Liaison, Unit

from .models import Member, MemberTransfer

_DIGITS = re.compile(r"^[0-9]+$")
_LETTERS = re.compile(r"^[a-zA-Z]+$")
_MEMBER_NO = re.compile(r"^[A-Za-z0-9_-]+$")
_SPACES = re.compile(r"\s+")


def member_scope_q(user) -> Q:
    """Members of the units where the user holds `members.view`, and the user's own record.

    The own record is added by id, and only when it lies outside that scope: an `OR user_id = …`
    on every query would keep the database from narrowing by scope first.
    """
    paths = scope_paths(user, MEMBERS_VIEW)
    q = scope_q(user, MEMBERS_VIEW, path_field="unit__path")
    if paths is None or not user.is_authenticated:
        return q
    own = getattr(user, "_lianxin_own_member", None)
    if own is None:
        own = Member.objects.filter(user=user).values_list("pk", "unit__path").first() or ()
        user._lianxin_own_member = own
    if own and not any(own[1].startswith(path) for path in paths):
        q = Q(pk=own[0]) if not paths else q | Q(pk=own[0])
    return q


def member_search_q(text: str) -> Q:
    """Name (simplified or traditional), pinyin (full or initials), member number or phone tail.

    `张伟`, `張偉`, `zhangwei`, `zhang wei`, `zw`, `M00012` and `5678` (last four phone digits) all
    find 张伟 (M0001234, 138****5678).
    """
    text = _SPACES.sub("", text or "")
    if not text:
        return Q()
    if _DIGITS.match(text):
        q = Q(member_no__istartswith=text)
        if len(text) == 4:
            q |= Q(phone_tail=text)
        return q
    if _LETTERS.match(text):
        low = text.lower()
        return (
            Q(name_initials__startswith=low) | Q(name_pinyin__startswith=low) | Q(member_no__istartswith=text)
        )
    if _MEMBER_NO.match(text):
        return Q(member_no__istartswith=text)
    name = to_simplified(text)
    # One or two characters are a surname or a whole short name: a prefix search, served by an
    # index. From three characters on, anywhere in the name (a trigram index on PostgreSQL).
    if len(name) <= 2:
        return Q(name__startswith=name)
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


def member_export_list(*, fetched_by, **filters) -> QuerySet[Member]:
    """The filtered list, further narrowed to the units where the user may export."""
    members = member_list(fetched_by=fetched_by, **filters)
    return members.filter(scope_q(fetched_by, MEMBERS_EXPORT, path_field="unit__path"))


def member_all_personal_visible(*, fetched_by, members: QuerySet[Member]) -> bool:
    """Whether the user holds `members.view_personal` on the unit of every member in `members`."""
    outside = ~scope_q(fetched_by, MEMBERS_VIEW_PERSONAL, path_field="unit__path")
    if not outside:  # Q() negated is still empty: the user sees everything
        return True
    return not members.filter(outside).exists()


def member_get(*, fetched_by, member_id) -> Member:
    members = Member.objects.filter(member_scope_q(fetched_by)).select_related("unit", "user")
    return get_object_in_scope(members, pk=member_id)


def member_can_see_all(user) -> bool:
    return scope_paths(user, MEMBERS_VIEW) is None


def member_units(*, fetched_by, code: str = MEMBERS_VIEW) -> list[Unit]:
    """Active units where the user holds `code`, in tree order (for unit choices in forms)."""
    units = Unit.objects.filter(scope_q(fetched_by, code), is_active=True)
    return list(units.only("id", "name", "code", "path", "depth").order_by("path"))


def member_unit_path(*, member: Member) -> list[Unit]:
    """The member's unit and its ancestors, top first (the breadcrumb)."""
    unit = member.unit
    paths = [unit.path[: i * unit.steplen] for i in range(1, unit.depth + 1)]
    return list(Unit.objects.filter(path__in=paths).order_by("depth"))


def member_transfers(*, member: Member) -> list[MemberTransfer]:
    return list(
        MemberTransfer.objects.filter(member=member).select_related("from_unit", "to_unit", "recorded_by")
    )


def member_liaison_roles(*, member: Member) -> list[Liaison]:
    return list(Liaison.objects.filter(member=member).select_related("team").order_by("-appointed_on"))


def import_batch_get(*, fetched_by, batch_id) -> ImportBatch:
    """A member import batch; only its creator may see it, anyone else gets 404."""
    batches = ImportBatch.objects.filter(
        kind=ImportBatch.Kind.MEMBERS, created_by_id=getattr(fetched_by, "pk", None)
    ).select_related("scope_unit")
    return get_object_in_scope(batches.defer("content"), pk=batch_id)
