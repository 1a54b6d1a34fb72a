from __future__ import annotations

import itertools

from lianxin.org.models import Unit, UnitLevel

_codes = itertools.count(1)


def make_unit(name: str, level: str = UnitLevel.TEAM, parent: Unit | None = None, code: str = "") -> Unit:
    """A unit added to the tree (treebeard needs add_root/add_child, not a plain create)."""
    code = code or f"T{next(_codes):05d}"
    if parent is None:
        return Unit.objects.add_root(instance=Unit(name=name, level=level, code=code))
    return Unit.objects.add_child(
        Unit.objects.get(pk=parent.pk), instance=Unit(name=name, level=level, code=code)
    )
