"""Import of the organization tree from Excel: check every row, then write all of it, or the good rows.

Columns (first row of the first sheet): 单位编码, 单位名称, 简称, 层级, 上级单位编码. Rows may come in
any order: a parent may appear below its children. A row's parent is another row of the sheet or an
existing unit inside the import's scope unit (that unit included). A row is bad when one of its own
cells is wrong, when its code is taken (in the database or by another row), when its parent is
unknown or outside the scope, when parents form a cycle, or when its parent row is bad.

Checking writes no unit: it keeps the file and the report in an `ImportBatch` (kind "units"), so the
user can read the report and choose, on any web node, "import nothing" or "import the good rows".
The write is one transaction: new units get their tree paths computed here and are inserted in bulk.
"""

from __future__ import annotations

import io
import zipfile
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from simple_history.utils import bulk_create_with_history

from lianxin.core.audit import audit_log
from lianxin.core.capabilities import ORG_MANAGE, ORG_VIEW
from lianxin.core.imports import (
    MAX_ERRORS_KEPT,
    OnError,
    import_batch_create,
    import_batch_discard,
    import_batch_finish,
)
from lianxin.core.models import ImportBatch
from lianxin.core.permissions import has_unit_permission, is_global
from lianxin.core.text import join_list, to_simplified

from .models import Unit, UnitLevel

COLUMNS = {
    "单位编码": "code",
    "单位名称": "name",
    "简称": "short_name",
    "层级": "level",
    "上级单位编码": "parent_code",
}
REQUIRED_COLUMNS = ("code", "name", "level", "parent_code")
HEADER_OF = {field: header for header, field in COLUMNS.items()}
MAX_LENGTHS = {"code": 40, "name": 100, "short_name": 40, "parent_code": 40}
MAX_ROWS = 20000
_CHUNK = 500

LEVEL_WORDS = {
    "集团": UnitLevel.GROUP,
    "二级公司": UnitLevel.SECONDARY,
    "三级单位": UnitLevel.UNIT,
    "区科": UnitLevel.SECTION,
    "车间": UnitLevel.SECTION,
    "区科/车间": UnitLevel.SECTION,
    "班组": UnitLevel.TEAM,
    "其他": UnitLevel.OTHER,
} | {value: value for value in UnitLevel.values}


@dataclass
class RowError:
    row: int
    column: str
    value: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "value": self.value, "message": self.message}


@dataclass(eq=False)
class SheetRow:
    number: int
    code: str
    name: str
    short_name: str
    level: str
    parent_code: str
    errors: list[RowError] = field(default_factory=list)
    parent_row: SheetRow | None = None
    parent_unit: Unit | None = None

    def fail(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.number, HEADER_OF[column], getattr(self, column), message))


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


def _header_fields(header: Iterable) -> list[str | None]:
    fields = [COLUMNS.get(to_simplified(_text(cell))) for cell in header]
    missing = [HEADER_OF[name] for name in REQUIRED_COLUMNS if name not in fields]
    if missing:
        raise ValidationError({"file": _("缺少必需的列:%(cols)s。") % {"cols": join_list(missing)}})
    return fields


def read_rows(content: bytes) -> list[SheetRow]:
    """The non-empty rows of the first sheet; a ValidationError on `file` when it cannot be read."""
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise ValidationError({"file": _("无法读取该文件,请上传 Excel(.xlsx)文件。")}) from None
    try:
        values = workbook.worksheets[0].iter_rows(values_only=True)
        header = next(values, None)
        if header is None:
            raise ValidationError({"file": _("表格是空的。")})
        fields = _header_fields(header)
        rows: list[SheetRow] = []
        for number, cells in enumerate(values, start=2):
            raw = {name: _text(v) for name, v in zip(fields, cells or (), strict=False) if name}
            if not any(raw.values()):
                continue
            if len(rows) >= MAX_ROWS:
                raise ValidationError({"file": _("一次最多导入 %(n)d 行。") % {"n": MAX_ROWS}})
            rows.append(SheetRow(number=number, **{name: raw.get(name, "") for name in COLUMNS.values()}))
    finally:
        workbook.close()
    return rows


