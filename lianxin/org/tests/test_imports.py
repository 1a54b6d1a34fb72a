"""Import of the tree from Excel: rows in any order, every bad row reported, nothing half-written."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from lianxin.core.models import AuditEvent, ImportBatch
from lianxin.org import imports
from lianxin.org.models import Unit
from lianxin.org.tests.factories import make_unit

pytestmark = pytest.mark.django_db

HEADER = ["单位编码", "单位名称", "简称", "层级", "上级单位编码"]


def sheet(*rows, header=HEADER) -> bytes:
    workbook = Workbook()
    workbook.active.append(header)
    for row in rows:
        workbook.active.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# Children before parents on purpose: the sheet's order must not matter.
GOOD = [
    ("U3-1-1", "炼铁一班", "", "班组", "U3-1"),
    ("U3-1", "炼铁车间", "", "车间", "U3"),
    ("U3", "炼铁厂", "铁厂", "三级单位", "S1"),
    ("U1-2", "二炼钢车间", "", "section", "U1"),
    ("U1-2-1", "二炼钢甲班", "", "team", "U1-2"),
]

# Each bad row, and the rows that hang on it, by sheet row number (the header is row 1).
BAD = [
    ("U1-3", "精炼车间", "", "区科", "U1"),  # 2: good
    ("U1-3-1", "精炼一班", "", "班组", "U1-3"),  # 3: good
    ("U1-4", "连铸车间", "", "车间", "NOPE"),  # 4: unknown parent
    ("U1-4-1", "连铸一班", "", "班组", "U1-4"),  # 5: parent row is bad
    ("U1-1-1", "重复班", "", "班组", "U1-1"),  # 6: code taken in the database
    ("U1-5", "甲车间", "", "车间", "U1"),  # 7: code repeated in the sheet
    ("U1-5", "乙车间", "", "车间", "U1"),  # 8: code repeated in the sheet
    ("U1-6", "某车间", "", "工段", "U1"),  # 9: unknown level
    ("C1", "环一", "", "班组", "C2"),  # 10: cycle
    ("C2", "环二", "", "班组", "C1"),  # 11: cycle
    ("U2-9", "越界车间", "", "车间", "U2"),  # 12: parent outside the cadre's scope
    ("U1-7", "", "", "车间", "U1"),  # 13: no name
    ("U1-7-1", "孤儿班", "", "班组", "U1-7"),  # 14: parent row is bad
    ("U1-8", "精炼二车间", "", "车间", "U1-3"),  # 15: good, under a good sheet row
]
BAD_ROWS = {4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14}


def test_a_good_sheet_in_any_order_is_imported_into_a_sound_tree(company, personas):
    batch = imports.unit_import_check(
        content=sheet(*GOOD),
        filename="树.xlsx",
        scope_unit=company.secondary,
        checked_by=personas.parent_cadre,
    )
    assert (batch.total_rows, batch.good_rows, batch.errors) == (5, 5, [])
    imports.unit_import_apply(
        batch=batch, on_error=imports.OnError.REJECT_FILE, applied_by=personas.parent_cadre
    )

    iron = Unit.objects.get(code="U3")
    assert iron.path.startswith(company.secondary.path) and iron.short_name == "铁厂"
    assert Unit.objects.get(code="U3-1-1").path.startswith(Unit.objects.get(code="U3-1").path)
    assert Unit.objects.get(code="U1-2-1").level == "team"
    assert Unit.objects.get(pk=company.secondary.pk).numchild == 3
    assert Unit.objects.get(code="U3").numchild == 1
    assert Unit.objects.find_problems() == ([], [], [], [], [])
    # treebeard still adds children after the bulk insert
    assert make_unit("后加车间", "section", Unit.objects.get(pk=company.unit.pk)).path
    assert Unit.history.filter(code="U3").exists()
    assert AuditEvent.objects.get(code="org.import.imported").detail["rows"] == 5


def _check_bad(company, personas) -> ImportBatch:
    return imports.unit_import_check(
        content=sheet(*BAD), filename="错.xlsx", scope_unit=company.unit, checked_by=personas.cadre
    )


def test_every_bad_row_is_reported_with_its_reason(company, personas):
    batch = _check_bad(company, personas)
    by_row: dict[int, list[str]] = {}
    for error in batch.errors:
        by_row.setdefault(error["row"], []).append(error["message"])
    assert set(by_row) == BAD_ROWS
    assert (batch.total_rows, batch.good_rows) == (14, 3)
    assert "不存在" in by_row[4][0]
    assert "第 4 行" in by_row[5][0]
    assert "已存在" in by_row[6][0]
    assert "另见第 8 行" in by_row[7][0]
    assert "层级应为" in by_row[9][0]
    assert "循环" in by_row[10][0] and "循环" in by_row[11][0]
    assert "不存在,或该单位不在您的查看范围内" in by_row[12][0]
    assert "必填" in by_row[13][0]
    assert "第 13 行" in by_row[14][0]
    assert not Unit.objects.filter(code__in=["U1-3", "U1-3-1", "U1-8"]).exists()


def test_all_or_nothing_writes_nothing_when_a_row_is_bad(company, personas):
    before = Unit.objects.count()
    batch = _check_bad(company, personas)
    batch = imports.unit_import_apply(
        batch=batch, on_error=imports.OnError.REJECT_FILE, applied_by=personas.cadre
    )
    assert batch.status == ImportBatch.Status.DISCARDED
    assert Unit.objects.count() == before


def test_good_rows_mode_writes_only_the_good_rows(company, personas):
    before = Unit.objects.count()
    batch = _check_bad(company, personas)
    batch = imports.unit_import_apply(
        batch=batch, on_error=imports.OnError.SKIP_BAD_ROWS, applied_by=personas.cadre
    )
    assert (batch.status, batch.imported_rows) == (ImportBatch.Status.IMPORTED, 3)
    assert Unit.objects.count() == before + 3
    assert set(
        Unit.objects.filter(path__startswith=company.unit.path, depth__gte=4).values_list("code", flat=True)
    ) >= {
        "U1-3",
        "U1-3-1",
        "U1-8",
    }
    assert not Unit.objects.filter(code__in=["U1-4", "U1-4-1", "C1", "C2", "U1-6", "U1-7-1"]).exists()
    assert Unit.objects.get(code="U1-8").path.startswith(Unit.objects.get(code="U1-3").path)
    assert Unit.objects.find_problems() == ([], [], [], [], [])


def test_a_batch_is_refused_when_the_tree_changed_since_the_check(company, personas):
    batch = imports.unit_import_check(
        content=sheet(*GOOD[3:]), filename="a.xlsx", scope_unit=company.unit, checked_by=personas.cadre
    )
    make_unit("抢先", "section", company.unit, code="U1-2")
    with pytest.raises(ValidationError):
        imports.unit_import_apply(
            batch=batch, on_error=imports.OnError.SKIP_BAD_ROWS, applied_by=personas.cadre
        )
    assert not Unit.objects.filter(code="U1-2-1").exists()
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportBatch.Status.CHECKED


def test_a_parent_seen_but_outside_the_chosen_scope_is_named_in_the_report(company, personas):
    batch = imports.unit_import_check(
        content=sheet(("U2-9", "新车间", "", "車間", "U2")),
        filename="a.xlsx",
        scope_unit=company.unit,
        checked_by=personas.parent_cadre,
    )
    assert batch.good_rows == 0
    assert "不在本次导入的范围(炼钢厂 及其下级)内" in batch.errors[0]["message"]


def test_traditional_level_words_are_understood(company, personas):
    batch = imports.unit_import_check(
        content=sheet(("U1-9", "新车间", "", "車間", "U1")),
        filename="a.xlsx",
        scope_unit=company.unit,
        checked_by=personas.cadre,
    )
    assert batch.errors == []


def test_only_a_manager_of_the_scope_may_import_into_it(company, personas):
    with pytest.raises(PermissionDenied):
        imports.unit_import_check(
            content=sheet(*GOOD), filename="a.xlsx", scope_unit=company.unit, checked_by=personas.outsider
        )


def test_a_file_that_is_not_a_sheet_or_lacks_columns_is_refused_on_the_file(company, personas):
    with pytest.raises(ValidationError) as exc:
        imports.unit_import_check(
            content=b"not excel", filename="a.xlsx", scope_unit=company.unit, checked_by=personas.cadre
        )
    assert "file" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        imports.unit_import_check(
            content=sheet(("U9", "x"), header=["单位编码", "单位名称"]),
            filename="a.xlsx",
            scope_unit=company.unit,
            checked_by=personas.cadre,
        )
    assert "层级" in exc.value.message_dict["file"][0]


# --- Pages ------------------------------------------------------------------------------------------


def _upload(client, content: bytes, scope: str = "U1"):
    upload = SimpleUploadedFile("组织.xlsx", content, content_type=imports_xlsx())
    return client.post(reverse("org:import"), {"scope_code": scope, "file": upload})


def imports_xlsx() -> str:
    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_the_import_pages_check_then_write_the_good_rows(login, personas, company):
    client = login(personas.cadre)
    assert client.get(reverse("org:import")).status_code == 200
    response = _upload(client, sheet(*BAD))
    batch = ImportBatch.objects.get(kind=ImportBatch.Kind.UNITS)
    assert response.status_code == 302 and response["Location"] == reverse(
        "org:import_batch", args=[batch.pk]
    )
    report = client.get(response["Location"]).content.decode()
    assert "循环" in report and "有错 11 行" in report
    assert not Unit.objects.filter(code="U1-3").exists()

    done = client.post(reverse("org:import_batch", args=[batch.pk]), {"on_error": "skip_bad_rows"})
    assert done.status_code == 302
    assert Unit.objects.filter(code__in=["U1-3", "U1-3-1", "U1-8"]).count() == 3


def test_discarding_a_batch_writes_nothing(login, personas, company):
    client = login(personas.cadre)
    _upload(client, sheet(*BAD))
    batch = ImportBatch.objects.get(kind=ImportBatch.Kind.UNITS)
    client.post(reverse("org:import_batch", args=[batch.pk]), {"action": "discard"})
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportBatch.Status.DISCARDED
    assert not Unit.objects.filter(code="U1-3").exists()


def test_someone_elses_batch_answers_404(login, personas, company):
    _upload(login(personas.cadre), sheet(*GOOD[3:]))
    batch = ImportBatch.objects.get(kind=ImportBatch.Kind.UNITS)
    assert login(personas.parent_cadre).get(reverse("org:import_batch", args=[batch.pk])).status_code == 404


def test_an_import_scope_outside_the_users_view_is_an_error_on_the_field(login, personas, company):
    response = _upload(login(personas.cadre), sheet(*GOOD), scope="U2")
    assert response.status_code == 200
    assert "没有找到该编码的单位" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_who_may_not_open_the_import_page(login, personas, company):
    assert login(personas.liaison).get(reverse("org:import")).status_code == 403
    assert login(personas.worker).get(reverse("org:import_template")).status_code == 403


def test_the_template_has_the_five_columns(login, personas, company):
    response = login(personas.cadre).get(reverse("org:import_template"))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    assert [cell.value for cell in next(workbook.worksheets[0].iter_rows())] == HEADER
