"""Member import: every bad row reported with its reason; nothing half-written; never a crash."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import Workbook
from simple_history.utils import bulk_create_with_history

from lianxin.core.models import AuditEvent, ImportBatch
from lianxin.members import imports
from lianxin.members.models import Member
from lianxin.members.services import member_build
from lianxin.members.tests.factories import make_member, make_sheet, sheet_row, valid_id_number

GOOD_ID = valid_id_number(501, birth="19900101")
OTHER_ID = valid_id_number(502, birth="19910101")
BAD_CHECK_ID = GOOD_ID[:-1] + ("0" if GOOD_ID[-1] != "0" else "1")


def check(content: bytes, company, user) -> ImportBatch:
    return imports.member_import_check(
        content=content, filename="members.xlsx", scope_unit=company.unit, checked_by=user
    )


@pytest.fixture
def bad_sheet(company, personas) -> bytes:
    """Rows 2 and 10 are good; rows 3 to 9 each have one mistake."""
    existing = make_member(company.team, "老会员", member_no="E0000001")
    assert existing.pk
    return make_sheet(
        [
            sheet_row("N0000001", "张伟", "U1-1-1", id_number=GOOD_ID, phone="13800001111"),
            sheet_row("N0000002", "李娜", "U1-1-1", id_number=BAD_CHECK_ID),
            sheet_row("N0000003", "王芳", "NO-SUCH"),
            sheet_row("N0000001", "刘洋", "U1-1-2"),
            sheet_row("E0000001", "陈静", "U1-1-2"),
            sheet_row("N0000004", "杨敏", "U1-1-2", phone="1234567"),
            sheet_row("N0000005", "赵磊", "U1-1-2", joined_on="2024-13-45"),
            sheet_row("N0000006", "", "U1-1-2"),
            sheet_row("N0000007", "黃麗", "U1-1-2", id_number=OTHER_ID, gender="女", joined_on="2010/7/1"),
        ]
    )


def test_every_bad_row_is_reported_with_its_column_value_and_reason(bad_sheet, company, personas):
    batch = check(bad_sheet, company, personas.cadre)

    assert (batch.total_rows, batch.good_rows) == (9, 2)
    reported = {(e["row"], e["column"]): (e["value"], e["message"]) for e in batch.errors}
    assert reported == {
        (3, "身份证号"): (BAD_CHECK_ID, "身份证号校验位不正确。"),
        (4, "单位编码"): ("NO-SUCH", "未知单位,或不在您导入的范围内。"),
        (5, "会员号"): ("N0000001", "会员号与第 2 行重复。"),
        (6, "会员号"): ("E0000001", "会员号已存在。"),
        (7, "手机号"): ("1234567", "手机号应为以1开头的11位数字。"),
        (8, "入会日期"): ("2024-13-45", "日期格式应为 2024-03-01。"),
        (9, "姓名"): ("", "必填项为空。"),
    }
    assert Member.objects.filter(member_no__startswith="N").count() == 0  # checking writes no member


def test_reject_file_writes_nothing_when_any_row_is_bad(bad_sheet, company, personas):
    batch = check(bad_sheet, company, personas.cadre)

    batch = imports.member_import_apply(
        batch=batch, on_error=imports.OnError.REJECT_FILE, applied_by=personas.cadre
    )

    assert batch.status == ImportBatch.Status.DISCARDED
    assert not Member.objects.filter(member_no__startswith="N").exists()


def test_skip_bad_rows_writes_only_the_good_rows_with_their_history(bad_sheet, company, personas):
    batch = check(bad_sheet, company, personas.cadre)

    batch = imports.member_import_apply(
        batch=batch, on_error=imports.OnError.SKIP_BAD_ROWS, applied_by=personas.cadre
    )

    assert batch.status == ImportBatch.Status.IMPORTED and batch.imported_rows == 2
    imported = {m.member_no: m for m in Member.objects.filter(member_no__startswith="N")}
    assert set(imported) == {"N0000001", "N0000007"}
    zhang, huang = imported["N0000001"], imported["N0000007"]
    assert (zhang.unit, zhang.birth_date, zhang.gender) == (company.team, dt.date(1990, 1, 1), "M")
    assert (zhang.phone_tail, zhang.name_initials) == ("1111", "zw")
    assert (huang.name, huang.gender, huang.joined_on) == ("黄丽", "F", dt.date(2010, 7, 1))
    history = Member.history.filter(id=zhang.pk).get()
    assert (history.history_type, history.history_user, history.member_no) == (
        "+",
        personas.cadre,
        "N0000001",
    )
    assert AuditEvent.objects.filter(
        code="members.import.imported", target=f"core.importbatch:{batch.pk}"
    ).exists()


def test_imported_history_rows_match_what_simple_history_writes(company, personas):
    content = make_sheet([sheet_row("H0000001", "周杰", "U1-1-1", id_number=GOOD_ID, phone="13900002222")])
    batch = imports.member_import_apply(
        batch=check(content, company, personas.cadre),
        on_error=imports.OnError.REJECT_FILE,
        applied_by=personas.cadre,
    )
    assert batch.imported_rows == 1
    reference = member_build(unit=company.team, member_no="H0000002", name="周杰", phone="13900002222")
    bulk_create_with_history([reference], Member, default_user=personas.cadre)

    ours = Member.history.get(member_no="H0000001")
    theirs = Member.history.get(member_no="H0000002")
    skip = {"history_id", "history_date", "id", "member_no", "id_number_cipher", "id_number_digest",
            "id_number_masked", "birth_date", "phone_cipher", "created_at"}  # fmt: skip
    for field in Member.history.model._meta.concrete_fields:
        if field.attname not in skip:
            assert getattr(ours, field.attname) == getattr(theirs, field.attname), field.attname
    assert ours.id == Member.objects.get(member_no="H0000001").pk


def test_apply_writes_nothing_when_the_registry_changed_since_the_check(company, personas):
    content = make_sheet([sheet_row("C0000001", "张伟", "U1-1-1"), sheet_row("C0000002", "李娜", "U1-1-1")])
    batch = check(content, company, personas.cadre)
    make_member(company.team2, "抢先登记", member_no="C0000002")

    with pytest.raises(ValidationError, match="第 3 行"):
        imports.member_import_apply(
            batch=batch, on_error=imports.OnError.SKIP_BAD_ROWS, applied_by=personas.cadre
        )

    assert not Member.objects.filter(member_no="C0000001").exists()
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportBatch.Status.CHECKED


@pytest.mark.parametrize(
    "content",
    [
        b"not a spreadsheet at all",
        b"PK\x03\x04 a truncated zip",
        b"",
        "会员号,姓名,单位编码\nM1,张伟,U1".encode(),
    ],
    ids=["text", "truncated-zip", "empty", "csv"],
)
def test_a_file_that_is_not_xlsx_gives_a_clean_error(content, company, personas):
    with pytest.raises(ValidationError) as caught:
        check(content, company, personas.cadre)
    assert caught.value.message_dict == {"file": ["无法读取该文件,请上传 Excel(.xlsx)文件。"]}


def test_a_zip_that_is_not_a_workbook_or_a_cut_workbook_gives_a_clean_error(company, personas):
    other = io.BytesIO()
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("readme.txt", "hello")
    whole = make_sheet([sheet_row("M1", "张伟", "U1-1-1")] * 50)
    for content in (other.getvalue(), whole[: len(whole) // 2], whole[:-200]):
        with pytest.raises(ValidationError) as caught:
            check(content, company, personas.cadre)
        assert "file" in caught.value.message_dict


def test_a_sheet_without_a_required_column_names_the_missing_column(company, personas):
    content = make_sheet([["M1", "张伟"]], headers=["会员号", "姓名"])

    with pytest.raises(ValidationError) as caught:
        check(content, company, personas.cadre)

    assert caught.value.message_dict == {"file": ["缺少必填列:单位编码。"]}


def test_a_sheet_with_only_a_header_says_there_are_no_rows(company, personas):
    with pytest.raises(ValidationError, match="没有数据行"):
        check(make_sheet([]), company, personas.cadre)


def test_dates_numbers_and_chinese_date_formats_are_read_from_real_cells(company, personas):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(imports.COLUMNS))
    sheet.append(
        [
            "D0000001",
            "孙丽",
            "女",
            dt.date(1988, 8, 8),
            "",
            13700003333,
            "U1-1-1",
            "",
            "",
            dt.datetime(2012, 5, 1),
        ]
    )
    sheet["J2"].number_format = 'yyyy"年"m"月"d"日"'
    sheet.append(["D0000002", "钱程", "男", "", 110105198803120011, "", "U1-1-1"])
    out = io.BytesIO()
    workbook.save(out)

    batch = check(out.getvalue(), company, personas.cadre)

    assert batch.good_rows == 1
    assert [(e["row"], e["column"]) for e in batch.errors] == [(3, "身份证号")]
    assert "文本" in batch.errors[0]["message"]  # an ID saved as a number: the hint says why
    imports.member_import_apply(
        batch=batch, on_error=imports.OnError.SKIP_BAD_ROWS, applied_by=personas.cadre
    )
    sun = Member.objects.get(member_no="D0000001")
    assert (sun.birth_date, sun.joined_on, sun.phone_tail) == (
        dt.date(1988, 8, 8),
        dt.date(2012, 5, 1),
        "3333",
    )


def test_a_unit_outside_the_chosen_unit_is_refused_even_if_the_user_may_import_there(company, personas):
    content = make_sheet([sheet_row("S0000001", "张伟", "U2-1-1")])

    batch = imports.member_import_check(
        content=content, filename="x.xlsx", scope_unit=company.unit, checked_by=personas.parent_cadre
    )

    assert batch.errors[0]["column"] == "单位编码"


def test_import_into_a_unit_outside_scope_is_refused(company, personas):
    with pytest.raises(PermissionDenied):
        imports.member_import_check(
            content=make_sheet([]), filename="x.xlsx", scope_unit=company.unit, checked_by=personas.outsider
        )


def test_only_the_uploader_may_apply_or_discard_a_batch(company, personas):
    batch = check(make_sheet([sheet_row("P0000001", "张伟", "U1-1-1")]), company, personas.cadre)

    with pytest.raises(PermissionDenied):
        imports.member_import_apply(
            batch=batch, on_error=imports.OnError.SKIP_BAD_ROWS, applied_by=personas.parent_cadre
        )
    with pytest.raises(PermissionDenied):
        imports.member_import_discard(batch=batch, discarded_by=personas.parent_cadre)

    imports.member_import_discard(batch=batch, discarded_by=personas.cadre)
    with pytest.raises(ValidationError, match="已经处理过"):
        imports.member_import_apply(
            batch=batch, on_error=imports.OnError.SKIP_BAD_ROWS, applied_by=personas.cadre
        )
    assert not Member.objects.filter(member_no="P0000001").exists()


def test_the_template_workbook_has_every_column_and_is_accepted_by_the_check(company, personas):
    batch = check(imports.template_workbook(), company, personas.cadre)

    assert batch.total_rows == 1
    assert [e["column"] for e in batch.errors] == ["单位编码"]  # the example's unit code is made up


def test_a_report_with_more_errors_than_kept_still_applies(company, personas, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ERRORS_KEPT", 2)
    rows = [sheet_row(f"T{n:07d}", "张伟", "NO-SUCH" if n % 2 else "U1-1-1") for n in range(10)]
    batch = check(make_sheet(rows), company, personas.cadre)
    assert (batch.good_rows, len(batch.errors)) == (5, 2)

    batch = imports.member_import_apply(
        batch=batch, on_error=imports.OnError.SKIP_BAD_ROWS, applied_by=personas.cadre
    )

    assert batch.imported_rows == 5


def test_values_too_long_for_the_registry_are_reported_not_written(company, personas):
    content = make_sheet([sheet_row("M" * 31, "张" * 51, "U1-1-1")])

    batch = check(content, company, personas.cadre)

    assert sorted(e["column"] for e in batch.errors) == ["会员号", "姓名"]


def test_checking_a_sheet_is_on_the_record(company, personas):
    from lianxin.core.models import AuditEvent
    from lianxin.members.imports import member_import_check

    from .factories import make_sheet

    sheet = make_sheet([["M9000001", "周杰", "男", "", "", "", company.team.code, "", "正式", "", "在会"]])
    batch = member_import_check(
        content=sheet, filename="a.xlsx", scope_unit=company.unit, checked_by=personas.cadre
    )
    event = AuditEvent.objects.get(code="members.import.checked")
    assert event.target == f"core.importbatch:{batch.pk}"
    assert event.detail == {"rows": 1, "bad_rows": 0}
