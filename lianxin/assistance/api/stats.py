"""Assistance API: the aid statistics, `GET /api/v1/assistance/stats`.

Person-times, households and yuan of the aid paid in a unit's subtree in a period, in total, by kind
of programme, by programme and by child unit, and the mutual-aid figures. Filters: `unit` (default:
the user's top unit of `assistance.view`; 404 outside the scope), `programme` (an id; 404 when the
user may not count it), `kind` (a programme kind), `from` and `to` (default: this year to today).
Money is a decimal string with two places.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from lianxin.core.api import ERRORS, error_body
from lianxin.core.capabilities import ASSISTANCE_VIEW
from lianxin.core.permissions import has_capability

from ..forms_reports import MAX_REPORT_DAYS
from ..models import ProgrammeKind
from ..selectors import reports as selectors

router = Router()

EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2100, 12, 31)


class AidStatsFiltersIn(Schema):
    unit: int | None = Field(
        None, ge=1, le=2_147_483_647, description="单位及其下级;默认为本人查看范围的最上层单位"
    )
    programme: int | None = Field(None, ge=1, le=2_147_483_647, description="帮扶项目 id")
    kind: ProgrammeKind | None = Field(None, description="项目类型")
    date_from: dt.date | None = Field(
        None, alias="from", ge=EARLIEST, le=LATEST, description="发放日期起;默认今年 1 月 1 日"
    )
    date_to: dt.date | None = Field(
        None, alias="to", ge=EARLIEST, le=LATEST, description="发放日期止;默认今天"
    )


class AidRowOut(Schema):
    key: str = Field(description="项目类型代码、项目 id 或单位路径")
    label: str
    person_times: int = Field(description="人次")
    households: int = Field(description="户数(去重)")
    amount: Decimal = Field(description="金额(元)")
    unit_id: int | None = None
    programme_id: int | None = None


class MutualAidOut(Schema):
    insured: int = Field(description="参保人数(保障期与期间重叠的计划)")
    claims_paid: int = Field(description="期间内赔付人次")
    amount: Decimal = Field(description="期间内赔付金额(元)")


class AidStatsOut(Schema):
    unit_id: int | None
    unit_name: str
    programme_id: int | None
    kind: str
    date_from: dt.date
    date_to: dt.date
    person_times: int = Field(description="人次")
    households: int = Field(description="户数(去重)")
    amount: Decimal = Field(description="金额(元)")
    lines: list[str] = Field(description="报告用语,如“两节送温暖 1,680 人次、130 万元”")
    by_kind: list[AidRowOut]
    by_programme: list[AidRowOut]
    by_unit: list[AidRowOut]
    mutual_aid: MutualAidOut


def _row(row: selectors.AidRow) -> dict:
    return {
        "key": row.key,
        "label": row.label,
        "person_times": row.person_times,
        "households": row.households,
        "amount": row.amount,
        "unit_id": row.unit.pk if row.unit else None,
        "programme_id": row.programme.pk if row.programme else None,
    }


def _invalid(path: str, message: str):
    errors = [{"path": path, "message": message}]
    return Status(422, error_body("invalid", _("输入有误,请检查标出的字段。"), errors))


@router.get(
    "/stats",
    response={200: AidStatsOut, **ERRORS},
    summary="Aid paid: person-times, households and amount, by programme and by child unit",
)
def aid_stats(request: HttpRequest, filters: Query[AidStatsFiltersIn]):
    user = request.user
    unit = selectors.report_unit_get(fetched_by=user, unit_id=filters.unit) if filters.unit else None
    programme = (
        selectors.programme_get(fetched_by=user, programme_id=filters.programme)
        if filters.programme
        else None
    )
    if unit is None and not has_capability(user, ASSISTANCE_VIEW):
        raise PermissionDenied(_("您没有查看帮扶统计的权限。"))
    today = timezone.localdate()
    date_from = filters.date_from or today.replace(month=1, day=1)
    date_to = filters.date_to or today
    if date_from > date_to:
        return _invalid("query.to", _("结束日期不能早于开始日期。"))
    if (date_to - date_from).days > MAX_REPORT_DAYS:
        return _invalid("query.to", _("一次最多统计三年。"))
    stats = selectors.aid_stats(
        fetched_by=user,
        unit=unit,
        programme=programme,
        kind=filters.kind.value if filters.kind else "",
        date_from=date_from,
        date_to=date_to,
    )
    return {
        "unit_id": stats.unit.pk if stats.unit else None,
        "unit_name": stats.unit.name if stats.unit else "",
        "programme_id": programme.pk if programme else None,
        "kind": stats.kind,
        "date_from": stats.date_from,
        "date_to": stats.date_to,
        "person_times": stats.person_times,
        "households": stats.households,
        "amount": stats.amount,
        "lines": stats.lines,
        "by_kind": [_row(row) for row in stats.by_kind],
        "by_programme": [_row(row) for row in stats.by_programme],
        "by_unit": [_row(row) for row in stats.by_unit],
        "mutual_aid": vars(stats.mutual_aid),
    }
