"""The disclosure list (帮扶资金发放公示名单) as Excel, for factory-affairs publication (厂务公开).

One row per aid payment in the unit's subtree in the period (paid applications by `paid_on`; a
reversed payment is no longer `paid` and is left out), in the order paid. Columns:

序号 · 姓名 (masked, 王*工) · 单位 · 帮扶项目 · 金额(元) · 发放日期 · 备注 (the goods of an in-kind
delivery). A last line gives the total. Never an ID number, a phone, an address or anything of
the household: the list is pinned on a notice board.

Every export needs `assistance.export` on the unit and is logged twice, in one transaction with
nothing else: an audit event (`assistance.disclosure.exported`) and a personal-data access row
(masked names leave the system).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side

from lianxin.core.audit import access_log, audit_log
from lianxin.core.capabilities import ASSISTANCE_EXPORT
from lianxin.core.permissions import has_unit_permission
from lianxin.org.models import Unit

from .models import Application, Programme, ProgrammeKind
from .selectors.reports import DisclosureRow, disclosure_rows

HEADERS = ["序号", "姓名", "单位", "帮扶项目", "金额(元)", "发放日期", "备注"]
WIDTHS = [7, 10, 22, 18, 12, 12, 24]
AUDIT_CODE = "assistance.disclosure.exported"
MONEY_FORMAT = "#,##0.00"


def disclosure_title(*, unit: Unit, date_from: dt.date, date_to: dt.date, what: str = "") -> str:
    return _("%(unit)s %(what)s帮扶资金发放公示名单(%(start)s 至 %(end)s)") % {
        "unit": unit.name,
        "what": what,
        "start": f"{date_from:%Y-%m-%d}",
        "end": f"{date_to:%Y-%m-%d}",
    }


def disclosure_workbook(*, title: str, rows: Iterable[DisclosureRow]) -> tuple[bytes, int, Decimal]:
    """The .xlsx bytes, the number of rows written and their total amount."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("公示名单")
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
    for column, width in zip("ABCDEFG", WIDTHS, strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A3"
    count, total = 0, Decimal("0.00")
    for count, row in enumerate(rows, start=1):
        total += row.amount
        sheet.append([count, row.name, row.unit, row.programme, row.amount, row.paid_on, row.goods])
        for cell in sheet[sheet.max_row]:
            cell.border = border
        sheet.cell(sheet.max_row, 5).number_format = MONEY_FORMAT
        sheet.cell(sheet.max_row, 6).number_format = "yyyy-mm-dd"
    sheet.append([_("合计"), _("%(count)s 人次") % {"count": count}, "", "", total, "", ""])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
        cell.border = border
    sheet.cell(sheet.max_row, 5).number_format = MONEY_FORMAT
    sheet.print_title_rows = "1:2"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue(), count, total


def disclosure_export(
    *,
    exported_by,
    unit: Unit,
    date_from: dt.date,
    date_to: dt.date,
    programme: Programme | None = None,
    kind: str = "",
    request=None,
) -> tuple[bytes, int]:
    """The unit's disclosure list for the period as .xlsx; needs `assistance.export` on the unit."""
    if not has_unit_permission(exported_by, unit, ASSISTANCE_EXPORT):
        raise PermissionDenied(_("您没有导出这个单位帮扶公示名单的权限。"))
    what = programme.name if programme is not None else (ProgrammeKind(kind).label if kind else "")
    rows = disclosure_rows(
        fetched_by=exported_by,
        unit=unit,
        date_from=date_from,
        date_to=date_to,
        programme=programme,
        kind=kind,
    )
    title = disclosure_title(unit=unit, date_from=date_from, date_to=date_to, what=what)
    # Built before the log rows are written, outside a transaction (a large export must not hold
    # SQLite's write lock); no bytes leave without the log rows.
    content, count, total = disclosure_workbook(title=title, rows=rows)
    period = f"{date_from:%Y-%m-%d}..{date_to:%Y-%m-%d}"
    with transaction.atomic():
        audit_log(
            code=AUDIT_CODE,
            actor=exported_by,
            unit=unit,
            period=period,
            programme=programme.pk if programme else None,
            kind=kind,
            rows=count,
            amount=str(total),
        )
        access_log(
            user=exported_by,
            action="export",
            subject=Application._meta.label_lower,
            fields=["member_name"],
            record_count=count,
            request=request,
            masked=True,
            unit=unit.pk,
            period=period,
            kind="disclosure",
        )
    return content, count
