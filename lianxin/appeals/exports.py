"""The appeals ledger (诉求台账): a unit's appeals of one month as Excel, every export logged.

One row per appeal received in the month (by `received_at`, Asia/Shanghai) whose unit of origin
lies in the unit's subtree, in the order received. The columns are those a union office keeps:

序号 · 受理日期 (the day the union received it) · 诉求人 (a named worker's name masked, 王*工; 匿名
for an anonymous appeal) · 诉求内容 (the text as written; "(保密)" for a confidential appeal) ·
类别 · 承办单位 · 办理结果 (the answer, the reason for rejection, the appeal it was merged into, or
the present state while open; only the state for a confidential appeal) · 办结日期 (the day it closed: rated, rating window lapsed, rejected,
merged or withdrawn) · 满意度 (the last rating; 未评价 when it closed unrated).

A month of a large unit is a few thousand rows: the workbook is built in memory (a normal
workbook, so the title row can span the columns) while the appeals are read in chunks.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side

from lianxin.core.audit import access_log, audit_log
from lianxin.core.capabilities import APPEALS_EXPORT
from lianxin.core.permissions import has_unit_permission
from lianxin.core.text import mask_name
from lianxin.org.models import Unit

from . import selectors
from .models import Appeal, Rating, Score, State

HEADERS = ["序号", "受理日期", "诉求人", "诉求内容", "类别", "承办单位", "办理结果", "办结日期", "满意度"]
WIDTHS = [6, 12, 10, 60, 14, 16, 40, 12, 10]
CONFIDENTIAL = "(保密)"
ANONYMOUS = "匿名"
UNRATED = "未评价"
AUDIT_CODE = "appeals.ledger.exported"


def month_range(month: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of the month holding `month`."""
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def ledger_appeals(*, fetched_by, unit: Unit, month: dt.date) -> QuerySet[Appeal]:
    """The month's appeals of the unit's subtree that the user may see, oldest first, with the last
    rating's score (`last_score`)."""
    first, last = month_range(month)
    filters = selectors.AppealFilters(unit=unit, date_from=first, date_to=last)
    last_score = Rating.objects.filter(appeal=OuterRef("pk")).order_by("-round").values("score")[:1]
    return (
        selectors.appeal_list(fetched_by=fetched_by, filters=filters)
        .select_related("member", "merged_into")
        .annotate(last_score=Subquery(last_score))
        .order_by("received_at", "id")
    )


def _submitter(appeal: Appeal) -> str:
    if appeal.is_anonymous:
        return ANONYMOUS
    name = appeal.member.name if appeal.member_id else appeal.contact_name
    return mask_name(name) if name else _("未留名")


def _result(appeal: Appeal) -> str:
    if appeal.state == State.REJECTED:
        return _("不予受理:%(reason)s") % {"reason": appeal.reject_reason}
    if appeal.state == State.MERGED:
        number = appeal.merged_into.number if appeal.merged_into_id else ""
        return _("并入诉求 %(number)s 一并办理") % {"number": number}
    if appeal.state == State.WITHDRAWN:
        return _("职工撤回")
    if appeal.answer and appeal.state in (State.ANSWERED, State.CLOSED):
        return appeal.answer
    return str(appeal.get_state_display())


def _satisfaction(appeal: Appeal) -> str:
    score = getattr(appeal, "last_score", None)
    if score:
        return str(Score(score).label)
    if appeal.state == State.CLOSED:
        return UNRATED
    return ""


def _local_date(moment: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(moment) if moment else None


def ledger_row(index: int, appeal: Appeal) -> list:
    return [
        index,
        _local_date(appeal.received_at),
        _submitter(appeal),
        CONFIDENTIAL if appeal.confidential else appeal.text,
        appeal.category.name,
        appeal.handling_unit.name,
        str(appeal.get_state_display()) if appeal.confidential else _result(appeal),
        _local_date(appeal.closed_at),
        _satisfaction(appeal),
    ]


def ledger_workbook(*, unit: Unit, month: dt.date, appeals: Iterable[Appeal]) -> tuple[bytes, int]:
    """The .xlsx bytes of the ledger and the number of appeal rows written."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("诉求台账")
    title = _("%(unit)s 职工诉求台账(%(year)d年%(month)d月)") % {
        "unit": unit.name,
        "year": month.year,
        "month": month.month,
    }
    sheet.append([title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center", vertical="center")
    sheet.row_dimensions[1].height = 28
    sheet.append(HEADERS)
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center")
        cell.border = border
    for column, width in zip("ABCDEFGHI", WIDTHS, strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A3"
    wrap = Alignment(wrap_text=True, vertical="top")
    count = 0
    for count, appeal in enumerate(appeals, start=1):
        sheet.append(ledger_row(count, appeal))
        for cell in sheet[sheet.max_row]:
            cell.border = border
            cell.alignment = wrap
            if isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
    sheet.print_title_rows = "1:2"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue(), count


def ledger_export(*, exported_by, unit: Unit, month: dt.date, request=None) -> tuple[bytes, int]:
    """The unit's ledger for the month as .xlsx; needs `appeals.export` on the unit. Logged twice:
    an audit event (`appeals.ledger.exported`) and, since it holds workers' (masked) names, a
    personal-data access row."""
    if not has_unit_permission(exported_by, unit, APPEALS_EXPORT):
        raise PermissionDenied(_("您没有导出这个单位诉求台账的权限。"))
    month = month.replace(day=1)
    appeals = ledger_appeals(fetched_by=exported_by, unit=unit, month=month)
    # Built before the log rows are written, outside a transaction (a large export must not hold
    # SQLite's write lock); no bytes leave without the log rows.
    content, count = ledger_workbook(unit=unit, month=month, appeals=appeals.iterator(chunk_size=1000))
    label = f"{month:%Y-%m}"
    with transaction.atomic():
        audit_log(code=AUDIT_CODE, actor=exported_by, unit=unit, month=label, rows=count)
        access_log(
            user=exported_by,
            action="export",
            subject=Appeal._meta.label_lower,
            fields=["submitter"],
            record_count=count,
            request=request,
            masked=True,
            unit=unit.pk,
            month=label,
            kind="ledger",
        )
    return content, count