def _check_cells(rows: list[SheetRow]) -> None:
    for row in rows:
        for name in ("code", "name", "level"):
            if not getattr(row, name):
                row.fail(name, _("必填项为空。"))
        for name, limit in MAX_LENGTHS.items():
            if len(getattr(row, name)) > limit:
                row.fail(name, _("超过 %(n)d 个字符。") % {"n": limit})
        if row.level:
            level = LEVEL_WORDS.get(to_simplified(row.level)) or LEVEL_WORDS.get(row.level.lower())
            if level is None:
                row.fail("level", _("层级应为集团、二级公司、三级单位、区科、车间或班组。"))
            else:
                row.level = level


def _units_by_code(codes: set[str]) -> dict[str, Unit]:
    found: dict[str, Unit] = {}
    ordered = sorted(codes)
    for start in range(0, len(ordered), _CHUNK):
        found.update((u.code, u) for u in Unit.objects.filter(code__in=ordered[start : start + _CHUNK]))
    return found


def _check_codes(rows: list[SheetRow]) -> None:
    counts = Counter(row.code for row in rows if row.code)
    lines: dict[str, list[int]] = {}
    for row in rows:
        lines.setdefault(row.code, []).append(row.number)
    taken = _units_by_code(set(counts))
    for row in rows:
        if not row.code:
            continue
        if counts[row.code] > 1:
            others = join_list(str(n) for n in lines[row.code] if n != row.number)
            row.fail("code", _("单位编码在表中重复(另见第 %(rows)s 行)。") % {"rows": others})
        if row.code in taken:
            row.fail("code", _("单位编码已存在。"))


def _resolve_parents(rows: list[SheetRow], scope_unit: Unit, user) -> None:
    in_sheet: dict[str, SheetRow] = {}
    for row in rows:
        if row.code:
            in_sheet.setdefault(row.code, row)
    existing = _units_by_code(
        {r.parent_code for r in rows if r.parent_code and r.parent_code not in in_sheet}
    )
    for row in rows:
        if not row.parent_code:
            if not is_global(user):
                row.fail("parent_code", _("必填项为空(只有系统管理员可以导入顶层单位)。"))
        elif row.parent_code == row.code:
            row.fail("parent_code", _("上级单位不能是本单位。"))
        elif row.parent_code in in_sheet:
            row.parent_row = in_sheet[row.parent_code]
        else:
            _attach_existing(row, existing.get(row.parent_code), scope_unit, user)


def _attach_existing(row: SheetRow, unit: Unit | None, scope_unit: Unit, user) -> None:
    if unit is None or not has_unit_permission(user, unit, ORG_VIEW):
        row.fail("parent_code", _("上级单位编码不存在,或该单位不在您的查看范围内。"))
    elif not unit.path.startswith(scope_unit.path) or not has_unit_permission(user, unit, ORG_MANAGE):
        row.fail(
            "parent_code",
            _("上级单位“%(name)s”不在本次导入的范围(%(scope)s 及其下级)内。")
            % {"name": unit.name, "scope": scope_unit.name},
        )
    elif not unit.is_active:
        row.fail("parent_code", _("上级单位“%(name)s”已停用。") % {"name": unit.name})
    else:
        row.parent_unit = unit


def _mark_cycles(rows: list[SheetRow]) -> None:
    """Rows whose parents lead back to themselves; each row of the loop is told the whole loop."""
    done: set[int] = set()
    for row in rows:
        walk: list[SheetRow] = []
        on_walk: set[int] = set()
        node = row
        while node is not None and id(node) not in done and id(node) not in on_walk:
            walk.append(node)
            on_walk.add(id(node))
            node = node.parent_row
        if node is not None and id(node) in on_walk:
            loop = walk[walk.index(node) :]
            numbers = "→".join(str(r.number) for r in [*loop, node])
            for member in loop:
                member.fail("parent_code", _("上级关系形成循环(第 %(rows)s 行)。") % {"rows": numbers})
        done.update(on_walk)


