"""Member import from Excel: check every row first, then write all good rows in one transaction, or nothing.

The sheet's first row names the columns (Chinese headers, see `COLUMNS`). Checking never writes a
member; it keeps the file and the report in an `ImportBatch`, so the user can look at the report and
choose "import the good rows" or "import nothing", on any web node.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import TextChoices
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook
from simple_history.utils import bulk_create_with_history

from lianxin.core import crypto
from lianxin.core.audit import audit_log
from lianxin.core.capabilities import MEMBERS_IMPORT
from lianxin.core.models import ImportBatch
from lianxin.core.permissions import has_unit_permission
from lianxin.org.models import Unit

from .models import EmploymentType, Gender, Member, MemberStatus
from .services import id_number_clean, member_build, phone_clean


class OnError(TextChoices):
    REJECT_FILE = "reject_file", gettext_lazy("有错误行时全部不导入")
    SKIP_BAD_ROWS = "skip_bad_rows", gettext_lazy("只导入无误的行")


# header -> field; the first header of each field is the one the template and the export use.
COLUMNS = {
    "会员号": "member_no",
    "姓名": "name",
    "性别": "gender",
    "出生日期": "birth_date",
    "身份证号": "id_number",
    "手机号": "phone",
    "单位编码": "unit_code",
    "岗位": "job",
    "用工性质": "employment_type",
    "入会日期": "joined_on",
    "状态": "status",
}
REQUIRED = ["member_no", "name", "unit_code"]
MAX_ERRORS_KEPT = 5000

_GENDERS = {"男": Gender.MALE, "女": Gender.FEMALE, "M": Gender.MALE, "F": Gender.FEMALE}
_EMPLOYMENT = {str(label): value for value, label in EmploymentType.choices} | {
    v: v for v in EmploymentType.values
}
_EMPLOYMENT |= {
    "劳务工": EmploymentType.DISPATCHED,
    "合同制": EmploymentType.FORMAL,
    "在岗": EmploymentType.FORMAL,
}
_STATUS = {"在会": MemberStatus.ACTIVE, "离会": MemberStatus.LEFT, "": MemberStatus.ACTIVE} | {
    v: v for v in MemberStatus.values
}


@dataclass
class RowError:
    row: int
    column: str
    value: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "value": self.value, "message": self.message}


def read_upload(upload) -> bytes:
    if upload.size is not None and upload.size > settings.IMPORT_MAX_BYTES:
        raise ValidationError(
            {"file": _("文件过大(上限 %(mb)d MB)。") % {"mb": settings.IMPORT_MAX_BYTES // (1024 * 1024)}}
        )
    return upload.read()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value).replace("/", "-").replace(".", "-").replace("年", "-").replace("月", "-").rstrip("日")
    return dt.date.fromisoformat("-".join(part.zfill(2) for part in text.split("-")))


def _rows(content: bytes) -> Iterator[tuple[int, dict]]:
    """(sheet row number, {field: raw value}) for each non-empty row of the first sheet."""
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise ValidationError({"file": _("无法读取该文件,请上传 Excel(.xlsx)文件。")}) from None
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        raise ValidationError({"file": _("表格是空的。")})
    fields = [COLUMNS.get(_text(cell)) for cell in header]
    missing = [name for name, field in COLUMNS.items() if field in REQUIRED and field not in fields]
    if missing:
        raise ValidationError({"file": _("缺少必填列:%(cols)s。") % {"cols": "、".join(missing)}})
    for number, values in enumerate(rows, start=2):
        if values is None or all(v in (None, "") for v in values):
            continue
        yield number, {field: value for field, value in zip(fields, values, strict=False) if field}
    workbook.close()


class _Checker:
    """Checks rows against the scope, the database and each other; builds the members to write."""

    HEADER_OF = {field: header for header, field in reversed(list(COLUMNS.items()))}

    def __init__(self, scope_unit: Unit):
        self.units = {
            code: unit
            for code, unit in (
                (u.code, u) for u in Unit.objects.filter(path__startswith=scope_unit.path, is_active=True)
            )
        }
        self.taken_numbers = set(Member.objects.values_list("member_no", flat=True))
        self.taken_ids = set(
            Member.objects.exclude(id_number_digest="").values_list("id_number_digest", flat=True)
        )

    def check(self, number: int, raw: dict) -> tuple[Member | None, list[RowError]]:
        errors: list[RowError] = []

        def fail(field: str, message: str) -> None:
            errors.append(RowError(number, self.HEADER_OF[field], _text(raw.get(field)), message))

        values = {field: _text(raw.get(field)) for field in COLUMNS.values()}
        for field in REQUIRED:
            if not values[field]:
                fail(field, _("必填项为空。"))
        member_no, name = values["member_no"], values["name"]
        if member_no and member_no in self.taken_numbers:
            fail("member_no", _("会员号重复。"))
        if len(name) > 50:
            fail("name", _("姓名过长。"))
        unit = self.units.get(values["unit_code"])
        if values["unit_code"] and unit is None:
            fail("unit_code", _("未知单位,或不在您导入的范围内。"))
        id_number = ""
        if values["id_number"]:
            try:
                id_number = id_number_clean(values["id_number"])
            except ValidationError as exc:
                fail("id_number", exc.messages[0])
            else:
                if crypto.digest(id_number) in self.taken_ids:
                    fail("id_number", _("身份证号重复。"))
        phone = ""
        if values["phone"]:
            try:
                phone = phone_clean(values["phone"])
            except ValidationError as exc:
                fail("phone", exc.messages[0])
        gender = _GENDERS.get(values["gender"], "") if values["gender"] else ""
        if values["gender"] and not gender:
            fail("gender", _("性别应为“男”或“女”。"))
        employment = _EMPLOYMENT.get(values["employment_type"] or "正式")
        if employment is None:
            fail("employment_type", _("用工性质应为正式、劳务派遣、外包或退休。"))
        status = _STATUS.get(values["status"])
        if status is None:
            fail("status", _("状态应为“在会”或“离会”。"))
        dates = {}
        for field in ("birth_date", "joined_on"):
            try:
                dates[field] = _date(raw.get(field))
            except ValueError:
                fail(field, _("日期格式应为 2024-03-01。"))
        if errors:
            return None, errors
        self.taken_numbers.add(member_no)
        if id_number:
            self.taken_ids.add(crypto.digest(id_number))
        member = member_build(
            unit=unit,
            member_no=member_no,
            name=name,
            id_number=id_number,
            phone=phone,
            gender=gender,
            birth_date=dates["birth_date"],
            job=values["job"][:60],
            employment_type=employment,
            joined_on=dates["joined_on"],
            status=status,
        )
        return member, []


def _check_all(content: bytes, scope_unit: Unit) -> tuple[list[Member], list[RowError], int]:
    checker = _Checker(scope_unit)
    good: list[Member] = []
    errors: list[RowError] = []
    total = 0
    for number, raw in _rows(content):
        total += 1
        member, row_errors = checker.check(number, raw)
        if member is not None:
            good.append(member)
        errors.extend(row_errors)
    return good, errors, total


def member_import_check(*, content: bytes, filename: str, scope_unit: Unit, checked_by) -> ImportBatch:
    """Check every row of the sheet and keep the file with its report; no member is written."""
    if not has_unit_permission(checked_by, scope_unit, MEMBERS_IMPORT):
        raise PermissionDenied(_("您没有向该单位导入会员的权限。"))
    good, errors, total = _check_all(content, scope_unit)
    if total == 0:
        raise ValidationError({"file": _("表格中没有数据行。")})
    bad_rows = len({e.row for e in errors})
    return ImportBatch.objects.create(
        kind=ImportBatch.Kind.MEMBERS,
        filename=filename[:200],
        content=content,
        scope_unit=scope_unit,
        total_rows=total,
        good_rows=total - bad_rows,
        errors=[e.as_dict() for e in errors[:MAX_ERRORS_KEPT]],
        created_by=checked_by,
    )


def member_import_apply(*, batch: ImportBatch, on_error: str, applied_by) -> ImportBatch:
    """Write the batch's good rows (or, with reject_file and any bad row, nothing) in one transaction."""
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.created_by_id != applied_by.pk:
            raise PermissionDenied(_("只能确认自己上传的导入。"))
        if batch.status != ImportBatch.Status.CHECKED:
            raise ValidationError(_("这批导入已经处理过了。"))
        if not has_unit_permission(applied_by, batch.scope_unit, MEMBERS_IMPORT):
            raise PermissionDenied(_("您没有向该单位导入会员的权限。"))
        if on_error == OnError.REJECT_FILE and batch.errors:
            batch.status = ImportBatch.Status.DISCARDED
            batch.finished_at = timezone.now()
            batch.save(update_fields=["status", "finished_at"])
            audit_log(code="members.import.discarded", actor=applied_by, target=batch, unit=batch.scope_unit)
            return batch
        # Checked again inside the transaction: the registry may have changed since the upload.
        good, errors, _total = _check_all(bytes(batch.content), batch.scope_unit)
        new_bad_rows = {e.row for e in errors} - {e["row"] for e in batch.errors}
        if new_bad_rows:
            raise ValidationError(
                _("自校验以来名册已有变化,第 %(rows)s 行不再有效,请重新上传。")
                % {"rows": "、".join(str(r) for r in sorted(new_bad_rows)[:20])}
            )
        bulk_create_with_history(good, Member, batch_size=2000, default_user=applied_by)
        batch.status = ImportBatch.Status.IMPORTED
        batch.imported_rows = len(good)
        batch.finished_at = timezone.now()
        batch.save(update_fields=["status", "imported_rows", "finished_at"])
        audit_log(
            code="members.import.imported",
            actor=applied_by,
            target=batch,
            unit=batch.scope_unit,
            rows=len(good),
            skipped=batch.total_rows - len(good),
        )
    return batch


