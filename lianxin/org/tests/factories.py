from __future__ import annotations

import itertools

from lianxin.org.models import Liaison, Post, PostChecklistItem, Unit, UnitLevel

_codes = itertools.count(1)


def make_unit(name: str, level: str = UnitLevel.TEAM, parent: Unit | None = None, code: str = "") -> Unit:
    """A unit added to the tree (treebeard needs add_root/add_child, not a plain create)."""
    code = code or f"T{next(_codes):05d}"
    if parent is None:
        return Unit.objects.add_root(instance=Unit(name=name, level=level, code=code))
    return Unit.objects.add_child(
        Unit.objects.get(pk=parent.pk), instance=Unit(name=name, level=level, code=code)
    )


def make_post(unit: Unit, kind: str = "station", name: str = "", items=()) -> Post:
    """A room or station with the given six-haves items checked (evidence filled in)."""
    post = Post.objects.create(
        unit=unit, kind=kind, name=name or f"{unit.name}群众工作{'室' if kind == 'room' else '站'}"
    )
    for item in items:
        PostChecklistItem.objects.create(post=post, item=item, evidence=f"{item} 佐证")
    return post


def make_liaison(team: Unit, member, *, ended: bool = False) -> Liaison:
    import datetime as dt

    return Liaison.objects.create(team=team, member=member, ended_on=dt.date(2026, 1, 1) if ended else None)