def _propagate(rows: list[SheetRow]) -> None:
    """A row whose parent row is bad (itself or further up) is bad too."""
    bad: dict[int, bool] = {}
    for row in rows:
        chain: list[SheetRow] = []
        node = row
        while node is not None and id(node) not in bad and not node.errors:
            chain.append(node)
            node = node.parent_row
        verdict = node is not None and (bool(node.errors) or bad[id(node)])
        for member in chain:
            bad[id(member)] = verdict
            if verdict:
                member.fail(
                    "parent_code",
                    _("上级单位(第 %(row)d 行)有错误,本行不能导入。") % {"row": member.parent_row.number},
                )


def check_rows(content: bytes, *, scope_unit: Unit, user) -> list[SheetRow]:
    """Every row of the sheet with its errors; writes nothing."""
    rows = read_rows(content)
    _check_cells(rows)
    _check_codes(rows)
    _resolve_parents(rows, scope_unit, user)
    _mark_cycles(rows)
    _propagate(rows)
    return rows


def _all_errors(rows: list[SheetRow]) -> list[RowError]:
    return [error for row in rows for error in row.errors]


def _require(user, scope_unit: Unit) -> None:
    if not has_unit_permission(user, scope_unit, ORG_MANAGE):
        raise PermissionDenied(_("您没有维护该单位组织架构的权限。"))


def unit_import_check(*, content: bytes, filename: str, scope_unit: Unit, checked_by) -> ImportBatch:
    """Check every row and keep the file with its report; no unit is written."""
    _require(checked_by, scope_unit)
    rows = check_rows(content, scope_unit=scope_unit, user=checked_by)
    if not rows:
        raise ValidationError({"file": _("表格中没有数据行。")})
    errors = _all_errors(rows)
    bad_rows = sum(1 for row in rows if row.errors)
    return import_batch_create(
        audit_code="org.import.checked",
        kind=ImportBatch.Kind.UNITS,
        content=content,
        filename=filename,
        scope_unit=scope_unit,
        checked_by=checked_by,
        total_rows=len(rows),
        bad_rows=bad_rows,
        errors=[e.as_dict() for e in errors[:MAX_ERRORS_KEPT]],
    )


def _top_down(good: list[SheetRow]) -> list[SheetRow]:
    """Good rows ordered so that every parent row comes before its children."""
    children: dict[int, list[SheetRow]] = {}
    queue: deque[SheetRow] = deque()
    for row in good:
        if row.parent_row is None:
            queue.append(row)
        else:
            children.setdefault(id(row.parent_row), []).append(row)
    ordered: list[SheetRow] = []
    while queue:
        row = queue.popleft()
        ordered.append(row)
        queue.extend(children.get(id(row), []))
    return ordered


class _PathMaker:
    """Hands out the next free tree path under each parent, the way treebeard would."""

    def __init__(self):
        self.last_step: dict[str, int] = {}

    def _first_free(self, parent_path: str, depth: int) -> int:
        siblings = Unit.objects.filter(depth=depth)
        if parent_path:
            siblings = siblings.filter(path__startswith=parent_path)
        last = siblings.order_by("-path").values_list("path", flat=True).first()
        return Unit._str2int(last[-Unit.steplen :]) if last else 0

    def next(self, parent_path: str, depth: int, *, fresh: bool) -> str:
        if parent_path not in self.last_step:
            self.last_step[parent_path] = 0 if fresh else self._first_free(parent_path, depth)
        self.last_step[parent_path] += 1
        key = Unit._int2str(self.last_step[parent_path])
        if len(key) > Unit.steplen or len(parent_path) + Unit.steplen > 255:
            raise ValidationError(_("单位层级过深或下级单位过多,无法导入。"))
        return parent_path + Unit.alphabet[0] * (Unit.steplen - len(key)) + key


