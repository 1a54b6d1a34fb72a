from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from pydantic import Field

from lianxin.core.api import ERRORS, Pagination
from lianxin.core.permissions import get_object_in_scope

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
        return obj.visible_parent_id


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


@router.get("/units", response={200: list[UnitOut], **ERRORS}, summary="List units in scope")
@paginate(Pagination)
def unit_list(request: HttpRequest, filters: Query[UnitFilters]):
    parent = selectors.unit_get(fetched_by=request.user, unit_id=filters.parent) if filters.parent else None
    units = selectors.unit_list(
        fetched_by=request.user, parent=parent, q=filters.q, level=filters.level or ""
    )
    return selectors.units_with_visible_parent(units, fetched_by=request.user)


@router.get("/units/{int:unit_id}", response={200: UnitOut, **ERRORS}, summary="One unit")
def unit_detail(request: HttpRequest, unit_id: int):
    units = selectors.units_with_visible_parent(
        selectors.unit_list(fetched_by=request.user), fetched_by=request.user
    )
    return get_object_in_scope(units, pk=unit_id)


@router.get(
    "/units/{int:unit_id}/coverage", response={200: CoverageOut, **ERRORS}, summary="Coverage of a subtree"
)
def unit_coverage(request: HttpRequest, unit_id: int):
    unit = selectors.unit_get(fetched_by=request.user, unit_id=unit_id)
    return {"unit_id": unit.pk, **selectors.unit_coverage(unit=unit).as_dict()}
