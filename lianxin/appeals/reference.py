"""The rows every intake reads and an office seldom changes, kept per process.

Categories (with the keywords of the category suggestion), deadline rules, which units handle
appeals (a role granting appeals.handle held there) or have a union chairman, and the working-day
calendar of the years limits were counted in. Reading them on every intake cost five queries and
four cache reads; `current()` hands out one snapshot of them per process.

A snapshot is rebuilt when the version in Django's cache changes (looked at once every
`CHECK_EVERY` seconds), or when it is older than `MAX_AGE` seconds. Saving or deleting a category,
deadline rule, role, role assignment, unit, holiday or published calendar year (the calendar
services save one) drops the process's own snapshot and writes a new
version, at once and again after the commit (so no process keeps what it read before the change
committed). The process that made a change sees it at its next intake; with a shared cache (Redis)
every other process sees it within `CHECK_EVERY` seconds, with the per-process local-memory cache
within `MAX_AGE` seconds. Nothing here is shared between processes but the version token, and a
snapshot is never changed once built (threads of one process may share it).
"""

from __future__ import annotations

import copy
import time
import uuid
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from lianxin.core.capabilities import APPEALS_HANDLE
from lianxin.core.models import CalendarYear, Holiday, Role, RoleAssignment
from lianxin.core.text import to_simplified
from lianxin.org.models import Unit

from .models import Category, DeadlineRule

VERSION_KEY = "appeals:reference-version"
CHECK_EVERY = 1.0
"""Seconds between two looks at the version (a cache read) in one process."""
MAX_AGE = 10.0
"""Seconds a snapshot is used without a change being announced (covers per-process caches)."""

CHAIRMAN = "chairman"


@dataclass(frozen=True)
class Reference:
    version: str
    built_at: float
    categories: dict[str, Category]
    """Every category by code, active or not."""
    keywords: tuple[tuple[str, str], ...]
    """(category code, simplified keyword) of every active category."""
    rules: tuple[DeadlineRule, ...]
    handling: dict[str, Unit] = field(default_factory=dict)
    """Active units where someone holds a role granting appeals.handle, by path."""
    chaired: dict[str, Unit] = field(default_factory=dict)
    """Active units where someone holds the chairman role, by path."""
    roots: dict[str, Unit] = field(default_factory=dict)
    """Units at the top of the tree, by path."""
    calendar: dict = field(default_factory=dict)
    """Each year's working-day calendar as `core.workdays` reads it, filled in as limits are counted
    (pass it as `years=` to `workdays.add_working_days`)."""

    def category(self, code: str) -> Category | None:
        """A copy of the category (callers may attach it to a new appeal)."""
        found = self.categories.get(code)
        return copy.copy(found) if found is not None else None

    @staticmethod
    def unit(unit: Unit) -> Unit:
        """A copy of a cached unit, for one caller to keep."""
        return copy.copy(unit)


_snapshot: Reference | None = None
_checked_at = 0.0


def current() -> Reference:
    """This process's snapshot, rebuilt first when it is stale."""
    global _snapshot, _checked_at
    snapshot, now = _snapshot, time.monotonic()
    if snapshot is not None and now - _checked_at < CHECK_EVERY and now - snapshot.built_at < MAX_AGE:
        return snapshot
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(VERSION_KEY)
    if snapshot is None or snapshot.version != version or now - snapshot.built_at >= MAX_AGE:
        snapshot = _snapshot = _build(version)
    _checked_at = now
    return snapshot


def _build(version: str) -> Reference:
    categories = {category.code: category for category in Category.objects.all()}
    keywords = tuple(
        (category.code, to_simplified(word))
        for category in sorted(categories.values(), key=lambda c: (c.order, c.pk))
        if category.is_active
        for word in category.keywords.split()
    )
    handle_roles, chair_roles = set(), set()
    for pk, code, capabilities in Role.objects.values_list("pk", "code", "capabilities"):
        if APPEALS_HANDLE in (capabilities or []):
            handle_roles.add(pk)
        if code == CHAIRMAN:
            chair_roles.add(pk)
    held = set(
        RoleAssignment.objects.filter(role_id__in=handle_roles | chair_roles, unit__is_active=True)
        .values_list("unit_id", "role_id")
        .distinct()
    )
    units = Unit.objects.filter(pk__in={unit_id for unit_id, _role in held}) | Unit.objects.filter(depth=1)
    by_id = {unit.pk: unit for unit in units}
    return Reference(
        version=version,
        built_at=time.monotonic(),
        categories=categories,
        keywords=keywords,
        rules=tuple(DeadlineRule.objects.all()),
        handling={by_id[u].path: by_id[u] for u, role in held if role in handle_roles},
        chaired={by_id[u].path: by_id[u] for u, role in held if role in chair_roles},
        roots={unit.path: unit for unit in by_id.values() if unit.depth == 1},
    )


def changed() -> None:
    """Announce a change: this process rebuilds its snapshot at its next intake, the others when
    they next look at the version."""
    global _snapshot
    _snapshot = None
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)


def _on_change(sender, **kwargs) -> None:
    changed()
    transaction.on_commit(changed)


for _model in (Category, DeadlineRule, Role, RoleAssignment, Unit, Holiday, CalendarYear):
    post_save.connect(_on_change, sender=_model, dispatch_uid=f"appeals-reference-{_model.__name__}-save")
    post_delete.connect(_on_change, sender=_model, dispatch_uid=f"appeals-reference-{_model.__name__}-delete")