def _write(rows: list[SheetRow], applied_by) -> list[Unit]:
    good = [row for row in rows if not row.errors]
    parents = {row.parent_unit.pk for row in good if row.parent_unit is not None}
    locked = {u.pk: u for u in Unit.objects.select_for_update().filter(pk__in=parents)}
    maker = _PathMaker()
    built: dict[int, Unit] = {}
    added_under: Counter[int] = Counter()
    for row in _top_down(good):
        if row.parent_row is not None:
            parent = built[id(row.parent_row)]
            parent.numchild += 1
            path = maker.next(parent.path, parent.depth + 1, fresh=True)
        elif row.parent_unit is not None:
            parent = locked[row.parent_unit.pk]
            added_under[parent.pk] += 1
            path = maker.next(parent.path, parent.depth + 1, fresh=False)
        else:
            path = maker.next("", 1, fresh=False)
        built[id(row)] = Unit(
            name=row.name,
            short_name=row.short_name,
            code=row.code,
            level=row.level,
            path=path,
            depth=len(path) // Unit.steplen,
            numchild=0,
        )
    for pk, count in added_under.items():
        Unit.objects.filter(pk=pk).update(numchild=F("numchild") + count)
    units = list(built.values())
    bulk_create_with_history(units, Unit, batch_size=1000, default_user=applied_by)
    return units


def _still_the_same(batch: ImportBatch, rows: list[SheetRow]) -> None:
    """The tree may have changed since the check: refuse if the verdict of any row has."""
    bad_now = {row.number for row in rows if row.errors}
    recorded = {error["row"] for error in batch.errors}
    changed = len(bad_now) != batch.total_rows - batch.good_rows
    if len(batch.errors) < MAX_ERRORS_KEPT:
        changed = changed or bad_now != recorded
    if changed:
        rows_changed = sorted(bad_now ^ recorded)[:20]
        raise ValidationError(
            _("自校验以来组织架构已有变化,第 %(rows)s 行的结果不同了,请重新上传。")
            % {"rows": join_list(str(n) for n in rows_changed) or "?"}
        )


def unit_import_apply(*, batch: ImportBatch, on_error: str, applied_by) -> ImportBatch:
    """Write the good rows in one transaction; with reject_file and any bad row, write nothing."""
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().select_related("scope_unit").get(pk=batch.pk)
        if batch.created_by_id != applied_by.pk or batch.kind != ImportBatch.Kind.UNITS:
            raise PermissionDenied(_("只能确认自己上传的导入。"))
        if batch.status != ImportBatch.Status.CHECKED:
            raise ValidationError(_("这批导入已经处理过了。"))
        _require(applied_by, batch.scope_unit)
        if on_error == OnError.REJECT_FILE and batch.errors:
            import_batch_finish(batch, ImportBatch.Status.DISCARDED)
            audit_log(code="org.import.discarded", actor=applied_by, target=batch, unit=batch.scope_unit)
            return batch
        rows = check_rows(bytes(batch.content), scope_unit=batch.scope_unit, user=applied_by)
        _still_the_same(batch, rows)
        units = _write(rows, applied_by)
        import_batch_finish(batch, ImportBatch.Status.IMPORTED, len(units))
        audit_log(
            code="org.import.imported",
            actor=applied_by,
            target=batch,
            unit=batch.scope_unit,
            rows=len(units),
            skipped=batch.total_rows - len(units),
            codes=[u.code for u in units[:200]],
        )
    return batch


def unit_import_discard(*, batch: ImportBatch, discarded_by) -> ImportBatch:
    """The user chose "import nothing"."""
    return import_batch_discard(batch=batch, discarded_by=discarded_by, audit_code="org.import.discarded")


def template_workbook() -> bytes:
    """The sheet to fill in, with a second sheet explaining the columns by example."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("组织架构")
    sheet.append(list(COLUMNS))
    for column in "ABCDE":
        sheet.column_dimensions[column].width = 18
    notes = workbook.create_sheet(_("填写说明"))
    notes.append([_("说明")])
    notes.append([_("第一张表的第一行是列名,请勿修改;从第二行起每行一个单位,行的先后不限。")])
    notes.append(
        [_("层级填写:集团、二级公司、三级单位、区科、车间、班组(或 group/secondary/unit/section/team)。")]
    )
    notes.append([_("上级单位编码:已有单位的编码(须在导入范围内),或本表中另一行的单位编码。")])
    notes.append([])
    notes.append([_("示例")])
    notes.append(list(COLUMNS))
    notes.append(["U9", "第九分厂", "九厂", "三级单位", "S1"])
    notes.append(["U9-1", "装配车间", "", "车间", "U9"])
    notes.append(["U9-1-1", "装配一班", "", "班组", "U9-1"])
    notes.column_dimensions["A"].width = 18
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
