"""Reads of the organization tree, always narrowed to what the asking user may see."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from lianxin.core.capabilities import ORG_VIEW
from lianxin.core.permissions import get_object_in_scope, scope_paths, scope_q

from .models import POST_LEVELS, Liaison, Post, PostKind, SixHave, Unit, UnitLevel

SIX_HAVES_COUNT = len(SixHave.choices)


def unit_list(*, fetched_by, parent: Unit | None = None, q: str = "", level: str = "") -> QuerySet[Unit]:
    """Units the user may see; with `parent`, its children only."""
    units = Unit.objects.filter(scope_q(fetched_by, ORG_VIEW))
    if parent is not None:
        units = units.filter(path__startswith=parent.path, depth=parent.depth + 1)
    if q:
        units = units.filter(Q(name__contains=q) | Q(short_name__contains=q) | Q(code=q))
    if level:
        units = units.filter(level=level)
    return units.order_by("path")


def unit_roots(*, fetched_by) -> list[Unit]:
    """The topmost units the user may see: the starting points of the tree browser."""
    paths = scope_paths(fetched_by, ORG_VIEW)
    if paths is None:
        return list(Unit.objects.get_root_nodes())
    return list(Unit.objects.filter(path__in=paths).order_by("path"))


def unit_get(*, fetched_by, unit_id) -> Unit:
    return get_object_in_scope(Unit.objects.filter(scope_q(fetched_by, ORG_VIEW)), pk=unit_id)


def unit_children(*, fetched_by, unit: Unit) -> list[Unit]:
    """Children with a flag telling whether each has children of its own (for lazy loading)."""
    children = unit_list(fetched_by=fetched_by, parent=unit)
    return list(children.annotate(member_total=Count("members", filter=Q(members__status="active"))))


def unit_ancestors(*, fetched_by, unit: Unit) -> list[Unit]:
    """The breadcrumb: ancestors the user may see, top first."""
    paths = [unit.path[: i * unit.steplen] for i in range(1, unit.depth)]
    return list(Unit.objects.filter(scope_q(fetched_by, ORG_VIEW), path__in=paths).order_by("depth"))


def unit_posts(*, unit: Unit) -> list[Post]:
    """Rooms and stations attached to the unit itself, with their checklist and staff."""
    return list(
        Post.objects.filter(unit=unit)
        .select_related("leader")
        .prefetch_related("checklist", "staff")
        .order_by("kind", "id")
    )


def unit_liaisons(*, unit: Unit) -> QuerySet[Liaison]:
    """Active liaisons of the teams in the unit's subtree."""
    return (
        Liaison.objects.filter(team__path__startswith=unit.path, ended_on__isnull=True)
        .select_related("team", "member")
        .order_by("team__path")
    )


@dataclass
class Coverage:
    """How far mass work reaches in a subtree (覆盖情况)."""

    teams: int = 0
    teams_with_liaison: int = 0
    sections: int = 0
    sections_with_station: int = 0
    rooms: int = 0
    rooms_six_haves: int = 0
    stations: int = 0
    stations_six_haves: int = 0
    vetoed: list[Unit] = field(default_factory=list)

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return round(100 * part / whole, 1) if whole else None

    @property
    def liaison_rate(self) -> float | None:
        return self._rate(self.teams_with_liaison, self.teams)

    @property
    def station_rate(self) -> float | None:
        return self._rate(self.sections_with_station, self.sections)

    @property
    def room_six_haves_rate(self) -> float | None:
        return self._rate(self.rooms_six_haves, self.rooms)

    def as_dict(self) -> dict:
        return {
            "teams": self.teams,
            "teams_with_liaison": self.teams_with_liaison,
            "liaison_rate": self.liaison_rate,
            "sections": self.sections,
            "sections_with_station": self.sections_with_station,
            "station_rate": self.station_rate,
            "rooms": self.rooms,
            "rooms_six_haves": self.rooms_six_haves,
            "room_six_haves_rate": self.room_six_haves_rate,
            "stations": self.stations,
            "stations_six_haves": self.stations_six_haves,
            "vetoed": [{"id": u.pk, "name": u.name, "level": u.level} for u in self.vetoed],
        }


def unit_coverage(*, unit: Unit) -> Coverage:
    """Coverage of the unit's subtree, in a fixed number of queries whatever its size.

    The room precondition (一票否决): every unit of a level where rooms belong (group, secondary)
    must have a room, and every tertiary unit must have a station on itself or on one of its
    sections. A unit failing it is listed in `vetoed`.
    """
    subtree = Unit.objects.filter(path__startswith=unit.path, is_active=True)
    cov = Coverage()

    active_liaison = Liaison.objects.filter(team=OuterRef("pk"), ended_on__isnull=True)
    teams = subtree.filter(level=UnitLevel.TEAM).aggregate(
        total=Count("pk"), covered=Count("pk", filter=Q(Exists(active_liaison)))
    )
    cov.teams, cov.teams_with_liaison = teams["total"], teams["covered"]

    station_here = Post.objects.filter(unit=OuterRef("pk"), kind=PostKind.STATION)
    sections = subtree.filter(level=UnitLevel.SECTION).aggregate(
        total=Count("pk"), covered=Count("pk", filter=Q(Exists(station_here)))
    )
    cov.sections, cov.sections_with_station = sections["total"], sections["covered"]

    posts = (
        Post.objects.filter(unit__path__startswith=unit.path, unit__is_active=True)
        .annotate(items=Count("checklist"))
        .values_list("kind", "items", "unit__path")
    )
    station_paths: list[str] = []
    room_unit_paths: set[str] = set()
    for kind, items, path in posts:
        complete = items >= SIX_HAVES_COUNT
        if kind == PostKind.ROOM:
            cov.rooms += 1
            cov.rooms_six_haves += complete
            room_unit_paths.add(path)
        else:
            cov.stations += 1
            cov.stations_six_haves += complete
            station_paths.append(path)

    for candidate in subtree.filter(level__in=[*POST_LEVELS[PostKind.ROOM], UnitLevel.UNIT]).order_by("path"):
        if candidate.level == UnitLevel.UNIT:
            ok = any(path.startswith(candidate.path) for path in station_paths)
        else:
            ok = candidate.path in room_unit_paths
        if not ok:
            cov.vetoed.append(candidate)
    return cov
