from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from pydantic import Field

from lianxin.core.api import ERRORS, Pagination

from . import selectors
from .models import UnitLevel

router = Router(tags=["org"])


class UnitOut(Schema):
    id: int
    name: str
    short_name: str
    code: str
    level: UnitLevel
    level_label: str = Field(alias="get_level_display")
    depth: int
    parent_id: int | None = None
    children_count: int = Field(alias="numchild")

    @staticmethod
    def resolve_parent_id(obj) -> int | None:
        return getattr(obj, "parent_id_cached", None)


class UnitFilters(Schema):
    parent: int | None = Field(None, ge=1, description="只列出该单位的直接下级")
    level: UnitLevel | None = None
    q: str = Field("", max_length=50, description="名称或编码")


class VetoedUnitOut(Schema):
    id: int
    name: str
    level: str


class CoverageOut(Schema):
    unit_id: int
    teams: int
    teams_with_liaison: int
    liaison_rate: float | None
    sections: int
    sections_with_station: int
    station_rate: float | None
    rooms: int
    rooms_six_haves: int
    room_six_haves_rate: float | None
    stations: int
    stations_six_haves: int
    vetoed: list[VetoedUnitOut]


def _with_parent_ids(units):
    """Set each unit's parent id from its path, using one query for all of them."""
    units = list(units)
    parent_paths = {u.path[: -u.steplen] for u in units if u.depth > 1}
    ids = dict(selectors.Unit.objects.filter(path__in=parent_paths).values_list("path", "pk"))
    for unit in units:
        unit.parent_id_cached = ids.get(unit.path[: -unit.steplen]) if unit.depth > 1 else None
    return units


@router.get("/units", response={200: list[UnitOut], **ERRORS}, summary="List units in scope")
@paginate(Pagination)
def unit_list(request: HttpRequest, filters: Query[UnitFilters]):
    parent = selectors.unit_get(fetched_by=request.user, unit_id=filters.parent) if filters.parent else None
    units = selectors.unit_list(
        fetched_by=request.user, parent=parent, q=filters.q, level=filters.level or ""
    )
    return _LazyParents(units)


class _LazyParents:
    """A queryset wrapper that fills parent ids for the sliced page only."""

    def __init__(self, queryset):
        self.queryset = queryset

    def all(self):
        return self.queryset

    def __getitem__(self, item):
        return _with_parent_ids(self.queryset[item])


@router.get("/units/{int:unit_id}", response={200: UnitOut, **ERRORS}, summary="One unit")
def unit_detail(request: HttpRequest, unit_id: int):
    unit = selectors.unit_get(fetched_by=request.user, unit_id=unit_id)
    return _with_parent_ids([unit])[0]


@router.get(
    "/units/{int:unit_id}/coverage", response={200: CoverageOut, **ERRORS}, summary="Coverage of a subtree"
)
def unit_coverage(request: HttpRequest, unit_id: int):
    unit = selectors.unit_get(fetched_by=request.user, unit_id=unit_id)
    return {"unit_id": unit.pk, **selectors.unit_coverage(unit=unit).as_dict()}
