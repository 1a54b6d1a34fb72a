"""Reads of the organization tree, always narrowed to what the asking user may see."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Length, Substr

from lianxin.core.capabilities import ORG_MANAGE, ORG_VIEW
from lianxin.core.models import ImportBatch
from lianxin.core.permissions import get_object_in_scope, has_unit_permission, scope_paths, scope_q
from lianxin.core.text import to_simplified
from lianxin.members.models import Member, MemberStatus
from lianxin.members.selectors import member_list

from .models import POST_LEVELS, Liaison, Post, PostKind, SixHave, UnionBody, Unit, UnitLevel

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


def units_with_visible_parent(units: QuerySet[Unit], *, fetched_by) -> QuerySet[Unit]:
    """Annotate `visible_parent_id`: the parent's id when the user may see the parent, else None
    (a parent outside the user's scope is not revealed, not even by its id)."""
    parent = Unit.objects.filter(
        scope_q(fetched_by, ORG_VIEW),
        path=Substr(OuterRef("path"), 1, Length(OuterRef("path")) - Unit.steplen),
    ).values("pk")[:1]
    return units.annotate(visible_parent_id=Subquery(parent))


def unit_roots(*, fetched_by) -> list[Unit]:
    """The topmost units the user may see: the starting points of the tree browser."""
    paths = scope_paths(fetched_by, ORG_VIEW)
    if paths is None:
        return _with_markers(Unit.objects.filter(depth=1).order_by("path"))
    if not paths:
        return []
    return _with_markers(Unit.objects.filter(path__in=paths).order_by("path"))


_COUNT_CHUNK = 200


def _member_totals(nodes: list[Unit]) -> list[int]:
    """Active members in each node's subtree, one query per 200 nodes (one in practice)."""
    totals: list[int] = []
    for start in range(0, len(nodes), _COUNT_CHUNK):
        chunk = nodes[start : start + _COUNT_CHUNK]
        within = Q()
        for node in chunk:
            within |= Q(unit__path__startswith=node.path)
        counts = Member.objects.filter(within, status=MemberStatus.ACTIVE).aggregate(
            **{
                f"n{i}": Count("pk", filter=Q(unit__path__startswith=node.path))
                for i, node in enumerate(chunk)
            }
        )
        totals.extend(counts[f"n{i}"] for i in range(len(chunk)))
    return totals


def _with_markers(units: QuerySet[Unit]) -> list[Unit]:
    """Units with `has_room`, `has_station`, `has_liaison` (on the unit itself) and `member_total`
    (active members in its whole subtree), in two queries."""
    nodes = list(
        units.annotate(
            has_room=Exists(Post.objects.filter(unit=OuterRef("pk"), kind=PostKind.ROOM)),
            has_station=Exists(Post.objects.filter(unit=OuterRef("pk"), kind=PostKind.STATION)),
            has_liaison=Exists(Liaison.objects.filter(team=OuterRef("pk"), ended_on__isnull=True)),
        )
    )
    for node, total in zip(nodes, _member_totals(nodes), strict=True):
        node.member_total = total
    return nodes


def unit_search(*, fetched_by, q: str, limit: int = 50) -> tuple[list[Unit], int]:
    """Units in scope whose name, short name or code matches `q`, each with `parent_name` set.

    Traditional characters are accepted. Returns (first `limit` matches, number of matches).
    """
    text = to_simplified(q.strip())
    if not text:
        return [], 0
    matches = unit_list(fetched_by=fetched_by, q=text)
    total = matches.count()
    units = list(matches[:limit])
    parent_paths = {u.path[: -u.steplen] for u in units if u.depth > 1}
    names = dict(Unit.objects.filter(path__in=parent_paths).values_list("path", "name"))
    for unit in units:
        unit.parent_name = names.get(unit.path[: -unit.steplen], "")
    return units, total


def unit_get(*, fetched_by, unit_id) -> Unit:
    return get_object_in_scope(Unit.objects.filter(scope_q(fetched_by, ORG_VIEW)), pk=unit_id)


def unit_children(*, fetched_by, unit: Unit) -> list[Unit]:
    """Children for the tree browser, each with its markers (see `_with_markers`).

    `numchild` tells whether a child has children of its own, for lazy loading.
    """
    return _with_markers(unit_list(fetched_by=fetched_by, parent=unit))


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


# --- The unit page ---------------------------------------------------------------------------------


def unit_can_manage(*, user, unit: Unit) -> bool:
    return has_unit_permission(user, unit, ORG_MANAGE)


def _with_six_haves(posts: list[Post]) -> list[Post]:
    """Give each post `six_haves`: (code, label, checklist row or None) for all six, in order."""
    for post in posts:
        by_item = {row.item: row for row in post.checklist.all()}
        post.six_haves = [(code, label, by_item.get(code)) for code, label in SixHave.choices]
        post.six_haves_done = len(by_item)
    return posts


def subtree_posts(*, unit: Unit) -> QuerySet[Post]:
    """Rooms and stations on the unit and on every unit under it, top of the tree first."""
    return (
        Post.objects.filter(unit__path__startswith=unit.path)
        .select_related("unit", "leader")
        .prefetch_related("checklist")
        .order_by("unit__path", "kind", "id")
    )


def posts_with_six_haves(posts) -> list[Post]:
    """Evaluate a (sliced) post queryset and attach the six-haves checklist of each post."""
    return _with_six_haves(list(posts))


def teams_without_liaison(*, unit: Unit) -> QuerySet[Unit]:
    active = Liaison.objects.filter(team=OuterRef("pk"), ended_on__isnull=True)
    return (
        Unit.objects.filter(path__startswith=unit.path, level=UnitLevel.TEAM, is_active=True)
        .exclude(Exists(active))
        .order_by("path")
    )


def union_body_of(*, unit: Unit) -> UnionBody | None:
    return (
        UnionBody.objects.filter(unit=unit)
        .select_related("chairman")
        .prefetch_related("vice_chairmen", "staff")
        .first()
    )


def subtree_member_total(*, unit: Unit) -> int:
    return Member.objects.filter(unit__path__startswith=unit.path, status=MemberStatus.ACTIVE).count()


@dataclass
class UnitOverview:
    """Everything the unit page shows, read in a fixed number of queries."""

    unit: Unit
    can_manage: bool
    ancestors: list[Unit]
    union_body: UnionBody | None
    member_total: int
    posts: list[Post]
    posts_total: int
    liaisons: list[Liaison]
    liaisons_total: int
    teams_without_liaison: list[Unit]
    teams_without_liaison_total: int
    children: list[Unit]
    coverage: Coverage


def unit_overview(*, fetched_by, unit: Unit, limit: int = 20) -> UnitOverview:
    """The unit page of a unit already fetched through `unit_get`; lists are capped at `limit`."""
    posts = subtree_posts(unit=unit)
    liaisons = unit_liaisons(unit=unit)
    missing = teams_without_liaison(unit=unit)
    return UnitOverview(
        unit=unit,
        can_manage=unit_can_manage(user=fetched_by, unit=unit),
        ancestors=unit_ancestors(fetched_by=fetched_by, unit=unit),
        union_body=union_body_of(unit=unit),
        member_total=subtree_member_total(unit=unit),
        posts=posts_with_six_haves(posts[:limit]),
        posts_total=posts.count(),
        liaisons=list(liaisons[:limit]),
        liaisons_total=liaisons.count(),
        teams_without_liaison=list(missing[:limit]),
        teams_without_liaison_total=missing.count(),
        children=unit_children(fetched_by=fetched_by, unit=unit),
        coverage=unit_coverage(unit=unit),
    )


def post_get(*, fetched_by, post_id) -> Post:
    posts = Post.objects.filter(scope_q(fetched_by, ORG_VIEW, path_field="unit__path")).select_related("unit")
    return get_object_in_scope(posts, pk=post_id)


def liaison_get(*, fetched_by, liaison_id) -> Liaison:
    liaisons = Liaison.objects.filter(scope_q(fetched_by, ORG_VIEW, path_field="team__path")).select_related(
        "team", "member"
    )
    return get_object_in_scope(liaisons, pk=liaison_id)


def liaison_candidates(*, fetched_by, team: Unit, q: str) -> QuerySet:
    """Active members of the team's section (its parent's subtree) matching `q`, as the user may see them."""
    base = Unit.objects.get(path=team.path[: -team.steplen]) if team.depth > 1 else team
    return member_list(fetched_by=fetched_by, unit=base, q=q, status=MemberStatus.ACTIVE)


def members_matching(*, fetched_by, unit: Unit, q: str) -> QuerySet:
    """Active members in the unit's subtree matching `q` (number, name, pinyin), as the user may see them."""
    return member_list(fetched_by=fetched_by, unit=unit, q=q, status=MemberStatus.ACTIVE)


def unit_by_code(*, fetched_by, code: str) -> Unit | None:
    return Unit.objects.filter(scope_q(fetched_by, ORG_VIEW), code=code.strip()).first()


def units_managed_roots(*, fetched_by) -> list[Unit]:
    """The topmost units the user may manage: where an import or a move may start."""
    paths = scope_paths(fetched_by, ORG_MANAGE)
    if paths is None:
        return list(Unit.objects.filter(depth=1).order_by("path"))
    return list(Unit.objects.filter(path__in=paths).order_by("path"))


def unit_import_batch_get(*, fetched_by, batch_id) -> ImportBatch:
    """A unit import the user uploaded; anybody else's answers 404."""
    batches = ImportBatch.objects.filter(kind=ImportBatch.Kind.UNITS, created_by=fetched_by).select_related(
        "scope_unit"
    )
    return get_object_in_scope(batches.defer("content"), pk=batch_id)


def checklist_row(*, post: Post, item: str):
    """The post's record of one of the six haves, or None when it is missing."""
    return post.checklist.filter(item=item).first()
