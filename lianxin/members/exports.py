"""Member export to Excel: the filtered list, masked by default, every export logged (PIPL).

The columns are the import's columns (so an exported sheet can be edited and imported elsewhere)
plus the unit's name and the date of leaving. The workbook is written in openpyxl's write-only mode
while the members are read in chunks, so a large export stays small in memory.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from lianxin.core import crypto
from lianxin.core.audit import access_log
from lianxin.core.capabilities import MEMBERS_EXPORT
from lianxin.core.permissions import has_capability

from . import selectors
from .models import Member

HEADERS = [
    "会员号",
    "姓名",
    "性别",
    "出生日期",
    "身份证号",
    "手机号",
    "单位编码",
    "单位名称",
    "岗位",
    "用工性质",
    "入会日期",
    "状态",
    "离会日期",
]
PERSONAL_FIELDS = ["id_number", "phone"]
_TEXT_COLUMNS = {0, 4, 5, 6}  # member number, ID number, phone, unit code: stored as text


def _row(member: Member, unmasked: bool) -> list:
    if unmasked:
        id_number, phone = crypto.decrypt(member.id_number_cipher), crypto.decrypt(member.phone_cipher)
    else:
        id_number, phone = member.id_number_masked, member.phone_masked
    return [
        member.member_no,
        member.name,
        member.get_gender_display(),
        member.birth_date,
        id_number,
        phone,
        member.unit.code,
        member.unit.name,
        member.job,
        member.get_employment_type_display(),
        member.joined_on,
        member.get_status_display(),
        member.left_on,
    ]


def member_workbook(members: Iterable[Member], *, unmasked: bool = False) -> tuple[bytes, int]:
    """The .xlsx bytes of `members` (masked unless `unmasked`) and the number of rows written."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("会员"))
    sheet.freeze_panes = "C2"
    for column, width in zip(
        "ABCDEFGHIJKLM", [12, 10, 6, 12, 22, 16, 12, 20, 14, 10, 12, 8, 12], strict=True
    ):
        sheet.column_dimensions[column].width = width
    sheet.append(HEADERS)
    count = 0
    for member in members:
        row = _row(member, unmasked)
        for index in _TEXT_COLUMNS:
            cell = WriteOnlyCell(sheet, value=row[index])
            cell.number_format = "@"
            row[index] = cell
        for index in (3, 10, 12):
            if row[index] is not None:
                cell = WriteOnlyCell(sheet, value=row[index])
                cell.number_format = "yyyy-mm-dd"
                row[index] = cell
        sheet.append(row)
        count += 1
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue(), count


def member_export(*, exported_by, filters: dict, unmasked: bool = False, request=None) -> tuple[bytes, int]:
    """The members the user may export among the filtered list, as .xlsx; the export is logged.

    Masked values need `members.export`; clear ID numbers and phones also need
    `members.view_personal` on the unit of every exported member, else nothing is exported.
    """
    if not has_capability(exported_by, MEMBERS_EXPORT):
        raise PermissionDenied(_("您没有导出会员名册的权限。"))
    members = selectors.member_export_list(fetched_by=exported_by, **filters)
    if unmasked and not selectors.member_all_personal_visible(fetched_by=exported_by, members=members):
        raise PermissionDenied(
            _("导出完整信息需要对每位导出会员所在单位都有查看完整个人信息的权限;请缩小范围,或导出脱敏名册。")
        )
    # Built before the log row is written, outside a transaction: on SQLite a transaction takes the
    # write lock, and a large export must not hold it. No bytes leave without the log row.
    content, count = member_workbook(members.iterator(chunk_size=2000), unmasked=unmasked)
    access_log(
        user=exported_by,
        action="export",
        subject=Member._meta.label_lower,
        fields=PERSONAL_FIELDS if unmasked else [],
        record_count=count,
        request=request,
        masked=not unmasked,
        filters={
            key: (value.pk if hasattr(value, "pk") else value) for key, value in filters.items() if value
        },
    )
    return content, count