@transaction.atomic
def member_import_discard(*, batch: ImportBatch, discarded_by) -> ImportBatch:
    """The user chose "import nothing"."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.created_by_id != discarded_by.pk or batch.status != ImportBatch.Status.CHECKED:
        raise PermissionDenied(_("只能放弃自己上传且尚未处理的导入。"))
    batch.status = ImportBatch.Status.DISCARDED
    batch.finished_at = timezone.now()
    batch.save(update_fields=["status", "finished_at"])
    audit_log(code="members.import.discarded", actor=discarded_by, target=batch, unit=batch.scope_unit)
    return batch


def report_of(batch: ImportBatch) -> dict:
    return {
        "batch_id": batch.pk,
        "status": batch.status,
        "total_rows": batch.total_rows,
        "good_rows": batch.good_rows,
        "bad_rows": batch.total_rows - batch.good_rows,
        "imported_rows": batch.imported_rows,
        "errors": batch.errors,
    }


def template_workbook() -> bytes:
    """An empty sheet with the column headers, for users to fill in."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "会员"
    sheet.append(list(COLUMNS))
    sheet.append(
        [
            "M0000001",
            "张伟",
            "男",
            "1985-03-12",
            "",
            "13800000000",
            "U-0001",
            "炼钢工",
            "正式",
            "2008-07-01",
            "在会",
        ]
    )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
