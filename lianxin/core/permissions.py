"""Scope: who may do what where.

A role held on a unit grants its capability codes over the unit's whole subtree. Everything a user
reads goes through a selector that narrows the query with `scope_q`; per-object fetches use
`get_object_in_scope` and answer 404 both for "missing" and for "not yours".
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from .models import RoleAssignment

_CACHE_ATTR = "_lianxin_assignments"


def _assignments(user) -> list[tuple[str, frozenset[str]]]:
    """(unit path, capabilities) for each role the user holds, read once per request."""
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        rows = RoleAssignment.objects.filter(user=user, unit__is_active=True).values_list(
            "unit__path", "role__capabilities"
        )
        cached = [(path, frozenset(caps or [])) for path, caps in rows]
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_scope(user) -> None:
    """Drop the per-request cache after roles change."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def is_global(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_superuser)


def scope_paths(user, code: str) -> list[str] | None:
    """Tree paths under which `user` holds `code`; None means everywhere, [] means nowhere."""
    if not (user and user.is_authenticated and user.is_active):
        return []
    if is_global(user):
        return None
    paths = sorted({path for path, caps in _assignments(user) if code in caps})
    kept: list[str] = []
    for path in paths:  # sorted, so an ancestor comes before its descendants
        if not any(path.startswith(top) for top in kept):
            kept.append(path)
    return kept


def scope_q(user, code: str, *, path_field: str = "path") -> Q:
    """A filter for records whose unit path lies in the user's scope for `code`."""
    paths = scope_paths(user, code)
    if paths is None:
        return Q()
    if not paths:
        return Q(pk__in=[])
    q = Q()
    for path in paths:
        q |= Q(**{f"{path_field}__startswith": path})
    return q


def has_unit_permission(user, unit, code: str) -> bool:
    paths = scope_paths(user, code)
    if paths is None:
        return True
    return any(unit.path.startswith(path) for path in paths)


def has_capability(user, code: str) -> bool:
    """Whether the user holds `code` on any unit (for navigation, not for access to a record)."""
    paths = scope_paths(user, code)
    return paths is None or bool(paths)


def capabilities_of(user) -> set[str]:
    if not (user and user.is_authenticated):
        return set()
    if is_global(user):
        from .capabilities import CAPABILITIES

        return set(CAPABILITIES)
    caps: set[str] = set()
    for _path, held in _assignments(user):
        caps |= held
    return caps


def role_codes_of(user) -> set[str]:
    if not (user and user.is_authenticated):
        return set()
    return set(RoleAssignment.objects.filter(user=user).values_list("role__code", flat=True))


def get_object_in_scope(queryset: QuerySet, **lookup):
    """The one object matching `lookup` inside an already scoped queryset, else 404."""
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
